"""The benchmark's own measurements, on a tiny generated corpus."""

from __future__ import annotations

import sys

from bench.__main__ import floor, run_measured
from bench.corpus import write_corpus


def test_floor_reads_every_page(tmp_path):
    pages = write_corpus(tmp_path / "c", 2, 8, jobs=1)
    measured = floor(pages)
    size = sum(p.stat().st_size for p in pages.rglob("*.txt"))
    assert measured["pages"] == 8 and measured["mb"] == size / 1e6


def test_run_measured_sees_the_memory_of_a_process_tree():
    grow = "import time; x = bytearray(200 * 2**20); x[::4096] = b'1' * 51200; time.sleep(0.5)"
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grow!r}])"
    measured = run_measured([sys.executable, "-c", script])
    assert measured["peak_mb"] > 200 and measured["peak_process_mb"] > 200
    assert measured["seconds"] > 0.5
