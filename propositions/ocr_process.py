"""OCR in a child process that ends when idle: the engine's libraries and working memory go with it."""

from __future__ import annotations

import logging
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

from PIL import Image

from .errors import ImageError, InvalidInput
from .screen import (Bounds, ImageSource, OcrError, OcrUnavailable, crop_to_window, fit_for_ocr,
                     load_image, make_ocr, release_free_memory, to_rgb)

log = logging.getLogger("propositions.ocr_process")

# A request starts with its kind. Pixels: mode length, width, height, pixel byte count, then
# the mode and the pixels. A screenshot: whether it is a path (else encoded bytes), whether
# bounds follow, the bounds, byte count, then the path (UTF-8) or the bytes.
_KIND = struct.Struct("!B")
_PIXELS, _SCREENSHOT = 0, 1
_REQUEST = struct.Struct("!BIII")
_SOURCE = struct.Struct("!BBiiiiI")
# A reply: status (0 text, 1 an OCR error, 2 OCR unavailable, 3 a bad image), byte count, then UTF-8.
_REPLY = struct.Struct("!BI")
_TEXT, _ERROR, _UNAVAILABLE, _BAD_IMAGE = 0, 1, 2, 3
#: the child's first line: the engine's name, or the reason it has none
_READY = b"ready "


class OcrProcess:
    """An OcrEngine whose engine runs in a child process, started on first use.

    RapidOCR costs a process ~85 MB in libraries (onnxruntime, OpenCV, numpy) once imported,
    ~35 MB of sessions, and ~100 MB more while it reads a 1600x900 frame; glibc keeps part
    of what it frees. In a child that exits after ``idle_s`` without a frame, the daemon
    itself stays small, and all of it is given back while the user is away. The price is
    ~1-2 s of start-up on the first frame after an idle stretch.
    """

    def __init__(self, engine: str = "auto", idle_s: float = 60.0) -> None:
        self.engine = engine
        self.idle_s = idle_s
        self.name = engine  # the child's engine once one has started
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._last_read = 0.0

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc is not None else None

    def read(self, image: Image.Image) -> str:
        rgb = to_rgb(image)
        mode = rgb.mode.encode()
        header = _KIND.pack(_PIXELS) + _REQUEST.pack(len(mode), rgb.width, rgb.height,
                                                     rgb.width * rgb.height * len(rgb.mode)) + mode
        # band by band: the daemon never holds a second copy of the frame's pixels
        bands = (rgb.crop((0, top, rgb.width, min(rgb.height, top + 64))).tobytes()
                 for top in range(0, rgb.height, 64))
        return self._ask(header, bands, f"a {rgb.width}x{rgb.height} image")

    def read_source(self, source: ImageSource, bounds: Bounds | None = None) -> str:
        """The text of a screenshot file (or its encoded bytes), cropped to ``bounds``: the child
        decodes, crops and shrinks it, so the daemon never holds its pixels."""
        data = source if isinstance(source, bytes) else str(source).encode("utf-8", "surrogateescape")
        left, top, width, height = bounds or (0, 0, 0, 0)
        header = _KIND.pack(_SCREENSHOT) + _SOURCE.pack(
            isinstance(source, bytes), bounds is not None, left, top, width, height, len(data))
        return self._ask(header, iter((data,)), "a screenshot")

    def _ask(self, header: bytes, body: Iterator[bytes], what: str) -> str:
        with self._lock:
            proc = self._ensure()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(header)
                for chunk in body:
                    proc.stdin.write(chunk)
                proc.stdin.flush()
                status, size = _REPLY.unpack(_exactly(proc.stdout, _REPLY.size))
                text = _exactly(proc.stdout, size).decode("utf-8")
            except (OSError, EOFError, struct.error) as exc:
                self._end(proc)
                raise OcrError(f"the OCR process ended while reading {what} "
                               f"(exit status {proc.poll()})") from exc
            self._last_read = time.monotonic()
            self._arm_timer()
        if status == _UNAVAILABLE:
            raise OcrUnavailable(text)
        if status == _ERROR:
            raise OcrError(text)
        if status == _BAD_IMAGE:
            raise ImageError(text)
        return text

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._proc is not None:
                self._end(self._proc)

    # -- the child --------------------------------------------------------------------

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        proc = subprocess.Popen([sys.executable, "-m", "propositions.ocr_process", self.engine],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith(_READY):
            self._end(proc)
            reason = line.decode("utf-8", "replace").strip() or f"exit status {proc.poll()}"
            raise OcrUnavailable(reason)
        self.name = line[len(_READY):].decode().strip()
        self._proc = proc
        log.debug("ocr process %d started (engine=%s)", proc.pid, self.name)
        return proc

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.idle_s, self._stop_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _stop_if_idle(self) -> None:
        with self._lock:
            if self._proc is not None and time.monotonic() - self._last_read >= self.idle_s * 0.99:
                log.debug("ocr process %d idle for %.0f s: ending it", self._proc.pid, self.idle_s)
                self._end(self._proc)

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        if proc is self._proc:
            self._proc = None
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=5)  # a closed stdin is the child's signal to exit
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __del__(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()


def _exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("short read")
    return data


def _child(engine_name: str) -> int:
    """Read frames from stdin until it closes; answer each with its text on stdout."""
    out = sys.stdout.buffer
    inp = sys.stdin.buffer
    sys.stdout = sys.stderr  # nothing an engine prints may corrupt the replies
    _map_large_blocks_apart()
    try:
        engine: Any = make_ocr(engine_name)
    except OcrError as exc:
        out.write(str(exc).replace("\n", " ").encode() + b"\n")
        out.flush()
        return 1
    out.write(_READY + engine.name.encode() + b"\n")
    out.flush()
    while True:
        kind = inp.read(_KIND.size)
        if len(kind) < _KIND.size:
            return 0  # the daemon closed the pipe (idle, or it stopped)
        try:
            image = _next_image(inp, _KIND.unpack(kind)[0])
        except EOFError:
            return 0
        except InvalidInput as exc:  # a damaged or absurd image, or bounds outside it
            image, text, status = None, str(exc), _BAD_IMAGE
        if image is not None:
            try:
                text = engine.read(image)
                status = _TEXT
            except OcrUnavailable as exc:
                text, status = str(exc), _UNAVAILABLE
            except OcrError as exc:
                text, status = str(exc), _ERROR
        del image
        release_free_memory()
        data = text.encode("utf-8")
        out.write(_REPLY.pack(status, len(data)) + data)
        out.flush()


def _next_image(inp: IO[bytes], kind: int) -> Image.Image:
    """The image of the request that follows (EOFError when the pipe closed mid-request)."""
    if kind == _PIXELS:
        mode_len, width, height, size = _REQUEST.unpack(_exactly(inp, _REQUEST.size))
        mode = _exactly(inp, mode_len).decode()
        return Image.frombytes(mode, (width, height), _exactly(inp, size))
    if kind != _SCREENSHOT:
        raise EOFError(f"unknown request {kind}")  # out of step with the daemon: start again
    is_bytes, has_bounds, left, top, width, height, size = _SOURCE.unpack(_exactly(inp, _SOURCE.size))
    data = _exactly(inp, size)
    source: ImageSource = data if is_bytes else data.decode("utf-8", "surrogateescape")
    return fit_for_ocr(crop_to_window(load_image(source), (left, top, width, height) if has_bounds else None))


def _map_large_blocks_apart() -> None:
    # As the daemon does for itself: freed tensors go back to the system, not to glibc's heap.
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
        except (OSError, AttributeError):
            pass


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1] if len(sys.argv) > 1 else "auto"))
