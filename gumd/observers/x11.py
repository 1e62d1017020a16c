"""The active window on X11 (python-xlib, event-driven), and which kind of desktop session this is."""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DisplayUnavailable
from .base import WindowInfo

log = logging.getLogger("gumd.observers.x11")

WAYLAND_MESSAGE = (
    "Wayland session: the compositor blocks other programs from reading window titles and "
    "taking screenshots, so the window and screen observers see nothing (apps running under "
    "XWayland are the exception); the files observer works. For full observation log in to an "
    "X11 session (e.g. 'GNOME on Xorg')."
)

# Only a URL spelled out in the title is reported: guessing one from a " - example.com"
# suffix would invent addresses the user never visited.
_URL_IN_TITLE = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
# Properties whose change on the root or the active window means "the active window may differ".
_WATCHED = ("_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "WM_NAME")


def detect_session(environ: Mapping[str, str] | None = None) -> str:
    """``"wayland"``, ``"x11"`` or ``"none"``, from the session's environment variables.

    Wayland wins over a set DISPLAY: XWayland sets DISPLAY too, but it only sees
    XWayland apps, so the caller should show :data:`WAYLAND_MESSAGE`.
    """
    env = os.environ if environ is None else environ
    kind = env.get("XDG_SESSION_TYPE", "").strip().lower()
    if env.get("WAYLAND_DISPLAY") or kind == "wayland":
        return "wayland"
    if env.get("DISPLAY") or kind == "x11":
        return "x11"
    return "none"


def url_from_title(title: str) -> str | None:
    """The http(s) URL written in a window title, if there is one."""
    match = _URL_IN_TITLE.search(title)
    return match.group(0).rstrip(".,;:)]}") if match else None


class X11WindowSource:
    """The active window as the X server and the window manager (EWMH) report it.

    Wakes on PropertyNotify events: ``_NET_ACTIVE_WINDOW`` on the root window
    (focus moved) and the title properties of the active window (title changed).
    Thread-safe: ``current`` and ``wait_change`` may be called from different threads.
    """

    name = "x11"

    def __init__(self, display: str | None = None) -> None:
        # Imported here so that importing gumd never needs Xlib (macOS, Wayland, headless).
        try:
            import Xlib.display
            import Xlib.error
            from Xlib import X, Xatom
        except ImportError as exc:
            raise DisplayUnavailable(
                f"python-xlib is not installed ({exc}); fix: pip install python-xlib") from None
        self._X = X
        self._errors: tuple[type[BaseException], ...] = (Xlib.error.XError,)
        # Errors that mean the connection is gone, not just that one window vanished.
        self._fatal: tuple[type[BaseException], ...] = (Xlib.error.ConnectionClosedError, OSError)
        self._display_name = display or os.environ.get("DISPLAY", "")
        try:
            self._display = Xlib.display.Display(display)
        except Exception as exc:  # DisplayNameError, DisplayConnectionError, socket errors
            raise DisplayUnavailable(
                f"cannot open X display {self._display_name or '(DISPLAY is not set)'}: "
                f"{_one_line(exc)}") from None
        self._lock = threading.RLock()
        self._closed = False
        self._tracked: int | None = None  # the window whose title changes we listen to
        # Requests that fail asynchronously (selecting events on a window that just
        # vanished) would otherwise be printed to stderr by python-xlib.
        self._display.set_error_handler(self._on_async_error)
        self._root = self._display.screen().root
        self._atoms: dict[str, int] = self._guard(lambda: {
            name: self._display.intern_atom(name)
            for name in ("_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "_NET_WM_PID", "UTF8_STRING")})
        self._atoms["WM_NAME"] = int(Xatom.WM_NAME)
        self._string_atom = int(Xatom.STRING)
        self._watched = {self._atoms[name] for name in _WATCHED}
        self._guard(lambda: (self._root.change_attributes(event_mask=X.PropertyChangeMask),
                             self._display.flush()))

    # -- WindowSource ------------------------------------------------------------------

    def current(self) -> WindowInfo | None:
        """The active window now, or None when nothing is focused or it vanished mid-read."""
        with self._lock:
            wid = self._guard(self._active_id)
            if not wid:
                log.debug("no active window")
                return None
            self._guard(lambda: self._track(wid))
            try:
                return self._guard(lambda: self._describe(wid))
            except self._errors:  # BadWindow: it closed between the two requests
                log.debug("active window 0x%x vanished while being read", wid)
                return None

    def wait_change(self, timeout: float) -> bool:
        """Block until the focus or the active window's title changes, or ``timeout`` passes."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if self._drain():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                ready, _, _ = select.select([self._fileno()], [], [], remaining)
            except (OSError, ValueError) as exc:  # the socket was closed under us
                raise DisplayUnavailable(f"X display {self._display_name} closed: "
                                         f"{_one_line(exc)}") from None
            if not ready:
                return False

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._display.close()
            except Exception as exc:  # already dead: nothing left to release
                log.debug("closing the X display: %s", _one_line(exc))

    # -- internals ---------------------------------------------------------------------

    def _guard(self, call: Callable[[], Any]) -> Any:
        """Run an Xlib call, turning a lost connection into DisplayUnavailable."""
        if self._closed:
            raise DisplayUnavailable(f"X display {self._display_name} is closed")
        try:
            return call()
        except self._fatal as exc:
            self._closed = True
            raise DisplayUnavailable(f"lost the connection to X display {self._display_name}: "
                                     f"{_one_line(exc)}") from None

    def _fileno(self) -> int:
        with self._lock:
            return int(self._guard(self._display.fileno))

    def _drain(self) -> bool:
        """Read every queued event; True when one of them concerns the active window."""
        with self._lock:
            changed = False
            while self._guard(self._display.pending_events):
                event = self._guard(self._display.next_event)
                if event.type == self._X.PropertyNotify and event.atom in self._watched:
                    changed = True
            if changed:
                # Follow the focus now so the new window's title changes wake us too.
                try:
                    wid = self._guard(self._active_id)
                    if wid:
                        self._guard(lambda: self._track(wid))
                except self._errors as exc:
                    log.debug("re-reading the active window: %s", _one_line(exc))
            return changed

    def _active_id(self) -> int:
        prop = self._root.get_full_property(self._atoms["_NET_ACTIVE_WINDOW"],
                                            self._X.AnyPropertyType)
        if prop is None or not len(prop.value):
            return 0
        return int(prop.value[0])

    def _track(self, wid: int) -> None:
        """Listen to property changes on ``wid`` (and stop listening to the previous window)."""
        if wid == self._tracked:
            return
        X = self._X
        if self._tracked:
            # The old window may already be gone; the async error handler swallows BadWindow.
            self._window(self._tracked).change_attributes(event_mask=X.NoEventMask)
        self._window(wid).change_attributes(event_mask=X.PropertyChangeMask)
        self._display.flush()
        self._tracked = wid

    def _describe(self, wid: int) -> WindowInfo:
        window = self._window(wid)
        title = self._title(window)
        wm_class = window.get_wm_class()  # (instance, class), e.g. ("xterm", "XTerm")
        app = (wm_class[1] or wm_class[0]) if wm_class else ""
        return WindowInfo(app=app, title=title, pid=self._pid(window), bounds=self._bounds(window),
                          url=url_from_title(title), window_id=wid)

    def _title(self, window: Any) -> str:
        prop = window.get_full_property(self._atoms["_NET_WM_NAME"], self._atoms["UTF8_STRING"])
        if prop is not None and prop.value:
            return _decode(prop.value, "utf-8")
        prop = window.get_full_property(self._atoms["WM_NAME"], self._X.AnyPropertyType)
        if prop is None or prop.format != 8:
            return ""
        # STRING is Latin-1 by definition; anything else (UTF8_STRING, COMPOUND_TEXT) is
        # best read as UTF-8, which is what COMPOUND_TEXT holds for ASCII titles anyway.
        latin1 = prop.property_type == self._string_atom
        return _decode(prop.value, "latin-1" if latin1 else "utf-8")

    def _pid(self, window: Any) -> int | None:
        prop = window.get_full_property(self._atoms["_NET_WM_PID"], self._X.AnyPropertyType)
        if prop is None or not len(prop.value):
            return None
        return int(prop.value[0]) or None

    def _bounds(self, window: Any) -> tuple[int, int, int, int] | None:
        geometry = window.get_geometry()
        # The client window is reparented into the window manager's frame, so its own
        # x/y are relative to the frame; translate its origin to root coordinates.
        origin = self._root.translate_coords(window, 0, 0)
        if geometry.width <= 1 or geometry.height <= 1:
            return None
        return (int(origin.x), int(origin.y), int(geometry.width), int(geometry.height))

    def _window(self, wid: int) -> Any:
        return self._display.create_resource_object("window", wid)

    def _on_async_error(self, error: Any, request: Any) -> None:
        log.debug("X error on an asynchronous request: %s", type(error).__name__)


def _decode(value: bytes | str, encoding: str) -> str:
    if isinstance(value, str):
        return value
    return bytes(value).decode(encoding, errors="replace").rstrip("\0")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
