"""Ordered, bounded parallel map."""

from __future__ import annotations

import os

from ingest.parallel import SMALL, Workers


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
