"""Peak memory of ``ingest build`` at two corpus sizes: it should stay flat as the corpus grows.

``python -m bench.memory [--pages 1000 4000]`` generates each corpus (``bench.pages``),
builds it from empty in a fresh process, and prints the pages, articles, database size,
time and peak resident set size of each build. Pages are streamed and every page is
written before the next is read; articles and signatures live in SQLite, not in Python.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pages

# Runs one build as a child and reports that child's peak RSS alone (ru_maxrss, in KiB).
MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kib(command: list[str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True
    )
    return int(out.stdout.split()[-1])


def measure(count: int, folder: Path) -> dict:
    corpus = folder / f"corpus-{count}"
    pages.write(corpus, count)
    db = folder / f"archive-{count}.db"
    started = time.monotonic()
    rss = peak_rss_kib([sys.executable, "-m", "ingest", "build", str(db), str(corpus)])
    seconds = time.monotonic() - started
    conn = sqlite3.connect(db)
    articles, occurrences = conn.execute(
        "select count(*), (select count(*) from article_occurrences) from articles"
    ).fetchone()
    conn.close()
    return {
        "pages": count,
        "articles": articles,
        "occurrences": occurrences,
        "db_mb": round(db.stat().st_size / 1e6, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(rss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 4000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.pages:
            print(json.dumps(measure(count, Path(tmp))))


if __name__ == "__main__":
    main()
