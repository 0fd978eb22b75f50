"""Small heavy photos of numbers stored turned: read turned, not dropped as a page of text.

Stored upside down or sideways, a heavy 640x480 photo of numbers reads mostly "not a digit" as
given (0.65 to 0.86 of its crops), and turned upright still a fifth to a quarter: the turn did
not cut that share enough to trust it against text, and the page read as given, as text, read no
digit. Turned, its crops read as digits doubt far less than as given and it reads as numbers,
which pages of letters and script do not both do (`reader.TURN_MAX_DOUBT_SHARE`). The pages are
development worksheets (`benchmarks.worksheets --size 640x480 --degrade mixed --turned-rate 1
--digits validation`), stored as the benchmark stores them, never a benchmark seed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from development_pages import development_page, scored

from runtime.reading.reader import PageReader

SMALL_PAGE_PX = (640, 480)


@pytest.mark.parametrize(("seed", "index", "rotation", "digits", "least_right"), [
    (232, 8, 180, 121, 50),  # ruled, upside down: turned over on trial; read 0 before
    (257, 3, 270, 77, 35),  # grid, sideways: turned by the vote, then undone; read 0 before
])
def test_a_heavy_small_photo_of_numbers_stored_turned_is_read_turned(default_classifier, tmp_path, seed, index,
                                                                     rotation, digits, least_right):
    picture, truth = development_page(tmp_path, seed, index, "mixed", SMALL_PAGE_PX, turned_rate=1.0)
    assert truth.rotation_deg == rotation and len(truth.digits) == digits
    right, wrong = scored(default_classifier, picture, truth)
    assert right >= least_right and wrong <= 5


@pytest.mark.parametrize(("kind", "seed", "index", "size", "suffix"), [
    # turned, its letters doubt no less (1.0 times) but read as 55 digits of 87 candidates
    ("letters", 3, 4, SMALL_PAGE_PX, ".png"),
    # turned, its loops read as digits doubt 0.36 times as much, but it reads 5 digits of 38
    ("script", 21, 9, None, ".jpg"),
])
def test_pages_of_letters_turned_and_turned_back_as_text_stay_so(default_classifier, tmp_path, kind, seed, index,
                                                                 size, suffix):
    """Development pages of letters and script (`benchmarks.hard_pages --kinds letters,script`)
    that the vote turns and the text share turns back: each meets one half of the test for a
    page of numbers (`reader._turned_reads_numbers`), not both, and reads no digit."""
    from benchmarks.hard_pages import make_hard_page
    from benchmarks.layout import A4_150DPI_PX
    from benchmarks.worksheets import load_test_digits, save_image
    from train.data import DatasetError

    try:
        bank = load_test_digits()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    page = make_hard_page(kind, np.random.default_rng([seed, index]), size or A4_150DPI_PX, bank)
    path = tmp_path / f"page{suffix}"
    save_image(path, page.image, page.jpeg_quality)
    assert PageReader(default_classifier).read(cv2.imread(str(path))).digits == []
