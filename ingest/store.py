"""The archive's schema, in one place, and every write to it.

``ensure_schema`` is idempotent: it creates what is missing and touches nothing that is
already right, so every command can call it. Pages are written by ``save_page`` in
transactions of whole pages (see ``ingest.build``), so the archive never holds half a page.
An article whose text is new or changed is queued in ``search_pending`` in the same
transaction, and the search index catches up with the queue in large steps
(``ingest.search.index_pending``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

import sqlite_utils

from ingest.dedup import Copy, coverage

TABLES: dict[str, dict] = {
    "runs": {
        "columns": {
            "id": int,
            "started": str,
            "finished": str,
            "corpus": str,
            "pages_read": int,
            "pages_skipped": int,
            "ok": int,
            "no_articles": int,
            "errors": int,
            "articles_new": int,
            "occurrences_added": int,
        },
        "pk": "id",
    },
    "sources": {
        "columns": {
            "id": int,
            "path": str,
            "line": int,
            "sha256": str,
            "bytes": int,
            "encoding": str,
            "status": str,
            "error": str,
            "site": str,
            "script": str,
            "article_count": int,
            "url": str,
            "date": str,
            "external_id": str,
            "stated_date": str,
            "phones": str,
            "domains": str,
            "template": str,
            "warning": str,
            "run_id": int,
        },
        "pk": "id",
        "not_null": {"sha256", "status"},
        "foreign_keys": [("run_id", "runs", "id")],
    },
    "articles": {
        "columns": {
            "id": int,
            "title": str,
            "occurrence_count": int,
            "script": str,
            "chars": int,
            "first_source_id": int,
            "last_source_id": int,
            "authors": str,
            "editors": str,
            "publication": str,
            "published": str,
            "dateline_place": str,
            "dateline_date": str,
            "column_label": str,
            "injected_copies": int,
            # Long text last: SQLite reads a row's columns in order, so every column after a
            # body that spills into overflow pages costs reading those pages (facets, filters).
            "body": str,
        },
        "pk": "id",
        "foreign_keys": [("first_source_id", "sources", "id"), ("last_source_id", "sources", "id")],
    },
    "article_occurrences": {
        "columns": {
            "id": int,
            "article_id": int,
            "source_id": int,
            "position": int,
            "title_original": str,
            "script": str,
            "chars": int,
            "chars_changed": int,
            "rare_chars": str,
            "text_hash": str,
            "similarity": float,
            "coverage": float,
            "partial": int,
            "injected_bylines": str,
            "body_original": str,  # last, as articles.body
        },
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id"), ("source_id", "sources", "id")],
    },
    "variant_substitutions": {
        "columns": {
            "char": str,
            "replacement": str,
            "pairs": int,
            "articles": int,
            "aligned": int,
            "agreeing": int,
            "share": float,
            "example": str,
        },
        "pk": "char",
        "not_null": {"replacement"},
    },
    # Passes over the whole archive a build ends with, and how far each has got, so that a
    # run interrupted before one finished runs it again (see ingest.build).
    "archive_passes": {
        "columns": {"pass": str, "through_occurrence": int},
        "pk": "pass",
    },
    # The MinHash signature of each article's text; ``version`` is one more than the last
    # written, so that a build sees what others stored since it looked (ingest.dedup).
    "article_signatures": {
        "columns": {"article_id": int, "shingles": int, "minhash": bytes, "version": int},
        "pk": "article_id",
        "foreign_keys": [("article_id", "articles", "id")],
    },
    # Phone numbers, domains and template shapes of each spam site (see ingest.extract).
    "site_contacts": {
        "columns": {
            "site": str,
            "kind": str,
            "value": str,
            "pages": int,
            "first_source_id": int,
            "last_source_id": int,
        },
        "pk": ("site", "kind", "value"),
        "foreign_keys": [("first_source_id", "sources", "id"), ("last_source_id", "sources", "id")],
    },
}
# Columns SQLite computes from others, for facets: (table, column, definition).
GENERATED = [
    (
        "articles",
        "occurrence_bucket",
        """TEXT GENERATED ALWAYS AS (CASE
            WHEN occurrence_count <= 1 THEN '1' WHEN occurrence_count <= 3 THEN '2-3'
            WHEN occurrence_count <= 9 THEN '4-9' WHEN occurrence_count <= 99 THEN '10-99'
            ELSE '100+' END) VIRTUAL""",
    ),
    (
        "articles",
        "published_year",
        "INTEGER GENERATED ALWAYS AS (CAST(substr(published, 1, 4) AS INTEGER))",
    ),
    ("articles", "published_month", "TEXT GENERATED ALWAYS AS (substr(published, 1, 7))"),
]
INDEXES = [
    ("sources", ["sha256"], True),
    ("sources", ["site"], False),
    ("sources", ["status"], False),
    ("sources", ["script"], False),
    ("sources", ["run_id"], False),
    ("article_occurrences", ["source_id", "position"], True),
    # An article's copies, its Traditional ones, and their lengths, all from one index.
    ("article_occurrences", ["article_id", "script", "chars"], False),
    ("article_occurrences", ["text_hash"], False),
    # The facets metadata.yml lists: counted from the index, not from rows of copied text.
    ("article_occurrences", ["script"], False),
    ("article_occurrences", ["partial"], False),
    ("articles", ["occurrence_count"], False),
    ("articles", ["script"], False),
    ("articles", ["publication"], False),
    ("articles", ["occurrence_bucket"], False),
    ("articles", ["published_year"], False),
    ("articles", ["published_month"], False),
    ("sources", ["template"], False),
    ("site_contacts", ["kind", "value"], False),
    ("article_signatures", ["version"], False),
]
RAW_SQL = [
    # LSH bands are kept in memory now (ingest.dedup.BandIndex); older archives stored them.
    "DROP TABLE IF EXISTS article_bands",
    # Both served by the index on (article_id, script, chars) since: one index fewer to
    # write with every copy.
    "DROP INDEX IF EXISTS idx_article_occurrences_article_id_script",
    "DROP INDEX IF EXISTS idx_article_occurrences_article_id_chars",
    # What the Traditional copies of each article with a Simplified text say about rare
    # characters (see ingest.variants): replaced whenever the article gets a new copy, so
    # the learning pass reads only what a build touched.
    """CREATE TABLE IF NOT EXISTS variant_evidence (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        char TEXT NOT NULL,
        replacement TEXT NOT NULL,
        aligned INTEGER NOT NULL,
        pairs INTEGER NOT NULL,
        example_occurrence INTEGER NOT NULL REFERENCES article_occurrences(id),
        example TEXT NOT NULL,
        PRIMARY KEY (article_id, char, replacement)
    ) WITHOUT ROWID""",
    """CREATE INDEX IF NOT EXISTS idx_variant_evidence_char
        ON variant_evidence (char, replacement, example_occurrence)""",
    # The sums of variant_evidence over all articles, kept by triggers in the same
    # transaction as the rows they sum.
    """CREATE TABLE IF NOT EXISTS variant_totals (
        char TEXT NOT NULL,
        replacement TEXT NOT NULL,
        aligned INTEGER NOT NULL,
        pairs INTEGER NOT NULL,
        articles INTEGER NOT NULL,
        PRIMARY KEY (char, replacement)
    ) WITHOUT ROWID""",
    """CREATE TRIGGER IF NOT EXISTS variant_evidence_insert AFTER INSERT ON variant_evidence
    BEGIN
        INSERT INTO variant_totals (char, replacement, aligned, pairs, articles)
        VALUES (new.char, new.replacement, new.aligned, new.pairs, 1)
        ON CONFLICT (char, replacement) DO UPDATE SET
            aligned = aligned + excluded.aligned, pairs = pairs + excluded.pairs,
            articles = articles + 1;
    END""",
    # Articles whose text the search index does not hold yet, with the text it holds for
    # them (NULL: none), which a contentless index needs to take an article's text out.
    """CREATE TABLE IF NOT EXISTS search_pending (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        indexed_title TEXT,
        indexed_body TEXT
    )""",
    """CREATE TRIGGER IF NOT EXISTS variant_evidence_delete AFTER DELETE ON variant_evidence
    BEGIN
        UPDATE variant_totals SET aligned = aligned - old.aligned, pairs = pairs - old.pairs,
            articles = articles - 1
        WHERE char = old.char AND replacement = old.replacement;
        DELETE FROM variant_totals
        WHERE char = old.char AND replacement = old.replacement AND articles = 0;
    END""",
]
# Single characters of title and body (see ingest.search), rowid articles.id. Contentless:
# the text is in articles, and a copy of it in the index would double its size. As SQLite
# stores it in sqlite_master: an archive whose index has another definition is re-indexed.
FTS_SQL = "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', tokenize='ascii')"
# The memory FTS5 holds what a transaction indexes in before writing it as a segment:
# enough for the chunks ingest.search indexes at a time, so that each is one segment.
FTS_HASHSIZE = 256 << 20
# Views, recreated when their definition here changes.
VIEWS = {
    # Two sites are linked when they share a phone number, a domain or a template shape;
    # each link is listed from both sides, so filtering on one site shows all its partners.
    "site_links": """CREATE VIEW site_links AS
        SELECT a.site, b.site AS linked_site, a.kind, a.value,
               a.pages AS site_pages, b.pages AS linked_site_pages
        FROM site_contacts a JOIN site_contacts b
          ON b.kind = a.kind AND b.value = a.value AND b.site <> a.site""",
}
RAW_TABLES = {
    "articles_fts",
    "search_pending",
    "variant_evidence",
    "variant_totals",
}
OUR_TABLES = set(TABLES) | RAW_TABLES | set(VIEWS)


class NotAnArchiveError(Exception):
    """The database holds tables of some other application."""


CHECKPOINT_PAGES = 16384
CACHE_KB = 262144


def open_db(path: str, timeout: float = 30.0, tracer=None) -> sqlite_utils.Database:
    """Open (or create) an archive for writing: WAL, so readers never wait on the build."""
    conn = sqlite3.connect(path, timeout=timeout)
    db = sqlite_utils.Database(conn, tracer=tracer)
    # Switching a new database to WAL fails at once, not after the busy timeout, while
    # another connection is switching it too (two builds creating one archive).
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    # A build writes far more than it reads back: the WAL file is copied into the archive
    # (and both synced to disk) every 64 MB rather than every 4 MB, and the indexes the
    # writer looks things up in (bands, signatures, hashes) stay in a 256 MB page cache.
    db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
    db.execute(f"PRAGMA cache_size=-{CACHE_KB}")
    # Statement journals (a statement checked against foreign keys keeps one, to undo itself
    # alone) stay in memory: spilled to temporary files, they were a fifth of what a build
    # wrote (5 GB of 24 at 100,000 pages), and no crash ever needs them.
    db.execute("PRAGMA temp_store=MEMORY")
    return db


def check_archive(db: sqlite_utils.Database) -> None:
    """Refuse a database holding some other application's tables (reads only)."""
    existing = set(db.table_names())
    ours = {name for name in existing if name in OUR_TABLES or name.startswith("articles_fts")}
    foreign = existing - ours - {"sqlite_stat1", "sqlite_stat4"}
    if foreign and "sources" not in existing:
        raise NotAnArchiveError(
            f"not an archive: it holds other tables ({', '.join(sorted(foreign)[:5])})"
        )
    if "sources" in existing and not {"sha256", "status"} <= set(db["sources"].columns_dict):
        raise NotAnArchiveError("not an archive: its sources table is some other application's")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """A transaction that takes the write lock at once, so that it waits for another writer
    (the busy timeout) where a read transaction turning into a write one would fail."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create whatever part of the schema is missing; refuse a foreign database."""
    check_archive(db)
    with write_transaction(db):
        for name, spec in TABLES.items():
            db[name].create(
                spec["columns"],
                pk=spec["pk"],
                not_null=spec.get("not_null"),
                foreign_keys=spec.get("foreign_keys"),
                if_not_exists=True,
            )
            add_missing_columns(db, name, spec["columns"])
        for table, column, definition in GENERATED:
            if column not in all_columns(db, table):
                db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{column}] {definition}")
        for table, columns, unique in INDEXES:
            db[table].create_index(columns, unique=unique, if_not_exists=True)
        # An archive from before evidence was stored: its learning pass starts over, once.
        learn_again = not db["variant_evidence"].exists()
        for sql in RAW_SQL:
            db.execute(sql)
        if learn_again:
            db.execute("DELETE FROM archive_passes WHERE pass = 'variant_substitutions'")
        ensure_search_index(db)
        for name, sql in VIEWS.items():
            row = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
            if row is None or row[0] != sql:
                db.execute(f"DROP VIEW IF EXISTS [{name}]")
                db.execute(sql)


def ensure_search_index(db: sqlite_utils.Database) -> None:
    """Create ``articles_fts``; if it has another definition, create it anew and queue every
    article to be indexed again."""
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if row is not None and row[0] == FTS_SQL:
        return
    if row is not None:
        db.execute("DROP TABLE articles_fts")
    db.execute(FTS_SQL)
    db.execute(
        "INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', ?)", [FTS_HASHSIZE]
    )
    db.execute("DELETE FROM search_pending")
    db.execute("INSERT INTO search_pending (article_id) SELECT id FROM articles")


def all_columns(db: sqlite_utils.Database, table: str) -> set[str]:
    """Every column of a table, generated ones included."""
    return {row[1] for row in db.execute(f"PRAGMA table_xinfo([{table}])")}


def add_missing_columns(db: sqlite_utils.Database, table: str, columns: dict) -> None:
    """Columns added to the schema since an archive was built, added to it (null in old rows)."""
    existing = all_columns(db, table)
    for column, kind in columns.items():
        if column not in existing:
            db[table].add_column(column, kind)


def start_run(db: sqlite_utils.Database, started: str, corpus: list[str]) -> int:
    """Record a run that is adding pages; its counts are filled in by :func:`finish_run`."""
    return db["runs"].insert({"started": started, "corpus": json.dumps(corpus)}).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, finished: str, counts: dict) -> None:
    """Record when a run ended and what it counted (the counts ``runs`` has columns for)."""
    columns = TABLES["runs"]["columns"]
    known = {key: value for key, value in counts.items() if key in columns}
    db["runs"].update(run_id, {"finished": finished, **known})


def known_source(db: sqlite_utils.Database | sqlite3.Connection, sha256: str) -> bool:
    return db.execute("SELECT 1 FROM sources WHERE sha256 = ?", [sha256]).fetchone() is not None


def source_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]


def db_file(db: sqlite_utils.Database) -> str:
    """The file of the database, or "" for one in memory."""
    return db.execute("PRAGMA database_list").fetchone()[2]


class Reader:
    """Read-only access to an archive from any process (a build's workers): a connection of
    its own, opened at first use; in the process that made it, an archive in memory is read
    through the writer's connection, which is never sent to another process."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.path = db_file(db)
        self.conn: sqlite3.Connection | None = None if self.path else db.conn

    def __getstate__(self) -> dict:
        return {"path": self.path, "conn": None}

    def connection(self) -> sqlite3.Connection:
        if self.conn is None:
            if not self.path:
                raise RuntimeError("an archive in memory cannot be read by another process")
            self.conn = sqlite3.connect(f"file:{quote(self.path)}?mode=ro", uri=True)
        return self.conn

    def close(self) -> None:
        """Close the connection, if this process opened one: while it is open, closing the
        writer leaves the archive's last pages in its WAL file, not in the archive's file."""
        if self.conn is not None and self.path:
            self.conn.close()
            self.conn = None


class KnownPages(Reader):
    """Whether the archive holds a page already, asked from any process; nothing is known
    of an archive in memory (the writer asks again)."""

    def __call__(self, sha256: str) -> bool:
        return bool(self.path) and known_source(self.connection(), sha256)


def mark(value: object, name: str = "") -> str:
    """The SQL parameter for a value (``:name``, else ``?``): UTF-8 bytes are stored as
    text, as they are (the texts a worker sends: see ``ingest.build.FoundArticle``)."""
    param = f":{name}" if name else "?"
    return f"CAST({param} AS TEXT)" if isinstance(value, bytes) else param


def insert_row(db: sqlite_utils.Database, table: str, row: dict) -> int:
    """Insert a row with a plain INSERT and return its rowid.

    sqlite-utils' ``insert`` introspects the table and opens a savepoint for every row (and
    FTS5 writes its pending index at each savepoint): in the build's profile that cost more
    than the inserts.
    """
    columns = ", ".join(f"[{name}]" for name in row)
    marks = ", ".join(mark(value) for value in row.values())
    sql = f"INSERT INTO [{table}] ({columns}) VALUES ({marks})"
    return db.execute(sql, list(row.values())).lastrowid


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict]) -> None:
    """Insert rows that all have the keys of the first, with one plain INSERT (see
    ``insert_row``)."""
    columns = list(rows[0])
    names = ", ".join(f"[{name}]" for name in columns)
    sql = f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, ([row[c] for c in columns] for row in rows))


def update_row(db: sqlite_utils.Database, table: str, key: str, value: int, row: dict) -> None:
    """Update the row whose ``key`` is ``value``, with a plain UPDATE (see ``insert_row``)."""
    columns = ", ".join(f"[{name}] = {mark(value)}" for name, value in row.items())
    db.execute(f"UPDATE [{table}] SET {columns} WHERE [{key}] = ?", [*row.values(), value])


def insert_source(db: sqlite_utils.Database, row: dict) -> int:
    return insert_row(db, "sources", row)


# The next signature's version: one more than the last written (from the index on it).
NEXT_VERSION = "(SELECT COALESCE(MAX(version), 0) + 1 FROM article_signatures)"


def insert_article(
    db: sqlite_utils.Database, row: dict, blob: bytes, shingles: int
) -> tuple[int, int]:
    """A new article with its signature, queued for the search index: its id, and its
    signature's version (see ``TABLES``)."""
    article_id = insert_row(db, "articles", row)
    (version,) = db.execute(
        f"""INSERT INTO article_signatures (article_id, shingles, minhash, version)
            VALUES (?, ?, ?, {NEXT_VERSION}) RETURNING version""",
        [article_id, shingles, blob],
    ).fetchone()
    db.execute("INSERT INTO search_pending (article_id) VALUES (?)", [article_id])
    return article_id, version


def replace_canonical(
    db: sqlite_utils.Database, article_id: int, row: dict | None, blob: bytes, shingles: int
) -> int:
    """Make a better copy the article's text (``row``; None if the caller writes it, in the
    one UPDATE of :func:`add_occurrence`): its signature follows it (a new version,
    returned), and the search index will (the text it holds is kept in ``search_pending``
    until then)."""
    db.execute(
        """INSERT OR IGNORE INTO search_pending (article_id, indexed_title, indexed_body)
           SELECT id, title, body FROM articles WHERE id = ?""",
        [article_id],
    )
    if row is not None:
        update_row(db, "articles", "id", article_id, row)
    (version,) = db.execute(
        f"""UPDATE article_signatures SET shingles = ?, minhash = ?, version = {NEXT_VERSION}
            WHERE article_id = ? RETURNING version""",
        [shingles, blob, article_id],
    ).fetchone()
    return version


# An article's metadata columns, as bylines give them (see ingest.build.metadata_columns).
METADATA = (
    "authors",
    "editors",
    "publication",
    "published",
    "dateline_place",
    "dateline_date",
    "column_label",
)


def canonical_copy(db: sqlite_utils.Database, article_id: int) -> tuple[Copy, dict]:
    """The copy that is an article's text now, its body left unread (:func:`article_body`
    reads it: it is long, and only a tie between two copies needs it), and the article's
    metadata. Its texts are UTF-8 bytes, as a worker's copies are."""
    script, chars, title, *metadata = db.execute(
        f"""SELECT script, chars, CAST(title AS BLOB), {", ".join(METADATA)}
            FROM articles WHERE id = ?""",
        [article_id],
    ).fetchone()
    return Copy(script, chars, None, title), dict(zip(METADATA, metadata, strict=True))


def article_body(db: sqlite_utils.Database, article_id: int) -> bytes:
    """An article's body as UTF-8 bytes (see :func:`canonical_copy`)."""
    return db.execute(
        "SELECT CAST(body AS BLOB) FROM articles WHERE id = ?", [article_id]
    ).fetchone()[0]


def longest_copy(db: sqlite_utils.Database, article_id: int) -> int:
    """Length of the longest copy of an article (from the index, rows unread)."""
    return db.execute(
        "SELECT MAX(chars) FROM article_occurrences WHERE article_id = ?", [article_id]
    ).fetchone()[0]


def set_coverage(db: sqlite_utils.Database, article_id: int, article_chars: int) -> None:
    """Each copy's share of its article's new length; only copies whose value changes."""
    rows = db.execute(
        "SELECT id, chars, coverage, partial FROM article_occurrences WHERE article_id = ?",
        [article_id],
    ).fetchall()
    changes = []
    for occurrence_id, chars, old_share, old_partial in rows:
        share, partial = coverage(chars, article_chars)
        if (share, partial) != (old_share, old_partial):
            changes.append((share, partial, occurrence_id))
    db.conn.executemany(
        "UPDATE article_occurrences SET coverage = ?, partial = ? WHERE id = ?", changes
    )


def pending_search(db: sqlite_utils.Database, limit: int) -> list[tuple]:
    """Up to ``limit`` articles the search index is behind on, by id: (id, title, body,
    the title and body the index holds for it, or None). Read as they are used: the texts
    of thousands of articles are not held at once."""
    return db.execute(
        """SELECT p.article_id, a.title, a.body, p.indexed_title, p.indexed_body
           FROM search_pending p JOIN articles a ON a.id = p.article_id
           ORDER BY p.article_id LIMIT ?""",
        [limit],
    )


def pending_text(db: sqlite_utils.Database | sqlite3.Connection, article_id: int) -> tuple | None:
    """If the search index is behind on the article: its signature's version, its title and
    body, and the title and body the index holds for it (or None), read in one statement, so
    that the version is that of the text."""
    return db.execute(
        """SELECT s.version, a.title, a.body, p.indexed_title, p.indexed_body
           FROM search_pending p JOIN articles a ON a.id = p.article_id
           JOIN article_signatures s ON s.article_id = p.article_id
           WHERE p.article_id = ?""",
        [article_id],
    ).fetchone()


def pending_versions(db: sqlite_utils.Database, ids: list[int]) -> dict[int, int]:
    """Of these articles, those the search index is behind on, with their signature's
    version (it changes with the text)."""
    return dict(
        db.execute(
            """SELECT p.article_id, s.version FROM search_pending p
               JOIN article_signatures s ON s.article_id = p.article_id
               WHERE p.article_id IN (SELECT value FROM json_each(?))""",
            [json.dumps(ids)],
        ).fetchall()
    )


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM search_pending").fetchone()[0]


def write_index(
    db: sqlite_utils.Database,
    entries: Iterable[tuple[int, tuple[str, str], tuple[str, str] | None]],
) -> int:
    """Put articles' index columns into the search index, taking out what it held for them
    (``entries``: id, new columns, old columns or None, in id order), and dequeue them;
    returns how many.

    One statement for both, in id order (a NULL command is an insert): FTS5 writes its
    pending terms out whenever a write comes out of rowid order.
    """
    done: list[int] = []

    def rows() -> Iterator[tuple]:
        for article_id, new, old in entries:
            if old is not None:
                yield ("delete", article_id, *old)
            yield (None, article_id, *new)
            done.append(article_id)

    db.conn.executemany(
        "INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES (?, ?, ?, ?)", rows()
    )
    db.conn.executemany(
        "DELETE FROM search_pending WHERE article_id = ?", [(article_id,) for article_id in done]
    )
    return len(done)


def add_occurrence(
    db: sqlite_utils.Database, row: dict, changes: dict | None = None, counted: bool = False
) -> None:
    """Record a copy of an article and keep the article's counters right, with the columns
    the copy ``changes`` (its text, if it is the better copy, and metadata): one UPDATE,
    since each rewrites the article's row, its text included. A new article's row holds
    its first copy's counts already (``counted``): no UPDATE at all."""
    insert_row(db, "article_occurrences", row)
    if counted:
        return
    assignments = "".join(
        f", [{column}] = {mark(value, column)}" for column, value in (changes or {}).items()
    )
    db.execute(
        f"""UPDATE articles SET occurrence_count = occurrence_count + 1,
               injected_copies = COALESCE(injected_copies, 0) + :injected,
               last_source_id = MAX(last_source_id, :source_id),
               first_source_id = MIN(first_source_id, :source_id){assignments}
           WHERE id = :article_id""",
        {
            **(changes or {}),
            "source_id": row["source_id"],
            "article_id": row["article_id"],
            "injected": row.get("injected_bylines") is not None,
        },
    )


def add_contacts(
    db: sqlite_utils.Database, site: str, source_id: int, contacts: list[tuple[str, str]]
) -> None:
    """Count a page's contacts (kind, value) for its site: what links spam sites together."""
    db.conn.executemany(
        """INSERT INTO site_contacts (site, kind, value, pages, first_source_id, last_source_id)
           VALUES (?, ?, ?, 1, ?, ?)
           ON CONFLICT (site, kind, value) DO UPDATE SET
               pages = pages + 1, last_source_id = excluded.last_source_id""",
        [(site, kind, value, source_id, source_id) for kind, value in contacts],
    )


def pass_pending(db: sqlite_utils.Database, name: str) -> bool:
    """Whether occurrences were added since the archive-wide pass ``name`` last finished."""
    row = db.execute(
        """SELECT (SELECT MAX(id) FROM article_occurrences)
                  > COALESCE((SELECT through_occurrence FROM archive_passes WHERE pass = ?), 0)""",
        [name],
    ).fetchone()
    return bool(row[0])


def pass_through(db: sqlite_utils.Database, name: str) -> int:
    """The last occurrence the pass ``name`` had seen when it last finished (0: none)."""
    row = db.execute(
        "SELECT through_occurrence FROM archive_passes WHERE pass = ?", [name]
    ).fetchone()
    return row[0] if row else 0


def pass_done(db: sqlite_utils.Database, name: str, through: int) -> None:
    """Record that the pass ``name`` has seen every occurrence up to ``through``; call in the
    transaction of the pass's last writes."""
    if through > pass_through(db, name):
        db.execute(
            """INSERT INTO archive_passes (pass, through_occurrence) VALUES (?, ?)
               ON CONFLICT (pass) DO UPDATE SET through_occurrence = excluded.through_occurrence""",
            [name, through],
        )
