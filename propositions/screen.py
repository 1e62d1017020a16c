"""Screen understanding: load and validate screenshots, crop to a window, read their text (OCR)."""

from __future__ import annotations

import importlib
import io
import logging
import math
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from PIL import Image, UnidentifiedImageError

from .errors import ImageError, InvalidInput, OcrError, OcrUnavailable

log = logging.getLogger("propositions.screen")

#: a screenshot as a file path or its encoded bytes
ImageSource = str | Path | bytes
#: a window's (left, top, width, height) in the screenshot's pixels
Bounds = tuple[int, int, int, int]

# The formats screenshot tools write. Opening with only these plugins keeps the
# other (rarely exercised) Pillow parsers away from files we did not create.
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
# Larger than three 6K displays side by side (18048x3384 = 61M), far below what
# would exhaust a laptop's memory once decoded (4 bytes a pixel).
MAX_IMAGE_PIXELS = 64 * 1024 * 1024
MAX_IMAGE_SIDE = 32_768

# OCR cost grows with pixels, and HiDPI captures draw text two or three times
# larger than needed. Shrinking the short side to 1440 turns 4K/5K/6K captures
# into their logical size while leaving 1080p, 1440p and side-by-side monitors
# (wide, not tall) untouched; the pixel cap bounds the time for anything else.
OCR_MAX_SHORT_SIDE = 1440
OCR_MAX_PIXELS = 12_000_000

# RapidOCR's memory is working memory, not weights (~30 MB): the text detector's activations
# grow with the pixels it sees, and the recogniser pads a batch of lines to the widest. On a
# 1080p frame a read peaked at ~700 MB with rapidocr's defaults (detection at full size, six
# lines a batch); detecting on the frame shrunk to 960 a side and recognising one line at a
# time (from the full-size crops) peaks near 300 MB, at the same speed on one thread and with
# the same words read (benchmarks/ocr.py, 13 and 16 px text).
RAPIDOCR_DET_MAX_SIDE = 960
RAPIDOCR_REC_BATCH = 1

ENGINE_NAMES = ("auto", "vision", "rapidocr", "tesseract")
DEFAULT_MIN_CONFIDENCE = 0.6


# -- loading and cropping ----------------------------------------------------------


def load_image(source: ImageSource) -> Image.Image:
    """The decoded screenshot; raises ImageError naming the file when it cannot be used."""
    name = _describe(source)
    with _open(source, name) as stream:
        if stream.seek(0, io.SEEK_END) == 0:
            raise ImageError(f"{name} is empty")
        stream.seek(0)
        try:
            image = Image.open(stream, formats=list(ACCEPTED_FORMATS))
            _check_size(image, name)
            image.load()  # decode now, so truncated or corrupt data fails here, not during OCR
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not a PNG, JPEG or WebP image") from None
        except Image.DecompressionBombError:
            raise ImageError(f"{name} declares an absurd size (over {MAX_IMAGE_PIXELS:,} pixels)") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            # Pillow reports damage with all of these, depending on the plugin and where it breaks.
            raise ImageError(f"{name} is damaged or truncated ({_one_line(exc)})") from None
    return image


def crop_to_window(image: Image.Image, bounds: Bounds | None) -> Image.Image:
    """The part of ``image`` inside ``bounds`` (left, top, width, height), clamped to the image.

    ``bounds`` are in the screenshot's pixels: on a HiDPI display multiply window
    coordinates given in points by the backing scale factor first. None means the
    whole image. A window entirely off the image raises InvalidInput rather than
    falling back to the whole screen, which would read other windows' text.
    """
    if bounds is None:
        return image
    left, top, width, height = (int(v) for v in bounds)
    if width <= 0 or height <= 0:
        raise InvalidInput(f"window bounds {tuple(bounds)} have no area (width and height must be > 0)")
    box = (max(left, 0), max(top, 0), min(left + width, image.width), min(top + height, image.height))
    if box[0] >= box[2] or box[1] >= box[3]:
        raise InvalidInput(
            f"window bounds {tuple(bounds)} lie outside the {image.width}x{image.height} screenshot"
        )
    if box == (0, 0, image.width, image.height):
        return image
    return image.crop(box)


def fit_for_ocr(image: Image.Image) -> Image.Image:
    """``image`` shrunk (never enlarged) so its short side and pixel count suit OCR."""
    width, height = image.size
    scale = min(1.0, OCR_MAX_SHORT_SIDE / min(width, height), math.sqrt(OCR_MAX_PIXELS / (width * height)))
    if scale >= 1.0:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap: a fast box pre-shrink, then Lanczos; keeps glyph edges crisp at a fraction of the cost.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` as RGB, transparent areas (window-capture shadows) laid on white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _describe(source: ImageSource) -> str:
    if isinstance(source, bytes | bytearray | memoryview):
        return f"the image data ({len(source):,} bytes)"
    return str(source)


@contextmanager
def _open(source: ImageSource, name: str) -> Iterator[BinaryIO]:
    """A binary stream over the screenshot; Pillow then reads only what it needs."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
        return
    try:
        stream = open(source, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise ImageError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise ImageError(f"{name} is a directory, not an image") from None
    except OSError as exc:
        raise ImageError(f"{name} cannot be read ({_one_line(exc.strerror or exc)})") from None
    with stream:
        yield stream


def _check_size(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(f"{name} has no pixels ({width}x{height})")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ImageError(
            f"{name} declares an absurd size ({width}x{height}); the limit is "
            f"{MAX_IMAGE_PIXELS:,} pixels and {MAX_IMAGE_SIDE:,} a side"
        )


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


# -- reading order -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of recognized text and its box in image pixels (top-left origin)."""

    text: str
    confidence: float  # 0..1
    left: float
    top: float
    right: float
    bottom: float


def reading_order(fragments: Iterable[Fragment], min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> str:
    """Confident fragments as lines, top-to-bottom, each line left-to-right, joined by newlines.

    A fragment joins the line above when its vertical centre falls inside that
    line's extent: screens have no skew, so this groups a row of labels or a
    sentence split into several boxes without any model of the layout.
    """
    kept = sorted(
        (f for f in fragments if f.confidence >= min_confidence and f.text.strip()),
        key=lambda f: (f.top, f.left),
    )
    lines: list[list[Fragment]] = []
    for fragment in kept:
        if lines and _on_line(lines[-1], fragment):
            lines[-1].append(fragment)
        else:
            lines.append([fragment])
    return "\n".join(
        " ".join(f.text.strip() for f in sorted(line, key=lambda f: f.left)) for line in lines
    )


def _on_line(line: Sequence[Fragment], fragment: Fragment) -> bool:
    centre = (fragment.top + fragment.bottom) / 2
    return min(f.top for f in line) <= centre <= max(f.bottom for f in line)


# -- engines -------------------------------------------------------------------------


@runtime_checkable
class OcrEngine(Protocol):
    """Reads the text of an image: lines in reading order joined by newlines."""

    name: str

    def read(self, image: Image.Image) -> str: ...


class RapidOcrEngine:
    """PaddleOCR models run by onnxruntime through rapidocr 3.x; the models ship in the wheel."""

    name = "rapidocr"

    def __init__(self, threads: int = 1, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        # A background service should leave the other cores to the user's foreground work; a
        # second thread cut latency little but cost ~40% more CPU a frame (benchmarks/ocr.py).
        self.threads = max(1, min(threads, os.cpu_count() or 1))
        self.min_confidence = min_confidence
        self._ocr: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        """Whether rapidocr and onnxruntime import (this loads them, about a second)."""
        try:
            importlib.import_module("onnxruntime")
            importlib.import_module("rapidocr.main")
        except (ImportError, OSError):  # OSError: a native library that fails to load
            return False
        return True

    def read(self, image: Image.Image) -> str:
        started = time.perf_counter()
        # One frame at a time: concurrent reads would multiply the service's CPU and memory use.
        with self._lock:
            if self._ocr is None:
                self._ocr = self._construct()  # once: the sessions hold ~30 MB of weights
            try:
                result = self._ocr(to_rgb(image))
            except Exception as exc:  # a third-party pipeline: surface any failure as one type
                raise OcrError(f"rapidocr failed on a {image.width}x{image.height} image: "
                               f"{type(exc).__name__}") from exc
            finally:
                release_free_memory()
        fragments = list(_rapidocr_fragments(result))
        text = reading_order(fragments, self.min_confidence)
        log.debug("ocr engine=rapidocr size=%dx%d fragments=%d chars=%d ms=%.0f",
                  image.width, image.height, len(fragments), len(text),
                  (time.perf_counter() - started) * 1000)
        return text

    def _construct(self) -> Any:
        try:
            from rapidocr import RapidOCR
        except (ImportError, OSError) as exc:
            raise OcrUnavailable(f"rapidocr cannot be imported ({_one_line(exc)}); "
                                 "fix: pip install 'rapidocr>=3,<4' onnxruntime") from exc
        _without_memory_patterns()
        ocr = RapidOCR(params={
            # rapidocr logs through its own stderr handler; keep a daemon's output quiet.
            "Global.log_level": "error",
            # Screen text is upright; the orientation classifier would only cost time.
            "Global.use_cls": False,
            # Confidence is filtered in reading_order, the same way for every engine.
            "Global.text_score": 0.0,
            # fit_for_ocr already bounded the size; do not let rapidocr shrink it again.
            "Global.max_side_len": MAX_IMAGE_SIDE,
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # No arena: freed tensors go back to malloc (and, trimmed, to the system).
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": RAPIDOCR_DET_MAX_SIDE,
            "Rec.rec_batch_num": RAPIDOCR_REC_BATCH,
        })
        _in_pieces(ocr)
        return ocr


def _in_pieces(ocr: Any) -> None:
    """Have rapidocr detect over strips and recognise long lines in pieces (ocr_strips.py).

    Both models are loaded here, once; if a later rapidocr moves the objects this relies on,
    the frame is read whole, as before.
    """
    try:
        from rapidocr.ch_ppocr_det.utils import TextDetOutput
        from rapidocr.ch_ppocr_rec.typings import TextRecInput

        from .ocr_strips import PieceRecognizer, StripDetector

        detector, recognizer = ocr._load_det_model(), ocr._load_rec_model()
        if not hasattr(detector, "limit_side_len"):
            return
    except (ImportError, AttributeError):
        return
    ocr.text_det = StripDetector(detector, RAPIDOCR_DET_MAX_SIDE, TextDetOutput)
    ocr.text_rec = PieceRecognizer(recognizer, TextRecInput)


def _without_memory_patterns() -> None:
    """Make rapidocr's onnxruntime sessions plan no memory pattern.

    A pattern pre-allocates one block sized for the largest input seen so far; with
    inputs that change shape on every frame it only keeps ~100 MB more at the peak.
    rapidocr exposes no setting for it, so its session-options builder is wrapped; if
    that builder moves in a later rapidocr, the sessions keep the default.
    """
    try:
        from rapidocr.inference_engine.onnxruntime import main as ort_main
    except ImportError:
        return
    session = getattr(ort_main, "OrtInferSession", None)
    build = getattr(session, "_init_sess_opts", None)
    if build is None or getattr(build, "_gumd_wrapped", False):
        return

    def init_sess_opts(cfg: Any) -> Any:
        opts = build(cfg)
        opts.enable_mem_pattern = False
        return opts

    init_sess_opts._gumd_wrapped = True  # type: ignore[attr-defined]
    session._init_sess_opts = staticmethod(init_sess_opts)  # type: ignore[union-attr]


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl): nothing to trim
        return None


def release_free_memory() -> None:
    """Give the heap's free pages back to the system after a read (glibc keeps them otherwise).

    A read frees a few hundred MB of tensors; glibc holds freed memory in its per-thread
    arenas, so a daemon that read one screenshot an hour ago would still show ~250 MB more RSS.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _rapidocr_fragments(result: Any) -> Iterable[Fragment]:
    boxes, txts, scores = (getattr(result, k, None) for k in ("boxes", "txts", "scores"))
    if boxes is None or txts is None or scores is None:
        return  # nothing detected
    for box, text, score in zip(boxes, txts, scores):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        yield Fragment(str(text), float(score), min(xs), min(ys), max(xs), max(ys))


class TesseractEngine:
    """The ``tesseract`` command-line program (Debian/Ubuntu: apt install tesseract-ocr)."""

    name = "tesseract"

    def __init__(self, languages: str = "eng", min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                 timeout_s: float = 60.0, binary: str = "tesseract") -> None:
        self.languages = languages
        self.min_confidence = min_confidence
        self.timeout_s = timeout_s
        self.binary = binary

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def read(self, image: Image.Image) -> str:
        executable = shutil.which(self.binary)
        if executable is None:
            raise OcrUnavailable(f"{self.binary} is not on PATH; fix: apt install tesseract-ocr "
                                 "(macOS: brew install tesseract)")
        buffer = io.BytesIO()
        to_rgb(image).save(buffer, format="PNG", compress_level=1)  # fast: it is decoded at once
        started = time.perf_counter()
        # --psm 3: automatic page segmentation; OMP_THREAD_LIMIT=1 keeps it to one core.
        command = [executable, "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv"]
        try:
            done = subprocess.run(command, input=buffer.getvalue(), capture_output=True,
                                  timeout=self.timeout_s, check=False,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except subprocess.TimeoutExpired:
            raise OcrError(f"tesseract took longer than {self.timeout_s:g} s") from None
        except OSError as exc:
            raise OcrUnavailable(f"tesseract cannot be run ({_one_line(exc)})") from exc
        if done.returncode != 0:
            detail = _one_line(done.stderr.decode("utf-8", "replace"))[:200]
            raise OcrError(f"tesseract exited with status {done.returncode}: {detail}")
        fragments = list(parse_tesseract_tsv(done.stdout.decode("utf-8", "replace")))
        text = reading_order(fragments, self.min_confidence)
        log.debug("ocr engine=tesseract size=%dx%d fragments=%d chars=%d ms=%.0f",
                  image.width, image.height, len(fragments), len(text),
                  (time.perf_counter() - started) * 1000)
        return text


def parse_tesseract_tsv(tsv: str) -> Iterable[Fragment]:
    """Word fragments from ``tesseract ... tsv`` output (confidence 0-100 scaled to 0-1)."""
    for row in tsv.splitlines()[1:]:  # the first line is the header
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5":  # level 5 rows are words
            continue
        try:
            left, top, width, height = (int(c) for c in cells[6:10])
            confidence = float(cells[10]) / 100.0
        except ValueError:
            continue
        if cells[11].strip():
            yield Fragment(cells[11], confidence, left, top, left + width, top + height)


class AppleVisionEngine:
    """macOS's Vision framework (VNRecognizeTextRequest) through pyobjc; runs on the Neural Engine."""

    name = "vision"

    def __init__(self, languages: Sequence[str] = ("en-US",), accurate: bool = True,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.languages = list(languages)
        self.accurate = accurate
        self.min_confidence = min_confidence

    @staticmethod
    def available() -> bool:
        if sys.platform != "darwin":
            return False
        try:
            importlib.import_module("Vision")
            importlib.import_module("Foundation")
        except ImportError:
            return False
        return True

    @staticmethod
    def unavailable_reason() -> str:
        if sys.platform != "darwin":
            return f"Apple Vision OCR needs macOS (this is {sys.platform}); use rapidocr or tesseract"
        return "Apple Vision OCR needs pyobjc's Vision bindings; fix: pip install pyobjc-framework-Vision"

    def read(self, image: Image.Image) -> str:
        if not self.available():
            raise OcrUnavailable(self.unavailable_reason())
        import objc

        started = time.perf_counter()
        # The daemon runs this in a loop off the main thread: without a pool the
        # Objective-C temporaries (image buffers included) are never released.
        with objc.autorelease_pool():
            fragments = self._recognize(image)
        text = reading_order(fragments, self.min_confidence)
        log.debug("ocr engine=vision size=%dx%d fragments=%d chars=%d ms=%.0f",
                  image.width, image.height, len(fragments), len(text),
                  (time.perf_counter() - started) * 1000)
        return text

    def _recognize(self, image: Image.Image) -> list[Fragment]:
        import Vision
        from Foundation import NSData

        buffer = io.BytesIO()
        to_rgb(image).save(buffer, format="PNG", compress_level=1)
        data = buffer.getvalue()
        handler = Vision.VNImageRequestHandler.alloc().initWithData_options_(
            NSData.dataWithBytes_length_(data, len(data)), None
        )
        request = Vision.VNRecognizeTextRequest.alloc().init()
        request.setRecognitionLevel_(
            Vision.VNRequestTextRecognitionLevelAccurate if self.accurate
            else Vision.VNRequestTextRecognitionLevelFast
        )
        request.setUsesLanguageCorrection_(self.accurate)
        request.setRecognitionLanguages_(self.languages)
        ok, error = handler.performRequests_error_([request], None)
        if not ok:
            reason = error.localizedDescription() if error is not None else "unknown error"
            raise OcrError(f"Apple Vision OCR failed: {_one_line(reason)}")
        return [f for f in (_vision_fragment(o, image.width, image.height)
                            for o in (request.results() or [])) if f is not None]


def _vision_fragment(observation: Any, width: int, height: int) -> Fragment | None:
    candidates = observation.topCandidates_(1)
    if not candidates:
        return None
    best = candidates[0]
    # Vision's boxes are normalized with the origin at the bottom left.
    box = observation.boundingBox()
    left = box.origin.x * width
    right = (box.origin.x + box.size.width) * width
    top = (1.0 - box.origin.y - box.size.height) * height
    bottom = (1.0 - box.origin.y) * height
    return Fragment(str(best.string()), float(best.confidence()), left, top, right, bottom)


# -- choosing an engine and reading a screenshot ---------------------------------------


def make_ocr(preferred: str = "auto") -> OcrEngine:
    """The OCR engine named ``preferred``; ``auto`` picks Apple Vision, then RapidOCR, then tesseract.

    Raises OcrUnavailable (with how to fix it) when the named engine, or for
    ``auto`` every engine, cannot run here.
    """
    choice = preferred.strip().lower()
    if choice == "vision":
        if not AppleVisionEngine.available():
            raise OcrUnavailable(AppleVisionEngine.unavailable_reason())
        return AppleVisionEngine()
    if choice == "rapidocr":
        if not RapidOcrEngine.available():
            raise OcrUnavailable("rapidocr or onnxruntime is not installed; "
                                 "fix: pip install 'rapidocr>=3,<4' onnxruntime")
        return RapidOcrEngine()
    if choice == "tesseract":
        engine = TesseractEngine()
        if not engine.available():
            raise OcrUnavailable("tesseract is not on PATH; fix: apt install tesseract-ocr "
                                 "(macOS: brew install tesseract)")
        return engine
    if choice == "auto":
        return _auto()
    raise OcrUnavailable(f"unknown OCR engine {preferred!r}; choose one of {', '.join(ENGINE_NAMES)}")


def _auto() -> OcrEngine:
    if AppleVisionEngine.available():
        return AppleVisionEngine()
    if RapidOcrEngine.available():
        return RapidOcrEngine()
    tesseract = TesseractEngine()
    if tesseract.available():
        return tesseract
    raise OcrUnavailable("no OCR engine is available; fix: pip install 'rapidocr>=3,<4' onnxruntime")


@lru_cache(maxsize=1)
def default_ocr() -> OcrEngine:
    """The ``auto`` engine, built once per process so its models load once."""
    return make_ocr("auto")


def read_screenshot(source: ImageSource, bounds: Bounds | None = None,
                    engine: OcrEngine | None = None) -> str:
    """The text of a screenshot (or of the window at ``bounds`` in it), lines in reading order."""
    engine = engine or default_ocr()
    read_source = getattr(engine, "read_source", None)
    if read_source is not None:  # an engine in another process decodes the file itself
        return str(read_source(source, bounds))
    return engine.read(fit_for_ocr(crop_to_window(load_image(source), bounds)))
