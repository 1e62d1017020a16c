"""RapidOCR in bounded pieces: the text detector over horizontal strips, the recogniser over
lines cut at word gaps.

An onnxruntime model's working memory grows with the size of its input. Read whole, a 1600x900
frame needed ~70 MB more for the detector (the frame at 960 a side) and ~90 MB more for the
recogniser on a line that spans the screen (a 1,600 px line is ~4,800 px wide once scaled to
the recogniser's 48 px height). In pieces, the detector sees a strip of ~290 rows at a time and
the recogniser a piece of at most ``MAX_LINE_RATIO`` times its height, so the peak no longer
depends on the screen's size or its longest line: benchmarks/ocr.py measures both.

Both wrappers stand in for rapidocr's own detector and recogniser objects and hand everything
else to them, so the pipeline around them (crops, scores, the output) is rapidocr's.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

#: rows of the detector's (already shrunk) input in one strip, and how far strips overlap;
#: a line up to half the overlap tall (~80 px on a 1600-wide frame) is seen whole by the
#: strip that keeps it
STRIP_ROWS = 192
OVERLAP_ROWS = 64
#: the widest piece of a line handed to the recogniser, as a multiple of its height
MAX_LINE_RATIO = 12.0
#: how far a pixel's grey level must be from the line's background to count as ink
INK_CONTRAST = 48


class StripDetector:
    """rapidocr's text detector, run on overlapping horizontal strips of a frame at the scale
    it would have used for the whole frame; each line is kept by the one strip whose middle
    band holds its centre."""

    def __init__(self, detector: Any, max_side: int, output_type: Any) -> None:
        self._det = detector
        self._max_side = max_side
        self._output_type = output_type
        make = getattr(detector, "get_preprocess", None)
        if make is not None:
            detector.get_preprocess = lambda: LeanDetPreProcess(make())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._det, name)

    def __call__(self, img: np.ndarray) -> Any:
        h, w = img.shape[:2]
        ratio = min(1.0, self._max_side / max(h, w))
        strip = max(32, int(STRIP_ROWS / ratio))
        overlap = int(OVERLAP_ROWS / ratio)
        if h <= strip:
            return self._det(img)
        boxes: list[np.ndarray] = []
        scores: list[float] = []
        saved = self._det.limit_side_len
        try:
            top = 0
            while True:
                bottom = min(h, top + strip)
                piece = img[top:bottom]
                # the whole frame's scale, whichever side of the strip is longer
                self._det.limit_side_len = max(32, round(ratio * max(bottom - top, w)))
                found = self._det(np.ascontiguousarray(piece))
                keep_from = top + overlap / 2 if top else 0
                keep_to = bottom - overlap / 2 if bottom < h else h
                if found.boxes is not None:
                    for box, score in zip(found.boxes, found.scores or [1.0] * len(found.boxes)):
                        box = np.asarray(box, dtype=np.float32).copy()
                        box[:, 1] += top
                        centre = float(box[:, 1].mean())
                        if keep_from <= centre < keep_to:
                            boxes.append(box)
                            scores.append(float(score))
                del found, piece
                if bottom >= h:
                    break
                top = bottom - overlap
        finally:
            self._det.limit_side_len = saved
        if not boxes:
            return self._output_type()
        order = sorted(range(len(boxes)), key=lambda i: (float(boxes[i][0][1]), float(boxes[i][0][0])))
        return self._output_type(img, np.stack([boxes[i] for i in order]), [scores[i] for i in order])


def line_pieces(img: np.ndarray, max_ratio: float = MAX_LINE_RATIO) -> list[np.ndarray]:
    """A line image cut into pieces at most ``max_ratio`` times its height wide, each cut in the
    widest gap without ink near where a piece would end (a space between words); a line with
    no gap there is cut where the piece must end."""
    h, w = img.shape[:2]
    limit = max(1, int(max_ratio * max(h, 1)))
    if w <= limit:
        return [img]
    grey = img.mean(axis=2) if img.ndim == 3 else img.astype(np.float32)
    background = float(np.median(grey))
    inked = (np.abs(grey - background) > INK_CONTRAST).any(axis=0)
    pieces: list[np.ndarray] = []
    start = 0
    while w - start > limit:
        lo, hi = start + limit // 2, start + limit
        cut = _widest_gap_middle(inked[lo:hi])
        cut = lo + cut if cut is not None else hi
        pieces.append(img[:, start:cut])
        start = cut
    pieces.append(img[:, start:])
    return pieces


def _widest_gap_middle(inked: np.ndarray) -> int | None:
    best_len, best_mid, run_start = 0, None, None
    for i, ink in enumerate([*inked.tolist(), True]):
        if not ink and run_start is None:
            run_start = i
        elif ink and run_start is not None:
            if i - run_start > best_len:
                best_len, best_mid = i - run_start, (run_start + i) // 2
            run_start = None
    return best_mid if best_len >= 2 else None


class PieceRecognizer:
    """rapidocr's recogniser, given one piece of a line at a time (``line_pieces``), answering
    for each line with its pieces' texts joined by a space and their length-weighted score.

    One call a piece, not one for all: inside one call rapidocr keeps every line's working
    memory until the last (~45 MB more for a screen of 40 lines, against ~25 MB for the
    largest piece alone).
    """

    def __init__(self, recognizer: Any, input_type: Any, max_ratio: float = MAX_LINE_RATIO) -> None:
        self._rec = recognizer
        self._input_type = input_type
        self._max_ratio = max_ratio

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rec, name)

    def __call__(self, args: Any) -> Any:
        images = [args.img] if isinstance(args.img, np.ndarray) else list(args.img or ())
        if not images or args.return_word_box:
            return self._rec(args)
        texts: list[str] = []
        scores: list[float] = []
        out: Any = None
        started = time.perf_counter()
        for image in images:
            parts: list[tuple[str, float]] = []
            for piece in line_pieces(image, self._max_ratio):
                out = self._rec(self._input_type(img=[piece], return_word_box=False))
                text = (out.txts or ("",))[0].strip()
                if text:
                    parts.append((text, float((out.scores or (0.0,))[0])))
            texts.append(" ".join(t for t, _ in parts))
            size = sum(len(t) for t, _ in parts)
            scores.append(sum(sc * len(t) for t, sc in parts) / size if size else 0.0)
        out.imgs = images
        out.txts = tuple(texts)
        out.scores = tuple(scores)
        out.word_results = tuple(None for _ in images)
        out.elapse = time.perf_counter() - started
        return out


class LeanDetPreProcess:
    """rapidocr's detector input (resized to a multiple of 32, normalised, channels first) made
    in float32 throughout: its own normalising goes through float64 and keeps three copies of
    the frame at once, a third of the detector's peak."""

    def __init__(self, original: Any) -> None:
        self._original = original
        self._mean = np.asarray(original.mean, dtype=np.float32)
        self._std = np.asarray(original.std, dtype=np.float32)
        self._scale = np.float32(original.scale)

    def __call__(self, img: np.ndarray) -> np.ndarray | None:
        resized = self._original.resize(img)
        if resized is None:
            return None
        x = resized.astype(np.float32)
        del resized
        x *= self._scale
        x -= self._mean
        x /= self._std
        return np.ascontiguousarray(x.transpose((2, 0, 1)))[np.newaxis]
