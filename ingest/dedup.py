"""Decide which stored article a newly found copy is, by exact hash or by MinHash LSH.

A copy is compared through MinHash signatures of its character shingles (one-permutation
MinHash on arrays of code points, ``ingest.minhash``: 3x faster than ``rensa`` and 14x
faster than ``datasketch`` here, see ``bench/minhash.py``). Signatures are
cut into bands; every band is persisted in ``article_bands`` so that a later run finds
candidates among articles stored by earlier runs with one indexed lookup per band, and
nothing is rebuilt in memory.

Two texts are one article when the shorter is at least ``MIN_RATIO`` as long as the longer
and most of it (``SAME_CONTAINMENT`` of its shingles) is found in the longer: that admits
copies with a few lines injected or dropped, Traditional copies normalised back, and copies
cut short to half the article or more, and refuses different articles on the same topic.
The thresholds were chosen on the generated pair set of ``bench/pairs.py``.

Each stored article keeps one signature, of its canonical copy (see :func:`better_copy`).
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ingest import minhash

SHINGLE = 5
NUM_PERM = minhash.BINS
BAND_ROWS = 3
# Bands stored and looked up per article: the first 48 of the signature's 85. The weakest
# copy of the pair set (Jaccard 0.58) shares none of 48 bands with its article with odds
# of 1 in 40,000, and each band is a row written at random in a big index (the writer's
# costliest insert, see README: Speed and scale).
BANDS = 48
# The shorter text must be this share of the longer (in shingles) to be a copy.
MIN_RATIO = 0.45
# Share of the shorter text's shingles found in the longer for the two to be one article.
SAME_CONTAINMENT = 0.5
# A copy shorter than this share of its article is partial (cut short).
PARTIAL_BELOW = 0.9


@dataclass(frozen=True)
class Signature:
    """What dedup needs of one text: exact hash, MinHash values, shingle count and the
    LSH band keys (computed with the rest, in the worker that hashes the text)."""

    text_hash: str
    hashvalues: np.ndarray
    shingles: int
    bands: tuple[int, ...]

    def blob(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()


def band_keys(hashvalues: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit key per band of a signature, the band's index mixed in."""
    data = hashvalues.astype("<u4").tobytes()
    width = BAND_ROWS * 4
    return tuple(
        int.from_bytes(
            hashlib.blake2b(
                struct.pack("<H", band) + data[band * width : (band + 1) * width],
                digest_size=8,
            ).digest(),
            "little",
            signed=True,
        )
        for band in range(BANDS)
    )


def compact(text: str) -> str:
    """Text as compared: whitespace removed, full-width forms folded (NFKC), lower case.

    Layout, punctuation width and letter case differ between copies of one article.
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def length(text: str) -> int:
    """Characters of a text that count for coverage: whitespace excluded."""
    return len("".join(text.split()))


def shingles(text: str) -> set[str]:
    """Character ``SHINGLE``-grams of the compacted text."""
    flat = compact(text)
    if len(flat) <= SHINGLE:
        return {flat} if flat else set()
    return {flat[i : i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def signature(body: str) -> Signature:
    """The exact hash and MinHash signature (``ingest.minhash``) of a normalised article body."""
    flat = compact(body)
    values, count = minhash.sketch(flat, SHINGLE)
    text_hash = hashlib.sha256(flat.encode()).hexdigest()
    return Signature(text_hash, values, count, band_keys(values))


def values_from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two shingle sets from their signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(j: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller set found in the larger, from Jaccard and sizes."""
    smaller = min(size_a, size_b)
    if not smaller:
        return 0.0
    overlap = j * (size_a + size_b) / (1 + j)
    return min(1.0, overlap / smaller)


def same_article(j: float, size_a: int, size_b: int) -> bool:
    """Whether two texts with this similarity and these sizes are one article."""
    smaller, larger = sorted((size_a, size_b))
    return (
        larger > 0
        and smaller >= MIN_RATIO * larger
        and containment(j, size_a, size_b) >= SAME_CONTAINMENT
    )


def coverage(chars: int, article_chars: int) -> tuple[float, int]:
    """A copy's share of its article's length, and 1 if that makes it partial (cut short)."""
    share = min(1.0, round(chars / max(article_chars, 1), 3))
    return share, int(chars < PARTIAL_BELOW * article_chars)


@dataclass(frozen=True)
class Copy:
    """What decides whether a copy should be its article's text."""

    script: str
    chars: int
    body: str | None
    title: str


def better_copy(
    new: Copy, current: Copy, longest: int, current_body: Callable[[], str] | None = None
) -> bool:
    """Whether ``new`` should replace ``current`` as the article's text.

    The fullest copy wins: among copies not cut short (at least ``PARTIAL_BELOW`` of the
    ``longest`` copy seen), a Simplified-origin one first, then the longest. A total order
    (ties go to the smaller text), so the choice does not depend on the order copies arrive.
    Only a tie needs the texts: ``current_body`` reads the current one if ``current`` has
    none.
    """

    def key(copy: Copy) -> tuple[bool, bool, int]:
        return (copy.chars >= PARTIAL_BELOW * longest, copy.script == "simplified", copy.chars)

    if key(new) != key(current):
        return key(new) > key(current)
    body = current.body if current.body is not None else current_body()
    return (new.body, new.title) < (body, current.title)


def find_article(db, sig: Signature) -> tuple[int, float] | None:
    """The stored article this text is a copy of, with the similarity, or None."""
    row = db.execute(
        "SELECT article_id FROM article_occurrences WHERE text_hash = ? LIMIT 1", [sig.text_hash]
    ).fetchone()
    if row:
        return row[0], 1.0
    keys = sig.bands
    placeholders = ",".join("?" * len(keys))
    candidates = db.execute(
        f"""SELECT s.article_id, s.shingles, s.minhash, COUNT(*) AS hits
            FROM article_bands b JOIN article_signatures s ON s.article_id = b.article_id
            WHERE b.band_key IN ({placeholders})
            GROUP BY b.article_id ORDER BY hits DESC, b.article_id LIMIT 20""",
        keys,
    ).fetchall()
    best = None
    for article_id, size, blob, _ in candidates:
        j = jaccard(sig.hashvalues, values_from_blob(blob))
        if same_article(j, sig.shingles, size) and (best is None or j > best[1]):
            best = (article_id, j)
    return best
