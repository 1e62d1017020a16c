"""OCR benchmark: seconds per 1080p screenshot, whole screen vs the active window, per engine."""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from propositions.screen import OcrEngine, RapidOcrEngine, make_ocr, read_screenshot

SCREEN = (1920, 1080)
WINDOW = (560, 240, 800, 600)  # left, top, width, height: the active window
# Side windows that do not overlap the active one, so every word drawn stays visible.
SIDE_WINDOWS = ((16, 60, 528, 950), (1376, 60, 528, 950))
WORDS = (
    "meeting budget invoice project review deadline design draft report customer release "
    "issue branch commit deploy server query table chart quarter revenue travel flight hotel "
    "dinner recipe garden tomato weekend family school homework lecture paper thesis notes "
    "email calendar reminder contract proposal feedback update status team sprint ticket"
).split()


@dataclass
class Frame:
    png: bytes
    window_words: list[str]  # what was drawn inside WINDOW
    all_words: list[str]  # everything drawn


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # Pillow >= 10.1: a scalable bundled font


def _line(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _fill(draw: ImageDraw.ImageDraw, rng: random.Random, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
          box: tuple[int, int, int, int], pitch: int, words_per_line: int) -> list[str]:
    """Lines of text filling ``box`` (left, top, width, height); returns the words drawn."""
    left, top, width, height = box
    drawn: list[str] = []
    y = top + 50
    while y + pitch < top + height:
        text = _line(rng, words_per_line)
        while draw.textlength(text, font=font) > width - 60:  # keep each line inside its window
            text = text.rsplit(" ", 1)[0]
        draw.text((left + 30, y), text, fill=(25, 25, 25), font=font)
        drawn += text.lower().split()
        y += pitch
    return drawn


def _window(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
            box: tuple[int, int, int, int], title: str) -> None:
    left, top, width, height = box
    draw.rectangle((left, top, left + width - 1, top + height - 1), fill="white", outline=(150, 150, 150))
    draw.rectangle((left + 1, top + 1, left + width - 2, top + 34), fill=(226, 226, 229))
    draw.text((left + 80, top + 8), title, fill=(40, 40, 40), font=font)


def make_frame(font_size: int, seed: int = 7) -> Frame:
    """A busy 1080p desktop: menu bar, two text-heavy side windows, the active window, a dock."""
    rng = random.Random(seed)
    font = _font(font_size)
    pitch = round(font_size * 1.6)
    image = Image.new("RGB", SCREEN, (60, 70, 88))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SCREEN[0], 28), fill=(236, 236, 238))
    menu = "Finder File Edit View Go Window Help"
    draw.text((16, 5), menu, fill=(20, 20, 20), font=font)
    behind: list[str] = []
    for box, title in zip(SIDE_WINDOWS, ("Browser", "Chat")):
        _window(draw, font, box, title)
        behind += _fill(draw, rng, font, box, pitch, 8)
    _window(draw, font, WINDOW, "Editor")
    active = _fill(draw, rng, font, WINDOW, pitch, 12)
    dock = "Mail Calendar Notes Music Terminal Settings"
    draw.rectangle((560, 1030, 1360, 1076), fill=(200, 200, 205))
    draw.text((580, 1042), dock, fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Frame(buffer.getvalue(), active, (menu + " " + dock).lower().split() + behind + active)


def _recall(expected: Sequence[str], text: str) -> float:
    got = set(re.findall(r"[a-z0-9]+", text.lower()))
    return sum(w in got for w in expected) / max(1, len(expected))


def _cpu_seconds() -> float:
    """CPU time of this process's threads and of its finished children (tesseract runs as one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _time(fn: Callable[[], str], runs: int) -> tuple[list[float], list[float], str]:
    """Wall seconds and CPU seconds of each run, and the last text."""
    wall, cpu, text = [], [], ""
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        text = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - cpu_started)
    return wall, cpu, text


def bench(engine: OcrEngine, label: str, frame: Frame, runs: int) -> None:
    started = time.perf_counter()
    read_screenshot(frame.png, bounds=WINDOW, engine=engine)  # loads the models
    first = time.perf_counter() - started
    print(f"\n== {label} ==")
    print(f"  first call, models loading (window crop): {first:6.2f} s")
    for name, bounds, expected in (("full screen 1920x1080", None, frame.all_words),
                                   (f"window {WINDOW[2]}x{WINDOW[3]}", WINDOW, frame.window_words)):
        wall, cpu, text = _time(lambda: read_screenshot(frame.png, bounds=bounds, engine=engine), runs)
        print(f"  {name:<22} wall median {statistics.median(wall):6.2f} s (min {min(wall):.2f}, "
              f"max {max(wall):.2f}), CPU median {statistics.median(cpu):6.2f} s; {runs} runs, "
              f"{len(text.splitlines())} lines, word recall {_recall(expected, text):.0%}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (median reported)")
    parser.add_argument("--engine", default="rapidocr", help="auto | rapidocr | tesseract | vision")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="rapidocr intra-op threads; several values compare them")
    parser.add_argument("--font-size", type=int, default=16, help="text height in pixels (UI text: 13-16)")
    args = parser.parse_args(argv)

    frame = make_frame(args.font_size)
    print(f"ocr benchmark: {platform.platform()}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f} (timings are only comparable on an idle machine)")
    print(f"frame: {SCREEN[0]}x{SCREEN[1]} PNG ({len(frame.png):,} bytes), {args.font_size}px text, "
          f"{len(frame.all_words)} words drawn, {len(frame.window_words)} in the active window")
    if args.engine == "rapidocr":
        for threads in args.threads:
            bench(RapidOcrEngine(threads=threads), f"rapidocr, {threads} intra-op thread(s)", frame, args.runs)
    else:
        engine = make_ocr(args.engine)
        bench(engine, engine.name, frame, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
