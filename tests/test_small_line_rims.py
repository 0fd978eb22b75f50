"""Small blurred digits lying on a line are not that line's rim.

On a 640x480 photo the camera's blur spreads a digit 10-16 px tall over the squared paper's or
the ruled line it sits on, and once the line is erased almost all of what is left lies beside
it: it was dropped as the line's rim (`rules._line_rims`), the digit lost with no region. Such
a piece stands across the line, as tall and as wide as a digit (`rules.RIM_MAX_SIDE_OF_RULE_RUN`).
The pages are development worksheets (`benchmarks.worksheets --size 640x480 --degrade mixed
--digits validation`), stored as the benchmark stores them, never a benchmark seed.
"""

from __future__ import annotations

import cv2
import numpy as np
from development_pages import development_page, scored

from runtime.reading.rules import _line_rims

SMALL_PAGE_PX = (640, 480)


def test_digits_on_a_partly_found_grid_are_read(default_classifier, tmp_path):
    """A heavy photo of squared paper (seed 601, page 82, 143 digits 12-16 px tall), its faint
    grid found in part: 42 digits went as rims with no region, and it read 43 right, 6 wrong;
    now 47 right, 8 wrong."""
    right, wrong = scored(default_classifier, *development_page(tmp_path, 601, 82, 'mixed', SMALL_PAGE_PX))
    assert right >= 46
    assert wrong <= 9


def test_digits_on_ruled_lines_of_a_small_photo_are_read(default_classifier, tmp_path):
    """A phone photo of ruled paper (seed 602, page 24, 79 digits): 61 right, 2 wrong; now 65, 2."""
    right, wrong = scored(default_classifier, *development_page(tmp_path, 602, 24, 'mixed', SMALL_PAGE_PX))
    assert right >= 64
    assert wrong <= 2


def test_a_rim_along_its_line_is_still_dropped():
    """A sliver along an erased line stays a rim, however long; a digit-sized piece over it does not."""
    cleaned = np.zeros((60, 120), np.uint8)
    lines = np.zeros_like(cleaned)
    lines[30, :] = 255
    cleaned[27:30, 5:60] = 255  # a rim: 3 px thin, 55 long, hugging the line
    cleaned[27:35, 80:90] = 255  # a blurred digit's piece, 8 x 10 px, 7 of its 8 rows beside the line
    _, labels, stats, _ = cv2.connectedComponentsWithStats(cleaned)
    rim, digit = labels[28, 10], labels[30, 85]
    assert _line_rims(cleaned, labels, stats, lines)[[rim, digit]].tolist() == [True, True]
    assert _line_rims(cleaned, labels, stats, lines, least_writing=8)[[rim, digit]].tolist() == [True, False]
