"""The schema: created idempotently, never written into a foreign database."""

from __future__ import annotations

import sqlite3

import pytest

from ingest.store import NotAnArchiveError, ensure_schema, open_db


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
    assert {"sources", "articles", "article_occurrences", "articles_fts", "article_bands"} <= names


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


def test_foreign_keys_are_declared(tmp_path):
    db = open_db(str(tmp_path / "a.db"))
    ensure_schema(db)
    fks = {(fk.column, fk.other_table) for fk in db["article_occurrences"].foreign_keys}
    assert fks == {("article_id", "articles"), ("source_id", "sources")}
