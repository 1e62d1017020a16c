"""Keyboard and mouse activity: counts input events and reports idle periods, never keys."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from propositions.models import Observation

from ..errors import InputUnavailable
from .base import ObserverContext, ObserverThread

log = logging.getLogger(__name__)

#: seconds between idleness checks of the observer's thread
POLL_S = 1.0
#: how long a listener may take to connect before input is given up as unavailable
READY_TIMEOUT_S = 5.0


class InputListener(Protocol):
    """What the observer needs of a listener: pynput's Listener fits, and so does a test fake.

    A listener may also have ``wait()`` (blocks until it receives events) and
    ``is_alive()``/``join(timeout)`` (it is a thread); these are used when present.
    """

    def start(self) -> None: ...

    def stop(self) -> None: ...


#: builds the listeners, given the callback each input event must call (with any arguments)
ListenerFactory = Callable[[Callable[..., None]], Sequence[InputListener]]


#: what a keyboard listener passes instead of the key: that a key went down, nothing more
KEY_PRESS = object()


def pynput_listeners(on_event: Callable[..., None]) -> list[InputListener]:
    """A keyboard and a mouse listener from pynput, all calling ``on_event``."""
    if os.environ.get("XDG_SESSION_TYPE") == "wayland" or os.environ.get("WAYLAND_DISPLAY"):
        # Through XWayland pynput sees only X11 apps: typing in native apps would
        # look like idleness, which is worse than not knowing.
        raise InputUnavailable(
            "this is a Wayland session, where input of native Wayland apps cannot be observed; "
            "log in to an X11 (Xorg) session to enable idle detection")
    if sys.platform.startswith("linux"):
        _check_x11()
    try:
        from pynput import keyboard, mouse
    except ImportError as exc:  # pynput picks its backend at import: no X display fails here
        raise InputUnavailable(f"pynput cannot start ({_first_line(exc)}); {_how_to_fix()}") from None
    # Key presses only (releases would count each key twice); the callback never reads the key.
    # Key presses pass only a marker (never the key), so typing can be told from mouse use.
    return [keyboard.Listener(on_press=lambda *_key: on_event(KEY_PRESS)),
            mouse.Listener(on_move=on_event, on_click=on_event, on_scroll=on_event)]


def _check_x11() -> None:
    """Fail with a clear reason where pynput's listener thread would die with a traceback."""
    name = os.environ.get("DISPLAY")
    if not name:
        raise InputUnavailable(f"DISPLAY is not set; {_how_to_fix()}")
    try:
        from Xlib import display as xdisplay
    except ImportError:
        return  # pynput's own import reports this
    try:
        conn = xdisplay.Display(name)
    except Exception as exc:  # noqa: BLE001 - Xlib raises several unrelated types here
        raise InputUnavailable(
            f"cannot connect to X display {name} ({_first_line(exc)}); {_how_to_fix()}") from None
    try:
        if not conn.has_extension("RECORD"):
            raise InputUnavailable(
                f"X display {name} lacks the RECORD extension that pynput needs; enable it "
                "(Xorg: Load \"record\" in the Module section; Xvfb: +extension RECORD)")
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _how_to_fix() -> str:
    if sys.platform == "darwin":
        return ("grant the Python interpreter Accessibility (and Input Monitoring) access in "
                "System Settings → Privacy & Security, then restart gumd")
    if sys.platform.startswith("linux"):
        return ("run gumd inside an X11 session with DISPLAY set (e.g. DISPLAY=:0) and the "
                "X RECORD extension enabled")
    return "install pynput (pip install pynput) on a supported desktop"


class InputObserver(ObserverThread):
    """Counts keyboard and mouse events and reports each idle period when input resumes.

    Only the fact and the time of an event are kept: the callback ignores its
    arguments, so which key or where the pointer was never leaves pynput.
    """

    name = "input"

    def __init__(self, idle_after_s: float = 300, listener_factory: ListenerFactory | None = None,
                 *, poll_s: float = POLL_S, ready_timeout_s: float = READY_TIMEOUT_S) -> None:
        self.idle_after_s = idle_after_s
        self._factory: ListenerFactory = listener_factory or pynput_listeners
        self._poll_s = poll_s
        self._ready_timeout_s = ready_timeout_s
        self._ctx: ObserverContext | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._started = threading.Event()  # listener start-up finished, successfully or not
        self._listening = False
        self._lock = threading.Lock()
        self._last_input = 0.0
        #: (idle start, idle seconds) noted by the callback, emitted by the thread
        self._pending: list[tuple[float, float]] = []

    # -- Observer protocol -------------------------------------------------

    def start(self, ctx: ObserverContext) -> None:
        if self._thread is not None:
            return
        self._ctx = ctx
        self._started.clear()
        self._start_thread("gumd-input")

    def stop(self) -> None:
        self._stop_thread(self._ready_timeout_s + 5)

    # -- status ------------------------------------------------------------

    @property
    def listening(self) -> bool:
        """True while input events are being received (False: idle detection is off)."""
        return self._listening

    def wait_ready(self, timeout: float) -> bool:
        """Wait for the listeners to start; True when input is being observed."""
        return self._started.wait(timeout) and self._listening

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        ctx = self._ctx
        assert ctx is not None
        listeners = self._start_listeners()
        self._listening = bool(listeners)
        self._started.set()
        try:
            while not self._stopping.wait(self._poll_s) and not ctx.stop.is_set():
                self.check_idle()
        finally:
            self._listening = False
            self._stop_listeners(listeners)
            self.check_idle()  # an idle period that ended just before stopping still counts

    def _start_listeners(self) -> list[InputListener]:
        """Start every listener; on any failure warn once, stop them all and return []."""
        started: list[InputListener] = []
        try:
            for listener in self._factory(self._on_input):
                listener.start()
                started.append(listener)
                if not _await_ready(listener, self._ready_timeout_s):
                    started.pop()  # never ready: stopping it could block forever in pynput
                    raise InputUnavailable(f"the input listener did not start; {_how_to_fix()}")
                if getattr(listener, "IS_TRUSTED", True) is False:  # pynput on macOS
                    raise InputUnavailable(f"macOS does not trust this process; {_how_to_fix()}")
        except Exception as exc:  # noqa: BLE001 - input is optional: any failure means "no input"
            reason = str(exc) if isinstance(exc, InputUnavailable) else (
                f"pynput failed ({_first_line(exc)}); {_how_to_fix()}")
            log.warning("keyboard/mouse activity is not observed, so idle periods are not "
                        "detected: %s", reason)
            self._stop_listeners(started)
            return []
        return started

    def _stop_listeners(self, listeners: Sequence[InputListener]) -> None:
        for listener in listeners:
            try:
                listener.stop()
                _end_xrecord(listener)
            except Exception as exc:  # noqa: BLE001 - shutting down; nothing to recover
                log.debug("input listener stop failed: %s", _first_line(exc))
        for listener in listeners:
            join = getattr(listener, "join", None)
            if join is not None:
                try:
                    join(self._ready_timeout_s)
                except Exception as exc:  # noqa: BLE001 - pynput re-raises callback errors here
                    log.debug("input listener ended with: %s", _first_line(exc))

    # -- events --------------------------------------------------------------

    def _on_input(self, *event: object) -> None:
        """Called by the listeners for every event; the event's details are ignored on purpose
        (only the KEY_PRESS marker is looked at, to measure typing)."""
        ctx = self._ctx
        if ctx is None:
            return
        try:
            now = ctx.clock()
            with self._lock:
                gap = now - self._last_input if self._last_input else 0.0
                if gap >= self.idle_after_s:
                    # Noted here, emitted by the thread: a slow sink must not stall
                    # the OS event tap, which may disable a tap that lags.
                    self._pending.append((self._last_input, gap))
                self._last_input = max(self._last_input, now)
            ctx.state.note_input(at=now)
            if event[:1] == (KEY_PRESS,):
                ctx.state.note_key(now)
        except Exception as exc:  # noqa: BLE001 - raising would stop pynput's listener
            log.debug("input callback failed: %s", _first_line(exc))

    def check_idle(self) -> None:
        """Emit an observation for every idle period that has ended since the last check."""
        ctx = self._ctx
        if ctx is None:
            return
        with self._lock:
            periods, self._pending = self._pending, []
        if periods and not ctx.gate.allows(None):
            return  # paused: idle periods are not recorded either
        for started_at, seconds in periods:
            try:
                ctx.sink(idle_observation(started_at, seconds))
            except Exception as exc:  # noqa: BLE001 - a failed hand-over must not end the thread
                log.warning("input: an idle observation was lost: %s", type(exc).__name__)


def idle_observation(started_at: float, seconds: float) -> Observation:
    minutes = max(1, round(seconds / 60))
    return Observation(captured_at=started_at, observer="input", content=f"idle for {minutes} min",
                       content_type="text/x-idle", duration=seconds)


def _end_xrecord(listener: InputListener) -> None:
    """Make a stopped pynput X11 listener return now rather than at the next input event.

    pynput sends the XRecord "disable" on the connection its thread is blocked
    reading, so it only goes out with the next event (moses-palmer/pynput#583);
    sending it on the listener's other connection ends the recording at once.
    """
    display = getattr(listener, "_display_stop", None)
    context = getattr(listener, "_context", None)
    if display is None or context is None:
        return  # not an X11 listener, or it never connected
    display.record_disable_context(context)
    display.flush()


def _await_ready(listener: InputListener, timeout: float) -> bool:
    """Wait until the listener receives events; False if it died or took too long."""
    wait = getattr(listener, "wait", None)
    if wait is None:
        return True
    ready = threading.Event()

    def waiter() -> None:
        wait()
        ready.set()

    # pynput's wait() has no timeout and never returns if the listener thread died
    # before connecting; a daemon thread blocked there is the price of not hanging.
    threading.Thread(target=waiter, name="gumd-input-ready", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        is_alive = getattr(listener, "is_alive", None)
        if (is_alive is not None and not is_alive()) or time.monotonic() > deadline:
            return ready.is_set()
    return True
