"""Decide which stored article a newly found copy is, by exact hash or by MinHash LSH.

A copy is compared through MinHash signatures of its character shingles (one-permutation
MinHash on arrays of code points, ``ingest.minhash``: 3x faster than ``rensa`` and 14x
faster than ``datasketch`` here, see ``bench/minhash.py``). Signatures are cut into bands,
and :class:`BandIndex` keeps the bands of every stored signature in memory, built from
``article_signatures`` when a build first needs it: a copy's candidates are found with one
look-up in sorted arrays, and no band is written to the archive (48 rows an article at
random places of a big index were most of what the writer's commits wrote).

Two texts are one article when the shorter is at least ``MIN_RATIO`` as long as the longer
and most of it (``SAME_CONTAINMENT`` of its shingles) is found in the longer: that admits
copies with a few lines injected or dropped, Traditional copies normalised back, and copies
cut short to half the article or more, and refuses different articles on the same topic.
The thresholds were chosen on the generated pair set of ``bench/pairs.py``.

Each stored article keeps one signature, of its canonical copy (see :func:`better_copy`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ingest import minhash

SHINGLE = 5
NUM_PERM = minhash.BINS
BAND_ROWS = 3
# Bands looked up per article: the first 48 of the signature's 85. The weakest copy of the
# pair set (Jaccard 0.58) shares none of 48 bands with its article with odds of 1 in 40,000,
# and each is an entry of the index in memory (12 bytes).
BANDS = 48
# Candidates compared per copy, those sharing the most bands first.
CANDIDATES = 20
# Band keys held in a dict, at least, before they are merged into the sorted arrays.
RECENT = 1 << 15
# The fewest bits a bucket of band keys is told by, and how many keys are put in their
# buckets at a time (see BandIndex).
MIN_BUCKET_BITS = 10
BUCKET_SLICE = 1 << 18
# The shorter text must be this share of the longer (in shingles) to be a copy.
MIN_RATIO = 0.45
# Share of the shorter text's shingles found in the longer for the two to be one article.
SAME_CONTAINMENT = 0.5
# A copy shorter than this share of its article is partial (cut short).
PARTIAL_BELOW = 0.9


@dataclass(frozen=True)
class Signature:
    """What dedup needs of one text: exact hash, MinHash values, shingle count, the LSH
    band keys (computed with the rest, in the worker that hashes the text) and its
    :func:`length`."""

    text_hash: str
    hashvalues: np.ndarray
    shingles: int
    bands: np.ndarray
    chars: int

    def blob(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()


# Each band's key starts from its own seed, so that equal values in two bands differ.
_BAND_SEEDS = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_BAND_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)


def band_keys(hashvalues: np.ndarray) -> np.ndarray:
    """One signed 64-bit key per band of a signature (or of each row of an array of them):
    a polynomial of its ``BAND_ROWS`` values (uniform hashes already) from the band's seed."""
    rows = hashvalues[..., : BANDS * BAND_ROWS].astype(np.uint64)
    rows = rows.reshape(*hashvalues.shape[:-1], BANDS, BAND_ROWS)
    keys = np.broadcast_to(_BAND_SEEDS, rows.shape[:-1]).copy()
    with np.errstate(over="ignore"):
        for row in range(BAND_ROWS):
            keys *= _BAND_MULTIPLIER
            keys += rows[..., row]
    return keys.view(np.int64)


def compact(text: str) -> str:
    """Text as compared: whitespace removed, full-width forms folded (NFKC), lower case.

    Layout, punctuation width and letter case differ between copies of one article.
    """
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).lower()


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
    spaced = "".join(body.split())  # its length is the text's length (see length)
    # For NFKC text (nearly all), what compact gives, without splitting the text again.
    flat = spaced.lower() if unicodedata.is_normalized("NFKC", body) else compact(body)
    values, count = minhash.sketch(flat, SHINGLE)
    text_hash = hashlib.sha256(flat.encode()).hexdigest()
    return Signature(text_hash, values, count, band_keys(values), len(spaced))


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
    """What decides whether a copy should be its article's text. Texts are strings or UTF-8
    bytes (which order as their characters do), all of a kind in one comparison."""

    script: str
    chars: int
    body: str | bytes | None
    title: str | bytes


def better_copy(
    new: Copy, current: Copy, longest: int, current_body: Callable[[], str | bytes] | None = None
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


class BandIndex:
    """The LSH bands of every stored signature, in memory: band keys in a sorted array, with
    the article of each, and the keys added since the array was last sorted in a dict.

    A key is looked up through a table of where each bucket of keys (their top bits, one or
    two keys a bucket) starts in the array: two reads, where a binary search of two million
    keys reads twenty-odd places, most outside the processor's caches. A copy's candidates
    took 83 µs that way at 47,000 articles, and take 25 µs this way.

    Built from ``article_signatures`` when first asked (a build that adds no article never
    reads it), then kept up to date by :meth:`add` for the writer's own signatures and by
    :meth:`catch_up` for signatures stored by others: another build on the same archive, or
    the learning pass re-normalising an article (each signature row has a ``version``, one
    more than the last written). An article's earlier signatures stay in the index: a
    candidate is always compared with its current signature, so they cost a look-up, never
    a wrong match. 12 bytes a band (41 MB for the 71,244 signatures of 100,000 pages), and
    up to 4 more for the bucket table; the dict holds up to ``RECENT`` keys (or a 16th of
    the array's) before they are merged in, one pass over the array each time. Each merge
    makes new arrays, and the first write to new memory costs page faults (about 5 ms a MB
    on the benchmark's machine): merging at a 16th rather than a 64th made half as many
    merges, 3.4 s against 6.4 s in all for 4 million keys; the buckets are counted a slice
    of keys at a time, which kept 30 MB of temporary arrays off the build's peak memory.
    """

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.articles = np.zeros(0, dtype=np.int32)
        self.recent: dict[int, list[int]] = {}
        self.version = 0
        self.loaded = False
        self.index_buckets()

    def catch_up(self, db) -> None:
        """Add the signatures stored since the index last saw the archive (all of them the
        first time)."""
        sql = "SELECT article_id, minhash, version FROM article_signatures"
        if self.loaded:
            cursor = db.execute(sql + " WHERE version > ?", [self.version])
        else:
            cursor = db.execute(sql)
            self.loaded = True
        keys, articles = [], []
        # A few thousand signatures at a time: only their band keys are kept.
        while rows := cursor.fetchmany(4096):
            values = np.frombuffer(b"".join(row[1] for row in rows), dtype="<u4")
            keys.append(band_keys(values.reshape(len(rows), NUM_PERM)).reshape(-1))
            ids = np.array([row[0] for row in rows], dtype=np.int32)
            articles.append(np.repeat(ids, BANDS))
            self.version = max([self.version] + [row[2] for row in rows if row[2] is not None])
        if keys:
            self.merge(np.concatenate(keys), np.concatenate(articles))

    def add(self, article_id: int, keys: np.ndarray, version: int) -> None:
        """Add the bands of a signature this process stored, as ``version``."""
        for key in keys.tolist():
            self.recent.setdefault(key, []).append(article_id)
        self.version = max(self.version, version)
        if len(self.recent) >= max(RECENT, len(self.keys) // 16):
            self.merge(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))

    def merge(self, keys: np.ndarray, articles: np.ndarray) -> None:
        """Fold these entries and the recent ones into the sorted arrays."""
        if self.recent:
            counts = [len(ids) for ids in self.recent.values()]
            keys = np.concatenate((keys, np.repeat(np.fromiter(self.recent, np.int64), counts)))
            articles = np.concatenate(
                (articles, np.fromiter((i for ids in self.recent.values() for i in ids), np.int32))
            )
            self.recent = {}
        order = np.argsort(keys, kind="stable")
        keys, articles = keys[order], articles[order]
        at = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, at, keys)
        self.articles = np.insert(self.articles, at, articles)
        self.index_buckets()

    def index_buckets(self) -> None:
        """Make the table of where each bucket starts in the sorted keys (``2 ** bits``
        buckets, no more than there are keys, so that the table is no larger than them)."""
        self.bits = max(MIN_BUCKET_BITS, len(self.keys).bit_length() - 1)
        dtype = np.int32 if len(self.keys) < 2**31 else np.int64
        counts = np.zeros(1 << self.bits, dtype=dtype)
        # A slice of keys at a time, so that no array as long as the keys is made: the
        # sorted keys of a slice fill a run of buckets, counted from its first.
        for at in range(0, len(self.keys), BUCKET_SLICE):
            buckets = self.bucket(self.keys[at : at + BUCKET_SLICE])
            first = int(buckets[0])
            counts[first : int(buckets[-1]) + 1] += np.bincount(buckets - first).astype(dtype)
        self.starts = np.zeros(len(counts) + 1, dtype=dtype)
        np.cumsum(counts, out=self.starts[1:])

    def bucket(self, keys: np.ndarray) -> np.ndarray:
        """The bucket of each key: its top ``bits`` bits, shifted so that buckets are in the
        keys' (signed) order."""
        return (keys >> np.int64(64 - self.bits)) + (1 << (self.bits - 1))

    def candidates(self, keys: np.ndarray) -> list[int]:
        """The articles sharing a band with these keys, those sharing most first (then by
        id), at most ``CANDIDATES``."""
        buckets = self.bucket(keys)
        first = self.starts[buckets].astype(np.int64)
        sizes = self.starts[buckets + 1] - first
        # Every place of every key's bucket: the keys there that are the key are its.
        places = np.repeat(first - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        found = self.articles[places[self.keys[places] == np.repeat(keys, sizes)]].tolist()
        for key in keys.tolist():
            found += self.recent.get(key, ())
        hits = Counter(found)
        return sorted(hits, key=lambda article: (-hits[article], article))[:CANDIDATES]


def find_article(db, sig: Signature, index: BandIndex) -> tuple[int, float] | None:
    """The stored article this text is a copy of, with the similarity, or None."""
    row = db.execute(
        "SELECT article_id FROM article_occurrences WHERE text_hash = ? LIMIT 1", [sig.text_hash]
    ).fetchone()
    if row:
        return row[0], 1.0
    if not index.loaded:
        index.catch_up(db)
    candidates = index.candidates(sig.bands)
    if not candidates:
        return None
    rows = db.execute(
        f"""SELECT article_id, shingles, minhash FROM article_signatures
            WHERE article_id IN ({",".join("?" * len(candidates))})""",
        candidates,
    ).fetchall()
    signatures = {article_id: (size, blob) for article_id, size, blob in rows}
    best = None
    for article_id in candidates:
        size, blob = signatures[article_id]
        j = jaccard(sig.hashvalues, values_from_blob(blob))
        if same_article(j, sig.shingles, size) and (best is None or j > best[1]):
            best = (article_id, j)
    return best
