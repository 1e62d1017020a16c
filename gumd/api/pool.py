"""Context and search requests ranked in worker processes, so the API can use more than one core.

Ranking is CPU work in Python and SQLite, a few milliseconds a request, and one
process runs Python on one core at a time. The server process keeps the HTTP
side (cheap, asynchronous) and hands each ranked read to one of ``workers``
processes, each with its own Service over the same SQLite file: in WAL mode
readers never block the daemon's writer, and every committed write is visible
to the next read. Requests go to whichever worker is free, so a few busy
keep-alive clients still spread over every worker.

Workers are spawned on the first ranked read (a daemon that no assistant calls
never starts them), answer with JSON bytes ready to send, and are replaced if
one dies; a read that finds no worker able to answer is run in the server
process instead, so a client never sees the pool's trouble. The pipes are
read by the server's event loop itself: a request costs no thread handoffs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import pickle
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from propositions.errors import GumdError
from propositions.service import DEFAULT_BUSY_TIMEOUT_S, MMAP_BYTES, Service, Weights

from . import ops

log = logging.getLogger("gumd.api")

#: the reads a worker answers, by name (names cross the process boundary, functions need not)
READS: dict[str, Callable[..., dict[str, Any]]] = {"context": ops.context, "search": ops.search}


@dataclass(frozen=True)
class ServiceSpec:
    """How a worker opens its own Service: plain values, so it crosses into a spawned process."""

    db_path: str
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    weights: Weights = Weights()
    mmap_bytes: int = MMAP_BYTES

    def open(self) -> Service:
        return Service.open(self.db_path, weights=self.weights, busy_timeout_s=self.busy_timeout_s,
                            mmap_bytes=self.mmap_bytes)


def dumps(obj: Any) -> bytes:
    """JSON as Starlette's JSONResponse renders it, so both paths answer byte for byte alike."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


# -- inside a worker ------------------------------------------------------------------------


class WorkerCrash(Exception):
    """An unexpected error inside a worker, as one line; its traceback went to the worker's log."""


def _serve_reads(conn: Connection, spec: ServiceSpec) -> None:
    """A worker's life: answer (name, kwargs) messages until the server closes the pipe."""
    # Ctrl-C in a terminal reaches the whole process group; the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        svc = spec.open()
    except GumdError as exc:  # the server notices the exit and answers itself, with this error
        log.warning("API worker cannot open the database: %s", exc)
        sys.exit(1)
    try:
        while True:
            try:
                name, kwargs = pickle.loads(conn.recv_bytes())
            except EOFError:  # the server closed the pipe, or died
                return
            try:
                reply: tuple[bool, Any] = (True, dumps(READS[name](svc, **kwargs)))
            except GumdError as exc:
                reply = (False, exc)
            except Exception as exc:  # a bug: the server answers 500, the traceback is logged here
                log.exception("API worker failed on %s", name)
                reply = (False, WorkerCrash(f"{type(exc).__name__}: {exc}".splitlines()[0]))
            conn.send_bytes(pickle.dumps(reply))
    finally:
        svc.close()


# -- in the server --------------------------------------------------------------------------


class PoolUnavailable(Exception):
    """No worker could answer (they die at start, or keep dying); the caller answers itself."""


class _WorkerDied(Exception):
    pass


#: after workers die this many times in a row, the pool rests for REST_S before trying again
MAX_DEATHS = 2
REST_S = 30.0


class _Worker:
    """One worker process and the server's end of its pipe; asks one question at a time."""

    def __init__(self, spec: ServiceSpec) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        # spawn, not fork: the server has threads (uvicorn's, the daemon's), and a forked
        # child would inherit their locks in whatever state they were.
        self.process = ctx.Process(target=_serve_reads, args=(child, spec), daemon=True,
                                   name="gumd-api-reader")
        self.process.start()
        child.close()

    def ask(self, loop: asyncio.AbstractEventLoop, payload: bytes) -> asyncio.Future[Any]:
        """Send ``payload``; the future gets the unpickled reply, or _WorkerDied."""
        fut: asyncio.Future[Any] = loop.create_future()
        fd = self.conn.fileno()

        def readable() -> None:
            loop.remove_reader(fd)
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                fut.set_exception(_WorkerDied())
                return
            fut.set_result(pickle.loads(data))

        try:
            self.conn.send_bytes(payload)
        except OSError:  # BrokenPipeError: it is gone
            fut.set_exception(_WorkerDied())
            return fut
        loop.add_reader(fd, readable)
        return fut

    def stop(self, timeout: float = 5.0) -> None:
        self.conn.close()  # the worker reads EOF and exits
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1.0)


class ReadPool:
    """``workers`` processes answering READS; ``close()`` stops them.

    Used from one event loop (the server's). Each request takes an idle
    worker, so requests spread over the workers whatever connection they came
    on. No threads are involved, so a request costs no thread handoffs.
    """

    def __init__(self, spec: ServiceSpec, workers: int, clock: Callable[[], float] = time.monotonic) -> None:
        if workers < 1:
            raise ValueError("a read pool needs at least one worker")
        self.spec = spec
        self.workers = workers
        self.clock = clock
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False
        self._deaths = 0
        self._rest_until = 0.0

    @property
    def pids(self) -> list[int]:
        """The worker processes now running (none before the first ranked read)."""
        return sorted(w.process.pid for w in self._all if w.process.pid is not None)

    async def answer(self, name: str, **kwargs: Any) -> bytes:
        """READS[name] answered by a worker, as JSON bytes; its GumdErrors are raised here as they were."""
        if name not in READS:
            raise KeyError(name)
        payload = pickle.dumps((name, kwargs))
        for _attempt in range(2):  # a read is safe to ask again of a new worker
            if self._closed or self.clock() < self._rest_until:
                raise PoolUnavailable("no API worker processes now")
            worker = await self._take()
            fut = worker.ask(asyncio.get_running_loop(), payload)
            # The worker goes back to work only once its reply is read, even when the
            # client hung up meanwhile: shield keeps a cancelled request from leaving
            # an unread reply in the pipe for the next one.
            fut.add_done_callback(lambda f, w=worker: self._release(w, f))
            try:
                ok, value = await asyncio.shield(fut)
            except _WorkerDied:
                continue
            if ok:
                return value
            raise value
        raise PoolUnavailable("API worker processes keep stopping")

    async def _take(self) -> _Worker:
        if self._idle is None:  # first use: start them all on this loop
            self._idle = asyncio.Queue()
            for _ in range(self.workers):
                self._spawn()
        return await self._idle.get()

    def _spawn(self) -> None:
        assert self._idle is not None
        worker = _Worker(self.spec)
        self._all.add(worker)
        self._idle.put_nowait(worker)

    def _release(self, worker: _Worker, fut: asyncio.Future[Any]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self._deaths = 0
            if not self._closed:
                assert self._idle is not None
                self._idle.put_nowait(worker)
            return
        self._all.discard(worker)
        worker.stop(timeout=1.0)
        self._deaths += 1
        log.warning("an API worker process stopped (exit code %s); starting another",
                    worker.process.exitcode)
        if self._deaths >= MAX_DEATHS:
            log.warning("API worker processes keep stopping; the server answers ranked reads "
                        "itself for %.0f s", REST_S)
            self._rest_until = self.clock() + REST_S
            self._deaths = 0
        if not self._closed:
            self._spawn()

    def close(self) -> None:
        self._closed = True
        workers, self._all = list(self._all), set()
        for worker in workers:
            worker.conn.close()  # all at once: they exit together
        for worker in workers:
            worker.stop()
