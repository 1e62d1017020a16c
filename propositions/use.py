"""How often assistants were given each proposition, counted for the questions gumd asks.

What an assistant relies on is worth asking the person about (propositions/questions.py),
so the API's and MCP's context and search answers count the propositions they hand out.
Counting must not slow those reads: counts gather in memory and are written at most once
every ``FLUSH_S`` seconds, by a background thread, so a read never waits for the write
lock; whatever is still gathered is written when the service closes. A count that cannot
be written (the database busy or full) stays gathered for the next try; a read-only
database counts nothing. Counts are a hint for ranking questions, never evidence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from .errors import StoreError
from .store import Store

log = logging.getLogger(__name__)

#: the longest counts wait in memory while requests keep coming
FLUSH_S = 30.0


class UseTally:
    """Counts of propositions given to assistants, written to ``store`` by one background
    thread (one connection for the tally's life, not one per write)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._last_write = float("-inf")
        self._wake = threading.Event()
        self._closing = False
        self._writer: threading.Thread | None = None

    def note(self, ids: Iterable[int | None]) -> None:
        """The propositions ``ids`` were just given to an assistant."""
        if self.store.read_only is not None or self._closing:
            return
        with self._lock:
            self._counts.update(int(i) for i in ids if i is not None)
            if not self._counts or self.clock() - self._last_write < FLUSH_S:
                return
            self._last_write = self.clock()
            if self._writer is None:
                self._writer = threading.Thread(target=self._run, name="gumd-use-tally",
                                                daemon=True)
                self._writer.start()
        self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            self.flush()

    def flush(self) -> None:
        """Write what has gathered; on failure it stays gathered for the next try."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return
        try:
            self.store.add_served(counts, self.clock())
        except StoreError as exc:
            log.debug("assistant use not written yet: %s", exc)
            with self._lock:
                self._counts.update(counts)

    def close(self) -> None:
        """Write the rest, after any write already under way."""
        self._closing = True
        if self._writer is not None:
            self._wake.set()
            self._writer.join(timeout=30)
        if self.store.read_only is None:
            self.flush()
