"""A real ``ingest build`` killed at any moment leaves a sound archive that a new run
completes to what an uninterrupted run gives; Datasette reading meanwhile sees whole pages."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, comparable_rows
from datasette.app import Datasette

from bench.corpus import write_corpus
from ingest.store import ensure_schema, open_db

PAGES = 150
# Each kill comes once the archive holds this many pages, after a further pause of up to
# 30 ms, so that it lands at a varied point of the next pages: reading, extracting, writing.
# Each run resumes the last. The first kill lands while Python starts; the last as soon as
# the last page is in, while the build learns variant substitutions from the whole archive
# (more than half of the generated pages are Traditional, and their articles have
# Simplified copies on other pages: the learning pass aligns them and learns from them).
KILL_AFTER = [0, 1, 2, 8, 20, 40, 60, 85, 115, 140]
TABLES = [
    "sources",
    "articles",
    "article_occurrences",
    "article_signatures",
    "variant_substitutions",
    "variant_evidence",
    "variant_totals",
    "archive_passes",
    "search_pending",
]
# One statement, so one snapshot: pages whose articles are not all in, counts that disagree.
HALF_WRITTEN = """select
  (select count(*) from sources) as sources,
  (select count(*) from sources s where article_count
     != (select count(*) from article_occurrences o where o.source_id = s.id)) as half_pages,
  (select count(*) from articles a where occurrence_count
     != (select count(*) from article_occurrences o where o.article_id = a.id)) as bad_counts,
  (select count(*) from articles)
     - (select count(*) from article_signatures) as unsigned,
  (select count(*) from articles) - (select count(*) from articles_fts)
     - (select count(*) from search_pending where indexed_body is null) as unindexed,
  (select count(*) - count(distinct version) from article_signatures) as shared_versions"""


def start_build(db: Path, corpus: Path, jobs: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        # Short batches (2 ms of work), so that kills land after many different ones.
        [sys.executable, "-m", "ingest", "build", str(db), str(corpus)]
        + ["--commit-seconds", "0.002", "--jobs", str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def content(path: Path) -> dict:
    conn = sqlite3.connect(path)
    tables = {t: comparable_rows(conn, t) for t in TABLES}
    conn.execute("create virtual table temp.indexed using fts5vocab(main, articles_fts, instance)")
    tables["fts"] = conn.execute("select * from temp.indexed order by 1, 2, 3, 4").fetchall()
    conn.close()
    return tables


def sources_if_sound(path: Path) -> int:
    """How many pages the archive holds, after checking that none is half written."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    tables = {row[0] for row in conn.execute("select name from sqlite_master")}
    if "sources" not in tables:
        conn.close()
        return 0
    sources, *problems = conn.execute(HALF_WRITTEN).fetchone()
    assert problems == [0, 0, 0, 0, 0]
    statuses = dict(conn.execute("select status, count(*) from sources group by status"))
    assert set(statuses) <= {"ok", "no_articles", "error"}
    conn.close()
    return sources


def learnt(path: Path) -> int:
    conn = sqlite3.connect(path)
    count = conn.execute("select count(*) from variant_substitutions").fetchone()[0]
    conn.close()
    return count


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = write_corpus(tmp_path_factory.mktemp("generated"), 3, PAGES, jobs=1)
    for page in CORPUS.iterdir():
        shutil.copy(page, folder / f"sample-{page.name}")
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[Path, float]:
    """An uninterrupted build of the corpus, and how long it took."""
    path = tmp_path_factory.mktemp("reference") / "archive.db"
    started = time.monotonic()
    proc = start_build(path, corpus)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return path, time.monotonic() - started


def kill_when(path: Path, corpus: Path, pages: int, pause: float) -> int:
    """Start a build, SIGKILL it once the archive holds ``pages`` pages and ``pause`` seconds
    have passed; check the archive and return how many pages it holds."""
    # One job: with workers, pages reach the writer 32 at a time, faster than they are made,
    # and each kill would land where a task's pages were all in.
    proc = start_build(path, corpus, jobs=1)
    while pages and sources_if_sound(path) < pages and proc.poll() is None:
        time.sleep(0.002)
    time.sleep(pause)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return sources_if_sound(path)


def test_killed_build_is_sound_and_resumes_to_the_same_archive(tmp_path, corpus, reference):
    reference_db, _ = reference
    total = sources_if_sound(reference_db)
    assert total > PAGES * 0.9
    path = tmp_path / "archive.db"
    pauses = random.Random(5)
    landed = [kill_when(path, corpus, n, pauses.uniform(0, 0.03)) for n in KILL_AFTER]
    assert landed[0] == 0
    mid_run = [n for n in landed if 0 < n < total]
    # Pages are committed in batches (here 2 ms of work), so kills waiting
    # for nearby page counts land after the same batch.
    assert len(set(mid_run)) >= 4, f"kills landed after {landed} of {total} pages"
    assert learnt(path) == 0
    assert kill_when(path, corpus, total, 0) == total
    assert learnt(path) == 0, "the kill came after the learning pass: no test of it"
    proc = start_build(path, corpus)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert sources_if_sound(path) == total
    assert learnt(path) == learnt(reference_db) > 0
    assert content(path) == content(reference_db)


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (none once it is gone)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def test_a_killed_worker_stops_the_build_with_one_line_and_it_resumes(tmp_path, corpus, reference):
    reference_db, _ = reference
    path = tmp_path / "archive.db"
    proc = start_build(path, corpus)
    workers: list[int] = []
    # The workers are the fork server's children: the build's grandchildren.
    while len(workers) < 2 and proc.poll() is None:
        workers = [worker for server in children(proc.pid) for worker in children(server)]
        time.sleep(0.001)
    assert proc.poll() is None, "the build ended before its workers were seen"
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert err.decode().splitlines() == [
        "Error: a worker process died (killed by SIGKILL); the pages committed are kept: "
        "run the build again to go on"
    ]
    sources_if_sound(path)
    proc = start_build(path, corpus)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert content(path) == content(reference_db)


async def test_datasette_sees_only_whole_pages_while_a_build_runs(tmp_path, corpus):
    path = tmp_path / "archive.db"
    ensure_schema(open_db(str(path)))
    datasette = Datasette([str(path)])
    proc = start_build(path, corpus)
    seen = []
    while proc.poll() is None:
        response = await datasette.client.get(
            "/archive.json", params={"sql": HALF_WRITTEN, "_shape": "array"}
        )
        assert response.status_code == 200, response.text
        row = response.json()[0]
        assert [v for k, v in row.items() if k != "sources"] == [0] * 5, row
        seen.append(row["sources"])
        await asyncio.sleep(0.02)
    assert proc.returncode == 0
    # Pages come in batches (2 ms of work each here, see start_build).
    assert len({n for n in seen if 0 < n < PAGES}) >= 3, seen
