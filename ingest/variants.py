"""Learn from the archive which characters a bad converter put in place of standard ones.

Some of a converter's substitutions are characters that are standard in their own right
(郃 for 合, 琯 for 管), so no variant table can fix them. The archive often holds the same
article in both scripts: each Traditional copy, normalised, is aligned paragraph by
paragraph with the article's Simplified text, and every position where a rare character
(outside the 3,500 common characters of the 通用规范汉字表) stands for a standard one is
counted. A substitution is accepted with enough evidence: at least ``MIN_PAIRS`` paragraph
pairs, and at least ``MIN_SHARE`` of that character's aligned occurrences. Accepted ones are
kept, with their evidence, in ``variant_substitutions`` and applied to Traditional-origin
text only; ``refresh`` re-normalises the copies and the articles they change.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
import sqlite_utils

from ingest import dedup, store
from ingest.normalise import (
    Fold,
    code_points,
    common_chars,
    count_changed,
    han_mask,
    make_fold,
    normalise,
    standard_chars,
    to_simplified,
    zhu_to_zhe,
)

MIN_PAIRS = 3
MIN_SHARE = 0.9
# Paragraphs pair up when they are as long and agree on at least this share of positions.
MIN_AGREEMENT = 0.8
CONTEXT = 4
TABLE = "variant_substitutions"


@dataclass
class Evidence:
    """What the aligned copies say about one rare character and its likeliest replacement."""

    char: str
    replacement: str
    pairs: int
    articles: int
    aligned: int
    agreeing: int
    share: float
    example: str

    def accepted(self) -> bool:
        return self.pairs >= MIN_PAIRS and self.share >= MIN_SHARE


@dataclass
class Tally:
    """Counts over all aligned paragraph pairs."""

    aligned: Counter = field(default_factory=Counter)
    agreeing: Counter = field(default_factory=Counter)
    pairs: defaultdict = field(default_factory=lambda: defaultdict(set))
    articles: defaultdict = field(default_factory=lambda: defaultdict(set))
    examples: dict = field(default_factory=dict)

    def add(self, trad: str, simp: str, pair: tuple[int, int], article: int) -> None:
        """Count one aligned paragraph pair at the positions of its rare characters."""
        standard = standard_chars()
        for i in np.flatnonzero(_rare()[code_points(trad)]).tolist():
            a, b = trad[i], simp[i]
            self.aligned[a] += 1
            if a != b and b in standard:
                self.agreeing[a, b] += 1
                self.pairs[a, b].add(pair)
                self.articles[a, b].add(article)
                span = slice(max(0, i - CONTEXT), i + CONTEXT + 1)
                self.examples.setdefault((a, b), f"{trad[span]} → {simp[span]}")

    def weigh(self) -> list[Evidence]:
        """Each rare character's most frequent replacement, with the evidence for it."""
        best: dict[str, tuple[int, str]] = {}
        for (a, b), n in self.agreeing.items():
            best[a] = max(best.get(a, (0, "")), (n, b))
        return [
            Evidence(
                a,
                b,
                len(self.pairs[a, b]),
                len(self.articles[a, b]),
                self.aligned[a],
                n,
                round(n / self.aligned[a], 3),
                self.examples[a, b],
            )
            for a, (n, b) in sorted(best.items())
        ]


@lru_cache(maxsize=1)
def _rare() -> np.ndarray:
    """Whether each code point is a Han character outside the 3,500 common ones."""
    rare = han_mask().copy()
    rare[[ord(c) for c in common_chars()]] = False
    return rare


def compact(text: str) -> str:
    return "".join(text.split())


def paragraph_pairs(traditional: list[str], simplified: list[str]) -> Iterator[tuple[str, str]]:
    """Pairs of whitespace-free paragraphs, as long as each other and mostly the same."""
    by_length: dict[int, list[tuple[str, np.ndarray]]] = defaultdict(list)
    for paragraph in simplified:
        flat = compact(paragraph)
        if flat:
            by_length[len(flat)].append((flat, code_points(flat)))
    for paragraph in traditional:
        flat = compact(paragraph)
        if not by_length.get(len(flat)):
            continue
        codes = code_points(flat)
        agree, best = max(
            (int(np.count_nonzero(codes == other)), text) for text, other in by_length[len(flat)]
        )
        if agree >= MIN_AGREEMENT * len(flat):
            yield flat, best


def learn(db: sqlite_utils.Database) -> list[Evidence]:
    """The substitutions the archive's articles in both scripts give enough evidence for."""
    tally = Tally()
    rows = db.execute(
        """SELECT a.id, a.title, a.body, o.id, o.title_original, o.body_original
           FROM articles a JOIN article_occurrences o ON o.article_id = a.id
           WHERE a.script = 'simplified' AND o.script = 'traditional'
           ORDER BY o.id"""
    )
    for article_id, title, body, occurrence_id, title_original, body_original in rows:
        simplified = [title, *body.split("\n")]
        traditional = [
            normalise(title_original, "traditional"),
            *normalise(body_original, "traditional").split("\n"),
        ]
        for i, (trad, simp) in enumerate(paragraph_pairs(traditional, simplified)):
            tally.add(trad, simp, (occurrence_id, i), article_id)
    return [e for e in tally.weigh() if e.accepted()]


def substitutions(db: sqlite_utils.Database | sqlite3.Connection) -> dict[str, str]:
    """The substitutions accepted in an archive (none if it has not learnt any)."""
    try:
        return dict(db.execute(f"SELECT char, replacement FROM {TABLE}").fetchall())
    except sqlite3.OperationalError:  # an archive from before the table existed
        return {}


def archive_fold(db: sqlite_utils.Database | sqlite3.Connection) -> Fold:
    """The variant table plus the archive's substitutions."""
    return make_fold(substitutions(db))


def save(db: sqlite_utils.Database, evidence: list[Evidence]) -> None:
    """Replace the stored substitutions, if they or their evidence changed."""
    rows = [asdict(e) for e in evidence]
    columns = list(store.TABLES[TABLE]["columns"])
    stored = [
        dict(zip(columns, row, strict=True))
        for row in db.execute(f"SELECT {', '.join(columns)} FROM {TABLE} ORDER BY char")
    ]
    if stored != rows:
        db.execute(f"DELETE FROM {TABLE}")
        db[TABLE].insert_all(rows)


def traditional_copies(db: sqlite_utils.Database, chunk: int = 500) -> Iterator[tuple]:
    """(id, article_id, title_original, body_original) of every Traditional copy, by id.

    Read ``chunk`` rows at a time, so that memory does not grow with the archive and the
    caller may update the rows it has been given.
    """
    last = 0
    while True:
        rows = db.execute(
            """SELECT id, article_id, title_original, body_original FROM article_occurrences
               WHERE script = 'traditional' AND id > ? ORDER BY id LIMIT ?""",
            [last, chunk],
        ).fetchall()
        yield from rows
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def renormalise(db: sqlite_utils.Database, fold: Fold, previous: Fold) -> int:
    """Normalise Traditional copies with ``fold`` instead of ``previous``; fix what changes.

    Returns how many copies changed.
    """
    articles = set()
    for oid, article_id, title_original, body_original in traditional_copies(db):
        # What normalise does, with OpenCC run once for both folds (it is most of the cost).
        converted = [to_simplified(t) for t in (title_original, body_original)]
        folded = [fold.apply(t) for t in converted]
        if folded == [previous.apply(t) for t in converted]:
            continue
        title, body = (zhu_to_zhe(t) for t in folded)
        changed = count_changed(title_original, title) + count_changed(body_original, body)
        text_hash = dedup.signature(body).text_hash
        db["article_occurrences"].update(oid, {"chars_changed": changed, "text_hash": text_hash})
        articles.add(article_id)
    for article_id in sorted(articles):
        recanonicalise(db, article_id, fold)
    return len(articles)


def recanonicalise(db: sqlite_utils.Database, article_id: int, fold: Fold) -> None:
    """A Traditional-only article's text from its fullest copy, normalised with ``fold``."""
    script, title, body = db.execute(
        "SELECT script, title, body FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if script != "traditional":
        return
    title_original, body_original = db.execute(
        """SELECT title_original, body_original FROM article_occurrences
           WHERE article_id = ? AND script = 'traditional' ORDER BY chars DESC, id LIMIT 1""",
        [article_id],
    ).fetchone()
    new_title = normalise(title_original, "traditional", fold)
    new_body = normalise(body_original, "traditional", fold)
    if (new_title, new_body) != (title, body):
        sig = dedup.signature(new_body)
        row = {"title": new_title, "body": new_body, "chars": len(compact(new_body))}
        store.replace_canonical(db, article_id, row, sig.blob(), sig.shingles, sig.bands)


def refresh(db: sqlite_utils.Database) -> None:
    """Learn again after a build added copies; re-normalise everything the change affects.

    The build normalised its new copies with the substitutions the archive had when it
    started, so only a change in them calls for another look at the stored copies.
    """
    before = substitutions(db)
    evidence = learn(db)
    after = {e.char: e.replacement for e in evidence}
    with store.write_transaction(db):
        save(db, evidence)
        if after != before:
            renormalise(db, make_fold(after), make_fold(before))
        store.pass_done(db, TABLE)
