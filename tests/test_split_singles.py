"""Single digits the touching-digit cutter split into two tall pieces read surely (a flat 2 read
"62", a 6 lying on its side "67"), kept whole; touching pairs still read as two
(`touching.SMALL_REGION_AREA`, `touching.SHORT_REGION_HEIGHT`)."""

import cv2
import numpy as np
import pytest

from runtime.reading.reader import PageReader
from runtime.reading.segment import DigitCandidate
from runtime.reading.touching import SHORT_REGION_HEIGHT, SMALL_REGION_AREA, WHOLE_AS_DIGIT, choose_reading


def _halves(region: DigitCandidate) -> list[DigitCandidate]:
    x, y, width, height = region.bbox
    half = width // 2
    return [DigitCandidate((x, y, half, height), region.ink[:, :half]),
            DigitCandidate((x + half, y, width - half, height), region.ink[:, half:])]


def _read(region: DigitCandidate, whole: tuple[int, float], pieces: list[tuple[int, float]],
          page_width: float, page_height: float) -> int:
    labels = [np.array([label for label, _ in pieces])]
    confidences = [np.array([confidence for _, confidence in pieces])]
    return choose_reading(region, [_halves(region)], whole[1], confidences, None, page_width, whole[0],
                          labels, page_height)


def _blocks(width: int = 64, height: int = 40) -> DigitCandidate:
    """Two blocks of ink joined at the bottom: a cut down the middle crosses one stroke."""
    ink = np.zeros((height, width), np.uint8)
    ink[:, 3:width // 2 - 1] = 255
    ink[:, width // 2 + 1:width - 3] = 255
    ink[height - 2, :] = 255
    return DigitCandidate((10, 10, width, height), ink)


def test_a_doubted_region_no_bigger_than_the_page_digit_needs_sure_pieces_to_be_cut():
    """A flat 2 read "62": the whole doubted, the halves at 0.95. On a page whose digits are about
    as big as the region, the whole stays, as a digit even where the model calls it none; pieces
    read surely are still a pair, and so are the same pieces where the page's digits are far
    smaller."""
    region = _blocks()
    page_width, page_height = 60.0, 40.0  # the region's box: 1.07 times the page digit's
    assert 64 * 40 < SMALL_REGION_AREA * page_width * page_height
    assert _read(region, (2, 0.3), [(6, 0.95), (2, 0.95)], page_width, page_height) == WHOLE_AS_DIGIT
    # A mark no piece of which reads as a digit stays as the model reads it.
    assert _read(region, (0, 0.0), [(7, 0.01), (5, 0.01)], page_width, page_height) == -1
    assert _read(region, (2, 0.3), [(1, 0.99), (4, 0.99)], page_width, page_height) == 0
    assert _read(region, (2, 0.3), [(6, 0.95), (2, 0.95)], 36.0, 30.0) == 0


def _ring(width: int = 64, height: int = 30) -> DigitCandidate:
    """A loop lying flat: a cut down its middle crosses its top and its bottom stroke."""
    ink = np.zeros((height, width), np.uint8)
    ink[2:6, 4:60] = ink[height - 6:height - 2, 4:60] = 255
    ink[2:height - 2, 4:9] = ink[2:height - 2, 55:60] = 255
    return DigitCandidate((10, 10, width, height), ink)


def test_a_short_region_cut_through_two_strokes_is_no_pair():
    """A 6 lying on its side, read 6 surely, cut through its loop into "67": each half reads
    surely, one as the whole did, and the region is wide for the page. Shorter than the page's
    digits, it is one digit written flat; as tall as them, or meeting the other half at one
    stroke, it is still a pair."""
    region = _ring()
    page_width = 64 / 1.5  # wide for the page even read surely (`WIDE_SURE_PAIR_RATIO`)
    short_page = 30 / (SHORT_REGION_HEIGHT - 0.1)  # the page's digits taller than the region
    sure = [(6, 0.996), (7, 0.996)]
    assert _read(region, (6, 0.996), sure, page_width, short_page) == -1
    assert _read(region, (6, 0.996), sure, page_width, 30.0) == 0
    region.ink[24:28, 20:44] = 0  # the halves meet at the top stroke alone
    assert _read(region, (6, 0.996), sure, page_width, short_page) == 0


def _development_page(tmp_path, seed: int, index: int, degrade: str, touch_rate: float = 0.0):
    """Development worksheet `index` of `seed` (MNIST validation digits), saved and loaded back
    as the benchmark's pages are: the picture and its truth."""
    from benchmarks.layout import LayoutOptions
    from benchmarks.worksheets import WorksheetOptions, _validation_bank, make_worksheet, save_image
    from train.data import DatasetError

    try:
        bank = _validation_bank()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    options = WorksheetOptions(degrade=degrade, layout=LayoutOptions(touch_rate=touch_rate))
    sheet = make_worksheet(bank, np.random.default_rng([seed, index]), options)
    path = tmp_path / ("page.png" if sheet.jpeg_quality is None else "page.jpg")
    save_image(path, sheet.image, sheet.jpeg_quality)
    return cv2.imread(str(path)), sheet.truth


def _read_at(digits, truth, points: list[tuple[int, int]]) -> tuple[str, str]:
    """The true digits whose boxes hold any of `points`, and every digit read whose centre lies
    in their joined box, each left to right."""
    boxes = [(d.bbox, d.digit) for line in truth.lines for d in line.digits]
    held = [(box, label) for box, label in boxes
            if any(box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3] for x, y in points)]
    assert held, f"no true digit at {points}"
    left = min(box[0] for box, _ in held)
    top = min(box[1] for box, _ in held)
    right = max(box[0] + box[2] for box, _ in held)
    bottom = max(box[1] + box[3] for box, _ in held)
    read = sorted((d for d in digits if left <= d.bbox[0] + d.bbox[2] / 2 <= right
                   and top <= d.bbox[1] + d.bbox[3] / 2 <= bottom), key=lambda d: d.bbox[0])
    return "".join(label for _, label in sorted(held)), "".join(d.digit for d in read)


@pytest.mark.parametrize("seed, index, points, degrade, touch_rate, expected", [
    (401, 30, [(775, 1231)], "none", 0.0, "6"),  # a 6 lying on its side, read "67" before (`wide_pair`)
    (401, 3, [(310, 815)], "none", 0.0, "2"),  # a flat 2, read "62" before (on evidence)
    (203, 9, [(495, 998), (520, 998)], "mixed", 0.3, "14"),  # touching, as big as the page's digits
])
def test_development_pages_read_wide_singles_as_one_and_touching_pairs_as_two(
        default_classifier, tmp_path, seed, index, points, degrade, touch_rate, expected):
    image, truth = _development_page(tmp_path, seed, index, degrade, touch_rate)
    digits = [d for line in PageReader(default_classifier).read(image).lines for d in line.digits]
    true, read = _read_at(digits, truth, points)
    assert true == expected
    assert read == expected
