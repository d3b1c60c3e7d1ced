"""Run a pure function over a stream in worker processes, results in input order.

``multiprocessing.Pool.imap`` reads its whole input ahead of the workers, so a corpus of
millions of pages would end up in memory. Here the input is read in the calling thread,
only as results are taken: at most ``ahead`` chunks of ``chunksize`` items are in flight.
"""

from __future__ import annotations

import multiprocessing
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


def ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    chunksize: int = 8,
    ahead: int | None = None,
) -> Iterator[R]:
    """``map(function, items)`` computed by ``jobs`` processes, lazily and in order.

    ``function`` must be picklable (a module-level function). With ``jobs`` of 1 this is
    plain ``map``, in this process. Workers are started by a fork server, so they inherit
    no open database or thread of the caller.
    """
    ahead = ahead or 2 * jobs
    source = iter(items)
    window = list(islice(source, SMALL)) if jobs > 1 else []
    if jobs <= 1 or len(window) < SMALL:
        yield from map(function, chain(window, source))
        return
    source = chain(window, source)
    context = multiprocessing.get_context("forkserver")
    with context.Pool(jobs) as pool:
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
