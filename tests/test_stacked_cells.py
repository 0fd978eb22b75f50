"""Small digits in stacked grid cells: kept apart by the segmenter, cut across by the reader.

On a 640x480 photo of a worksheet written one digit per 20 px grid cell, the digits of two
cells one above the other were read as one region (a 4 over a 9 read "8"): joined through a dot
left where grid lines crossed, or through the grid line itself (README, Reading pages: stacked
cells in small writing).
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.segment import DigitCandidate, find_digits
from runtime.reading.stacked import MIN_HEIGHT_RATIO, stacked_cut
from runtime.reading.touching import best_reading


def _centre_inside(box, other) -> bool:
    x, y, w, h = box
    return other[0] <= x + w / 2 <= other[0] + other[2] and other[1] <= y + h / 2 <= other[1] + other[3]


def _rings_with_dots_between(dot_px: int) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A 640x480 page of small 0s (13-15 px tall) in rows 22 px apart, with a square dot of
    `dot_px` between each 0 and the one below it, 1 px under the upper 0 and 2 px over the lower
    one: the page and the 0s' boxes."""
    page = np.full((480, 640), 235, np.uint8)
    boxes = []
    for row in range(3):
        for column in range(8):
            centre = (100 + 30 * column, 100 + 22 * row)
            cv2.ellipse(page, centre, (4, 6), 0, 0, 360, 40, 1, cv2.LINE_AA)
            boxes.append((centre[0] - 5, centre[1] - 7, 11, 15))
            if row < 2:
                top = centre[1] + 9
                cv2.rectangle(page, (centre[0] - dot_px // 2, top), (centre[0] - dot_px // 2 + dot_px - 1, top + dot_px - 1),
                              40, -1)
    return page, boxes


def test_a_dot_between_stacked_small_digits_joins_only_the_nearest():
    """A 4 px dot, more than a crumb, within reach of the 0 above it and of the one below joined
    all three into one region 37 px tall; now it joins the nearer 0 only, and every 0 is its own
    region."""
    page, boxes = _rings_with_dots_between(4)
    candidates = find_digits(page)
    holding = [sum(_centre_inside(box, candidate.bbox) for box in boxes) for candidate in candidates]
    assert sorted(holding) == [1] * len(boxes)
    upper = [c for c in candidates if c.bbox[1] < 100]  # the first row's 0s, from y 93
    assert len(upper) == 8 and all(c.bbox[1] + c.bbox[3] >= 112 for c in upper)  # each with its dot


def _stacked_pair(digit_px: int = 15) -> DigitCandidate:
    """Two filled 0-like rings one above the other, joined by a 1 px upright stroke."""
    ink = np.zeros((2 * digit_px + 4, digit_px), np.uint8)
    half = digit_px // 2
    cv2.ellipse(ink, (half, half), (half - 2, half), 0, 0, 360, 255, 2)
    cv2.ellipse(ink, (half, digit_px + 4 + half - 1), (half - 2, half), 0, 0, 360, 255, 2)
    ink[digit_px - 1: digit_px + 5, half] = 255
    return DigitCandidate(bbox=(200, 100, ink.shape[1], ink.shape[0]), ink=ink)


def test_a_tall_region_in_small_writing_is_cut_across_between_its_digits():
    pair = _stacked_pair()
    parts = stacked_cut(pair, 15.0)
    assert parts is not None and len(parts) == 2
    top, bottom = parts
    assert top.bbox[1] == 100 and top.bbox[3] <= 17  # the upper ring, at most a row of bridge
    assert bottom.bbox[1] >= 100 + 15 and bottom.bbox[1] + bottom.bbox[3] == 100 + pair.ink.shape[0]


def test_no_cut_across_a_region_of_one_digit_s_height_or_on_a_page_of_big_digits():
    pair = _stacked_pair()
    assert stacked_cut(pair, pair.ink.shape[0] / MIN_HEIGHT_RATIO + 1) is None  # not tall enough
    assert stacked_cut(pair, 40.0) is None  # big writing: never cut across


def test_a_cut_across_wins_only_with_both_pieces_sure():
    doubted_whole = 0.6
    assert best_reading(doubted_whole, [np.array([0.99, 0.95], np.float32)], across=[True], aspect=0.45) == 0
    assert best_reading(doubted_whole, [np.array([0.99, 0.85], np.float32)], across=[True], aspect=0.45) == -1
    # A column cut of a narrow region is no option where only cuts across are (`only_across`).
    assert best_reading(doubted_whole, [np.array([0.99, 0.99], np.float32)], across=[False],
                        only_across=True) == -1
