"""Stubs of printed lines left by rule removal are not digits (`runtime.reading.rules`, issue 15).

On a light photo a grid's upright lines fade where they cross the top level line: the pieces
between it and the sheet's edge, shorter than a line, were read as "1"."""

import cv2
import numpy as np

from runtime.reading.ink import ink_components
from runtime.reading.rules import remove_rules

LINE_DARKNESS = 0.35
PEN_DARKNESS = 0.9
COLUMNS = range(40, 360, 40)
STUB_ROWS = slice(6, 27)  # above the top level line (rows 30-31), cut off it by a faded crossing


def grid_with_stubs_and_a_one() -> tuple[np.ndarray, tuple[slice, slice]]:
    """An ink map of squared paper whose upright lines stop short of the top level line and go
    on above it as stubs to the sheet's edge, with a written 1 in a square beside a line; and the
    1's box."""
    darkness = np.zeros((400, 400), np.float32)
    for row in range(30, 400, 40):
        darkness[row : row + 2, 10:390] = LINE_DARKNESS
    for column in COLUMNS:
        darkness[34:390, column : column + 2] = LINE_DARKNESS  # faded at the crossing, rows 32-33
        darkness[STUB_ROWS, column : column + 2] = LINE_DARKNESS
    pen = np.zeros_like(darkness)
    cv2.line(pen, (91, 118), (88, 142), 1.0, 3)  # a 1 written beside the line at column 80
    darkness = np.maximum(darkness, pen * PEN_DARKNESS)
    return darkness, (slice(116, 145), slice(86, 94))


def test_stubs_of_an_erased_line_go_and_a_written_one_beside_a_line_stays():
    darkness, one = grid_with_stubs_and_a_one()
    mask, faint, _, _ = ink_components(darkness, 0.18)
    assert all(mask[STUB_ROWS, column].all() for column in COLUMNS)
    labels, _, kept = remove_rules(mask, faint, 36, 60, darkness, 0.18)[:3]
    left = kept[labels]
    for column in COLUMNS:
        assert not left[STUB_ROWS, column : column + 2].any(), column
    assert left[one].sum() >= 0.9 * mask[one].astype(bool).sum()  # the 1 is kept whole


def test_a_pen_one_carrying_on_a_line_s_column_stays():
    """Upright and as thin as the line it carries on, but darker: written, not printed."""
    darkness = np.zeros((300, 300), np.float32)
    for row in range(30, 300, 40):
        darkness[row : row + 2, 10:290] = LINE_DARKNESS
    darkness[30:152, 120:122] = LINE_DARKNESS  # an upright line ending on the rule at rows 150-151
    one = (slice(156, 182), slice(120, 123))
    darkness[one] = PEN_DARKNESS  # a straight 1 just below it, in its columns
    mask, faint, _, _ = ink_components(darkness, 0.18)
    labels, _, kept = remove_rules(mask, faint, 36, 60, darkness, 0.18)[:3]
    assert kept[labels][one].all()
