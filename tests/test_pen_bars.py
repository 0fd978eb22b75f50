"""A handwritten bar as long as a rule run (a wide 4's crossbar) is writing, not a line."""

import cv2
import numpy as np
from synthetic_pages import add_rules, ink_page

from runtime.reading.pen_bars import pen_bars
from runtime.reading.segment import find_digits


def _page_with_a_wide_4(images) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Two lines of MNIST digits 30 px tall and, after the second, a 4 whose crossbar runs 40 px
    (rules are looked for as level runs of 36): the page and the 4's box."""
    page, boxes = ink_page([list(images[:6]), list(images[6:12])], digit_height=30)
    last = boxes[1][-1]
    page = np.hstack([page.astype(np.uint8), np.full((page.shape[0], 80), 235, np.uint8)])
    x, y = last[0] + last[2] + 20, last[1]
    cv2.line(page, (x + 9, y), (x + 2, y + 19), 20, 3)
    cv2.line(page, (x, y + 19), (x + 40, y + 19), 20, 3)
    cv2.line(page, (x + 28, y + 4), (x + 25, y + 30), 20, 3)
    return add_rules(page, 60), (x, y, 41, 31)


def _found_whole(page: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    x, y, width, height = box
    return any(c.bbox[0] <= x + 2 and c.bbox[0] + c.bbox[2] >= x + width - 2 and c.bbox[3] >= 0.9 * height
               for c in find_digits(page))


def test_a_wide_4_keeps_its_crossbar_on_ruled_paper(mnist_test_digits):
    """Erased as a line, the bar took the 4 apart: its upright stroke alone was read (a 1)."""
    assert _found_whole(*_page_with_a_wide_4(mnist_test_digits[0]))


def test_pieces_of_a_line_and_a_box_s_sides_are_no_bars():
    """Short runs with more of a line along their rows, or a twin above or below (a printed
    box's top and bottom), are lines; a run alone and stroke-thin is a bar."""
    found = np.zeros((200, 400), np.uint8)
    found[20:22, 300:340] = 255  # a bar alone
    found[80:82, 10:50] = 255  # a piece of a broken line ...
    found[80:82, 70:110] = 255  # ... and the next piece along its rows
    found[140:142, 200:240] = 255  # a box's top ...
    found[180:182, 201:241] = 255  # ... and its bottom
    bars = pen_bars(found, 36)
    assert bars is not None
    assert bars[20:22, 300:340].all() and not bars[60:].any()
