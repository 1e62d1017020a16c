"""The macOS window source and permission checks, with fakes standing in for pyobjc."""

from __future__ import annotations

import sys
import threading
import time
import types
from typing import Any

import pytest

from gumd.observers import macos
from gumd.observers.base import WindowInfo
from gumd.observers.macos import (
    PERMISSION_STEPS,
    MacOSUnavailable,
    MacWindowSource,
    accessibility_allowed,
    screen_recording_allowed,
)
from propositions.errors import GumdError

PID = 4242


class FakeApp:
    def __init__(self, name: str, pid: int) -> None:
        self._name, self._pid = name, pid

    def localizedName(self) -> str:  # noqa: N802 - the AppKit name
        return self._name

    def processIdentifier(self) -> int:  # noqa: N802
        return self._pid


class FakeWorkspace:
    def __init__(self, app: FakeApp | None) -> None:
        self.app = app

    def frontmostApplication(self) -> FakeApp | None:  # noqa: N802
        return self.app


def window(pid: int, name: str | None, *, layer: int = 0, number: int = 1,
           bounds: dict[str, float] | None = None) -> dict[str, Any]:
    w: dict[str, Any] = {"kCGWindowOwnerPID": pid, "kCGWindowLayer": layer,
                         "kCGWindowNumber": number, "kCGWindowOwnerName": "x",
                         "kCGWindowBounds": bounds or {"X": 0, "Y": 0, "Width": 10, "Height": 10}}
    if name is not None:
        w["kCGWindowName"] = name
    return w


def source(app: FakeApp | None, windows: list[dict[str, Any]]) -> MacWindowSource:
    workspace = FakeWorkspace(app)
    return MacWindowSource(workspace=lambda: workspace, window_list=lambda: windows)


def test_maps_app_title_pid_and_bounds() -> None:
    windows = [
        window(1, "Other app's window", number=7),
        window(PID, "Menu", layer=25, number=8),  # not a normal window
        window(PID, "Inbox — Mail", number=9,
               bounds={"X": 12.0, "Y": 40.0, "Width": 1280.0, "Height": 800.5}),
        window(PID, "Older window", number=10),
    ]
    info = source(FakeApp("Mail", PID), windows).current()
    assert info == WindowInfo(app="Mail", title="Inbox — Mail", pid=PID,
                              bounds=(12, 40, 1280, 800), window_id=9)
    assert info.url is None


def test_no_frontmost_app_is_none() -> None:
    assert source(None, [window(PID, "x")]).current() is None


def test_missing_window_name_gives_an_empty_title() -> None:
    # Without Screen Recording permission macOS leaves kCGWindowName out.
    info = source(FakeApp("Safari", PID), [window(PID, None, number=3)]).current()
    assert info is not None
    assert (info.app, info.title, info.pid, info.window_id) == ("Safari", "", PID, 3)


def test_app_without_windows_still_names_the_app() -> None:
    info = source(FakeApp("Finder", PID), [window(1, "elsewhere")]).current()
    assert info == WindowInfo(app="Finder", title="", pid=PID)


def test_wait_change_polls_and_close_wakes_it() -> None:
    src = source(None, [])
    start = time.monotonic()
    assert src.wait_change(0.05) is False
    assert time.monotonic() - start >= 0.04
    threading.Timer(0.05, src.close).start()
    start = time.monotonic()
    assert src.wait_change(10) is False
    assert time.monotonic() - start < 5


def test_without_pyobjc_construction_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail, as it does wherever pyobjc is not installed.
    monkeypatch.setitem(sys.modules, "AppKit", None)
    monkeypatch.setitem(sys.modules, "Quartz", None)
    with pytest.raises(MacOSUnavailable) as err:
        MacWindowSource()
    assert isinstance(err.value, GumdError)
    assert "pip install pyobjc-framework-Quartz pyobjc-framework-Cocoa" in str(err.value)
    with pytest.raises(MacOSUnavailable):
        MacWindowSource(workspace=lambda: FakeWorkspace(None))  # one real entry point is enough


def test_default_entry_points_call_pyobjc_as_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    quartz = types.SimpleNamespace(
        kCGWindowListOptionOnScreenOnly=1, kCGWindowListExcludeDesktopElements=16,
        kCGNullWindowID=0,
        CGWindowListCopyWindowInfo=lambda options, wid: calls.append((options, wid))
        or [window(PID, "Doc.txt", number=5)])
    workspace = FakeWorkspace(FakeApp("TextEdit", PID))
    appkit = types.SimpleNamespace(NSWorkspace=types.SimpleNamespace(sharedWorkspace=lambda: workspace))
    monkeypatch.setitem(sys.modules, "Quartz", quartz)
    monkeypatch.setitem(sys.modules, "AppKit", appkit)
    info = MacWindowSource().current()
    assert info is not None and (info.app, info.title, info.window_id) == ("TextEdit", "Doc.txt", 5)
    assert calls == [(1 | 16, 0)]


def test_permission_checks_are_none_off_macos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(macos.sys, "platform", "linux")
    assert screen_recording_allowed() is None
    assert accessibility_allowed() is None


@pytest.mark.parametrize("granted", [True, False])
def test_permission_checks_on_macos(monkeypatch: pytest.MonkeyPatch, granted: bool) -> None:
    monkeypatch.setattr(macos.sys, "platform", "darwin")
    monkeypatch.setitem(sys.modules, "Quartz", types.SimpleNamespace(
        CGPreflightScreenCaptureAccess=lambda: granted))
    monkeypatch.setitem(sys.modules, "ApplicationServices", types.SimpleNamespace(
        AXIsProcessTrusted=lambda: granted))
    assert screen_recording_allowed() is granted
    assert accessibility_allowed() is granted


def test_permission_checks_without_pyobjc_are_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(macos.sys, "platform", "darwin")
    for name in ("Quartz", "ApplicationServices", "HIServices"):
        monkeypatch.setitem(sys.modules, name, None)
    assert screen_recording_allowed() is None
    assert accessibility_allowed() is None


def test_permission_steps_name_the_settings_and_the_interpreter() -> None:
    for needle in ("System Settings", "Privacy & Security", "Screen Recording", "Accessibility",
                   macos._interpreter(), "restart"):
        assert needle in PERMISSION_STEPS
