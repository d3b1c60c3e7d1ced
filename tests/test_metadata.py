"""metadata.yml against the real schema of a built archive: every table, view and column."""

from __future__ import annotations

import sqlite3

import pytest

from ingest.serve import archive_metadata


@pytest.fixture(scope="module")
def schema(archive) -> dict[str, list[str]]:
    """Every table, virtual table and view of the archive with its columns (generated too).

    FTS5's shadow tables (articles_fts_data…) are SQLite's own storage, which Datasette
    hides as well; ``PRAGMA table_list`` marks them ``shadow``. The hidden columns of a
    virtual table (``table_xinfo`` hidden = 1: articles_fts's rank) are left out likewise.
    """
    conn = sqlite3.connect(archive)
    names = [
        name
        for _, name, kind, *_ in conn.execute("pragma main.table_list")
        if kind in ("table", "view", "virtual") and not name.startswith("sqlite_")
    ]
    tables = {
        name: [r[1] for r in conn.execute(f"pragma table_xinfo([{name}])") if r[6] != 1]
        for name in names
    }
    conn.close()
    return tables


@pytest.fixture(scope="module")
def described() -> dict:
    return archive_metadata()["databases"]["archive"]["tables"]


def test_every_table_and_column_is_described(schema, described):
    assert set(schema) == set(described)
    for table, columns in schema.items():
        assert (described[table].get("description") or "").strip(), table
        docs = described[table].get("columns") or {}
        assert set(columns) == set(docs), table
        assert all(str(text).strip() for text in docs.values()), table


def test_facets_sorts_and_labels_name_real_columns(schema, described):
    for table, meta in described.items():
        named = [meta.get("label_column"), meta.get("sort"), meta.get("sort_desc")]
        for facet in meta.get("facets", []):
            named.append(facet if isinstance(facet, str) else next(iter(facet.values())))
        for column in filter(None, named):
            assert column in schema[table], (table, column)


def test_the_archive_describes_itself():
    metadata = archive_metadata()
    for key in ["title", "description_html", "license", "source"]:
        assert metadata[key].strip()
    queries = metadata["databases"]["archive"]["queries"]
    assert {"most_reprinted", "article_copies", "shared_contacts"} <= set(queries)
    assert all(q["title"] and q["description"] for q in queries.values())


def test_facets_and_sorts_of_big_tables_are_served_from_an_index(archive, described):
    """A facet or sort without an index reads every row, copied text included: on a big
    archive the page then takes seconds (see make bench)."""
    conn = sqlite3.connect(archive)
    for table in ("sources", "articles", "article_occurrences"):
        meta = described[table]
        indexed = {
            conn.execute(f"pragma index_info([{index[1]}])").fetchone()[2]
            for index in conn.execute(f"pragma index_list([{table}])")
        }
        wanted = [f if isinstance(f, str) else next(iter(f.values())) for f in meta["facets"]]
        wanted += [meta.get("sort") or meta.get("sort_desc")]
        assert set(wanted) - {"id"} <= indexed, table
    conn.close()
