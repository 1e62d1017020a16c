"""RapidOCR in bounded pieces (propositions/ocr_strips.py): every line read once, whatever strip
or piece it falls in."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

from propositions.ocr_strips import line_pieces


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if not features.check("freetype2"):
        pytest.skip("Pillow was built without FreeType")
    return ImageFont.load_default(size=size)


def _line(text: str, size: int = 16) -> np.ndarray:
    font = _font(size)
    width = int(font.getlength(text)) + 8
    image = Image.new("RGB", (width, size + 8), "white")
    ImageDraw.Draw(image).text((4, 2), text, fill="black", font=font)
    return np.asarray(image)


def test_a_long_line_is_cut_between_words_into_bounded_pieces() -> None:
    img = _line("the quarterly invoice review with the finance team and the notes " * 4)
    h, w = img.shape[:2]
    pieces = line_pieces(img, max_ratio=12)
    assert len(pieces) >= w // (12 * h)
    assert all(p.shape[1] <= 12 * h for p in pieces)
    assert np.array_equal(np.concatenate(pieces, axis=1), img)  # nothing lost, nothing twice
    # every cut falls where no letter is: a column without ink on both sides of it
    ink = (np.abs(img.mean(axis=2) - 255) > 48).any(axis=0)
    cut = 0
    for piece in pieces[:-1]:
        cut += piece.shape[1]
        assert not ink[cut - 1] and not ink[cut]


def test_a_short_line_and_a_line_without_gaps_stay_readable() -> None:
    short = _line("Invoice 2291")
    assert len(line_pieces(short, max_ratio=12)) == 1
    solid = np.zeros((20, 1000, 3), dtype=np.uint8)
    solid[::2] = 255  # ink in every column, no gap anywhere: cut where a piece must end
    pieces = line_pieces(solid, max_ratio=12)
    assert [p.shape[1] for p in pieces] == [240, 240, 240, 240, 40]


@pytest.mark.slow
def test_every_line_of_a_screen_is_read_once_across_strips() -> None:
    from propositions.screen import RapidOcrEngine

    font = _font(15)
    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    # a line every 23 px from top to bottom: some fall on every strip's edges
    rows = list(range(38))
    for row in rows:
        draw.text((20, 8 + 23 * row), f"row {row} of the quarterly invoice review with the finance "
                  f"team and the notes for the meeting on Thursday, entry {row}", fill="black",
                  font=font)
    text = RapidOcrEngine().read(image)
    found = [int(n) for n in re.findall(r"\brow (\d+)\b", text)]
    assert sorted(found) == rows, text
    entries = [int(n) for n in re.findall(r"\bentry (\d+)\b", text)]
    assert sorted(entries) == rows, text  # the line's far end, read in a piece of its own
