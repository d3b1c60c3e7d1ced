"""Run a pure function over a stream in worker processes, results in input order.

``multiprocessing.Pool.imap`` reads its whole input ahead of the workers, so a corpus of
millions of pages would end up in memory. Here the input is read in the calling thread,
only as results are taken: at most ``ahead`` chunks of ``chunksize`` items are in flight.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import TypeVar

# Fewer items than this are mapped in the calling process: starting workers would cost more.
SMALL = 32
T = TypeVar("T")
R = TypeVar("R")


def _map_chunk(function: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [function(item) for item in chunk]


class Workers:
    """``jobs`` worker processes, started when first needed and shared by every parallel
    step of a build (its pages, the learning pass): starting a pool makes each worker
    import the pipeline again, which cost a build seconds each time.

    Workers are started by a fork server, so they inherit no open database or thread of
    the caller.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def pool(self) -> multiprocessing.pool.Pool:
        if self._pool is None:
            self._pool = multiprocessing.get_context("forkserver").Pool(self.jobs)
        return self._pool

    def map(
        self,
        function: Callable[[T], R],
        items: Iterable[T],
        chunksize: int = 8,
        ahead: int | None = None,
    ) -> Iterator[R]:
        """``map(function, items)`` computed by the workers, lazily and in order.

        ``function`` must be picklable (a module-level function). With one job, or fewer
        than ``SMALL`` items, this is plain ``map``, in this process.
        """
        ahead = ahead or 2 * self.jobs
        source = iter(items)
        window = list(islice(source, SMALL)) if self.jobs > 1 else []
        if self.jobs <= 1 or len(window) < SMALL:
            yield from map(function, chain(window, source))
            return
        source = chain(window, source)
        pool = self.pool()
        pending: deque = deque()

        def submit() -> bool:
            chunk = list(islice(source, chunksize))
            if chunk:
                pending.append(pool.apply_async(_map_chunk, (function, chunk)))
            return bool(chunk)

        while len(pending) < ahead and submit():
            pass
        while pending:
            results = pending.popleft().get()
            submit()
            yield from results
