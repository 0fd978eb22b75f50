"""Two stacked digits of small writing that the model reads surely as one are cut across.

On a 640x480 page a digit and the one written under it, joined by the line between them, make
one region twice the page's digit height, and the model may read it surely as one digit (a 3
over a 7 read "3" at 0.996). A sure whole was never cut across: no cut outscores it on evidence.
Now a region that tall (`stacked.SURE_WHOLE_HEIGHT_RATIO`) is, where both pieces read beyond
doubt (`touching.tall_pair`). The page is a development worksheet (`benchmarks.worksheets
--size 640x480 --degrade mixed --digits validation`), never a benchmark seed.
"""

from __future__ import annotations

import numpy as np
from development_pages import development_page, scored
from test_stacked_cells import _stacked_pair

from runtime.reading.stacked import StackedCut, tall_for_page
from runtime.reading.touching import choose_reading, tall_pair

SMALL_PAGE_PX = (640, 480)


def test_only_a_region_twice_the_page_s_digit_height_in_small_writing_is_tall_for_a_sure_whole():
    pair = _stacked_pair(15)  # 34 px tall
    assert tall_for_page(pair, 15.0)
    assert not tall_for_page(pair, 18.0)  # 1.9 digit heights: a tall digit may reach that
    assert not tall_for_page(pair, None)
    assert not tall_for_page(_stacked_pair(40), 40.0)  # big writing: never


def test_a_sure_whole_loses_to_a_cut_across_only_with_both_pieces_beyond_doubt():
    pair = _stacked_pair(15)
    across = StackedCut([pair, pair])
    assert tall_pair([across], [np.array([0.996, 0.992])]) == 0
    assert tall_pair([across], [np.array([0.996, 0.98])]) == -1
    assert tall_pair([[pair, pair]], [np.array([0.996, 0.996])]) == -1  # side by side: `wide_pair`'s
    sure_whole = 0.996
    assert choose_reading(pair, [across], sure_whole, [np.array([0.996, 0.992])], None, 12.0, 3,
                          [np.array([3, 7])], 15.0, False) == 0
    assert choose_reading(pair, [across], sure_whole, [np.array([0.996, 0.9])], None, 12.0, 3,
                          [np.array([3, 7])], 15.0, False) == -1


def test_stacked_digits_read_surely_as_one_are_read_apart(default_classifier, tmp_path):
    """A lightly degraded ruled 640x480 page (seed 731, page 19, 123 digits 16 px tall), two of
    its regions 36-37 px tall read "3" at 0.996 and 0.988: 115 right, 4 wrong; now 119, 2."""
    right, wrong = scored(default_classifier, *development_page(tmp_path, 731, 19, 'mixed', SMALL_PAGE_PX))
    assert right >= 119
    assert wrong <= 2
