"""Run a pure function over a stream in worker processes, results in input order.

``multiprocessing.Pool`` was the first way: its ``imap`` reads its whole input ahead of the
workers (a corpus of millions of pages would end up in memory), and its worker-handling
thread wakes whenever a result waits unread, so it spun while the workers' large results
went through the pipe: 8% of a core, and the writer's lock with it. Here the input is read
only as results are taken (at most ``ahead`` chunks in flight), a single thread receives
the results, asleep until they come, and a worker that dies fails the build rather than
leaving it waiting for ever.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.queues import SimpleQueue
from typing import TypeVar

# Fewer items than this are mapped in the calling process: starting workers would cost more.
SMALL = 32
T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a build (killed, out of memory...)."""


def _sendable(error: BaseException) -> BaseException:
    """The error, with the worker's traceback as a note, or a RuntimeError saying it if it
    cannot be pickled."""
    trace = traceback.format_exc()
    try:
        error.add_note(f"in a worker process:\n{trace}")
        pickle.dumps(error)
        return error
    except Exception:
        return RuntimeError(f"in a worker process:\n{trace}")


def _serve(tasks: SimpleQueue, results: SimpleQueue) -> None:
    """A worker: run each task ``(number, function, chunk)`` and send back ``(number, True,
    results)``, or ``(number, False, error)``; stop at None, or when the build is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    # The ends this process never uses: without them, a build that dies leaves the task
    # pipe with no writer, and the worker ends.
    tasks._writer.close()
    results._reader.close()
    while True:
        try:
            task = tasks.get()
        except EOFError:
            return
        if task is None:
            return
        number, function, chunk = task
        try:
            results.put((number, True, [function(item) for item in chunk]))
        except Exception as error:  # the function failed, or its results cannot be sent
            results.put((number, False, _sendable(error)))


class Workers:
    """``jobs`` worker processes, started when first needed and shared by every parallel
    step of a build (its pages, the learning pass): starting workers makes each import the
    pipeline again, which cost a build seconds each time.

    Workers are started by a fork server, so they inherit no open database or thread of
    the caller.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._processes: list[BaseProcess] = []
        self._tasks: SimpleQueue | None = None
        self._results: SimpleQueue | None = None
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._receiver: threading.Thread | None = None
        self._closing = False
        self._numbers = 0  # tasks sent, over every map
        self._awaited: set[int] = set()
        self._arrived: dict[int, tuple[bool, object]] = {}

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers, whatever they are doing."""
        if not self._processes:
            return
        self._closing = True
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join()
        # With no worker left to write, the receiver reads to the end of the pipe and stops.
        self._receiver.join()
        self._tasks._writer.close()
        self._results._reader.close()
        self._processes, self._receiver = [], None
        self._awaited.clear()
        self._arrived.clear()
        self._inbox = queue.SimpleQueue()

    def _start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        self._tasks, self._results = context.SimpleQueue(), context.SimpleQueue()
        self._processes = [
            context.Process(target=_serve, args=(self._tasks, self._results), daemon=True)
            for _ in range(self.jobs)
        ]
        for process in self._processes:
            process.start()
        # The workers hold the other ends: closing ours lets a read see the end of the pipe.
        self._tasks._reader.close()
        self._results._writer.close()
        self._closing = False
        self._receiver = threading.Thread(target=self._receive, daemon=True)
        self._receiver.start()

    def _receive(self) -> None:
        """Take each result off the pipe as it comes, unpickled later by the caller, so that
        the workers never wait for the writer to want it; None when a worker is gone."""
        reader = self._results._reader
        sentinels = [process.sentinel for process in self._processes]
        while True:
            ready = wait([reader, *sentinels])
            if reader in ready:
                try:
                    self._inbox.put(reader.recv_bytes())
                    continue
                except (EOFError, OSError):
                    pass
            if not self._closing:
                self._inbox.put(None)
            return

    def _send(self, function: Callable[[T], R], chunk: list[T]) -> int:
        if not self._processes:
            self._start()
        number = self._numbers = self._numbers + 1
        self._awaited.add(number)
        try:
            self._tasks.put((number, function, chunk))
        except BrokenPipeError:  # every worker is gone
            raise self._died() from None
        return number

    def _take(self, number: int) -> list:
        """The results of task ``number``, waiting for them if need be; results of tasks
        no longer awaited (a map left before its end) are dropped as they come."""
        while number not in self._arrived:
            data = self._inbox.get()
            if data is None:
                raise self._died()
            arrived, ok, value = pickle.loads(data)
            if arrived in self._awaited:
                self._arrived[arrived] = (ok, value)
        self._awaited.discard(number)
        ok, value = self._arrived.pop(number)
        if not ok:
            raise value
        return value

    def _died(self) -> WorkerDied:
        """The error for a worker gone, saying how it ended."""
        codes = [p.exitcode for p in self._processes if p.exitcode is not None]
        if not codes:
            how = "how is unknown"
        elif codes[0] < 0:
            how = f"killed by {signal.Signals(-codes[0]).name}"
        else:
            how = f"exit code {codes[0]}"
        return WorkerDied(
            f"a worker process died ({how}); the pages committed are kept: "
            "run the build again to go on"
        )

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
        pending: deque[int] = deque()

        def submit() -> None:
            chunk = list(islice(source, chunksize))
            if chunk:
                pending.append(self._send(function, chunk))

        try:
            for _ in range(ahead):
                submit()
            while pending:
                results = self._take(pending.popleft())
                submit()
                yield from results
        finally:  # left before the end: what is still to come is not wanted
            for number in pending:
                self._awaited.discard(number)
                self._arrived.pop(number, None)
