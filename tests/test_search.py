"""Search text preparation: character bigrams and safe MATCH expressions."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.search import (
    BREAK,
    TOKEN_RUN,
    bigrams,
    characters,
    fold_width,
    fts_query,
    index_columns,
    snippet,
)


def test_bigrams_of_each_run_of_letters_and_digits():
    assert bigrams("城市跨域,2023年ＧＤＰ。我").split() == [
        "城市",
        "市跨",
        "跨域",
        chr(BREAK),
        "20",
        "02",
        "23",
        "3年",
        "年G",
        "GD",
        "DP",
        chr(BREAK),
        chr(BREAK),
    ]


def test_characters_are_the_distinct_letters_and_digits():
    assert characters("城市城", "ＧＤＰ，城2") == "".join(f"{c} " for c in sorted("城市GDP2"))


def test_full_width_is_folded():
    assert fold_width("ＧＤＰ２０２３") == "GDP2023"


def test_query_terms_become_phrases_of_bigrams():
    assert fts_query("风险 治理") == '"风险" "治理"'
    assert fts_query("風險") == '"风险"'
    assert fts_query("躰制") == '"体制"'
    assert fts_query("协同治理") == '"协同 同治 治理"'
    assert fts_query("險") == '"险"'
    assert fts_query('"un"bal') == '"un" "ba al"'
    assert fts_query("") == '""'
    assert fts_query("*") == '""'


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
        chr(BREAK),
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
    assert hits("协同治理") == [1]
    assert hits("域风险协") == [1]
    assert hits("城市跨") == []
    assert hits("数据标题") == []
    assert hits("数据,标题") == [2]
    assert hits("城") == [1]
    assert hits("据") == [2]


def test_snippet_brackets_the_first_term_found():
    body = "一二三四五六七八九十" * 3 + "风险协同" + "甲乙丙丁" * 10
    assert snippet(body, "風險", width=4) == "…七八九十[风险]协同甲乙…"
    assert snippet("GDP数据", "ｇｄｐ") == "[GDP]数据"
    assert snippet("ＧＤＰ数据", "gdp") == "[ＧＤＰ]数据"
    assert snippet("短文", "标题") == "短文"


@given(st.text())
def test_bigrams_are_those_of_each_run(text):
    expected = []
    for run in TOKEN_RUN.findall(fold_width(text)):
        expected += [run[i : i + 2] for i in range(len(run) - 1)] + [chr(BREAK)]
    assert bigrams(text).split(" ")[:-1] == expected
