"""Digits read from a desk's wood grain are dropped; pen digits, even faint in a shadow, are kept.

Where no sheet is found on a desk the picture is read whole, and the grain's streaks read as
phantom 1s (`runtime.reading.grain`). The page is a development worksheet of its own seed
(`benchmarks.sheet_on_surface --digits validation --seed 302`), never a benchmark seed.
"""

from __future__ import annotations

import cv2
import numpy as np
from development_pages import validation_bank

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
    """Of three "1"s, the one read from the desk's streaks goes; one written on the paper and one
    written faintly in the shadow (its ground 0.6 of the paper, its stroke 0.6 of its ground)
    stay. Other labels are never taken for a streak."""
    picture = _desk_with_paper()
    pen = Digit("1", 0.99, _write_one(picture, (500, 150), 40))
    shaded = Digit("1", 0.99, _write_one(picture, (500, 450), 86))
    grain = Digit("1", 0.99, (150, 250, 14, 50))  # a stretch of the desk
    seven = Digit("7", 0.99, (150, 100, 14, 50))
    lines = [Line([Number([grain]), Number([pen])]), Line([Number([shaded]), Number([seven])])]
    kept = drop_grain(lines, picture)
    assert [[number.text for number in line.numbers] for line in kept] == [["1"], ["1", "7"]]
    assert kept[0].digits[0] is pen and kept[1].digits[0] is shaded


def _write_one(picture: np.ndarray, at: tuple[int, int], grey: int) -> tuple[int, int, int, int]:
    """Write a "1" in `grey` at `at` (its foot) on `picture`; its box."""
    before = picture.copy()
    cv2.putText(picture, "1", at, cv2.FONT_HERSHEY_SIMPLEX, 2.0, grey, 6)
    ys, xs = np.nonzero(picture != before)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_a_line_of_grain_alone_is_dropped_whole():
    picture = _desk_with_paper()
    lines = [Line([Number([Digit("1", 0.9, (100, 100, 12, 48)), Digit("1", 0.9, (150, 100, 12, 48))])])]
    assert drop_grain(lines, picture) == []


def test_grain_phantoms_on_a_desk_read_whole_are_dropped(default_classifier):
    """Development page 3 of seed 302 (230 MNIST validation digits) on a desk, read whole (the
    sheet finder off, as where it finds no sheet): the grain gave 12 phantom 1s and 6s (16 digits
    read beyond the 226 right); 3 are left (7 beyond), and every digit read right still is."""
    from benchmarks.sheet_on_surface import make_sheet_photo

    bank = validation_bank()
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


def _ring_is_dark_by_integral(gray: np.ndarray, bbox) -> bool:
    """The look's test as first written: the ring's mean from an integral image of the sample."""
    from runtime.reading.grain import LOOK_GROUND_SHARE, LOOK_SIDE_PX, PAPER_SHARE, RING_SHARE

    step = max(1, max(gray.shape) // LOOK_SIDE_PX)
    small = np.ascontiguousarray(gray[::step, ::step])
    counts = cv2.calcHist([small], [0], None, [256], [0, 256]).ravel().cumsum()
    paper = float(np.searchsorted(counts, PAPER_SHARE * counts[-1]))
    sums = cv2.integral(small, sdepth=cv2.CV_64F)
    x, y, w, h = np.array([bbox], float).T
    reach = RING_SHARE * h

    def box_sum(left, top, right, bottom):
        rows, cols = sums.shape[0] - 1, sums.shape[1] - 1
        x0, x1 = (np.clip(np.round(v / step), 0, cols).astype(int) for v in (left, right))
        y0, y1 = (np.clip(np.round(v / step), 0, rows).astype(int) for v in (top, bottom))
        return sums[y1, x1] - sums[y0, x1] - sums[y1, x0] + sums[y0, x0], (x1 - x0) * (y1 - y0)

    outer_sum, outer_count = box_sum(x - reach, y - reach, x + w + reach, y + h + reach)
    inner_sum, inner_count = box_sum(x, y, x + w, y + h)
    count = outer_count - inner_count
    mean = (outer_sum - inner_sum) / np.maximum(count, 1)
    return bool(((count > 0) & (mean < LOOK_GROUND_SHARE * paper))[0])


def test_the_look_at_a_rings_grey_is_the_integral_images():
    # The ring's mean is summed from the sample's pixels in its box, not from an integral image
    # of the whole sample: the same whole sums, the same decision, box for box (edges included).
    from runtime.reading.grain import _Look

    rng = np.random.default_rng(5)
    for shape in ((480, 640), (240, 320), (2339, 1654), (90, 130)):
        gray = rng.integers(0, 256, shape).astype(np.uint8)
        gray[: shape[0] // 2] //= 3  # a dark half, so both answers occur
        look = _Look(gray)
        answers = set()
        for _ in range(300):
            w, h = int(rng.integers(1, 80)), int(rng.integers(1, 120))
            x, y = int(rng.integers(-20, shape[1])), int(rng.integers(-20, shape[0]))
            assert look.off_paper((x, y, w, h)) == _ring_is_dark_by_integral(gray, (x, y, w, h))
            answers.add(look.off_paper((x, y, w, h)))
        assert answers == {True, False}
