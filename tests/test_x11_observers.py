"""The X11 window source and the window and screen observers on a real X server, xdotool acting as the user."""

from __future__ import annotations

import logging
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from gumd.observers.base import DesktopState, ObserverContext, WindowInfo
from gumd.observers.screen import MssGrabber, ScreenObserver, difference, thumbnail
from gumd.observers.window import WindowObserver
from gumd.observers.x11 import (
    WAYLAND_MESSAGE,
    DisplayUnavailable,
    X11WindowSource,
    detect_session,
    url_from_title,
)
from propositions.errors import GumdError
from propositions.models import Observation

from .xserver import _end, _start_xvfb, activate, close_xterm, open_xterm, type_text, xdotool
from .xserver import xserver  # noqa: F401 (the fixture, imported so pytest finds it here)

OpenTerm = Callable[[str, str], object]


class Recorder:
    """A sink that keeps what it is given and lets a test wait for a matching observation."""

    def __init__(self) -> None:
        self.items: list[Observation] = []
        self._changed = threading.Condition()

    def __call__(self, observation: Observation) -> None:
        with self._changed:
            self.items.append(observation)
            self._changed.notify_all()

    def wait_for(self, match: Callable[[Observation], bool], timeout: float = 5.0) -> Observation:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [o for o in self.items if match(o)]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching observation within {timeout} s: {self.items}")
                self._changed.wait(left)


class TitleGate:
    """Refuses windows whose title matches ``exclude``, or everything while closed."""

    def __init__(self, exclude: str | None = None) -> None:
        self.exclude = re.compile(exclude) if exclude else None
        self.open = True

    def allows(self, window: WindowInfo | None) -> bool:
        if not self.open:
            return False
        return not (window is not None and self.exclude is not None and self.exclude.search(window.title))


class CountingGrabber:
    """The real grabber, counting how often the screen was actually read."""

    def __init__(self) -> None:
        self.inner = MssGrabber()
        self.grabs = 0

    def grab(self, bounds: tuple[int, int, int, int] | None) -> Image.Image:
        self.grabs += 1
        return self.inner.grab(bounds)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def terms(xserver: str) -> Iterator[OpenTerm]:
    """Opens xterms for one test and closes them after it."""
    opened = []

    def open_term(title: str, text: str) -> object:
        process = open_xterm(title, text)
        opened.append(process)
        return process

    yield open_term
    for process in opened:
        close_xterm(process)


@pytest.fixture
def source(xserver: str) -> Iterator[X11WindowSource]:
    src = X11WindowSource()
    yield src
    src.close()


def make_ctx(tmp_path: Path, gate: TitleGate | None = None,
             state: DesktopState | None = None) -> tuple[ObserverContext, Recorder]:
    sink = Recorder()
    ctx = ObserverContext(sink=sink, state=state or DesktopState(), gate=gate or TitleGate(),
                          screenshots_dir=tmp_path / "screenshots")
    return ctx, sink


def wait_title(src: X11WindowSource, title: str, timeout: float = 2.0) -> None:
    """Wait until the source reports ``title`` (the window manager settles focus asynchronously)."""
    deadline = time.monotonic() + timeout
    while (window := src.current()) is None or window.title != title:
        assert time.monotonic() < deadline, f"active window is {window}, not {title!r}"
        time.sleep(0.05)


def drain(src: X11WindowSource) -> None:
    """Swallow the events earlier actions left queued, so the next wait starts clean."""
    while src.wait_change(0.15):
        pass


# -- session detection and titles (no X needed) ----------------------------------------


def test_detect_session_prefers_wayland_and_explains_it() -> None:
    assert detect_session({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == "wayland"
    assert detect_session({"XDG_SESSION_TYPE": "wayland"}) == "wayland"
    assert detect_session({"DISPLAY": ":1"}) == "x11"
    assert detect_session({}) == "none"
    assert "files observer works" in WAYLAND_MESSAGE and "X11 session" in WAYLAND_MESSAGE


def test_url_is_taken_only_when_the_title_spells_it_out() -> None:
    assert url_from_title("Docs - https://example.org/a?b=1 - Firefox") == "https://example.org/a?b=1"
    assert url_from_title("Pull requests · GitHub - github.com — Mozilla Firefox") is None


def test_an_unreachable_display_raises_a_one_line_error() -> None:
    with pytest.raises(DisplayUnavailable) as info:
        X11WindowSource(":4999")
    assert isinstance(info.value, GumdError)
    assert ":4999" in str(info.value) and "\n" not in str(info.value)


# -- the window source -------------------------------------------------------------------


def test_source_reports_the_active_xterm(source: X11WindowSource, terms: OpenTerm) -> None:
    process = terms("gumd source probe", "hello\n")
    activate("gumd source probe")
    window = source.current()
    assert window is not None
    assert (window.app, window.title, window.url) == ("XTerm", "gumd source probe", None)
    assert window.pid == process.pid  # type: ignore[attr-defined]
    assert window.window_id
    assert window.bounds is not None
    left, top, width, height = window.bounds
    assert width > 300 and height > 200
    assert 0 <= left and left + width <= 1920 and 0 <= top and top + height <= 1080


def test_switching_windows_and_titles_wakes_wait_change_promptly(
        source: X11WindowSource, terms: OpenTerm) -> None:
    terms("gumd wake one", "one\n")
    terms("gumd wake two", "two\n")
    activate("gumd wake one")
    wait_title(source, "gumd wake one")
    drain(source)
    started = time.monotonic()
    assert source.wait_change(0.3) is False  # nothing happens: it times out
    assert 0.25 <= time.monotonic() - started < 1.0

    for act, expected in (
            (lambda: activate("gumd wake two"), "gumd wake two"),
            (lambda: xdotool("getactivewindow", "set_window", "--name", "gumd renamed"), "gumd renamed")):
        acted_at: list[float] = []
        worker = threading.Thread(target=lambda: (time.sleep(0.2), acted_at.append(time.monotonic()), act()))
        worker.start()
        woke = source.wait_change(5.0)
        woke_at = time.monotonic()
        worker.join()
        assert woke is True
        assert woke_at - acted_at[0] < 1.0
        assert source.current().title == expected  # type: ignore[union-attr]


def test_a_dead_display_raises_display_unavailable_and_ends_the_window_observer(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    xvfb, display = _start_xvfb()
    try:
        src = X11WindowSource(display)
        observer = WindowObserver(src, poll_s=0.2)
        ctx, _ = make_ctx(tmp_path)
        observer.start(ctx)
    finally:
        _end(xvfb)
    with pytest.raises(DisplayUnavailable):
        for _ in range(50):  # the first call after the server died notices it
            src.current()
            time.sleep(0.05)
    thread = observer._thread
    assert thread is not None
    thread.join(5.0)
    assert not thread.is_alive()
    assert any(r.levelno == logging.ERROR and "window observer stopped" in r.getMessage()
               for r in caplog.records)
    observer.stop()
    observer.stop()  # safe twice


# -- the window observer -----------------------------------------------------------------


@pytest.mark.slow
def test_window_observer_emits_each_window_once_with_its_duration(
        xserver: str, terms: OpenTerm, tmp_path: Path) -> None:
    terms("gumd editor", "code\n")
    terms("gumd mail", "inbox\n")
    activate("gumd editor")
    ctx, sink = make_ctx(tmp_path)
    observer = WindowObserver(X11WindowSource())
    observer.start(ctx)
    try:
        time.sleep(0.6)
        activate("gumd mail")
        editor = sink.wait_for(lambda o: o.window_title == "gumd editor", timeout=2.0)
        time.sleep(0.8)
        assert ctx.state.window is not None and ctx.state.window.title == "gumd mail"
        activate("gumd editor")
        mail = sink.wait_for(lambda o: o.window_title == "gumd mail", timeout=2.0)
    finally:
        observer.stop()
    titles = [o.window_title for o in sink.items]
    assert titles.count("gumd mail") == 1  # one observation per visit, not one per poll
    assert titles[-1] == "gumd editor"  # the last window is emitted when the observer stops
    assert (editor.observer, editor.app, editor.content) == ("window", "XTerm", "")
    assert 0.4 <= editor.duration < 2.0
    assert 0.6 <= mail.duration < 2.0
    assert mail.captured_at >= editor.captured_at + editor.duration - 0.05


def test_an_excluded_window_produces_no_observation(xserver: str, terms: OpenTerm, tmp_path: Path) -> None:
    terms("gumd bank secret", "balance 1234\n")
    terms("gumd public", "hello\n")
    activate("gumd public")
    ctx, sink = make_ctx(tmp_path, gate=TitleGate(exclude="secret"))
    observer = WindowObserver(X11WindowSource())
    observer.start(ctx)
    try:
        time.sleep(0.3)
        activate("gumd bank secret")
        sink.wait_for(lambda o: o.window_title == "gumd public", timeout=2.0)
        time.sleep(0.5)
        assert ctx.state.window is not None and ctx.state.window.title == "gumd bank secret"
        activate("gumd public")
        time.sleep(0.3)
    finally:
        observer.stop()
    assert [o.window_title for o in sink.items] == ["gumd public", "gumd public"]


# -- the screen observer -----------------------------------------------------------------


@pytest.mark.slow
def test_screen_observer_captures_switches_skips_unchanged_frames_and_is_readable(
        xserver: str, terms: OpenTerm, tmp_path: Path) -> None:
    terms("gumd scratch", "scratch\n")
    terms("gumd notes", "meeting notes\n")
    activate("gumd notes")
    type_text("quokka marmalade")
    activate("gumd scratch")
    ctx, sink = make_ctx(tmp_path)
    windows = WindowObserver(X11WindowSource(), poll_s=0.2)
    grabber = CountingGrabber()
    screen = ScreenObserver(grabber, tick_s=0.05, settle_s=0.2, pause_s=0.3, interval_s=0.4)
    windows.start(ctx)
    screen.start(ctx)
    try:
        sink.wait_for(lambda o: o.observer == "screen" and o.window_title == "gumd scratch")
        activate("gumd notes")
        notes = sink.wait_for(lambda o: o.observer == "screen" and o.window_title == "gumd notes")
        stored = screen.frames_captured

        # Nothing changes: the periodic checks grab frames and drop them.
        time.sleep(1.5)
        assert screen.frames_skipped >= 2
        assert screen.frames_captured == stored
        assert len(list(ctx.screenshots_dir.iterdir())) == stored

        # A pause after typing captures again, and the new word is a change worth keeping.
        screen.interval_s = 60.0  # only the pause may trigger now
        type_text(" zeppelin")
        ctx.state.note_input()
        sink.wait_for(lambda o: o.observer == "screen" and o.captured_at > ctx.state.last_input_at)
        assert screen.frames_captured == stored + 1
        print(f"difference after typing a word: {screen.last_difference:.3f}")
    finally:
        screen.stop()
        windows.stop()

    assert (notes.app, notes.content_type, notes.content) == ("XTerm", "image/webp", "")
    assert ctx.state.last_capture_at >= notes.captured_at
    path = Path(notes.image_path or "")
    assert path.parent == ctx.screenshots_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ctx.screenshots_dir.stat().st_mode) == 0o700
    with Image.open(path) as image:
        assert image.format == "WEBP"
        bounds = ctx.state.window.bounds if ctx.state.window else None
        assert bounds is not None and image.size == bounds[2:]  # cropped to the window
    assert len(screen.check_seconds) == grabber.grabs

    from propositions.screen import read_screenshot

    text = read_screenshot(path).lower()
    assert "quokka" in text


def test_nothing_is_captured_while_the_user_is_idle(xserver: str, terms: OpenTerm, tmp_path: Path) -> None:
    terms("gumd idle", "idle\n")
    activate("gumd idle")
    state = DesktopState()
    state.note_input(at=time.time() - 1000)  # last input long ago
    src = X11WindowSource()
    state.set_window(src.current())
    src.close()
    ctx, sink = make_ctx(tmp_path, state=state)
    grabber = CountingGrabber()
    screen = ScreenObserver(grabber, tick_s=0.05, settle_s=0.0, interval_s=0.1, idle_after_s=300)
    screen.start(ctx)
    time.sleep(0.6)
    screen.stop()
    assert grabber.grabs == 0 and sink.items == []
    assert not ctx.screenshots_dir.exists()


def test_nothing_is_grabbed_while_the_gate_is_closed(xserver: str, terms: OpenTerm, tmp_path: Path) -> None:
    terms("gumd private", "private\n")
    activate("gumd private")
    gate = TitleGate()
    gate.open = False
    ctx, sink = make_ctx(tmp_path, gate=gate)
    windows = WindowObserver(X11WindowSource(), poll_s=0.2)
    grabber = CountingGrabber()
    screen = ScreenObserver(grabber, tick_s=0.05, settle_s=0.0, interval_s=0.1)
    windows.start(ctx)
    screen.start(ctx)
    time.sleep(0.8)
    screen.stop()
    windows.stop()
    assert grabber.grabs == 0 and sink.items == []
    assert screen.frames_blocked >= 3


def test_change_check_on_a_1080p_frame_is_cheap(xserver: str) -> None:
    grabber = MssGrabber()
    try:
        frame = grabber.grab(None)
    finally:
        grabber.close()
    assert frame.size == (1920, 1080)
    previous = thumbnail(frame)
    started = time.perf_counter()
    for _ in range(10):
        difference(thumbnail(frame), previous)
    per_check = (time.perf_counter() - started) / 10
    assert per_check < 0.1, f"change check took {per_check * 1000:.1f} ms"
    print(f"change check per 1080p frame: {per_check * 1000:.1f} ms")  # shown with -s
