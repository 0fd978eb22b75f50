"""Pages stored sideways read as they do upright.

A page stored turned is segmented as it stands before the orientation vote turns it: whatever
segmentation assumes of upright pages must hold for lines running down the page too, or the
vote has nothing to read. The pages are development worksheets of MNIST validation digits
(`benchmarks.worksheets --degrade mixed --turned-rate 1 --digits validation`), never a
benchmark seed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from runtime.reading.evidence import drop_texture
from runtime.reading.reader import PageReader


def _turned_page(tmp_path, seed: int, index: int, size: tuple[int, int] = (1240, 1754)):
    """Development page `index` of `seed` (`size`, mixed capture, stored turned), saved and
    loaded back as the benchmark's pages are: the picture and its truth."""
    from benchmarks.worksheets import WorksheetOptions, _validation_bank, make_worksheet, save_image
    from train.data import DatasetError

    try:
        bank = _validation_bank()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    sheet = make_worksheet(bank, np.random.default_rng([seed, index]), WorksheetOptions(size=size, degrade="mixed", turned_rate=1.0))
    path = tmp_path / ("page.png" if sheet.jpeg_quality is None else "page.jpg")
    save_image(path, sheet.image, sheet.jpeg_quality)
    return cv2.imread(str(path)), sheet.truth


def test_small_digits_in_lines_down_the_page_are_not_texture():
    """Small regions scattered like grain are texture; in lines they are digits, and on a page
    stored sideways the lines run down it."""
    rng = np.random.default_rng(3)
    along = [(40 + 24 * k + int(rng.integers(0, 3)), 100 + 60 * row, 12, 17)
             for row in range(6) for k in range(5)]
    down = [(y, x, h, w) for x, y, w, h in along]
    assert all(drop_texture(along, 12.4))
    assert all(drop_texture(down, 12.4))
    scattered = [(int(x), int(y), 12, 17) for x, y in rng.integers(0, 1200, (30, 2))]
    assert not any(drop_texture(scattered, 12.4))  # grain-sized and scattered: still texture


def test_a_photographed_form_stored_sideways_is_turned_and_read(default_classifier, tmp_path):
    """A photographed form of 18 px digits in comb boxes, stored sideways (seed 210, page 10:
    92 digits; upright it reads 90 right). Sideways, its regions lie in lines running down the
    page, which the texture test did not count: 5 of 80 regions stayed, the turn that found 91
    was refused as one that multiplies candidates, and the page read no digit."""
    picture, truth = _turned_page(tmp_path, 210, 10)
    result = PageReader(default_classifier).read(picture)
    read, right = len(result.digits), _digits_right(result, truth)
    assert result.rotation_deg == truth.rotation_deg == 270
    assert right >= 85
    assert read - right <= 4


def test_a_small_heavy_photo_stored_upside_down_is_turned_over(default_classifier, tmp_path):
    """A 640x480 heavy photo of a form stored upside down (seed 232, page 25: 71 digits; upright
    it reads 58 right). All its largest crops voted it over by 19, but most read "not a digit"
    as given, and those that read as digits, the ones that look upright either way up, voted
    it upright by 1: taken for letters read as digits upside down, it was read as given, 3
    digits right. Turned over it is a page of digits (0.60 of its crops "not a digit" as
    given, 0.05 turned over), and is kept so."""
    picture, truth = _turned_page(tmp_path, 232, 25, size=(640, 480))
    result = PageReader(default_classifier).read(picture)
    read, right = len(result.digits), _digits_right(result, truth)
    assert result.rotation_deg == truth.rotation_deg == 180
    assert right >= 50
    assert read - right <= 10


def _digits_right(result, truth) -> int:
    """How many of the page's true digits `result` read, matched by box, as the right digit."""
    from benchmarks.metrics import match_boxes

    read, true = result.digits, truth.digits
    return sum(true[t].digit == read[r].digit for t, r in match_boxes([d.bbox for d in true], [d.bbox for d in read]))
