"""Digits touching the long printed lines of graph paper and of a notebook's margin stay
(`runtime.reading.rules`, issue 15: reading real paper).

On graph paper whose level lines were too pale to be found, an upright grid line ran on for many
squares, thin by its box, between the level lines that were found: taken whole for a box's side,
it took every digit hanging on it along (53 of the 104 digits missed on 12 development pages,
`benchmarks.worksheets --condition graph --seed 321`). A notebook's margin, a rule printed down
the sheet, was erased whole, and a 7's stem written along it with it.
"""

import numpy as np

from runtime.reading.rules import remove_rules
from tests.rule_fixtures import after_rule_removal

HORIZONTAL_RUN_PX, VERTICAL_RUN_PX = 48, 80  # digits 40 px tall (`segment._rule_runs`)
TOP_LINE, BOTTOM_LINE = slice(30, 32), slice(290, 292)
GRID_LINE = (slice(32, 290), slice(100, 103))
DIGIT_ROWS, DIGIT_RIGHT_OF_LINE = slice(120, 152), slice(106, 124)


def grid_line_with_a_digit_on_it() -> np.ndarray:
    """A 0/255 ink mask: two level lines far apart, upright lines from one to the other (each
    as thin as a box's side by its box), and a ring of a digit written against one of them."""
    mask = np.zeros((320, 200), np.uint8)
    mask[TOP_LINE, 20:180] = 255
    mask[BOTTOM_LINE, 20:180] = 255
    for column in (30, 60, 100, 140, 170):
        mask[GRID_LINE[0], column : column + 3] = 255
    mask[DIGIT_ROWS, 103:124] = 255
    mask[124:148, 107:120] = 0  # the ring's hole
    return mask


def test_a_digit_hanging_on_a_long_grid_line_is_no_box_side():
    mask = grid_line_with_a_digit_on_it()
    labels, _, kept = remove_rules(mask, mask.copy(), HORIZONTAL_RUN_PX, VERTICAL_RUN_PX)[:3]
    left = kept[labels]
    digit = mask[DIGIT_ROWS, DIGIT_RIGHT_OF_LINE] > 0
    assert left[DIGIT_ROWS, DIGIT_RIGHT_OF_LINE][digit].all()  # erased with the line before
    assert not left[200:280, 100:103].any()  # the line itself goes


def test_a_7_s_stem_written_along_a_notebook_margin_stays():
    darkness = np.zeros((640, 300), np.float32)
    darkness[:, 60:62] = 0.3  # the margin, pale, the sheet's height
    darkness[300:330, 59:64] = 0.9  # a 7's stem in pen along it (digits 33 px tall: level runs of 40)
    darkness[300:305, 64:84] = 0.9  # and its bar, off the margin
    _, _, _, left = after_rule_removal(darkness, 40)
    assert left[300:330, 59:64].sum() >= 0.8 * 30 * 5  # erased with the margin before: a bar alone
    assert not left[100:200, 60:62].any()  # the margin itself goes
