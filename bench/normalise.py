"""How fast the normaliser runs on one core, on the articles of the sample corpus.

    python -m bench.normalise [--chars N]

Every article of corpus/ (three Traditional copies with rare variants, Simplified ones) is
normalised again and again until N characters of each script have gone through
``normalise`` with its script detection, as ``ingest build`` and ``ingest normalise`` call
it; the fold with substitutions learnt from the corpus is measured too. Prints characters a
second for each and exits non-zero when one is below the target of 10 million.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ingest import variants
from ingest.build import build
from ingest.extract import extract
from ingest.normalise import Fold, detect_script, normalise
from ingest.read import iter_pages
from ingest.store import open_db

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10_000_000


def articles(corpus: Path) -> dict[str, list[str]]:
    """Titles and bodies of every sample article, by the script they came in."""
    found: dict[str, list[str]] = {"traditional": [], "simplified": []}
    for page in sorted(corpus.glob("*.txt")):
        for article in extract(page.read_text(encoding="utf-8")).articles:
            text = article.title + "\n" + article.body
            found[detect_script(text)].append(text)
    return found


def learnt_fold(corpus: Path) -> Fold:
    """The fold with the substitutions an archive of the corpus learns."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(str(Path(tmp) / "archive.db"))
        build(db, iter_pages([corpus]))
        fold = variants.archive_fold(db)
        db.close()
    return fold


def rate(texts: list[str], chars: int, **options) -> float:
    """Characters a second that ``normalise`` gets through, over at least ``chars``."""
    size = sum(map(len, texts))
    rounds = max(1, chars // size)
    for text in texts:  # warm up: OpenCC, the tables
        normalise(text, **options)
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            normalise(text, **options)
    return rounds * size / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=20_000_000)
    args = parser.parse_args()
    texts = articles(ROOT / "corpus")
    results = {
        "traditional": rate(texts["traditional"], args.chars),
        "traditional, learnt substitutions": rate(
            texts["traditional"], args.chars, fold=learnt_fold(ROOT / "corpus")
        ),
        "simplified": rate(texts["simplified"], args.chars),
    }
    for name, value in results.items():
        print(f"normalise {name:34} {value / 1e6:7.1f} M chars/s")
    slow = [name for name, value in results.items() if value < TARGET]
    if slow:
        print(f"below {TARGET / 1e6:.0f} M chars/s: {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
