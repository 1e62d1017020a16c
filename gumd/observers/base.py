"""What observers share: the desktop state they update and read, the gate, and the sink."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from propositions.models import Observation

log = logging.getLogger("gumd.observers")

Clock = Callable[[], float]
#: where observers hand observations: the daemon's privacy filter, then the store's queue
Sink = Callable[[Observation], None]


@dataclass(frozen=True)
class WindowInfo:
    """The active window as the platform reports it."""

    app: str  # application name: WM_CLASS class on X11, localizedName on macOS
    title: str
    pid: int | None = None
    #: left, top, width, height in screen pixels, when known
    bounds: tuple[int, int, int, int] | None = None
    url: str | None = None
    window_id: int | None = None

    def same_window(self, other: "WindowInfo | None") -> bool:
        return other is not None and (self.app, self.title, self.window_id) == (
            other.app, other.title, other.window_id)


class WindowSource(Protocol):
    """A platform's view of the active window (X11, macOS; a fake in tests)."""

    name: str

    def current(self) -> WindowInfo | None:
        """The active window now, or None (no window focused, or it cannot be read)."""
        ...

    def wait_change(self, timeout: float) -> bool:
        """Block until the active window may have changed, or ``timeout`` seconds.

        Returns True when woken by an event. Sources without events just sleep
        and return False, which makes the caller poll.
        """
        ...

    def close(self) -> None: ...


class Gate(Protocol):
    """Decides whether anything may be captured right now (pause, exclusions, guards)."""

    def allows(self, window: WindowInfo | None) -> bool: ...


@dataclass
class DesktopState:
    """Shared, thread-safe facts about the desktop that observers update and read."""

    clock: Clock = time.time
    window: WindowInfo | None = None
    window_since: float = 0.0
    last_input_at: float = 0.0
    input_events: int = 0
    last_capture_at: float = 0.0
    #: times of key presses in the last minute (never which keys): how fast the user types
    key_times: deque[float] = field(default_factory=lambda: deque(maxlen=2000), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_window(self, window: WindowInfo | None) -> bool:
        """Record the active window; True when it differs from the previous one."""
        with self._lock:
            if window is not None and window.same_window(self.window):
                if window != self.window:  # same window, new bounds or URL
                    self.window = window
                return False
            if window is None and self.window is None:
                return False
            self.window = window
            self.window_since = self.clock()
            return True

    def note_input(self, count: int = 1, at: float | None = None) -> None:
        with self._lock:
            self.last_input_at = self.clock() if at is None else at
            self.input_events += count

    def note_key(self, at: float) -> None:
        with self._lock:
            self.key_times.append(at)

    def keys_per_minute(self, now: float | None = None) -> float:
        """Key presses in the last 60 seconds."""
        now = self.clock() if now is None else now
        with self._lock:
            return float(sum(1 for t in self.key_times if now - t <= 60.0))

    def idle_for(self, now: float | None = None) -> float:
        """Seconds since the last keyboard or mouse input (0 if none was ever seen)."""
        with self._lock:
            if not self.last_input_at:
                return 0.0
            return max(0.0, (self.clock() if now is None else now) - self.last_input_at)

    def snapshot(self) -> "DesktopState":
        with self._lock:
            return replace(self, key_times=deque(self.key_times, maxlen=2000),
                           _lock=threading.Lock())


@dataclass
class ObserverContext:
    """Everything an observer needs, handed to it by the daemon."""

    sink: Sink
    state: DesktopState
    gate: Gate
    screenshots_dir: Path
    clock: Clock = time.time
    stop: threading.Event = field(default_factory=threading.Event)


class Observer(Protocol):
    """Produces observations in its own thread; never calls a model."""

    name: str

    def start(self, ctx: ObserverContext) -> None:
        """Begin observing (returns at once; work happens in a thread)."""
        ...

    def stop(self) -> None:
        """Stop and join the thread; safe to call twice."""
        ...


class ObserverThread:
    """The one thread an observer works in: started once, told to stop by ``_stopping``,
    joined for a bounded time (a stuck platform call must not hang the daemon's exit)."""

    _thread: threading.Thread | None = None
    _stopping: threading.Event

    def _run(self) -> None:
        raise NotImplementedError

    def _start_thread(self, name: str) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _stop_thread(self, timeout_s: float, what: str = "") -> None:
        """Stop and join; ``what`` names the observer in a warning if the thread outlives the wait."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=timeout_s)
            if thread.is_alive() and what:
                log.warning("%s thread did not stop within %.0f s", what, timeout_s)
