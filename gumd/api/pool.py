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
import os
import pickle
import signal
import struct
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from propositions.errors import GumdError
from propositions.service import Service, Weights

from . import ops

log = logging.getLogger("gumd.api")

#: the reads a worker answers, by name (names cross the process boundary, functions need not)
READS: dict[str, Callable[..., dict[str, Any]]] = {"context": ops.context, "search": ops.search}


@dataclass(frozen=True)
class ServiceSpec:
    """How a worker opens its own Service: plain values, so it crosses into a spawned process."""

    db_path: str
    weights: Weights = Weights()
    #: the Store's keyword arguments; gumd.wiring.service_spec fills them from the settings,
    #: so a worker opens the database exactly as the daemon and the CLI do
    store_options: dict[str, Any] = field(default_factory=dict)

    def open(self) -> Service:
        return Service.open(self.db_path, weights=self.weights, **self.store_options)


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
            _write_reply(conn.fileno(), pickle.dumps(reply))
    finally:
        svc.close()


#: a reply's frame: its length, then its bytes (the server reads it without blocking)
_LENGTH = struct.Struct("!Q")


def _write_reply(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _take_frame(buf: bytearray) -> bytes | None:
    """The first whole reply in ``buf`` (removed from it), or None while it is still arriving."""
    if len(buf) < _LENGTH.size:
        return None
    end = _LENGTH.size + _LENGTH.unpack_from(buf)[0]
    if len(buf) < end:
        return None
    frame = bytes(buf[_LENGTH.size:end])
    del buf[:end]
    return frame


# -- in the server --------------------------------------------------------------------------


class PoolUnavailable(Exception):
    """No worker can answer now (none could start, they keep dying, or the pool is closing)."""


class _WorkerDied(Exception):
    pass


#: after workers die this many times in a row, the pool rests for REST_S before trying again
MAX_DEATHS = 2
REST_S = 30.0
#: a worker that has not answered in this long is taken to be stuck: it is killed and replaced
ANSWER_TIMEOUT_S = 60.0


class _Worker:
    """One worker process and the server's end of its pipe; asks one question at a time."""

    def __init__(self, spec: ServiceSpec) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        # spawn, not fork: the server has threads (uvicorn's, the daemon's), and a forked
        # child would inherit their locks in whatever state they were.
        self.process = ctx.Process(target=_serve_reads, args=(child, spec), daemon=True,
                                   name="gumd-api-reader")
        try:
            self.process.start()
        finally:
            child.close()
        # Replies are read as they arrive, never waiting on the loop for the rest of one
        # (a Unix socket holds only 8 KiB on macOS; a reply can be 100 KiB).
        os.set_blocking(self.conn.fileno(), False)
        self._buf = bytearray()
        self.pending: asyncio.Future[Any] | None = None

    def ask(self, loop: asyncio.AbstractEventLoop, payload: bytes) -> asyncio.Future[Any]:
        """Send ``payload``; the future gets the unpickled reply, or _WorkerDied."""
        fut: asyncio.Future[Any] = loop.create_future()
        self.pending = fut
        fd = self.conn.fileno()

        def readable() -> None:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            frame = None
            if chunk:
                self._buf += chunk
                frame = _take_frame(self._buf)
                if frame is None:
                    return  # more is on its way
            loop.remove_reader(fd)
            try:
                if frame is None:  # end of file: it died
                    raise _WorkerDied
                reply = pickle.loads(frame)
            except Exception:  # it died, or its reply does not unpickle
                if not fut.done():
                    fut.set_exception(_WorkerDied())
                return
            if not fut.done():
                fut.set_result(reply)

        try:
            self.conn.send_bytes(payload)
            loop.add_reader(fd, readable)
        except (OSError, ValueError):  # it is gone, or its pipe is closed
            fut.set_exception(_WorkerDied())
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
    on. No threads are involved, so a request costs no thread handoffs. Every
    way a worker can fail (not starting, dying, hanging, garbling a reply)
    ends in PoolUnavailable for the request, never in a wait without end.
    """

    def __init__(self, spec: ServiceSpec, workers: int, clock: Callable[[], float] = time.monotonic,
                 answer_timeout_s: float = ANSWER_TIMEOUT_S) -> None:
        if workers < 1:
            raise ValueError("a read pool needs at least one worker")
        self.spec = spec
        self.workers = workers
        self.clock = clock
        self.answer_timeout_s = answer_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: set[_Worker] = set()
        self._idle: deque[_Worker] = deque()  # first in, first out: the work goes round
        self._waiters: deque[asyncio.Future[_Worker | None]] = deque()
        self._closed = False
        self._deaths = 0
        self._rest_until = 0.0

    @property
    def pids(self) -> list[int]:
        """The worker processes now running (none before the first ranked read)."""
        workers = list(self._all)  # one C-level copy: safe to read from another thread
        return sorted(w.process.pid for w in workers if w.process.pid is not None)

    @property
    def resting(self) -> bool:
        """Whether the pool gave up for now after failures (the server answers itself)."""
        return self._resting()

    async def answer(self, name: str, **kwargs: Any) -> bytes:
        """READS[name] answered by a worker, as JSON bytes; its GumdErrors are raised here as they were."""
        if name not in READS:
            raise KeyError(name)
        self._loop = asyncio.get_running_loop()
        payload = pickle.dumps((name, kwargs))
        for _attempt in range(2):  # a read is safe to ask again of a new worker
            worker = await self._take()
            fut = worker.ask(self._loop, payload)
            # The worker goes back to work only once its reply is read, even when the
            # client hung up meanwhile: shield keeps a cancelled request from leaving
            # an unread reply in the pipe for the next one.
            fut.add_done_callback(lambda f, w=worker: self._release(w, f))
            try:
                ok, value = await asyncio.wait_for(asyncio.shield(fut), self.answer_timeout_s)
            except _WorkerDied:
                continue
            except asyncio.TimeoutError:
                log.warning("an API worker took over %.0f s on %s; stopping it",
                            self.answer_timeout_s, name)
                worker.process.kill()  # its pipe's EOF releases it as dead
                raise PoolUnavailable("an API worker was stuck") from None
            if ok:
                return value
            raise value
        raise PoolUnavailable("API worker processes keep stopping")

    # -- workers in and out -------------------------------------------------------------

    def _resting(self) -> bool:
        return self.clock() < self._rest_until

    async def _take(self) -> _Worker:
        if self._closed or self._resting():
            raise PoolUnavailable("no API worker processes now")
        self._fill()
        while self._idle:
            worker = self._idle.popleft()
            if worker.process.is_alive():
                return worker
            self._all.discard(worker)  # died while idle (killed, say): replace it
            log.warning("an idle API worker process stopped (exit code %s)", worker.process.exitcode)
            worker.stop(timeout=0)
            self._fill()
        if not self._all:
            raise PoolUnavailable("no API worker process could start")
        assert self._loop is not None
        waiter: asyncio.Future[_Worker | None] = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            worker = await waiter
        except asyncio.CancelledError:
            # Cancelled just as a worker was handed over: hand it on.
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                self._put(waiter.result())  # type: ignore[arg-type]
            raise
        if worker is None:
            raise PoolUnavailable("the API worker processes stopped")
        return worker

    def _fill(self) -> None:
        """Start workers up to ``workers`` (the first read starts them all), unless resting."""
        while len(self._all) < self.workers and not self._closed and not self._resting():
            try:
                worker = _Worker(self.spec)
            except Exception as exc:  # no processes or descriptors left, say
                log.warning("cannot start an API worker process: %s", exc)
                self._rest()
                return
            self._all.add(worker)
            self._put(worker)

    def _put(self, worker: _Worker) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _rest(self) -> None:
        log.warning("API worker processes keep failing; the server answers ranked reads itself "
                    "for %.0f s", REST_S)
        self._rest_until = self.clock() + REST_S
        self._deaths = 0
        self._wake_all()

    def _wake_all(self) -> None:
        """Every request waiting for a worker gives up (PoolUnavailable) at once."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _release(self, worker: _Worker, fut: asyncio.Future[Any]) -> None:
        worker.pending = None
        if not fut.cancelled() and fut.exception() is None:
            self._deaths = 0
            if not self._closed and worker in self._all:
                self._put(worker)
            return
        self._all.discard(worker)
        worker.stop(timeout=1.0)
        self._deaths += 1
        log.warning("an API worker process stopped (exit code %s)", worker.process.exitcode)
        if self._deaths >= MAX_DEATHS:
            self._rest()
        elif not self._closed:
            self._fill()
            if not self._all:
                self._wake_all()

    def close(self) -> None:
        self._closed = True
        self._wake_all()
        workers, self._all, self._idle = list(self._all), set(), deque()
        for worker in workers:
            if self._loop is not None and not self._loop.is_closed():
                try:
                    self._loop.remove_reader(worker.conn.fileno())
                except (OSError, ValueError, RuntimeError):
                    pass
            if worker.pending is not None and not worker.pending.done():
                worker.pending.set_exception(_WorkerDied())
            worker.conn.close()  # all at once: they exit together
        for worker in workers:
            worker.stop()
