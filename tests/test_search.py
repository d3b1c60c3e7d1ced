"""Search: the index's text, safe MATCH expressions, and the index catching up with the
articles queued for it."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import store
from ingest.search import (
    BREAK,
    TOKEN_RUN,
    fold_width,
    fts_query,
    index_columns,
    index_pending,
    prepare,
    refresh,
    snippet,
    spaced,
    write_prepared,
)


def test_each_letter_and_digit_is_a_token_and_each_run_ends_with_a_break():
    assert spaced("城市跨域,2023年ＧＤＰ。我").split() == [
        *"城市跨域",
        chr(BREAK),
        *"2023年gdp",
        chr(BREAK),
        "我",
        chr(BREAK),
    ]
    assert spaced("") == spaced("。,") == ""


def test_full_width_is_folded():
    assert fold_width("ＧＤＰ２０２３") == "GDP2023"


def test_index_and_query_fold_width_and_case_alike():
    assert spaced("ＧＤＰ Gdp ΣΑΣ").split() == [
        *"gdp",
        chr(BREAK),
        *"gdp",
        chr(BREAK),
        *"σασ",
        chr(BREAK),
    ]
    conn = index(("标题", "全年ＧＤＰ增长；ΣΑΣ"))
    for query in ("gdp", "GDP", "ｇｄｐ", "gdp增长", "σασ"):
        assert conn.execute(
            "select count(*) from t where t match ?", [fts_query(query)]
        ).fetchone() == (1,), query


def test_query_terms_become_phrases_of_characters():
    assert fts_query("风险 治理") == '"风 险" "治 理"'
    assert fts_query("風險") == '"风 险"'
    assert fts_query("躰制") == '"体 制"'
    assert fts_query("险") == '"险"'
    assert fts_query('"un"bal') == '"u n" "b a l"'
    assert fts_query("风险 风险") == '"风 险"'
    assert fts_query("") == '""'
    assert fts_query("*") == '""'


def index(*articles: tuple[str, str]) -> sqlite3.Connection:
    """An in-memory index laid out as ``articles_fts``."""
    conn = sqlite3.connect(":memory:")
    conn.execute(store.FTS_SQL.replace("articles_fts", "t"))
    for title, body in articles:
        conn.execute("insert into t (title, body) values (?, ?)", index_columns(title, body))
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
    conn = index(("城市", "跨域风险协同治理"), ("数据", "市政府发布2023年ＧＤＰ数据,标题。中"))

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
    assert hits("题中") == []
    assert hits("题,中") == [2]


def test_snippet_brackets_the_first_term_found():
    body = "一二三四五六七八九十" * 3 + "风险协同" + "甲乙丙丁" * 10
    assert snippet(body, "風險", width=4) == "…七八九十[风险]协同甲乙…"
    assert snippet("GDP数据", "ｇｄｐ") == "[GDP]数据"
    assert snippet("ＧＤＰ数据", "gdp") == "[ＧＤＰ]数据"
    assert snippet("短文", "标题") == "短文"


@given(st.text())
def test_tokens_are_the_characters_of_each_run(text):
    expected = []
    for run in TOKEN_RUN.findall(fold_width(text)):
        expected += [c.lower() if len(c.lower()) == 1 else c for c in run] + [chr(BREAK)]
    assert spaced(text).split(" ")[:-1] == expected


def archive(tmp_path, *bodies: str):
    """An archive holding articles with these bodies, none indexed yet."""
    db = store.open_db(str(tmp_path / "a.db"))
    store.ensure_schema(db)
    with store.write_transaction(db):
        for body in bodies:
            store.insert_article(db, {"title": "标题", "body": body}, b"", 0)
    return db


def found(db, query: str) -> list[int]:
    rows = db.execute(
        "select rowid from articles_fts where articles_fts match ?", [fts_query(query)]
    )
    return sorted(row[0] for row in rows)


def replace(db, article_id: int, body: str) -> None:
    store.replace_canonical(db, article_id, {"body": body}, b"", 0)


def test_articles_are_searchable_once_the_index_has_caught_up(tmp_path):
    db = archive(tmp_path, "风险治理", "社会治理", "乡村振兴")
    assert found(db, "治理") == []
    with store.write_transaction(db):
        assert index_pending(db, limit=2) == 2
    assert (found(db, "治理"), found(db, "乡村")) == ([1, 2], [])
    refresh(db)
    assert found(db, "乡村") == [3]
    assert store.pending_count(db) == 0


def test_a_replaced_text_leaves_the_index_with_the_text_it_replaced(tmp_path):
    db = archive(tmp_path, "风险治理", "社会治理")
    with store.write_transaction(db):
        replace(db, 1, "城市治理")  # before it was ever indexed
    refresh(db)
    assert (found(db, "风险"), found(db, "城市"), found(db, "治理")) == ([], [1], [1, 2])
    with store.write_transaction(db):
        replace(db, 1, "协同治理")
        replace(db, 1, "乡村振兴")  # twice before the index catches up
        replace(db, 2, "社会治理")  # the same text again
    assert found(db, "城市") == [1]  # the index still holds what it held
    refresh(db)
    assert (found(db, "城市"), found(db, "协同"), found(db, "乡村")) == ([], [], [1])
    assert (found(db, "治理"), found(db, "标题")) == ([2], [1, 2])
    db.execute("insert into articles_fts (articles_fts) values ('integrity-check')")
    vocabulary = "create virtual table temp.v using fts5vocab(main, articles_fts, 'instance')"
    db.execute(vocabulary)
    terms = db.execute("select term from temp.v where doc = 1 and col = 'body'").fetchall()
    assert [term for (term,) in terms] == sorted(["乡", "村", "振", "兴", chr(BREAK)])


def test_refresh_with_nothing_queued_writes_nothing(tmp_path):
    db = archive(tmp_path, "风险治理")
    refresh(db)
    changes = db.conn.total_changes
    refresh(db)
    assert db.conn.total_changes == changes


def reader(db) -> sqlite3.Connection:
    """A second connection, as a worker reads the archive."""
    return sqlite3.connect(db.conn.execute("pragma database_list").fetchone()[2])


def test_entries_prepared_elsewhere_index_what_they_read(tmp_path):
    db = archive(tmp_path, "风险治理", "社会治理", "乡村振兴")
    refresh(db)
    with store.write_transaction(db):
        replace(db, 1, "城市治理")
    other = reader(db)
    # Only queued articles get an entry; a replaced one carries what the index holds.
    assert prepare(other, 2) is None
    entry = prepare(other, 1)
    assert entry[2:] == (index_columns("标题", "城市治理"), index_columns("标题", "风险治理"))
    entries = [entry]
    assert write_prepared(db, entries) == 1
    assert entries == []  # taken as written, not held to the end of the transaction
    assert (found(db, "城市"), found(db, "风险"), store.pending_count(db)) == ([1], [], 0)
    # Written once only: an entry for an article indexed since is skipped.
    assert write_prepared(db, [entry]) == 0
    db.execute("insert into articles_fts (articles_fts) values ('integrity-check')")


def test_an_entry_read_before_the_text_changed_is_skipped(tmp_path):
    db = archive(tmp_path, "风险治理", "社会治理")
    other = reader(db)
    stale, fresh = prepare(other, 1), prepare(other, 2)
    with store.write_transaction(db):
        replace(db, 1, "城市治理")
    assert write_prepared(db, [stale, fresh]) == 1
    assert (found(db, "风险"), found(db, "城市"), found(db, "社会")) == ([], [], [2])
    assert store.pending_count(db) == 1  # left queued, and indexed with its new text
    refresh(db)
    assert (found(db, "风险"), found(db, "城市")) == ([], [1])
