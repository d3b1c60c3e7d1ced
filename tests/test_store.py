"""The schema: created idempotently, never written into a foreign database."""

from __future__ import annotations

import os
import sqlite3

import pytest

from ingest.search import fts_query, refresh
from ingest.store import (
    FTS_SQL,
    NotAnArchiveError,
    all_columns,
    ensure_schema,
    insert_article,
    open_db,
    replace_canonical,
    write_transaction,
)


def schema(path):
    conn = sqlite3.connect(path)
    rows = conn.execute("select type, name, sql from sqlite_master order by name").fetchall()
    conn.close()
    return rows


def test_ensure_schema_is_idempotent(tmp_path):
    path = tmp_path / "a.db"
    db = open_db(str(path))
    ensure_schema(db)
    first = schema(path)
    ensure_schema(db)
    assert schema(path) == first
    names = {name for _, name, _ in first}
    assert {"sources", "articles", "article_occurrences", "articles_fts"} <= names


def test_foreign_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.commit()
    conn.close()
    before = schema(path)
    with pytest.raises(NotAnArchiveError, match="customers"):
        ensure_schema(open_db(str(path)))
    assert schema(path) == before


def open_temp_files() -> list[str]:
    """The temporary files SQLite holds open in this process (named ``etilqs_*``, and
    deleted as soon as they are created)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used
            continue
        if "etilqs_" in target:
            found.append(target)
    return found


def test_statement_journals_stay_in_memory(tmp_path):
    """A statement checked against foreign keys journals the pages it changes, to undo
    itself alone; an article's text rewritten is many pages, and a build rewrites thousands:
    spilled to temporary files, they were a fifth of what a build wrote."""
    db = open_db(str(tmp_path / "a.db"))
    ensure_schema(db)
    with write_transaction(db):
        db.execute("INSERT INTO sources (path, sha256, status) VALUES ('a', 'x', 'ok')")
        db.execute(
            "INSERT INTO articles (title, body, chars, first_source_id) VALUES ('t', ?, 1, 1)",
            ["字" * 100_000],
        )
    with write_transaction(db):
        db.execute("UPDATE articles SET body = ?, last_source_id = 1", ["文" * 100_000])
        assert open_temp_files() == []


def test_foreign_keys_are_declared(tmp_path):
    db = open_db(str(tmp_path / "a.db"))
    ensure_schema(db)
    fks = {(fk.column, fk.other_table) for fk in db["article_occurrences"].foreign_keys}
    assert fks == {("article_id", "articles"), ("source_id", "sources")}


def test_an_older_archive_gets_the_new_columns_and_views(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """create table sources (id integer primary key, path text, sha256 text not null,
               status text not null);
           insert into sources (path, sha256, status) values ('a.txt', 'x', 'ok');
           create table articles (id integer primary key, title text, body text,
               occurrence_count integer);
           insert into articles (title, body, occurrence_count) values ('标题', '正文', 12);
           create view site_links as select 1 as stale;"""
    )
    conn.commit()
    conn.close()
    db = open_db(str(path))
    ensure_schema(db)
    assert {"stated_date", "phones", "domains", "template"} <= all_columns(db, "sources")
    assert {"authors", "publication", "published_month"} <= all_columns(db, "articles")
    row = db.execute("select occurrence_bucket, published_year, authors from articles").fetchone()
    assert row == ("10-99", None, None)
    db.execute("update articles set published = '2023-01-10'")
    assert db.execute("select published_year, published_month from articles").fetchone() == (
        2023,
        "2023-01",
    )
    assert "linked_site" in all_columns(db, "site_links")
    before = schema(path)
    ensure_schema(db)
    assert schema(path) == before


def test_a_new_or_replaced_text_is_queued_with_what_the_index_holds(tmp_path):
    db = open_db(str(tmp_path / "a.db"))
    ensure_schema(db)
    with write_transaction(db):
        insert_article(db, {"title": "甲", "body": "一"}, b"", 0)
        insert_article(db, {"title": "乙", "body": "二"}, b"", 0)
        db.execute("delete from search_pending where article_id = 2")  # as if indexed
        replace_canonical(db, 1, {"body": "三"}, b"", 0)
        replace_canonical(db, 2, {"body": "四"}, b"", 0)
        replace_canonical(db, 2, {"body": "五"}, b"", 0)
    pending = db.execute("select * from search_pending order by article_id").fetchall()
    assert pending == [(1, None, None), (2, "乙", "二")]


def test_an_archive_with_the_old_search_index_is_reindexed(tmp_path):
    path = tmp_path / "old-index.db"
    db = open_db(str(path))
    ensure_schema(db)
    db.execute("drop table articles_fts")
    db.execute("create virtual table articles_fts using fts5(title, body)")
    db.execute(
        "insert into articles (id, title, body, occurrence_count) values (7, '标题', '城市风险', 1)"
    )
    db.execute("insert into articles_fts (rowid, title, body) values (7, '标题', '城市 风险')")
    db.conn.commit()
    ensure_schema(db)
    definition = db.execute("select sql from sqlite_master where name = 'articles_fts'")
    assert definition.fetchone() == (FTS_SQL,)
    assert db.execute("select count(*) from articles_fts").fetchone() == (0,)
    refresh(db)

    def hits(query):
        return db.execute(
            "select rowid from articles_fts where articles_fts match ?", [fts_query(query)]
        ).fetchall()

    assert hits("风险") == hits("险") == hits("标") == [(7,)]
    assert db.execute("select count(*) from articles_fts").fetchone() == (1,)
    before = schema(path)
    ensure_schema(db)
    assert schema(path) == before


def test_an_archive_with_stored_bands_drops_them_and_versions_new_signatures(tmp_path):
    path = tmp_path / "old-bands.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """create table sources (id integer primary key, path text, sha256 text not null,
               status text not null);
           create table articles (id integer primary key, title text, body text);
           insert into articles (title, body) values ('甲', '一');
           create table article_signatures (article_id integer primary key, shingles integer,
               minhash blob);
           insert into article_signatures values (1, 0, x'');
           create table article_bands (band_key integer, article_id integer,
               primary key (band_key, article_id)) without rowid;"""
    )
    conn.commit()
    conn.close()
    db = open_db(str(path))
    ensure_schema(db)
    assert not db["article_bands"].exists()
    with write_transaction(db):
        assert insert_article(db, {"title": "乙", "body": "二"}, b"", 0) == (2, 1)
        assert insert_article(db, {"title": "丙", "body": "三"}, b"", 0) == (3, 2)
        assert replace_canonical(db, 1, {"body": "四"}, b"", 0) == 3
    versions = db.execute("select article_id, version from article_signatures order by 1")
    assert versions.fetchall() == [(1, 3), (2, 1), (3, 2)]


def test_an_archive_with_the_two_indexes_by_article_gets_the_one(tmp_path):
    path = tmp_path / "old-indexes.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """create table article_occurrences (id integer primary key, article_id integer,
               script text, chars integer);
           create index idx_article_occurrences_article_id_script
               on article_occurrences (article_id, script);
           create index idx_article_occurrences_article_id_chars
               on article_occurrences (article_id, chars);"""
    )
    conn.commit()
    conn.close()
    db = open_db(str(path))
    ensure_schema(db)
    names = {index.name for index in db["article_occurrences"].indexes}
    assert "idx_article_occurrences_article_id_script_chars" in names
    assert not names & {
        "idx_article_occurrences_article_id_script",
        "idx_article_occurrences_article_id_chars",
    }
