"""Small digits in stacked grid cells, joined into one region, cut across by the reader.

On a 640x480 photo of a worksheet written one digit per 20 px grid cell, the digits of two
cells one above the other were read as one region (a 4 over a 9 read "8"): joined through a dot
left where grid lines crossed, or through the grid line itself (docs/results/reading.md: small
pictures, stacked cells and the word context).
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.segment import DigitCandidate
from runtime.reading.stacked import MIN_HEIGHT_RATIO, stacked_cut
from runtime.reading.touching import best_reading


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


def test_an_a4_grid_written_small_is_cut_across_too():
    """Digits 22 px tall in stacked cells of an A4 grid (150 dpi), joined through the grid line
    between them, erased and bridged (an 8 over a 5 read as nothing): cut across like small
    writing's."""
    ink = np.zeros((50, 18), np.uint8)
    cv2.ellipse(ink, (9, 11), (7, 10), 0, 0, 360, 255, 2)
    cv2.ellipse(ink, (9, 38), (7, 10), 0, 0, 360, 255, 2)
    ink[21:29, 9] = 255
    parts = stacked_cut(DigitCandidate(bbox=(200, 100, 18, 50), ink=ink), 22.0)
    assert parts is not None and len(parts) == 2
    top, bottom = parts
    assert top.bbox[1] == 100 and top.bbox[3] <= 26
    assert bottom.bbox[1] >= 100 + 22 and bottom.bbox[1] + bottom.bbox[3] == 150
