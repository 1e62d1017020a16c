"""OCR in a child process that ends when idle: the engine's libraries and working memory go with it."""

from __future__ import annotations

import logging
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any

from PIL import Image

from .screen import OcrError, OcrUnavailable, make_ocr, release_free_memory, to_rgb

log = logging.getLogger("propositions.ocr_process")

# A request: mode length, mode, width, height, pixel byte count, then the mode and the pixels.
_REQUEST = struct.Struct("!BIII")
# A reply: status (0 text, 1 an OCR error, 2 OCR unavailable), byte count, then UTF-8.
_REPLY = struct.Struct("!BI")
_TEXT, _ERROR, _UNAVAILABLE = 0, 1, 2
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
        pixels = rgb.tobytes()
        mode = rgb.mode.encode()
        with self._lock:
            proc = self._ensure()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(_REQUEST.pack(len(mode), rgb.width, rgb.height, len(pixels)))
                proc.stdin.write(mode)
                proc.stdin.write(pixels)
                proc.stdin.flush()
                status, size = _REPLY.unpack(_exactly(proc.stdout, _REPLY.size))
                text = _exactly(proc.stdout, size).decode("utf-8")
            except (OSError, EOFError, struct.error) as exc:
                self._end(proc)
                raise OcrError(f"the OCR process ended while reading a {rgb.width}x{rgb.height} "
                               f"image (exit status {proc.poll()})") from exc
            finally:
                del pixels
            self._last_read = time.monotonic()
            self._arm_timer()
        if status == _UNAVAILABLE:
            raise OcrUnavailable(text)
        if status == _ERROR:
            raise OcrError(text)
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
        header = inp.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            return 0  # the daemon closed the pipe (idle, or it stopped)
        mode_len, width, height, size = _REQUEST.unpack(header)
        mode = inp.read(mode_len).decode()
        pixels = inp.read(size)
        if len(pixels) != size:
            return 0
        try:
            text = engine.read(Image.frombytes(mode, (width, height), pixels))
            status = _TEXT
        except OcrUnavailable as exc:
            text, status = str(exc), _UNAVAILABLE
        except OcrError as exc:
            text, status = str(exc), _ERROR
        del pixels
        release_free_memory()
        data = text.encode("utf-8")
        out.write(_REPLY.pack(status, len(data)) + data)
        out.flush()


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
