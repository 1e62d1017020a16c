"""Screen observer: screenshots of the active window when something happened, skipping unchanged frames."""

from __future__ import annotations

import io
import logging
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, ImageChops, ImageStat

from gumd.paths import ensure_private_dir
from propositions.models import Observation

from .base import ObserverContext, ObserverThread, WindowInfo

log = logging.getLogger("gumd.observers.screen")

Bounds = tuple[int, int, int, int]

#: size of the grayscale thumbnail used to tell whether the screen changed
THUMB_SIZE = (64, 36)
# Identical frames differ by exactly 0. Typing a 9-letter word moved the mean by 0.5 grey
# levels in a 964x484 xterm, about 0.11 for the same word in a full 1080p window. Smaller
# changes are not lost: frames are compared with the last *stored* one, so they add up
# until a later check keeps them; 0.25 (the settings' default too) stores a frame about
# every few words typed, which keeps disk use low without missing what was written.
DEFAULT_CHANGE_THRESHOLD = 0.25
# Log every failure of a broken grabber only now and then, not at every trigger.
_LOG_EVERY_FAILURES = 20


class Grabber(Protocol):
    """Takes a screenshot: the monitor holding ``bounds``, cropped to them (no bounds: the main monitor)."""

    def grab(self, bounds: Bounds | None) -> Image.Image: ...


class MssGrabber:
    """The real grabber: mss (X11, macOS, Windows); one mss instance per calling thread."""

    def __init__(self, display: str | None = None) -> None:
        self.display = display
        self._local = threading.local()

    def grab(self, bounds: Bounds | None) -> Image.Image:
        sct = self._sct()
        monitors: list[dict[str, int]] = list(sct.monitors[1:]) or list(sct.monitors[:1])
        region = _region(monitors, bounds)
        shot = sct.grab(region)
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")

    def close(self) -> None:
        sct = getattr(self._local, "sct", None)
        if sct is not None:
            self._local.sct = None
            sct.close()

    def _sct(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            import mss  # imported on first use: not needed unless the screen is observed

            factory = getattr(mss, "MSS", None) or mss.mss  # mss.mss is deprecated from mss 10.2
            kwargs: dict[str, Any] = {"display": self.display} if self.display else {}
            sct = self._local.sct = factory(**kwargs)
        return sct


def _region(monitors: list[dict[str, int]], bounds: Bounds | None) -> dict[str, int]:
    """The part of the monitor most covered by ``bounds`` that they cover (else the whole monitor)."""
    if bounds is None:
        return dict(monitors[0])
    monitor = max(monitors, key=lambda m: _overlap(m, bounds))
    left = max(bounds[0], monitor["left"])
    top = max(bounds[1], monitor["top"])
    right = min(bounds[0] + bounds[2], monitor["left"] + monitor["width"])
    bottom = min(bounds[1] + bounds[3], monitor["top"] + monitor["height"])
    if right - left < 2 or bottom - top < 2:  # off screen: show the monitor rather than nothing
        return dict(monitor)
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}


def _overlap(monitor: dict[str, int], bounds: Bounds) -> int:
    width = min(bounds[0] + bounds[2], monitor["left"] + monitor["width"]) - max(bounds[0], monitor["left"])
    height = min(bounds[1] + bounds[3], monitor["top"] + monitor["height"]) - max(bounds[1], monitor["top"])
    return max(0, width) * max(0, height)


def thumbnail(image: Image.Image) -> Image.Image:
    """The cheap grayscale fingerprint two frames are compared by."""
    return image.convert("L").resize(THUMB_SIZE, Image.Resampling.BOX)


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two thumbnails, in grey levels (0 to 255)."""
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def _same_window(a: WindowInfo | None, b: WindowInfo | None) -> bool:
    return (a is None and b is None) or (a is not None and a.same_window(b))


class ScreenObserver(ObserverThread):
    """Captures the active window on a switch, after a pause in typing, and now and then.

    Triggers (checked every ``tick_s``): the active window changed (after ``settle_s``
    so it has drawn itself); input was seen since the last check and has paused for
    ``pause_s``; ``interval_s`` passed since the last check. Nothing is grabbed while
    the user is idle (``idle_after_s``) or while the gate refuses the window. A frame
    whose thumbnail differs from the last stored one by less than ``change_threshold``
    is dropped; the others are stored as WebP and emitted as observations.

    Counters: ``frames_captured`` (stored), ``frames_skipped`` (unchanged),
    ``frames_blocked`` (gate refused), ``check_seconds`` (recent change-check times).
    """

    name = "screen"

    def __init__(self, grabber: Grabber | None = None, *, interval_s: float = 60.0,
                 idle_after_s: float = 300.0, pause_s: float = 1.5, tick_s: float = 0.25,
                 settle_s: float = 0.3, change_threshold: float = DEFAULT_CHANGE_THRESHOLD,
                 max_width: int = 1600, quality: int = 60) -> None:
        self.grabber: Grabber = grabber if grabber is not None else MssGrabber()
        self.interval_s = interval_s
        self.idle_after_s = idle_after_s
        self.pause_s = pause_s
        self.tick_s = tick_s
        self.settle_s = settle_s
        self.change_threshold = change_threshold
        self.max_width = max_width
        self.quality = quality
        self.frames_captured = 0
        self.frames_skipped = 0
        self.frames_blocked = 0
        #: seconds each change check (thumbnail + comparison) took, most recent last
        self.check_seconds: deque[float] = deque(maxlen=512)
        #: the last measured difference from the stored frame (grey levels)
        self.last_difference: float | None = None
        self._ctx: ObserverContext | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last_thumb: Image.Image | None = None
        self._last_window: WindowInfo | None = None
        self._switch_seen_at: float | None = None
        self._last_check_at = 0.0
        self._input_mark = 0
        self._failures = 0

    def start(self, ctx: ObserverContext) -> None:
        if self._thread is not None:
            return
        self._ctx = ctx
        self._input_mark = ctx.state.input_events
        # The first capture comes from the first window the window observer reports, not
        # from a periodic trigger racing it (which would grab the whole monitor).
        self._last_check_at = ctx.clock()
        self._start_thread("gumd-screen")

    def stop(self) -> None:
        self._stop_thread(10.0, "screen observer")

    # -- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        ctx = self._ctx
        assert ctx is not None
        try:
            while not (self._stopping.is_set() or ctx.stop.is_set()):
                self.tick()
                self._stopping.wait(self.tick_s)
        finally:
            close = getattr(self.grabber, "close", None)
            if callable(close):
                try:
                    close()  # mss instances belong to this thread
                except Exception as exc:
                    log.debug("closing the grabber: %s", type(exc).__name__)

    def tick(self) -> Observation | None:
        """Capture if a trigger is due; never raises (a failure is logged and counted)."""
        ctx = self._ctx
        assert ctx is not None
        try:
            now = ctx.clock()
            reason = self.due(now)
            if reason is None:
                return None
            observation = self.capture(now, reason)
            self._failures = 0
            return observation
        except Exception:
            self._failures += 1
            if self._failures % _LOG_EVERY_FAILURES == 1:
                log.warning("screen capture failed (%d in a row)", self._failures, exc_info=True)
            return None

    def due(self, now: float) -> str | None:
        """Why a capture is due now ("switch", "pause", "periodic"), or None."""
        ctx = self._ctx
        assert ctx is not None
        state = ctx.state
        idle = state.idle_for(now)
        if idle >= self.idle_after_s:
            return None
        if not _same_window(state.window, self._last_window):
            if self._switch_seen_at is None:
                self._switch_seen_at = now
            return "switch" if now - self._switch_seen_at >= self.settle_s else None
        if state.input_events != self._input_mark and idle >= self.pause_s:
            return "pause"
        if now - self._last_check_at >= self.interval_s:
            return "periodic"
        return None

    def capture(self, now: float, reason: str = "manual") -> Observation | None:
        """Grab the active window (if the gate allows) and store it if it changed."""
        ctx = self._ctx
        assert ctx is not None
        window = ctx.state.window
        # Whatever happens next, this check answers the triggers that led here.
        self._last_window = window
        self._switch_seen_at = None
        self._last_check_at = now
        self._input_mark = ctx.state.input_events
        if not ctx.gate.allows(window):
            self.frames_blocked += 1
            return None
        image = self.grabber.grab(window.bounds if window is not None else None)
        if not self._changed(image):
            self.frames_skipped += 1
            log.debug("screen unchanged (%s), skipped", reason)
            return None
        path = self._store(image, now)
        self.frames_captured += 1
        ctx.state.last_capture_at = now
        log.debug("screen captured (%s): app=%s", reason, window.app if window else None)
        observation = Observation(
            captured_at=now, observer="screen", app=window.app if window else None,
            window_title=window.title if window else None, url=window.url if window else None,
            image_path=str(path), content_type="image/webp")
        ctx.sink(observation)
        return observation

    def _changed(self, image: Image.Image) -> bool:
        started = time.perf_counter()
        thumb = thumbnail(image)
        changed = True
        if self._last_thumb is not None:
            self.last_difference = difference(thumb, self._last_thumb)
            changed = self.last_difference >= self.change_threshold
        self.check_seconds.append(time.perf_counter() - started)
        if changed:
            self._last_thumb = thumb
        return changed

    def _store(self, image: Image.Image, now: float) -> Path:
        """Write ``image`` downscaled as WebP, readable by the user only."""
        assert self._ctx is not None
        folder = ensure_private_dir(self._ctx.screenshots_dir)
        if image.width > self.max_width:
            height = max(1, round(image.height * self.max_width / image.width))
            image = image.resize((self.max_width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "WEBP", quality=self.quality)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        path = folder / f"{stamp}-{int(now * 1000) % 1000:03d}-{secrets.token_hex(3)}.webp"
        # O_EXCL + 0600 at creation: the file is never readable by others, not even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(buffer.getvalue())
        return path
