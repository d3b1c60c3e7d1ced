"""Decide which stored article a newly found copy is, by exact hash or by MinHash LSH.

A copy is compared through MinHash signatures of its character shingles. Signatures are
cut into bands; every band is persisted in ``article_bands`` so that a later run finds
candidates among articles stored by earlier runs with one indexed lookup per band, and
nothing is rebuilt in memory. A candidate is accepted when the estimated overlap says the
two texts are the same article (``SAME_JACCARD``), or that the shorter is a cut-short copy
of the longer (``PARTIAL_CONTAINMENT``, for a copy at least ``MIN_COVERAGE`` as long).
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

SHINGLE = 5
NUM_PERM = 256
BAND_ROWS = 4
SAME_JACCARD = 0.5
PARTIAL_CONTAINMENT = 0.8
MIN_COVERAGE = 0.5
PARTIAL_BELOW = 0.9
SPACE_RE = re.compile(r"\s+")
SEED = 1


@dataclass(frozen=True)
class Signature:
    """What dedup needs of one text: exact hash, MinHash values and shingle count."""

    text_hash: str
    hashvalues: np.ndarray
    shingles: int

    def blob(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()

    def bands(self) -> list[int]:
        """One signed 64-bit key per band, the band's index mixed in."""
        keys = []
        for band in range(NUM_PERM // BAND_ROWS):
            rows = self.hashvalues[band * BAND_ROWS : (band + 1) * BAND_ROWS]
            digest = hashlib.blake2b(
                struct.pack("<H", band) + rows.astype("<u4").tobytes(), digest_size=8
            ).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys


def _hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little")


def compact(text: str) -> str:
    """Text with all whitespace removed: layout differences between copies do not count."""
    return SPACE_RE.sub("", text)


def shingles(text: str) -> set[bytes]:
    """Character ``SHINGLE``-grams of the compacted text."""
    flat = compact(text)
    if len(flat) <= SHINGLE:
        return {flat.encode()} if flat else set()
    return {flat[i : i + SHINGLE].encode() for i in range(len(flat) - SHINGLE + 1)}


def signature(body: str) -> Signature:
    """The exact hash and MinHash signature of a normalised article body."""
    grams = shingles(body)
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_hash32)
    minhash.update_batch(list(grams))
    text_hash = hashlib.sha256(compact(body).encode()).hexdigest()
    return Signature(text_hash, minhash.hashvalues.astype(np.uint32), len(grams))


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
    if j >= SAME_JACCARD:
        return True
    smaller, larger = sorted((size_a, size_b))
    return (
        larger > 0
        and smaller >= MIN_COVERAGE * larger
        and containment(j, size_a, size_b) >= PARTIAL_CONTAINMENT
    )


def find_article(db, sig: Signature) -> tuple[int, float] | None:
    """The stored article this text is a copy of, with the similarity, or None."""
    row = db.execute(
        "SELECT article_id FROM article_occurrences WHERE text_hash = ? LIMIT 1", [sig.text_hash]
    ).fetchone()
    if row:
        return row[0], 1.0
    keys = sig.bands()
    placeholders = ",".join("?" * len(keys))
    candidates = db.execute(
        f"""SELECT s.article_id, s.shingles, s.minhash, COUNT(*) AS hits
            FROM article_bands b JOIN article_signatures s ON s.article_id = b.article_id
            WHERE b.band_key IN ({placeholders})
            GROUP BY b.article_id ORDER BY hits DESC LIMIT 20""",
        keys,
    ).fetchall()
    best = None
    for article_id, size, blob, _ in candidates:
        j = jaccard(sig.hashvalues, values_from_blob(blob))
        if same_article(j, sig.shingles, size) and (best is None or j > best[1]):
            best = (article_id, j)
    return best
