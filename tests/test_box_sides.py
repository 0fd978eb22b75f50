"""The sides of form boxes go with the boxes' lines, however a line's soft edge runs
(`runtime.reading.rules`, issue 15).

On a heavy phone photo of a form levelled by 6 degrees, a line's lower edge stepped a row out of
the band erased with the line, and joined the last side of a row of boxes to a strip along the
line: no thin stroke any more, the side stayed, and read as a "1" at 0.996."""

import numpy as np

from runtime.reading.rules import remove_rules

TOP_LINE, BOTTOM_LINE = slice(30, 32), slice(90, 92)
WALL_COLUMNS = (20, 80, 140, 200, 260)
LAST_WALL = (slice(34, 88), slice(260, 262))
ONE = (slice(45, 80), slice(108, 111))  # a 1 written in the second box, touching no line
HORIZONTAL_RUN_PX, VERTICAL_RUN_PX = 48, 80  # digits 40 px tall (`segment._rule_runs`)


def row_of_boxes(edge_out_of_band: bool) -> np.ndarray:
    """A 0/255 ink mask of four printed boxes side by side with a 1 written in one; with
    `edge_out_of_band`, the top line's soft edge shows in the two rows below it, near the last
    side, joined to it: too short to be a line itself, and its lower row beyond the band that
    erases the line."""
    mask = np.zeros((120, 300), np.uint8)
    mask[TOP_LINE, 20:262] = 255
    mask[BOTTOM_LINE, 20:262] = 255
    for column in WALL_COLUMNS:
        mask[32:90, column : column + 2] = 255
    mask[ONE] = 255
    if edge_out_of_band:
        mask[33:35, 240:262] = 255
    return mask


def kept_after_rule_removal(mask: np.ndarray) -> np.ndarray:
    labels, _, kept = remove_rules(mask, mask.copy(), HORIZONTAL_RUN_PX, VERTICAL_RUN_PX)[:3]
    return kept[labels]


def test_every_side_of_a_row_of_boxes_goes_and_the_digit_in_it_stays():
    left = kept_after_rule_removal(row_of_boxes(edge_out_of_band=False))
    assert not left[LAST_WALL].any()
    assert left[ONE].all()


def test_a_side_joined_by_a_line_s_edge_beyond_its_band_goes_too():
    left = kept_after_rule_removal(row_of_boxes(edge_out_of_band=True))
    assert not left[LAST_WALL].any()  # read as a "1" before
    assert left[ONE].all()
