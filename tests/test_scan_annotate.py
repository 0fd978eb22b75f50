"""draw_result: a pure function that draws boxes, digits and confidences on a copy of the page."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.draw import DOUBTFUL_BGR, SURE_BGR, UNSURE_BGR, draw_result
from runtime.results import Digit, Line, Number, PageResult


def result_with(*digits: Digit) -> PageResult:
    return PageResult(lines=[Line([Number([digit]) for digit in digits])])


def test_input_is_left_untouched_and_a_new_image_returned():
    page = np.full((120, 200, 3), 255, np.uint8)
    before = page.copy()
    drawn = draw_result(page, result_with(Digit("4", 0.99, (50, 50, 20, 30))))
    assert np.array_equal(page, before)
    assert drawn.shape == page.shape and drawn.dtype == np.uint8
    assert not np.array_equal(drawn, page)


def test_nothing_read_gives_an_identical_copy():
    page = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    drawn = draw_result(page, PageResult())
    assert np.array_equal(drawn, page) and drawn is not page


def test_grey_page_comes_back_in_colour():
    drawn = draw_result(np.full((80, 80), 255, np.uint8), result_with(Digit("1", 0.95, (30, 30, 10, 20))))
    assert drawn.shape == (80, 80, 3)


@pytest.mark.parametrize("digit, confidence, colour", [
    ("7", 0.97, SURE_BGR), ("7", 0.7, UNSURE_BGR), ("7", 0.2, DOUBTFUL_BGR), ("?", 0.95, DOUBTFUL_BGR),
])
def test_box_colour_says_how_sure_the_reader_was(digit, confidence, colour):
    page = np.full((200, 200, 3), 255, np.uint8)
    drawn = draw_result(page, result_with(Digit(digit, confidence, (80, 100, 30, 40))),
                        show_numbers=False)
    assert tuple(int(v) for v in drawn[120, 80]) == colour  # left edge of the digit box


def test_number_frame_surrounds_its_digits():
    page = np.full((200, 300, 3), 255, np.uint8)
    number = Number([Digit("1", 0.99, (50, 80, 20, 30)), Digit("2", 0.99, (75, 80, 20, 30))])
    drawn = draw_result(page, PageResult(lines=[Line([number])]), show_confidence=False)
    assert drawn[95, 47].tolist() != [255, 255, 255]  # frame 3 px left of the first digit
    assert drawn[95, 98].tolist() != [255, 255, 255]  # ... and right of the last


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60),
       st.lists(st.tuples(st.integers(-50, 100), st.integers(-50, 100), st.integers(0, 80),
                          st.integers(0, 80), st.floats(0, 1)), max_size=6))
def test_any_boxes_on_any_page_size_draw_without_error(height, width, boxes):
    page = np.full((height, width, 3), 200, np.uint8)
    digits = [Digit("5", confidence, (x, y, w, h)) for x, y, w, h, confidence in boxes]
    drawn = draw_result(page, result_with(*digits) if digits else PageResult())
    assert drawn.shape == (height, width, 3)


def test_non_image_is_a_clear_error():
    with pytest.raises(ValueError, match="uint8"):
        draw_result(np.zeros((5, 5), np.float32), PageResult())
    with pytest.raises(ValueError, match="grey or BGR"):
        draw_result(np.zeros((5, 5, 2), np.uint8), PageResult())
