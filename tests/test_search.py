"""Search text preparation: spacing CJK characters and building safe MATCH expressions."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.search import MARK, characters, fold_width, fts_query, index_columns, snippet, spaced


def test_spaced_makes_every_character_a_token():
    assert spaced("城市2023年ＧＤＰ").split() == [
        "城",
        "市",
        "2",
        "0",
        "2",
        "3",
        "年",
        "G",
        "D",
        "P",
    ]


def test_full_width_is_folded():
    assert fold_width("ＧＤＰ２０２３") == "GDP2023"


def test_query_terms_become_phrases():
    assert fts_query("风险 治理") == '"风 险" "治 理"'
    assert fts_query("風險") == '"风 险"'
    assert fts_query("躰制") == '"体 制"'
    assert fts_query('"un"bal') == '"u n b a l"'
    assert fts_query("") == '""'
    assert fts_query("*") == '""'


def test_one_character_terms_search_the_characters_column():
    assert fts_query("險") == f'"险{MARK}"'
    assert fts_query("险 风险 x") == f'"险{MARK}" "风 险" "x{MARK}"'
    assert characters("城市城", "ＧＤＰ，城2") == "".join(f"{c}{MARK} " for c in sorted("城市GDP2"))


def index(*articles: tuple[str, str]) -> sqlite3.Connection:
    """An in-memory index laid out as ``articles_fts``."""
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(title, body, characters)")
    for title, body in articles:
        conn.execute("insert into t values (?, ?, ?)", index_columns(title, body))
    return conn


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        '"unbalanced',
        "NEAR(风险",
        "*",
        "😀风险",
        "AND",
        "x" * 10000,
        "风险 OR",
        "-风险",
        "^险",
        "a:b",
    ],
)
def test_odd_queries_never_raise(query):
    conn = index(("标题", "城市跨域风险协同治理 AND OR"))
    conn.execute("select * from t where t match ?", [fts_query(query)]).fetchall()


def test_substring_matches():
    conn = index(("城市", "跨域风险协同治理"), ("数据", "市政府发布2023年ＧＤＰ数据,标题"))

    def hits(q):
        return [r[0] for r in conn.execute("select rowid from t where t match ?", [fts_query(q)])]

    assert hits("风险") == [1]
    assert hits("险") == [1]
    assert hits("政府") == [2]
    assert hits("gdp") == [2]
    assert hits("２０２３") == [2]
    assert hits("城市 治理") == [1]
    assert hits("风治") == []
    assert hits("02") == [2]
    assert hits("城市跨") == []
    assert hits("城") == [1]
    assert hits("P") == [2]
    assert hits("据") == [2]
    assert hits("标") == [2]
    assert hits("，") == []


def test_snippet_brackets_the_first_term_found():
    body = "一二三四五六七八九十" * 3 + "风险协同" + "甲乙丙丁" * 10
    assert snippet(body, "風險", width=4) == "…七八九十[风险]协同甲乙…"
    assert snippet("GDP数据", "ｇｄｐ") == "[GDP]数据"
    assert snippet("短文", "标题") == "短文"


@given(st.text())
def test_spaced_is_every_width_folded_character_joined_by_spaces(text):
    assert spaced(text) == " ".join(fold_width(text))
