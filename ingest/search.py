"""Chinese full-text search on a stock FTS5 index of single characters.

FTS5's tokenizers keep an unbroken run of Chinese characters as one token, so a word inside
a sentence could never be found. The index therefore holds, for the title and the body,
each letter or digit as a token of its own (城市跨域 → ``城 市 跨 域``), and a query term is
the phrase of its characters (协同治理 → ``"协 同 治 理"``), which matches exactly where those
characters stand side by side; a term of one character is its token.

Only letters and digits (``str.isalnum``) make tokens; a run of them ends at anything else
(punctuation, spaces), and a ``BREAK`` token follows each run so that a phrase never spans
two (中国 does not match 中。国). Latin words and numbers are spelt out too, so any substring
of them matches. Index and query are folded alike here (:func:`token_codes`: full width to
ASCII, lower case), so the index can use FTS5's plain ``ascii`` tokenizer, which only splits
at spaces (and ASCII punctuation) and costs a third less than ``unicode61``. The database
stays readable by any SQLite: no custom tokenizer is needed to open it, and stock
Datasette's search, which quotes a term as one token, finds single characters.

Why single characters, not bigrams: an index's cost is about a microsecond per distinct
(term, article) pair. An article holds about a thousand distinct characters but four times
as many distinct bigrams, and at 100,000 pages indexing bigrams took 180-270 s, more than
the whole build may (README: Speed and scale). A phrase of common characters reads their
long position lists, so a search that must find every match (a count, facets) costs tens
of milliseconds at that size; the search page asks for the first matches in article order,
which FTS5 finds without reading further.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import sqlite_utils

from ingest import store
from ingest.normalise import (
    UNICODE_SIZE,
    base_fold,
    code_points,
    from_code_points,
    to_simplified,
)

# Full-width ASCII forms (ＧＤＰ２０２３) and the ideographic space, as plain ASCII.
WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Ends each run in title and body: a private-use character, which the tokenizer keeps as a
# token, and which no query holds (its tokens are letters and digits, and a private-use
# character is neither).
BREAK = 0xE000
SPACE = 0x20
TOKEN_RUN = re.compile(r"[^\W_]+")
# Articles indexed at a time. FTS5 writes what one transaction indexed as a segment and
# merges segments as they pile up: at 50,000 articles, indexing 5,000 at a time costs 0.5
# ms an article, 2,000 at a time 0.6 ms, 400 at a time 1.0 ms. But a step is what the
# writer does while the workers align articles for the learning pass
# (ingest.variants.record_evidence): a step of 5,000 took longer than they took to run out
# of work, and held the terms of 5,000 articles in memory, which a build of 10,000 pages
# never did.
INDEX_CHUNK = 2000
# A build brings the index up to date at its end, while its workers align articles for the
# learning pass, and on the way, a chunk after each batch, whenever more than this many
# articles wait: an article indexed on the way and given a better copy later is indexed
# again, which indexing at the end never does, and what the writer indexes, the workers
# wait for (indexing all 47,000 articles of 100,000 pages at once left them idle for 45 s).
INDEX_BEHIND = 100_000


def fold_width(text: str) -> str:
    """Full-width letters, digits and symbols as their ASCII forms (ＧＤＰ → GDP)."""
    return text.translate(WIDTH_TABLE)


@lru_cache(maxsize=1)
def token_table() -> np.ndarray:
    """For each code point, the token it is indexed and searched as: full width folded to
    ASCII, then lower case (where that is one character); 0 for what is no letter or digit
    (``str.isalnum``)."""
    chars = "".join(map(chr, range(UNICODE_SIZE)))
    table = np.zeros(UNICODE_SIZE, dtype=np.uint32)
    for run in TOKEN_RUN.finditer(chars):
        table[run.start() : run.end()] = np.arange(run.start(), run.end())
    table[0xFF01:0xFF5F] = table[0x21:0x7F]
    for code in np.flatnonzero(table).tolist():
        lower = chr(table[code]).lower()
        if len(lower) == 1:
            table[code] = ord(lower)
    return table


def token_codes(text: str) -> np.ndarray:
    """The tokens of the text's code points (see :func:`token_table`), 0 for the others."""
    return token_table()[code_points(text)]


def token_runs(text: str) -> list[str]:
    """The runs of letters and digits of a text, folded as the index folds them."""
    return from_code_points(token_codes(text)).replace("\0", " ").split()


def spaced(text: str) -> str:
    """A title or body as indexed: each letter or digit followed by a space, and ``BREAK``
    after each run of them (城市,2023 → ``城 市 ⟨BREAK⟩ 2 0 2 3 ⟨BREAK⟩``).

    On arrays of code points: the tokens, ``BREAK`` inserted after each run's last one,
    then a space after every code point.
    """
    codes = token_codes(text)
    token = codes != 0
    ends = np.flatnonzero(token & np.append(codes[1:] == 0, True))
    # Where each run's last token stands among the tokens, plus one: BREAK goes there.
    tokens = np.insert(codes[token], np.cumsum(token)[ends], BREAK)
    out = np.full(2 * len(tokens), SPACE, dtype=np.uint32)
    out[0::2] = tokens
    return from_code_points(out)


def index_columns(title: str, body: str) -> tuple[str, str]:
    """The ``articles_fts`` columns (title, body) of an article."""
    return spaced(title), spaced(body)


def index_change(
    title: str, body: str, indexed_title: str | None, indexed_body: str | None
) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """A queued article's index columns, and those of the text the index holds for it (None
    if it holds none)."""
    old = None if indexed_title is None else index_columns(indexed_title, indexed_body)
    return index_columns(title, body), old


def index_pending(db: sqlite_utils.Database, limit: int = INDEX_CHUNK) -> int:
    """Bring the search index up to date for up to ``limit`` queued articles, in the
    caller's transaction; returns how many."""
    return store.write_index(
        db,
        (
            (article_id, *index_change(*texts))
            for article_id, *texts in store.pending_search(db, limit)
        ),
    )


# An article's index entry made away from the writer (see :func:`prepare`): its id, the
# version of its signature when its text was read, its new columns, its old ones or None.
Entry = tuple[int, int, tuple[str, str], tuple[str, str] | None]


def prepare(connection: sqlite3.Connection, article_id: int) -> Entry | None:
    """The index entry of an article the index is behind on (None if it is not), read from
    the archive and spaced where this runs: a worker, at the end of a build, so that the
    writer is left only FTS5's part (spacing an article cost it half as much again)."""
    row = store.pending_text(connection, article_id)
    if row is None:
        return None
    version, *texts = row
    return article_id, version, *index_change(*texts)


def write_prepared(db: sqlite_utils.Database, entries: list[Entry]) -> int:
    """Index prepared entries (in id order) in a transaction of their own, emptying the
    list as they are written, so that they and the terms FTS5 gathers from them are not all
    in memory at once; returns how many were written.

    An article given another text since its entry was read (its signature's version moved
    on), or indexed since, is skipped: it is still queued, or needs nothing.
    """
    entries.reverse()

    def taken() -> Iterator[tuple[int, tuple[str, str], tuple[str, str] | None]]:
        while entries:
            article_id, version, new, old = entries.pop()
            if queued.get(article_id) == version:
                yield article_id, new, old

    with store.write_transaction(db):
        queued = store.pending_versions(db, [entry[0] for entry in entries])
        return store.write_index(db, taken())


def step(db: sqlite_utils.Database, chunk: int = INDEX_CHUNK) -> bool:
    """Index up to ``chunk`` queued articles in a transaction of their own; whether any were."""
    if not store.pending_count(db):
        return False
    with store.write_transaction(db):
        index_pending(db, chunk)
    return True


def refresh(db: sqlite_utils.Database, chunk: int = INDEX_CHUNK) -> None:
    """Index every queued article, ``chunk`` a transaction."""
    while step(db, chunk):
        pass


def run_phrase(run: str) -> str:
    """One run of letters and digits as a quoted FTS5 phrase of its characters."""
    return '"' + " ".join(run) + '"'


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for what a reader typed: every term must occur, as typed.

    The query is normalised like Traditional text (t2s and the variant table: 躰 finds 体)
    and width folded; each run of letters and digits becomes one phrase (see
    :func:`run_phrase`). Only letters and digits are ever quoted, so FTS5 syntax in the
    query (quotes, NEAR, *, AND) is searched for as text and never raises an error. A term
    holding punctuation (风险,治理) must have each of its runs. A query with no letter or
    digit gives the empty phrase, which matches nothing.
    """
    simplified = base_fold().apply(to_simplified(fold_width(query)))
    phrases = [run_phrase(run) for run in token_runs(simplified)]
    return " ".join(dict.fromkeys(phrases)) or '""'


@lru_cache(maxsize=64)
def terms_pattern(query: str) -> re.Pattern | None:
    """A pattern finding any run of letters and digits of the query, longest first, as
    normalised for search (once per query: a query page makes a snippet for each row)."""
    simplified = base_fold().apply(to_simplified(fold_width(query)))
    runs = sorted(set(TOKEN_RUN.findall(simplified)), key=len, reverse=True)
    if not runs:
        return None
    return re.compile("|".join(map(either_width, runs)), re.IGNORECASE)


def either_width(term: str) -> str:
    """A pattern for the term in ASCII or full-width forms (GDP finds ＧＤＰ)."""
    return "".join(
        f"[{re.escape(ch)}{chr(ord(ch) + 0xFEE0)}]" if "!" <= ch <= "~" else re.escape(ch)
        for ch in term
    )


def snippet(text: str, query: str, width: int = 20) -> str:
    """A few characters either side of the first place a term of the query occurs in the
    text, the term in brackets; the text's start if none does (a term in the title only).

    For the canned ``search`` query: the index holds no text, so FTS5's ``snippet()`` has
    none to show.
    """
    pattern = terms_pattern(query)
    flat = text.replace("\n", " ")
    found = pattern and pattern.search(flat)
    if found is None:
        return flat[: 2 * width] + ("…" if len(flat) > 2 * width else "")
    start, end = found.span()
    before = ("…" if start > width else "") + flat[max(0, start - width) : start]
    after = flat[end : end + width] + ("…" if end + width < len(flat) else "")
    return f"{before}[{flat[start:end]}]{after}"
