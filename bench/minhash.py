"""MinHash speed on article-sized texts: ``ingest.minhash`` (what dedup uses) against
``rensa`` and ``datasketch``.

``python -m bench.minhash`` signs every article of the sample corpus (normalised, 2,900
to 7,500 characters) with each at dedup's settings and prints milliseconds per article,
shingling included, and the error of the estimated Jaccard on cut-short copies. ``rensa``
and ``datasketch`` are measured when installed (``pip install rensa==0.5.0
datasketch==2.0.0``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import time

import numpy as np

from bench.pairs import sample_material, truncate
from ingest import dedup

SEED = 1


def _hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little")


def with_ingest(text: str) -> np.ndarray:
    return dedup.signature(text).hashvalues


def with_rensa(text: str) -> np.ndarray:
    import rensa

    minhash = rensa.RMinHash(num_perm=dedup.NUM_PERM, seed=SEED)
    minhash.update(list(dedup.shingles(text)))
    return np.array(minhash.digest(), dtype=np.uint32)


def with_datasketch(text: str) -> np.ndarray:
    from datasketch import MinHash

    minhash = MinHash(num_perm=dedup.NUM_PERM, seed=SEED, hashfunc=_hash32)
    minhash.update_batch([gram.encode() for gram in dedup.shingles(text)])
    return minhash.hashvalues


def per_article_ms(sign, texts: list[str], rounds: int = 5) -> float:
    """Best of ``rounds`` passes over the texts, in milliseconds per text."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            sign(text)
        best = min(best, (time.perf_counter() - start) / len(texts))
    return best * 1000


def jaccard_error(sign, texts: list[str]) -> float:
    """Mean absolute error of the estimated Jaccard of each text and its prefixes."""
    errors = []
    for text in texts:
        grams = dedup.shingles(text)
        for share in (0.5, 0.7, 0.9):
            cut = "\n".join(truncate(text.split("\n"), share))
            other = dedup.shingles(cut)
            true = len(grams & other) / len(grams | other)
            errors.append(abs(dedup.jaccard(sign(text), sign(cut)) - true))
    return sum(errors) / len(errors)


def main() -> None:
    articles, _ = sample_material()
    texts = [a.body for a in articles] * 4
    chars = sorted(len(a.body) for a in articles)
    print(f"{len(articles)} articles of {chars[0]}..{chars[-1]} characters, {dedup.NUM_PERM} perms")
    print(f"shingling alone: {per_article_ms(dedup.shingles, texts):.2f} ms/article")
    signers = {"ingest.minhash (one permutation)": with_ingest}
    for name, module, sign in [
        ("rensa RMinHash", "rensa", with_rensa),
        ("datasketch MinHash", "datasketch", with_datasketch),
    ]:
        if importlib.util.find_spec(module):
            signers[name] = sign
        else:
            print(f"{module} not installed: not measured")
    for name, sign in signers.items():
        ms = per_article_ms(sign, texts)
        error = jaccard_error(sign, texts[: len(articles)])
        print(f"{name}: {ms:.2f} ms/article, shingling included; Jaccard error {error:.3f}")


if __name__ == "__main__":
    main()
