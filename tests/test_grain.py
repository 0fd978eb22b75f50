"""Digits read from a desk's wood grain are dropped; pen digits, even faint in a shadow, are kept.

Where no sheet is found on a desk the picture is read whole, and the grain's streaks read as
phantom 1s (`runtime.reading.grain`). The page is a development worksheet of its own seed
(`benchmarks.sheet_on_surface --digits validation --seed 302`), never a benchmark seed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks import surfaces
from benchmarks.worksheets import WorksheetOptions
from runtime.reading.grain import drop_grain
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.results import Digit, Line, Number


def _desk_with_paper() -> np.ndarray:
    """A grey picture: a wooden desk on its left half, paper on its right, the paper's lower
    half in a hand's shadow (0.6 of the paper's grey)."""
    desk = np.clip(surfaces.wood(800, 600, np.random.default_rng(4)), 0, 255).astype(np.uint8)
    picture = cv2.cvtColor(desk, cv2.COLOR_BGR2GRAY)
    picture[:, 400:] = 240
    picture[300:, 400:] = 144
    return picture


def test_a_digit_read_from_the_grain_is_dropped_and_pen_digits_kept():
    picture = _desk_with_paper()
    cv2.putText(picture, "7", (500, 150), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 40, 6)  # pen on paper
    cv2.putText(picture, "4", (500, 450), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 86, 6)  # faint, in the shadow
    grain = Digit("1", 0.99, (150, 250, 14, 50))  # a stretch of the desk
    pen = Digit("7", 0.99, (500, 105, 40, 46))
    shaded = Digit("4", 0.99, (500, 405, 44, 46))
    lines = [Line([Number([grain]), Number([pen])]), Line([Number([shaded])])]
    kept = drop_grain(lines, picture)
    assert [[number.text for number in line.numbers] for line in kept] == [["7"], ["4"]]


def test_a_line_of_grain_alone_is_dropped_whole():
    picture = _desk_with_paper()
    lines = [Line([Number([Digit("1", 0.9, (100, 100, 12, 48)), Digit("1", 0.9, (150, 100, 12, 48))])])]
    assert drop_grain(lines, picture) == []


def test_grain_phantoms_on_a_desk_read_whole_are_dropped(default_classifier):
    """Development page 3 of seed 302 (230 MNIST validation digits) on a desk, read whole (the
    sheet finder off, as where it finds no sheet): the grain gave 12 phantom 1s and 6s (16 digits
    read beyond the 226 right); 3 are left (7 beyond), and every digit read right still is."""
    from benchmarks.sheet_on_surface import make_sheet_photo
    from benchmarks.worksheets import _validation_bank
    from train.data import DatasetError

    try:
        bank = _validation_bank()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    _, picture, truth, surface, _, _ = make_sheet_photo(bank, 302, 3, "mixed", (0.5, 0.7), WorksheetOptions())
    true = truth.digits
    assert surface == "desk" and len(true) == 230
    read = PageReader(default_classifier, ReaderOptions(find_sheet=False)).read(picture).digits
    right = _read_right(true, read)
    assert right >= 224
    assert len(read) - right <= 8


def _read_right(true, read) -> int:
    from benchmarks.metrics import match_boxes

    pairs = match_boxes([d.bbox for d in true], [d.bbox for d in read])
    return sum(true[t].digit == read[r].digit for t, r in pairs)
