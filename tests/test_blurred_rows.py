"""Rows of digits that a poor phone photo blurred into one another are writing, not ruled lines.

At the faint threshold such a row is one band of ink, and a level run through the middle of its
digits is longer than a digit is tall: erased as a rule, it cut digits 21-24 px tall in half on
heavy photos of worksheets (docs/results/reading.md: rows blurred together).
"""

from __future__ import annotations

import cv2
import numpy as np
from synthetic_pages import blurred_row_of_zeros, ink_page

from runtime.reading.orientation import voting_order
from runtime.reading.reader import PageReader
from runtime.reading.rules import THROUGH_WRITING_SHARE, remove_rules, rows_may_blur_together
from runtime.reading.segment import SegmentOptions, _rule_runs

DIGIT_HEIGHT_PX = 22  # an A4 worksheet's digits on a phone photo at 150 dpi


def _row_of_blurred_zeros(width: int = 260) -> tuple[np.ndarray, np.ndarray]:
    """The ink and faint masks of a row of eight 22 px 0s blurred into one another."""
    return blurred_row_of_zeros(8, 30, 20, (8, 10), 3, 2.0, (80, width))


def test_a_row_of_blurred_digits_is_not_a_rule():
    mask, faint = _row_of_blurred_zeros()
    assert rows_may_blur_together(DIGIT_HEIGHT_PX)
    kept = remove_rules(mask, faint, *_rule_runs(DIGIT_HEIGHT_PX), blurred_rows=True)
    assert kept is None or np.count_nonzero(kept.labels) == np.count_nonzero(mask)


def _pair_on_its_foot_run() -> np.ndarray:
    """A level run 2.6 digits long (digits 16 px tall, a 640x480 photo's) with strokes 15 px tall
    standing across 0.4 of it: a 2's base run into its neighbours, blurred."""
    mask = np.zeros((80, 120), np.uint8)
    mask[40:43, 20:62] = 255
    for left in (20, 38, 58):
        mask[30:45, left:left + 4] = 255
    return mask


def test_a_run_along_the_foot_of_a_blurred_pair_stays_at_a_lower_share():
    """`SegmentOptions.through_writing_share` 0.3 keeps the run and the strokes whole; at the
    default share (0.5) it is erased as a rule and the strokes' ends beside it go as its rim (96
    of the 270 ink pixels left)."""
    mask = _pair_on_its_foot_run()
    runs = _rule_runs(16)
    kept = remove_rules(mask, mask.copy(), *runs, blurred_rows=True, through_writing_share=0.3)
    assert kept is None or np.count_nonzero(kept.labels) == np.count_nonzero(mask)
    erased = remove_rules(mask, mask.copy(), *runs, blurred_rows=True)
    assert erased is not None and np.count_nonzero(erased.labels) < 0.5 * np.count_nonzero(mask)
    assert SegmentOptions().through_writing_share == THROUGH_WRITING_SHARE


def test_rows_of_bigger_digits_are_not_taken_to_be_blurred_together():
    """A camera's blur is a few pixels: it joins rows of digits 28 px tall or less, not bigger
    ones, and a desk's grain measured as "digits" 32-78 px tall keeps its runs erased."""
    assert rows_may_blur_together(13) and rows_may_blur_together(28)
    assert not rows_may_blur_together(32) and not rows_may_blur_together(None)


def test_a_rule_under_a_blurred_row_is_still_erased():
    """A printed rule runs across the page, far longer than any number: it goes, the row stays."""
    mask, faint = _row_of_blurred_zeros(width=400)
    for ink in (mask, faint):
        ink[60:62, :] = 255  # under the 0s, touching none
    kept = remove_rules(mask, faint, *_rule_runs(DIGIT_HEIGHT_PX), blurred_rows=True)
    assert kept is not None
    assert not kept.labels[60:62].any()
    assert np.count_nonzero(kept.labels[:55]) == np.count_nonzero(mask[:55])


def test_rows_of_blurred_digits_are_read(mnist_test_digits, default_classifier):
    """Three pages of five rows of eight MNIST digits 22 px tall, 1 px apart, blurred by 1.8 px:
    60 of 120 read right with the rows erased as rules, 103 with them kept."""
    images, labels = mnist_test_digits
    reader = PageReader(default_classifier)
    right = wrong = 0
    for seed in range(3):
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(images), 40, replace=False)
        lines = [[images[i] for i in pick[row * 8:(row + 1) * 8]] for row in range(5)]
        page, boxes = ink_page(lines, digit_height=DIGIT_HEIGHT_PX, gap=1, margin=40, line_spacing=1.6)
        page = cv2.GaussianBlur(page, (0, 0), 1.8) + rng.normal(0, 3, page.shape).astype(np.float32)
        boxes = [box for line in boxes for box in line]
        for digit in reader.read(np.clip(page, 0, 255).astype(np.uint8)).digits:
            x, y, w, h = digit.bbox
            hit = next((index for index, (bx, by, bw, bh) in enumerate(boxes)
                        if bx <= x + w / 2 <= bx + bw and by <= y + h / 2 <= by + bh), None)
            if hit is not None and str(labels[pick[hit]]) == digit.digit:
                right += 1
            else:
                wrong += 1
    assert right >= 0.8 * 120
    assert wrong <= 0.1 * 120


def test_digits_run_together_vote_on_orientation_last():
    """The largest crops vote first, but not digits run together (1.5 digit heights wide or more)."""
    singles = [(40 * index, 0, 16, 22 - index % 3) for index in range(10)]
    rows = [(0, 100, 90, 24), (0, 200, 60, 23)]  # five digits and three, blurred into one region
    order = voting_order(rows + singles)
    assert order[-2:] == [0, 1]
    assert order[0] == 2  # the largest single digit
    assert voting_order(singles[:3]) == [0, 1, 2]  # too few to measure a height: largest first
