"""Window observer: one observation per stretch of time a window was active, with its duration."""

from __future__ import annotations

import logging
import threading

from propositions.models import Observation

from .base import ObserverContext, ObserverThread, WindowInfo, WindowSource
from .x11 import DisplayUnavailable

log = logging.getLogger("gumd.observers.window")

# After an unexpected error, wait this long before trying again (no busy loop on a broken source).
_ERROR_BACKOFF_S = 1.0


class WindowObserver(ObserverThread):
    """Follows the active window and emits it once it loses focus, with how long it had it.

    Consecutive reports of the same window are merged into one observation whose
    ``captured_at`` is when the window became active and ``duration`` the time it
    stayed active. Windows the gate refuses produce nothing; if the gate closes
    while a window is active (pause), that window's observation ends there.
    The observer owns ``source`` and closes it on ``stop``.
    """

    name = "window"

    def __init__(self, source: WindowSource, poll_s: float = 1.0) -> None:
        self.source = source
        self.poll_s = poll_s
        #: observations handed to the sink so far
        self.emitted = 0
        self._ctx: ObserverContext | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pending: Observation | None = None  # the active window's observation, not yet emitted
        self._window: WindowInfo | None = None

    def start(self, ctx: ObserverContext) -> None:
        if self._thread is not None:
            return
        self._ctx = ctx
        self._start_thread("gumd-window")

    def stop(self) -> None:
        self._stop_thread(self.poll_s + 5.0, "window observer")
        try:
            self.source.close()
        except Exception as exc:
            log.warning("closing the window source failed: %s", type(exc).__name__)

    # -- the thread --------------------------------------------------------------------

    def _running(self) -> bool:
        assert self._ctx is not None
        return not (self._stopping.is_set() or self._ctx.stop.is_set())

    def _run(self) -> None:
        assert self._ctx is not None
        try:
            while self._running():
                try:
                    self.check()
                    self.source.wait_change(self.poll_s)
                except DisplayUnavailable as exc:
                    log.error("window observer stopped: %s", exc)
                    return
                except Exception:
                    log.warning("window observer: unexpected error, continuing", exc_info=True)
                    self._stopping.wait(_ERROR_BACKOFF_S)
        finally:
            self._flush()

    def check(self) -> None:
        """Read the active window once and update the state and the pending observation."""
        ctx = self._ctx
        assert ctx is not None
        window = self.source.current()
        ctx.state.set_window(window)
        changed = not _same_window(window, self._window)
        self._window = window
        # Asked every time, not only on a switch: a pause or a new exclusion ends the
        # current window's observation, and lifting it starts a new one.
        allowed = window is not None and ctx.gate.allows(window)
        if changed or allowed != (self._pending is not None):
            self._flush()
            if allowed and window is not None:
                self._pending = Observation(captured_at=ctx.clock(), observer="window", app=window.app,
                                            window_title=window.title, url=window.url, content="")
                log.debug("window switch to app=%s", window.app)

    def _flush(self) -> None:
        """Emit the pending observation with the time its window was active."""
        pending, self._pending = self._pending, None
        if pending is None or self._ctx is None:
            return
        pending.duration = max(0.0, self._ctx.clock() - pending.captured_at)
        try:
            self._ctx.sink(pending)
            self.emitted += 1
        except Exception:
            log.warning("window observer: the sink refused an observation", exc_info=True)


def _same_window(a: WindowInfo | None, b: WindowInfo | None) -> bool:
    return (a is None and b is None) or (a is not None and a.same_window(b))
