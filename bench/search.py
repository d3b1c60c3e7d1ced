"""Benchmark of Chinese full-text search: indexing speed and query latency.

Builds an FTS5 index the way the archive does (``ingest.search``: each letter or digit of
title and body a token, in a stock contentless ``ascii`` table, ``INDEX_CHUNK`` articles
a transaction) over distinct articles made by recombining the sample articles' paragraphs,
then times queries of 1 to 4 characters and two-term queries through the SQL form
(``cjk_query``): the first 100 matches in article order (the search page), and the count of
all matches (which Datasette's table page runs too, as do its facets).
Run: ``python -m bench.search [--articles N] [--json FILE]``.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import click

from ingest import store
from ingest.extract import extract
from ingest.normalise import normalise
from ingest.search import INDEX_CHUNK, fts_query, index_columns

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QUERIES = [
    "险",
    "治",
    "风险",
    "治理",
    "政府",
    "中国",
    "协同治理",
    "社会治理",
    "现代化",
    "风险 治理",
    "中国 现代化",
    "城市 协同",
    "党的 建设",
    "二十大",
    "2023",
]


def paragraphs() -> list[str]:
    """Every normalised paragraph of the sample corpus."""
    found = []
    for path in sorted(CORPUS.iterdir()):
        for article in extract(path.read_text(encoding="utf-8")).articles:
            found += normalise(article.body).split("\n")
    return found


def articles(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """Distinct synthetic articles: titles and bodies of recombined sample paragraphs."""
    rng = random.Random(seed)
    pool = paragraphs()
    return [(f"文章{i}", "\n".join(rng.sample(pool, 12))) for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@click.command()
@click.option("--articles", "count", default=20000, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
def main(count: int, json_path: str | None) -> None:
    """Measure indexing MB/s and query latency of the archive's FTS5 index."""
    rows = articles(count)
    megabytes = sum(len((t + b).encode()) for t, b in rows) / 1e6
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "search.db")
        conn.create_function("cjk_query", 1, fts_query)
        conn.execute(store.FTS_SQL.replace("articles_fts", "fts"))
        conn.execute("insert into fts (fts, rank) values ('hashsize', ?)", [store.FTS_HASHSIZE])
        start = time.perf_counter()
        for first in range(0, count, INDEX_CHUNK):
            with conn:
                conn.executemany(
                    "insert into fts (rowid, title, body) values (?, ?, ?)",
                    (
                        (i, *index_columns(t, b))
                        for i, (t, b) in enumerate(rows[first : first + INDEX_CHUNK], first + 1)
                    ),
                )
        index_seconds = time.perf_counter() - start
        latencies: dict[str, list[float]] = {}
        counts: dict[str, list[float]] = {}
        for query in QUERIES:
            for _ in range(5):
                start = time.perf_counter()
                conn.execute(
                    "select rowid from fts where fts match cjk_query(?) order by rowid limit 100",
                    [query],
                ).fetchall()
                latencies.setdefault(query, []).append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                conn.execute(
                    "select count(*) from fts where fts match cjk_query(?)", [query]
                ).fetchone()
                counts.setdefault(query, []).append((time.perf_counter() - start) * 1000)
        size = (Path(folder) / "search.db").stat().st_size / 1e6
        conn.close()
    every = [value for values in latencies.values() for value in values]
    every_count = [value for values in counts.values() for value in values]
    report = {
        "articles": count,
        "text_mb": round(megabytes, 1),
        "index_mb_per_s": round(megabytes / index_seconds, 1),
        "db_mb": round(size, 1),
        "query_p50_ms": round(statistics.median(every), 2),
        "query_p95_ms": round(percentile(every, 0.95), 2),
        "per_query_median_ms": {q: round(statistics.median(v), 2) for q, v in latencies.items()},
        "count_p50_ms": round(statistics.median(every_count), 2),
        "count_p95_ms": round(percentile(every_count, 0.95), 2),
    }
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    if json_path:
        Path(json_path).write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
