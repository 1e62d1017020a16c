"""The input observer (fake listeners, and pynput under Xvfb) and the files observer (real watchdog)."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest

from gumd.observers.base import DesktopState, ObserverContext, WindowInfo
from gumd.observers.files import CREATED, DELETED, MODIFIED, MOVED, FilesObserver, merge
from gumd.observers.input import InputObserver, InputUnavailable, pynput_listeners
from propositions.models import Observation
from tests.xserver import xserver  # noqa: F401 - the fixture

COALESCE_S = 0.2


class Gate:
    def __init__(self, open_: bool = True) -> None:
        self.open = open_
        self.asked: list[WindowInfo | None] = []

    def allows(self, window: WindowInfo | None) -> bool:
        self.asked.append(window)
        return self.open


def make_ctx(tmp_path: Path, clock: Callable[[], float] = time.time, gate: Gate | None = None,
             ) -> tuple[ObserverContext, list[Observation]]:
    seen: list[Observation] = []
    ctx = ObserverContext(sink=seen.append, state=DesktopState(clock=clock), gate=gate or Gate(),
                          screenshots_dir=tmp_path / "shots", clock=clock)
    return ctx, seen


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


# -- input: fake listeners -----------------------------------------------------


class FakeListener:
    """Stands in for a pynput listener; the test calls ``callback`` as pynput would."""

    def __init__(self, callback: Callable[..., None]) -> None:
        self.callback = callback
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


class FakeFactory:
    def __init__(self) -> None:
        self.listeners: list[FakeListener] = []

    def __call__(self, callback: Callable[..., None]) -> list[FakeListener]:
        self.listeners = [FakeListener(callback), FakeListener(callback)]
        return self.listeners

    def press(self, *args: object) -> None:
        self.listeners[0].callback(*args)


@pytest.fixture
def fake_input(tmp_path: Path, clock):
    ctx, seen = make_ctx(tmp_path, clock)
    factory = FakeFactory()
    observer = InputObserver(idle_after_s=300, listener_factory=factory)
    observer.start(ctx)
    assert observer.wait_ready(2)
    yield observer, factory, ctx, clock, seen
    observer.stop()


class Key:
    """A stand-in for a pynput key, so the test can tell whether anything kept it."""


def test_input_counts_events_without_keeping_them(fake_input) -> None:
    observer, factory, ctx, clock, seen = fake_input
    key = Key()
    alive = weakref.ref(key)
    factory.press(key, False)
    clock.advance(2)
    factory.listeners[1].callback(10, 20, False)  # a mouse move: x, y, injected
    assert ctx.state.input_events == 2
    assert ctx.state.last_input_at == clock.now
    del key
    gc.collect()
    assert alive() is None, "the key object outlived the callback"
    assert all(listener.started for listener in factory.listeners)
    observer.stop()
    assert all(listener.stopped for listener in factory.listeners)
    assert seen == []


def test_idle_period_produces_exactly_one_observation(fake_input) -> None:
    observer, factory, ctx, clock, seen = fake_input
    factory.press()
    idle_from = clock.now
    clock.advance(60)
    factory.press()  # a short pause is not idleness
    idle_from = clock.now
    clock.advance(600)
    factory.press()  # back after 10 minutes
    for _ in range(5):  # more input right after must not report the same period again
        clock.advance(1)
        factory.press()
    observer.check_idle()
    observer.check_idle()
    assert eventually(lambda: len(seen) >= 1)
    time.sleep(1.2)  # let the observer's own once-a-second check run too
    assert len(seen) == 1
    obs = seen[0]
    assert (obs.observer, obs.content, obs.content_type) == ("input", "idle for 10 min", "text/x-idle")
    assert obs.captured_at == idle_from
    assert obs.duration == 600
    assert ctx.state.idle_for() == 0


def test_idle_period_is_not_recorded_while_paused(tmp_path: Path, clock) -> None:
    ctx, seen = make_ctx(tmp_path, clock, Gate(open_=False))
    factory = FakeFactory()
    observer = InputObserver(idle_after_s=300, listener_factory=factory)
    observer.start(ctx)
    try:
        assert observer.wait_ready(2)
        factory.press()
        clock.advance(900)
        factory.press()
        observer.check_idle()
        assert seen == []
        assert ctx.state.input_events == 2  # counting goes on: it is not capture
    finally:
        observer.stop()


def test_input_unavailable_warns_once_and_keeps_running(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    def broken(_callback: Callable[..., None]) -> list[FakeListener]:
        raise InputUnavailable("no X display; run gumd inside an X11 session with DISPLAY set")

    ctx, seen = make_ctx(tmp_path)
    observer = InputObserver(listener_factory=broken)
    with caplog.at_level(logging.WARNING, logger="gumd.observers.input"):
        observer.start(ctx)
        assert observer.wait_ready(2) is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "idle" in warnings[0].getMessage() and "DISPLAY" in warnings[0].getMessage()
    assert observer._thread is not None and observer._thread.is_alive()
    assert ctx.state.idle_for() == 0  # never seen input: never idle
    observer.stop()
    observer.stop()  # twice is fine


class DeadListener(FakeListener):
    """A listener whose thread died before it connected (pynput's wait() would block forever)."""

    def wait(self) -> None:
        time.sleep(3600)

    def is_alive(self) -> bool:
        return False


def test_listener_that_dies_before_ready_does_not_hang(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    ctx, _ = make_ctx(tmp_path)
    observer = InputObserver(listener_factory=lambda cb: [DeadListener(cb)], ready_timeout_s=2)
    with caplog.at_level(logging.WARNING, logger="gumd.observers.input"):
        observer.start(ctx)
        assert observer.wait_ready(2) is False
    assert any("did not start" in r.getMessage() for r in caplog.records)
    observer.stop()


def test_wayland_session_is_refused_with_a_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    with pytest.raises(InputUnavailable, match="X11"):
        pynput_listeners(lambda *_: None)


@pytest.mark.parametrize(("display", "reason"), [(None, "DISPLAY is not set"),
                                                  (":4093", "cannot connect to X display :4093")])
def test_no_display_warns_and_never_idles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture, display: str | None,
                                          reason: str) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    if display:
        monkeypatch.setenv("DISPLAY", display)
    ctx, _ = make_ctx(tmp_path)
    observer = InputObserver(ready_timeout_s=2)
    with caplog.at_level(logging.WARNING, logger="gumd.observers.input"):
        observer.start(ctx)
        assert observer.wait_ready(5) is False
    observer.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and reason in warnings[0]
    assert ctx.state.idle_for() == 0


# -- input: pynput for real, under Xvfb --------------------------------------------


def test_real_pynput_sees_xdotool_input(xserver: str, tmp_path: Path) -> None:  # noqa: F811
    ctx, _ = make_ctx(tmp_path)
    observer = InputObserver()
    observer.start(ctx)
    try:
        assert observer.wait_ready(10), "pynput did not start on " + xserver
        before = time.time()
        env = {**os.environ, "DISPLAY": xserver}
        subprocess.run(["xdotool", "type", "hello"], env=env, check=True, timeout=10)
        assert eventually(lambda: ctx.state.input_events >= 5), ctx.state.input_events
        typed = ctx.state.input_events
        subprocess.run(["xdotool", "mousemove", "200", "300"], env=env, check=True, timeout=10)
        assert eventually(lambda: ctx.state.input_events > typed)
        assert ctx.state.last_input_at >= before
    finally:
        observer.stop()
    assert not observer.listening


# -- files ----------------------------------------------------------------------


@pytest.fixture
def watched(tmp_path: Path):
    folder = tmp_path / "work"
    folder.mkdir()
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([folder], coalesce_s=COALESCE_S)
    observer.start(ctx)
    assert observer.wait_ready(5)
    yield folder.resolve(), observer, ctx, seen
    observer.stop()


def settle(seen: list[Observation], count: int) -> None:
    """Wait for ``count`` observations, then a little longer to catch any extra."""
    assert eventually(lambda: len(seen) >= count), seen
    time.sleep(COALESCE_S * 2)


def test_create_and_modify_burst_is_one_created(watched) -> None:
    folder, _, _, seen = watched
    before = time.time()
    target = folder / "notes.md"
    target.write_text("one")
    for i in range(5):
        with target.open("a") as f:
            f.write(f" {i}")
    settle(seen, 1)
    assert len(seen) == 1
    obs = seen[0]
    assert (obs.observer, obs.content_type) == ("files", "text/x-file-event")
    assert obs.content == f"created {target}"
    assert obs.window_title == str(target)
    assert before <= obs.captured_at <= time.time()


def test_repeated_modifications_are_one_modified(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    target = folder / "report.txt"
    target.write_text("draft")
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([folder], coalesce_s=COALESCE_S)
    observer.start(ctx)
    try:
        assert observer.wait_ready(5)
        for i in range(4):
            target.write_text(f"draft {i}")
            time.sleep(0.02)
        settle(seen, 1)
    finally:
        observer.stop()
    assert [o.content for o in seen] == [f"modified {target.resolve()}"]


def test_created_then_deleted_within_the_window_is_dropped(watched) -> None:
    folder, _, _, seen = watched
    scratch = folder / "scratch.txt"
    scratch.write_text("x")
    scratch.unlink()
    (folder / "kept.txt").write_text("y")  # proves the watch was live all along
    settle(seen, 1)
    assert [o.content for o in seen] == [f"created {folder / 'kept.txt'}"]


def test_ignored_folders_produce_nothing(watched) -> None:
    folder, _, _, seen = watched
    for part in (".git", "node_modules/pkg", "__pycache__"):
        (folder / part).mkdir(parents=True)
    (folder / ".git" / "index").write_text("git")
    (folder / "node_modules" / "pkg" / "index.js").write_text("js")
    (folder / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"pyc")
    (folder / "main.py.swp").write_text("swap")
    (folder / "main.py").write_text("print()")
    settle(seen, 1)
    assert [o.content for o in seen] == [f"created {folder / 'main.py'}"]


def test_save_through_a_temporary_file_is_a_modification(watched) -> None:
    folder, _, _, seen = watched
    temp = folder / "essay.txt.tmp"
    temp.write_text("final")
    temp.rename(folder / "essay.txt")
    settle(seen, 1)
    assert [o.content for o in seen] == [f"modified {folder / 'essay.txt'}"]


def test_rename_is_reported_with_both_paths(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([folder], coalesce_s=COALESCE_S)
    observer.start(ctx)
    try:
        assert observer.wait_ready(5)
        (folder / "a.txt").rename(folder / "b.txt")
        settle(seen, 1)
    finally:
        observer.stop()
    root = folder.resolve()
    assert [o.content for o in seen] == [f"moved {root / 'a.txt'} -> {root / 'b.txt'}"]


def test_home_is_shown_as_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = (tmp_path / "user").resolve()
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([Path("~/Documents")], coalesce_s=COALESCE_S)
    observer.start(ctx)
    try:
        assert observer.wait_ready(5)
        (home / "Documents" / "plan.txt").write_text("plan")
        settle(seen, 1)
    finally:
        observer.stop()
    assert seen[0].window_title == "~/Documents/plan.txt"
    assert seen[0].content == "created ~/Documents/plan.txt"


def test_missing_folder_is_skipped_with_a_warning(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    real = tmp_path / "real"
    real.mkdir()
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([tmp_path / "missing", real], coalesce_s=COALESCE_S)
    with caplog.at_level(logging.WARNING, logger="gumd.observers.files"):
        observer.start(ctx)
        assert observer.wait_ready(5)
    try:
        assert observer.watching == [real.resolve()]
        assert any("missing" in r.getMessage() and r.levelno == logging.WARNING
                   for r in caplog.records)
        (real / "x.txt").write_text("x")
        settle(seen, 1)
        assert len(seen) == 1
    finally:
        observer.stop()


def test_nested_folders_report_once(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / "inner").mkdir(parents=True)
    ctx, seen = make_ctx(tmp_path)
    observer = FilesObserver([outer, outer / "inner"], coalesce_s=COALESCE_S)
    observer.start(ctx)
    try:
        assert observer.wait_ready(5)
        assert observer.watching == [outer.resolve()]
        (outer / "inner" / "x.txt").write_text("x")
        settle(seen, 1)
        assert len(seen) == 1
    finally:
        observer.stop()


def test_gate_closed_records_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    gate = Gate(open_=False)
    ctx, seen = make_ctx(tmp_path, gate=gate)
    observer = FilesObserver([folder], coalesce_s=COALESCE_S)
    observer.start(ctx)
    try:
        assert observer.wait_ready(5)
        (folder / "secret.txt").write_text("x")
        assert eventually(lambda: len(gate.asked) > 0)
        time.sleep(COALESCE_S * 3)
        gate.open = True  # events seen while paused stay unrecorded after resuming
        time.sleep(COALESCE_S * 2)
    finally:
        observer.stop()
    assert seen == []
    assert set(gate.asked) == {None}


@pytest.mark.parametrize(("events", "result"), [
    ([CREATED, MODIFIED, MODIFIED], CREATED),
    ([MODIFIED, MODIFIED, MODIFIED], MODIFIED),
    ([CREATED, MODIFIED, DELETED], None),
    ([MODIFIED, DELETED], DELETED),
    ([DELETED, CREATED], MODIFIED),
    ([MODIFIED, MOVED, MODIFIED], MOVED),
])
def test_merge(events: list[str], result: str | None) -> None:
    state: str | None = None
    for event in events:
        state = merge(state, event)
        if state is None:
            break
    assert state == result
