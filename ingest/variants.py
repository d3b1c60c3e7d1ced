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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from itertools import islice

import numpy as np
import sqlite_utils

from ingest import dedup, parallel, store
from ingest.normalise import (
    Fold,
    code_points,
    common_chars,
    count_changed,
    from_code_points,
    han_mask,
    make_fold,
    normalise,
    normalise_lines,
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
# Articles whose evidence is recomputed in one transaction: what the pass holds in memory.
CHUNK = 200
# Articles a worker aligns at a time, and tasks in flight per worker: a thousand articles
# or so, so that the workers go on while this process writes something else, and no more:
# what they ``prepare`` besides (a search index entry, about 13 KB) waits in memory.
EVIDENCE_TASK = 16
EVIDENCE_AHEAD = 64
# Articles whose evidence is written between two calls of ``meanwhile`` (record_evidence):
# about what two workers align in the time a step of the search index takes
# (ingest.search.INDEX_CHUNK).
MEANWHILE_EVERY = 2000


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


# What one aligned paragraph pair says: for each (rare character, what stands in its place
# in the Simplified paragraph), at how many positions, and a few characters around the first.
Contribution = tuple[tuple[tuple[str, str], int, str], ...]


def contribution(trad: str, simp: str) -> Contribution:
    """What an aligned pair of whitespace-free paragraphs says about its rare characters."""
    counts: Counter = Counter()
    examples: dict[tuple[str, str], str] = {}
    for i in np.flatnonzero(_rare()[code_points(trad)]).tolist():
        key = trad[i], simp[i]
        counts[key] += 1
        if key not in examples:
            span = slice(max(0, i - CONTEXT), i + CONTEXT + 1)
            examples[key] = f"{trad[span]} → {simp[span]}"
    return tuple((key, counts[key], example) for key, example in examples.items())


@dataclass
class Tally:
    """Counts over aligned paragraph pairs, for each rare character and what stands in its
    place in the Simplified text (itself, a standard character, anything else)."""

    positions: Counter = field(default_factory=Counter)
    pairs: Counter = field(default_factory=Counter)
    articles: defaultdict = field(default_factory=lambda: defaultdict(set))
    # The first occurrence seen of each (char, replacement): its id and a few characters.
    examples: dict = field(default_factory=dict)

    def add(self, trad: str, simp: str, occurrence: int, article: int) -> None:
        """Count one aligned paragraph pair of a copy at the positions of its rare
        characters."""
        self.count(contribution(trad, simp), occurrence, article)

    def count(self, said: Contribution, occurrence: int, article: int, times: int = 1) -> None:
        """Count what one aligned paragraph pair of a copy says (:func:`contribution`), for
        each of ``times`` copies of the paragraph (``occurrence``: the first)."""
        for key, positions, example in said:
            self.positions[key] += positions * times
            self.pairs[key] += times
            self.articles[key].add(article)
            self.examples.setdefault(key, (occurrence, example))

    @property
    def aligned(self) -> Counter:
        """Aligned occurrences of each rare character, whatever stands in its place."""
        aligned: Counter = Counter()
        for (a, _), n in self.positions.items():
            aligned[a] += n
        return aligned

    def rows(self, article_id: int) -> list[dict]:
        """The tally of one article's copies, as its ``variant_evidence`` rows."""
        return [
            {
                "article_id": article_id,
                "char": a,
                "replacement": b,
                "aligned": n,
                "pairs": self.pairs[a, b],
                "example_occurrence": self.examples[a, b][0],
                "example": self.examples[a, b][1],
            }
            for (a, b), n in sorted(self.positions.items())
        ]

    def weigh(self) -> list[Evidence]:
        """Each rare character's most frequent standard replacement, with the evidence."""
        totals = [
            (a, b, n, self.pairs[a, b], len(self.articles[a, b]))
            for (a, b), n in self.positions.items()
        ]
        return weigh(totals, lambda a, b: self.examples[a, b][1])


def weigh(
    totals: Iterable[tuple[str, str, int, int, int]], example: Callable[[str, str], str]
) -> list[Evidence]:
    """Each rare character's most frequent standard replacement, with the evidence for it.

    ``totals``: (char, what stands in its place, positions, pairs, articles), over every
    thing that stands in its place; ``example`` gives the example of a (char, replacement).
    """
    standard = standard_chars()
    aligned: Counter = Counter()
    counts = {}
    best: dict[str, tuple[int, str]] = {}
    for a, b, n, pairs, articles in totals:
        aligned[a] += n
        if a != b and b in standard:
            counts[a, b] = pairs, articles
            best[a] = max(best.get(a, (0, "")), (n, b))
    return [
        Evidence(a, b, *counts[a, b], aligned[a], n, round(n / aligned[a], 3), example(a, b))
        for a, (n, b) in sorted(best.items())
    ]


@lru_cache(maxsize=1)
def _rare() -> np.ndarray:
    """Whether each code point is a Han character outside the 3,500 common ones."""
    rare = han_mask().copy()
    rare[[ord(c) for c in common_chars()]] = False
    return rare


def rare_chars(text: str) -> str:
    """Each rare character of the text once, in code point order.

    Kept for each Traditional copy as normalised, so that a change in the substitutions
    finds the copies it can change without normalising every copy again (``affected``).
    """
    codes = code_points(text)
    return from_code_points(np.unique(codes[_rare()[codes]]))


def compact(text: str) -> str:
    return "".join(text.split())


class Aligner:
    """Finds, for a paragraph of a Traditional copy, the paragraph of the Simplified text it
    is a copy of: as long as it (whitespace removed), and mostly the same."""

    def __init__(self, simplified: list[str]) -> None:
        self.by_length: dict[int, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for paragraph in simplified:
            flat = compact(paragraph)
            if flat:
                self.by_length[len(flat)].append((flat, code_points(flat)))

    def partner(self, flat: str) -> str | None:
        """The Simplified paragraph a whitespace-free paragraph pairs with, if any."""
        candidates = self.by_length.get(len(flat))
        if not candidates:
            return None
        codes = code_points(flat)
        agree, best = max(
            (int(np.count_nonzero(codes == other)), text) for text, other in candidates
        )
        return best if agree >= MIN_AGREEMENT * len(flat) else None


def paragraph_pairs(traditional: list[str], simplified: list[str]) -> Iterator[tuple[str, str]]:
    """Pairs of whitespace-free paragraphs, as long as each other and mostly the same."""
    aligner = Aligner(simplified)
    for paragraph in traditional:
        flat = compact(paragraph)
        partner = aligner.partner(flat)
        if partner is not None:
            yield flat, partner


# An article to align: its id, its Simplified text's paragraphs (title first), and its
# Traditional copies (occurrence id, title, body as seen); no text if it has nothing to align.
Material = tuple[int, list[str], list[tuple[int, str, str]]]


def article_material(db: sqlite_utils.Database | sqlite3.Connection, article_id: int) -> Material:
    """What aligning an article needs: a Simplified text and Traditional copies, if it has
    both (most have not; their rows are not read)."""
    row = db.execute(
        """SELECT title, body FROM articles WHERE id = ? AND script = 'simplified'
           AND EXISTS (SELECT 1 FROM article_occurrences o
                       WHERE o.article_id = articles.id AND o.script = 'traditional')""",
        [article_id],
    ).fetchone()
    if row is None:
        return article_id, [], []
    # Sorted here: ORDER BY id in SQL would have SQLite read every Traditional copy of the
    # archive in id order (the script index) rather than this article's (by chars).
    copies = db.execute(
        """SELECT id, title_original, body_original FROM article_occurrences
           WHERE article_id = ? AND script = 'traditional'""",
        [article_id],
    ).fetchall()
    return article_id, [row[0], *row[1].split("\n")], sorted(copies)


def article_evidence(material: Material) -> tuple[int, list[dict]]:
    """An article's ``variant_evidence`` rows: what its Traditional copies, normalised and
    aligned with its Simplified text paragraph by paragraph, say. Pure, so that workers can
    run it.

    Copies of one article share most of their paragraphs, so each distinct paragraph is
    normalised and aligned once, and what it says counted for every copy holding it (the
    first, by id, gives the example); only the paragraphs that can hold a rare character
    (:func:`rare_paragraphs`) are normalised.
    """
    article_id, simplified, copies = material
    # Each distinct paragraph, in the order first seen: the copy it was first seen in, and
    # how many times the copies hold it.
    seen: dict[str, list[int]] = {}
    for occurrence_id, title_original, body_original in copies:
        for paragraph in [title_original, *body_original.split("\n")]:
            if (entry := seen.get(paragraph)) is None:
                seen[paragraph] = [occurrence_id, 1]
            else:
                entry[1] += 1
    telling = rare_paragraphs(list(seen))
    aligner = Aligner(simplified)
    tally = Tally()
    for original, normalised in zip(telling, normalise_lines(telling, "traditional"), strict=True):
        flat = compact(normalised)
        partner = aligner.partner(flat)
        if partner is not None:
            occurrence_id, times = seen[original]
            tally.count(contribution(flat, partner), occurrence_id, article_id, times)
    return article_id, tally.rows(article_id)


def evidence_of(
    article_id: int,
    archive: store.Reader,
    prepare: Callable[[sqlite3.Connection, int], object] | None = None,
) -> tuple[int, list[dict], object]:
    """An article's evidence, its copies read from the archive where this runs (a worker),
    and what ``prepare`` makes of the article there (None without it)."""
    connection = archive.connection()
    article_id, rows = article_evidence(article_material(connection, article_id))
    return article_id, rows, None if prepare is None else prepare(connection, article_id)


def touched_articles(
    db: sqlite_utils.Database, since: int, through: int, chunk: int
) -> Iterator[list[int]]:
    """The articles of the occurrences after ``since`` up to ``through``, ``chunk`` at a time."""
    last = 0
    while True:
        ids = [
            row[0]
            for row in db.execute(
                """SELECT DISTINCT article_id FROM article_occurrences
                   WHERE id > ? AND id <= ? AND article_id > ? ORDER BY article_id LIMIT ?""",
                [since, through, last, chunk],
            )
        ]
        if ids:
            yield ids
        if len(ids) < chunk:
            return
        last = ids[-1]


def record_evidence(
    db: sqlite_utils.Database,
    since: int,
    through: int,
    chunk: int,
    workers: parallel.Workers | None = None,
    meanwhile: Callable[[list], object] | None = None,
    prepare: Callable[[sqlite3.Connection, int], object] | None = None,
) -> None:
    """Replace the evidence of every article that got a copy after occurrence ``since``.

    An article's evidence depends on its text and on its Traditional copies, and both change
    only when a copy arrives, so these are the only articles whose evidence can differ.
    ``workers`` align (else this process); each ``chunk`` of articles is one transaction, so a
    pass cut short leaves whole articles. After every ``MEANWHILE_EVERY`` articles written,
    and at the end, ``meanwhile`` may do other writes (a step of the search index), given
    what ``prepare`` made of those articles in the workers (where not None): the workers
    have articles to align ahead of what this process writes, so that they go on meanwhile,
    and are not left waiting for it to take their results.
    """
    touched = (i for ids in touched_articles(db, since, through, chunk) for i in ids)
    archive = store.Reader(db)
    # The workers read the copies themselves: they are most of what the pass reads.
    if workers is None or not archive.path:  # an archive in memory is read here
        workers = parallel.Workers(1)
    results = workers.map(
        partial(evidence_of, archive=archive, prepare=prepare),
        touched,
        EVIDENCE_TASK,
        EVIDENCE_AHEAD * workers.jobs,
    )
    written = 0
    prepared: list = []
    try:
        while batch := list(islice(results, chunk)):
            with store.write_transaction(db):
                db.conn.executemany(
                    "DELETE FROM variant_evidence WHERE article_id = ?",
                    [(i,) for i, _, _ in batch],
                )
                rows = [row for _, article_rows, _ in batch for row in article_rows]
                if rows:
                    store.insert_rows(db, "variant_evidence", rows)
            written += len(batch)
            prepared += [made for _, _, made in batch if made is not None]
            if meanwhile is not None and written >= MEANWHILE_EVERY:
                meanwhile(prepared)
                written, prepared = 0, []
        if meanwhile is not None and prepared:
            meanwhile(prepared)
    finally:
        archive.close()  # with one job, copies were read in this process


def learn(db: sqlite_utils.Database) -> list[Evidence]:
    """The substitutions the stored evidence (``variant_totals``) is enough for."""
    totals = db.execute(
        "SELECT char, replacement, aligned, pairs, articles FROM variant_totals"
    ).fetchall()

    def example(char: str, replacement: str) -> str:
        return db.execute(
            """SELECT example FROM variant_evidence WHERE char = ? AND replacement = ?
               ORDER BY example_occurrence LIMIT 1""",
            [char, replacement],
        ).fetchone()[0]

    return [e for e in weigh(totals, example) if e.accepted()]


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


# Characters OpenCC's t2s turns into another inside some of its phrases only (藉口 → 借口,
# 錢鍾書 → 钱锺书), with what they become there: opencc 1.4.2's TSPhrases, checked by
# tests/test_variants.py. Every other output character comes from the input character
# alone, so a copy's converted text holds a character only if its original holds that
# character or one that t2s turns into it.
PHRASE_OUTPUTS = {
    "藉": "借", "沈": "沉", "坏": "坯", "鍾": "锺", "哩": "里", "逕": "迳", "瞭": "了",
    "覆": "复", "鍊": "链", "噁": "𫫇", "麼": "麽", "畫": "划", "俱": "具", "彷": "仿",
    "像": "象", "鉅": "钜", "衹": "只", "甦": "苏", "么": "幺",
}  # fmt: skip


@lru_cache(maxsize=1)
def _t2s_sources() -> dict[str, set[str]]:
    """For each character t2s outputs in place of others, the characters it comes from."""
    han = [chr(c) for c in np.flatnonzero(han_mask()).tolist()]
    converted = to_simplified("\n".join(han)).split("\n")
    sources = defaultdict(set)
    for before, after in zip(han, converted, strict=True):
        if after != before:
            sources[after].add(before)
    for before, after in PHRASE_OUTPUTS.items():
        simplified = to_simplified(before)
        sources[after] |= sources.get(simplified, set()) | {simplified, before}
    return dict(sources)


@lru_cache(maxsize=1)
def _rare_sources() -> np.ndarray:
    """Whether each code point becomes (or stays) a rare character when Traditional text is
    normalised without learnt substitutions: alone, or inside one of t2s's phrases."""
    rare = _rare()
    han = [chr(c) for c in np.flatnonzero(han_mask()).tolist()]
    normalised = normalise_lines(han, "traditional")
    sources = np.zeros(len(rare), dtype=bool)
    for before, after in zip(han, normalised, strict=True):
        sources[ord(before)] = rare[code_points(after)].any()
    base = make_fold({})
    for before, after in PHRASE_OUTPUTS.items():
        sources[ord(before)] |= rare[code_points(base.apply(after))].any()
    return sources


def rare_paragraphs(paragraphs: list[str]) -> list[str]:
    """The Traditional paragraphs that can hold a rare character once normalised (without
    learnt substitutions): the others say nothing about them (see :func:`contribution`)."""
    codes = code_points("\n".join(paragraphs))
    found = _rare_sources()[codes]
    if not found.any():
        return []
    # The paragraph of each character: how many line breaks come before it.
    number = np.cumsum(codes == ord("\n"))
    return [paragraphs[i] for i in np.unique(number[found]).tolist()]


@dataclass(frozen=True)
class Affected:
    """What a Traditional copy holds if ``fold`` and ``previous`` normalise it differently:
    one of ``left`` among the rare characters its text normalised with ``previous`` holds,
    or one of ``original`` in its original text. A copy whose rare characters were not
    kept (an older archive) is affected if its original holds one of ``fallback``."""

    left: frozenset[str]
    original: frozenset[str]
    fallback: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.fallback)


def affected(fold: Fold, previous: Fold) -> Affected:
    """What the copies ``fold`` normalises differently from ``previous`` hold.

    A copy changes where t2s gives a character the two folds map apart: there, its text
    normalised with ``previous`` holds what ``previous`` made of it. Where that is a rare
    character (a substitution learnt or changed), the copy's kept rare characters tell;
    where not (a substitution forgotten), its original must hold the character or one that
    t2s turns into it.
    """
    changed = np.flatnonzero(fold.map != previous.map)
    images = previous.map[changed]
    rare = _rare()[images]
    sources = _t2s_sources()

    def originals(codes: np.ndarray) -> frozenset[str]:
        chars = {chr(c) for c in codes.tolist()}
        return frozenset(chars.union(*(sources.get(c, set()) for c in chars)))

    return Affected(
        frozenset(chr(c) for c in images[rare].tolist()),
        originals(changed[~rare]),
        originals(changed),
    )


ORIGINAL = ("title_original", "body_original")


def holding(columns: Iterable[str], chars: Iterable[str]) -> tuple[str, list[str]]:
    """An SQL condition true where any of the columns holds any of the characters, and its
    parameters."""
    terms = [(f"instr({column}, ?)", c) for c in sorted(chars) for column in columns]
    return "(" + (" OR ".join(sql for sql, _ in terms) or "0") + ")", [c for _, c in terms]


def traditional_copies(
    db: sqlite_utils.Database, chars: Affected, chunk: int = 500
) -> Iterator[tuple]:
    """(id, article_id, title_original, body_original) of the Traditional copies that hold
    what ``chars`` says, by id.

    Read ``chunk`` rows at a time, so that memory does not grow with the archive and the
    caller may update the rows it has been given; SQLite looks for the characters.
    """
    if not chars:
        return
    left, left_params = holding(["rare_chars"], chars.left)
    kept, kept_params = holding(ORIGINAL, chars.original)
    fallback, fallback_params = holding(ORIGINAL, chars.fallback)
    condition = f"""(rare_chars IS NOT NULL AND ({left} OR {kept}))
                    OR (rare_chars IS NULL AND {fallback})"""
    params = left_params + kept_params + fallback_params
    last = 0
    while True:
        rows = db.execute(
            f"""SELECT id, article_id, title_original, body_original FROM article_occurrences
               WHERE script = 'traditional' AND id > ? AND ({condition}) ORDER BY id LIMIT ?""",
            [last, *params, chunk],
        ).fetchall()
        yield from rows
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def renormalise(
    db: sqlite_utils.Database,
    fold: Fold,
    previous: Fold,
    workers: parallel.Workers | None = None,
) -> int:
    """Normalise Traditional copies with ``fold`` instead of ``previous``; fix what changes.

    Only copies holding a character the change can affect are read; ``workers`` (else this
    process) normalise them. Returns how many articles had a copy change.
    """
    articles = set()
    copies = traditional_copies(db, affected(fold, previous))
    change = partial(copy_change, fold=fold, previous=previous)
    for found in (workers or parallel.Workers(1)).map(change, copies):
        if found is not None:
            oid, article_id, changed, rare, text_hash = found
            db.execute(
                """UPDATE article_occurrences SET chars_changed = ?, rare_chars = ?, text_hash = ?
                   WHERE id = ?""",
                [changed, rare, text_hash, oid],
            )
            articles.add(article_id)
    for article_id in sorted(articles):
        recanonicalise(db, article_id, fold)
    return len(articles)


def copy_change(copy: tuple, fold: Fold, previous: Fold) -> tuple[int, int, int, str, str] | None:
    """(id, article id, characters changed, rare characters, text hash) of a Traditional copy
    normalised with ``fold``, or None if ``previous`` gives the same text. Pure, so that
    workers can run it."""
    oid, article_id, title_original, body_original = copy
    # What normalise does, with OpenCC run once for both folds (it is most of the cost).
    converted = [to_simplified(t) for t in (title_original, body_original)]
    folded = [fold.apply(t) for t in converted]
    if folded == [previous.apply(t) for t in converted]:
        return None
    title, body = (zhu_to_zhe(t) for t in folded)
    changed = count_changed(title_original, title) + count_changed(body_original, body)
    return oid, article_id, changed, rare_chars(title + body), dedup.signature(body).text_hash


def recanonicalise(db: sqlite_utils.Database, article_id: int, fold: Fold) -> None:
    """A Traditional-only article's text from its fullest copy, normalised with ``fold``.

    As ``dedup.better_copy`` chooses: the longest copies (``fold`` does not change a copy's
    length), and among them the smallest text, which depends on ``fold``.
    """
    script, title, body = db.execute(
        "SELECT script, title, body FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if script != "traditional":
        return
    fullest = db.execute(
        """SELECT title_original, body_original FROM article_occurrences
           WHERE article_id = ? AND script = 'traditional' AND chars = (
               SELECT MAX(chars) FROM article_occurrences
               WHERE article_id = ? AND script = 'traditional')""",
        [article_id, article_id],
    )
    new_body, new_title = min(
        (
            normalise(body_original, "traditional", fold),
            normalise(title_original, "traditional", fold),
        )
        for title_original, body_original in fullest
    )
    if (new_title, new_body) != (title, body):
        sig = dedup.signature(new_body)
        row = {"title": new_title, "body": new_body, "chars": sig.chars}
        store.replace_canonical(db, article_id, row, sig.blob(), sig.shingles)


def refresh(
    db: sqlite_utils.Database,
    chunk: int = CHUNK,
    workers: parallel.Workers | None = None,
    meanwhile: Callable[[list], object] | None = None,
    prepare: Callable[[sqlite3.Connection, int], object] | None = None,
) -> None:
    """Learn again after a build added copies; re-normalise everything the change affects.

    Only the articles the new copies belong to are aligned again (``record_evidence``);
    the totals of all articles' evidence then decide. The build normalised its new copies
    with the substitutions the archive had when it started, so only a change in them calls
    for another look at the stored copies. The pass is done (``archive_passes``) only with
    its last transaction, so a pass cut short is run again by the next build. ``meanwhile``
    and ``prepare``: see :func:`record_evidence`.
    """
    since = store.pass_through(db, TABLE)
    through = db.execute("SELECT MAX(id) FROM article_occurrences").fetchone()[0] or 0
    record_evidence(db, since, through, chunk, workers, meanwhile, prepare)
    with store.write_transaction(db):
        before = substitutions(db)
        evidence = learn(db)
        after = {e.char: e.replacement for e in evidence}
        save(db, evidence)
        if after != before:
            renormalise(db, make_fold(after), make_fold(before), workers)
        store.pass_done(db, TABLE, through)
