"""Ordered, bounded parallel map."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

from ingest.parallel import SMALL, WorkerDied, Workers


def square(value: int) -> int:
    return value * value


def test_results_in_input_order_whatever_the_jobs():
    items = list(range(500))
    expected = [i**2 for i in items]
    with Workers(1) as one, Workers(2) as two:
        assert list(one.map(square, items)) == expected
        assert list(two.map(square, items, chunksize=7)) == expected


def test_input_is_read_only_a_bounded_window_ahead():
    pulled = []

    def items():
        for i in range(10_000):
            pulled.append(i)
            yield i

    with Workers(2) as workers:
        results = workers.map(square, items(), chunksize=5, ahead=3)
        for taken, value in enumerate(results, start=1):
            assert value == (taken - 1) ** 2
            assert len(pulled) <= taken + SMALL + 5 * 4
            if taken == 200:
                break
        results.close()
    assert len(pulled) < 250


def test_small_input_is_mapped_in_process():
    local = []
    with Workers(2) as workers:
        assert list(workers.map(local.append, [1, 2, 3])) == [None] * 3
    assert local == [1, 2, 3]


def pid(_: int) -> int:
    return os.getpid()


def test_workers_are_shared_by_the_maps_of_a_build():
    with Workers(2) as workers:
        first = set(workers.map(pid, range(200), chunksize=5))
        second = set(workers.map(pid, range(200), chunksize=5))
    assert os.getpid() not in first and second <= first and len(first) <= 2


def fail_on_seven(value: int) -> int:
    if value == 7:
        raise ValueError(f"no {value}")
    return value


def test_an_error_in_a_worker_is_raised_here_with_its_traceback():
    with Workers(2) as workers:
        with pytest.raises(ValueError, match="no 7") as raised:
            list(workers.map(fail_on_seven, range(100), chunksize=4))
        assert any("fail_on_seven" in note for note in raised.value.__notes__)
        # The workers go on: the next map has its own results, none of the one left.
        assert list(workers.map(square, range(100), chunksize=4)) == [i * i for i in range(100)]


def test_a_map_left_early_leaves_nothing_for_the_next():
    with Workers(2) as workers:
        first = workers.map(square, range(1000), chunksize=3, ahead=20)
        assert [next(first) for _ in range(10)] == [i * i for i in range(10)]
        first.close()
        # Squares left over from the first map would be many values, none of them a worker.
        pids = list(workers.map(pid, range(64), chunksize=2))
        assert len(pids) == 64 and len(set(pids)) <= 2 and os.getpid() not in pids
        assert list(workers.map(square, range(300), chunksize=3)) == [i * i for i in range(300)]


def die_on_five(value: int) -> int:
    if value == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def map_error(workers: Workers, function, items) -> BaseException | None:
    """What mapping ``function`` over ``items`` raised, if anything, failing the test if it
    has not ended within a minute (a map left waiting for ever)."""
    outcome: list[BaseException] = []

    def consume() -> None:
        try:
            list(workers.map(function, items, chunksize=2))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    return outcome[0] if outcome else None


def test_a_worker_that_dies_fails_the_map_instead_of_leaving_it_waiting():
    with Workers(2) as workers:
        error = map_error(workers, die_on_five, range(200))
    assert isinstance(error, WorkerDied)
    assert "killed by SIGKILL" in str(error)


def test_a_map_given_to_workers_all_gone_fails_at_once():
    with Workers(2) as workers:
        pids = set(workers.map(pid, range(64), chunksize=1))
        for worker in pids:
            os.kill(worker, signal.SIGKILL)
        while any(running(p) for p in pids):
            time.sleep(0.01)
        assert isinstance(map_error(workers, square, range(200)), WorkerDied)


# A build whose workers are busy (sending results) or idle (waiting for tasks) when it dies.
BUILD = """
import os, sys, time
from ingest.parallel import Workers

def slow(_):
    time.sleep(0.01)
    return os.getpid()

if __name__ == "__main__":
    workers = Workers(2)
    seen = set()
    while len(seen) < 2:
        seen |= set(workers.map(slow, range(64), chunksize=1))
    print(*seen, flush=True)
    if sys.argv[1] == "busy":
        for _ in workers.map(slow, range(100_000), chunksize=1):
            pass
    time.sleep(600)
"""


@pytest.mark.parametrize("workers", ["busy", "idle"])
def test_workers_end_when_the_build_is_killed(tmp_path, workers):
    script = tmp_path / "build.py"
    script.write_text(BUILD)
    build = subprocess.Popen(
        [sys.executable, str(script), workers], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    pids = {int(pid) for pid in build.stdout.readline().split()}
    assert len(pids) == 2
    time.sleep(0.2)  # busy: well into the long map
    build.kill()
    build.wait()
    deadline = time.monotonic() + 30
    while pids and time.monotonic() < deadline:
        pids = {p for p in pids if running(p)}
        time.sleep(0.05)
    assert not pids


def running(pid: int) -> bool:
    """Whether the process exists and has not ended (a zombie has, awaiting its parent)."""
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except OSError:
        return False
