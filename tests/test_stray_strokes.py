"""A short stroke standing apart beside a written digit, within its rows, is part of that digit,
not a "1" (`runtime.reading.stray`); written 1s stay, however short, where they stand on the line
with their neighbours, or apart from them."""

from __future__ import annotations

import pytest
from development_pages import development_page, read_at

from runtime.reading.reader import PageReader
from runtime.reading.stray import stray_ones

NINE = (584, 200, 37, 65)  # clean development page (seed 404, page 13): a 9 and the sliver at its right
SLIVER = (625, 209, 5, 32)


def test_a_sliver_within_a_digit_s_rows_beside_it_is_stray():
    assert stray_ones([NINE, SLIVER], ["9", "1"]) == {1}
    overlapping = (615, 215, 5, 30)  # within the 9's box
    assert stray_ones([NINE, overlapping], ["9", "1"]) == {1}


def test_written_ones_stay():
    as_tall = (625, 209, 8, 45)  # 0.69 as tall as the 9 beside it
    apart = (640, 215, 6, 30)  # short, but 15 px (0.23 of the 9's height) away
    above = (625, 195, 5, 30)  # short and close, but reaching above the 9's rows
    standing = (625, 233, 5, 30)  # short and close, but standing on the 9's foot
    wide = (625, 209, 15, 30)  # short, close and floating, but a slanted stroke's box
    assert stray_ones([NINE, as_tall], ["9", "1"]) == set()
    assert stray_ones([NINE, apart], ["9", "1"]) == set()
    assert stray_ones([NINE, above], ["9", "1"]) == set()
    assert stray_ones([NINE, standing], ["9", "1"]) == set()
    assert stray_ones([NINE, wide], ["9", "1"]) == set()
    assert stray_ones([NINE, SLIVER], ["9", "7"]) == set()  # only a "1" is asked
    assert stray_ones([SLIVER], ["1"]) == set()  # nothing beside it
    below = (584, 300, 37, 65)  # a digit on another line: not on the sliver's rows
    assert stray_ones([below, SLIVER], ["9", "1"]) == set()


@pytest.mark.parametrize("seed, index, point", [(404, 13, (600, 230)), (407, 18, (492, 915)), (409, 7, (139, 1293))])
def test_a_nine_with_a_stroke_apart_reads_nine(tmp_path, default_classifier, seed, index, point):
    """Clean development worksheets of validation digits (`benchmarks.worksheets --digits
    validation --seed SEED`) where main read a 9 and a "1" beside it."""
    image, truth = development_page(tmp_path, seed, index)
    digits = PageReader(default_classifier).read(image).digits
    assert read_at(digits, truth, point) == ("9", "9")


def test_a_short_one_written_beside_a_four_stays(tmp_path, default_classifier):
    """A small development page (640x480, mixed capture, seed 411, page 35): a 1 written 0.74 as
    tall as the 4 before it, touching its box, is read."""
    image, truth = development_page(tmp_path, 411, 35, degrade="mixed", size=(640, 480))
    digits = PageReader(default_classifier).read(image).digits
    assert read_at(digits, truth, (202, 364)) == ("1", "1")
