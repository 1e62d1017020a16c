"""The active window on macOS, read through pyobjc, and the privacy permissions gumd needs."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import MacOSUnavailable
from .base import WindowInfo

#: a function returning NSWorkspace.sharedWorkspace() (or a fake with frontmostApplication())
Workspace = Callable[[], Any]
#: a function returning the on-screen windows, frontmost first, as CGWindowListCopyWindowInfo does
WindowList = Callable[[], Sequence[Mapping[str, Any]]]

INSTALL_HINT = "pip install pyobjc-framework-Quartz pyobjc-framework-Cocoa"


def _interpreter() -> str:
    # macOS grants permissions to the real binary; a virtualenv's python is only a symlink to it.
    return os.path.realpath(sys.executable)


PERMISSION_STEPS: str = f"""\
gumd needs two macOS permissions, granted to the Python interpreter that runs it:
  {_interpreter()}

Screen Recording (window titles and screenshots):
  1. Open System Settings → Privacy & Security → Screen Recording.
  2. Click +, press Cmd+Shift+G, paste the interpreter path above, and click Open.
  3. Turn the switch next to it on.

Accessibility (keyboard and mouse activity, for idle detection):
  1. Open System Settings → Privacy & Security → Accessibility.
  2. Click +, press Cmd+Shift+G, paste the interpreter path above, and click Open.
  3. Turn the switch next to it on.

Then quit and restart gumd: macOS applies these permissions only to newly started processes.
If you start gumd from a terminal, macOS may ask for the terminal app instead; grant it the same way.
"""


class MacWindowSource:
    """The frontmost app (NSWorkspace) and its frontmost window (Quartz window list).

    Both OS entry points are parameters so tests can stand in for macOS; the
    defaults import pyobjc, which only exists on macOS.
    """

    name = "macos"

    def __init__(self, workspace: Workspace | None = None,
                 window_list: WindowList | None = None) -> None:
        if workspace is None or window_list is None:
            default_workspace, default_window_list = _pyobjc_entry_points()
            workspace = workspace or default_workspace
            window_list = window_list or default_window_list
        self._workspace = workspace
        self._window_list = window_list
        self._closed = threading.Event()

    def current(self) -> WindowInfo | None:
        app = self._workspace().frontmostApplication()
        if app is None:
            return None
        name = str(app.localizedName() or "")
        pid = int(app.processIdentifier())
        window = _frontmost_window(self._window_list(), pid)
        if window is None:  # an app in front without a window, e.g. Finder over the desktop
            return WindowInfo(app=name, title="", pid=pid)
        number = window.get("kCGWindowNumber")
        return WindowInfo(
            app=name,
            # kCGWindowName is absent until Screen Recording is granted
            title=str(window.get("kCGWindowName") or ""),
            pid=pid,
            bounds=_bounds(window.get("kCGWindowBounds")),
            window_id=int(number) if number is not None else None,
        )

    def wait_change(self, timeout: float) -> bool:
        # No change events here (that would need an NSWorkspace run loop): the caller polls.
        self._closed.wait(timeout)
        return False

    def close(self) -> None:
        self._closed.set()


def _pyobjc_entry_points() -> tuple[Workspace, WindowList]:
    try:
        import AppKit
        import Quartz
    except ImportError:
        raise MacOSUnavailable(
            "the macOS window source needs pyobjc (macOS only); install it with: "
            + INSTALL_HINT) from None
    options = Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements

    def window_list() -> Sequence[Mapping[str, Any]]:
        return Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or ()

    return AppKit.NSWorkspace.sharedWorkspace, window_list


def _frontmost_window(windows: Sequence[Mapping[str, Any]], pid: int) -> Mapping[str, Any] | None:
    """The first (frontmost) normal window of ``pid``; the list is ordered front to back."""
    for window in windows:
        # layer 0 holds normal windows; menus, the Dock and overlays live on other layers
        if window.get("kCGWindowOwnerPID") == pid and window.get("kCGWindowLayer", 0) == 0:
            return window
    return None


def _bounds(raw: Mapping[str, Any] | None) -> tuple[int, int, int, int] | None:
    if not raw:
        return None
    try:
        return (int(raw["X"]), int(raw["Y"]), int(raw["Width"]), int(raw["Height"]))
    except (KeyError, TypeError, ValueError):
        return None


def screen_recording_allowed() -> bool | None:
    """Whether this process may read window titles and the screen; None when not on macOS."""
    if sys.platform != "darwin":
        return None
    try:
        import Quartz
    except ImportError:
        return None
    preflight = getattr(Quartz, "CGPreflightScreenCaptureAccess", None)
    if preflight is None:  # before macOS 10.15 there was no such permission
        return True
    return bool(preflight())


def accessibility_allowed() -> bool | None:
    """Whether this process may observe keyboard and mouse input; None when not on macOS."""
    if sys.platform != "darwin":
        return None
    try:
        from ApplicationServices import AXIsProcessTrusted
    except ImportError:
        try:
            from HIServices import AXIsProcessTrusted
        except ImportError:
            return None
    return bool(AXIsProcessTrusted())
