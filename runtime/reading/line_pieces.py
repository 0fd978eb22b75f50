"""Pieces of printed upright lines left standing as "1"s: a bold grid line's, a margin's, a box's.

Rule erasing (`runtime.reading.rules`) takes lines by their length. A printed line cut into
short pieces by what crosses it (a form's box sides across a bold line of graph paper, a
notebook's red margin running through boxes) or too pale in the threshold to run unbroken
leaves pieces one digit tall, thin and straight, which the model reads as 1s at 0.99. A
written 1 ends where it ends; such a piece does not: straight above or below it, for a digit's
height or more, the same line carries on in the ink map, as dark as the piece itself.

Measured on graph-paper phone photos (`benchmarks.worksheets --condition graph --degrade photo
--digits validation`, seeds 321-323): see the README (Results, paper conditions).
"""

from __future__ import annotations

import numpy as np

from runtime.reading.quantiles import array_median  # numpy's median, value for value

THIN_SHARE = 0.5
"""Only pieces at most this wide for their height are looked at (a 1; no other digit is)."""

REACH_HEIGHTS = 0.5
"""How far beyond the piece, in digit heights, the line must carry on (on one side at least)."""

LONGER_THAN_STROKE = 1.5
"""The piece and the line carried on beyond it together span at least this many digit heights, more
than a written stroke does: a 1 cut in two by a bold level line carries itself on over the gap."""

CARRIED_ROWS = 0.85
"""Share of the rows over that reach where the line must be found (others cross it)."""

CARRIED_DARKNESS = 0.5
"""A row carries the line on where its ink reaches this share of the piece's own darkness."""

SAME_DARKNESS = 0.8
"""The line carried on is, in its median row, at least this share of the piece's own darkness: a
piece of a line is as dark as the rest of it (0.87-1.09 on graph paper), a pen's digit written
along a bold line darker than it (the line 0.64-0.77 of a digit's darkness there)."""

WIDER_THAN_LINE = 3
"""A piece is at most twice the line's thickness and this many pixels wide: a digit written on a
bold line (a 1 beside it, an 8 over it: 16 and 29 px on a 2 px line) is wider than the line."""

NEAR_ROWS = 4
"""Rows of the line next to the piece in which it must run down the piece's middle..."""

CENTRED_PX = 1.5
"""...give or take half its thickness and this many pixels."""

DRIFT_PER_ROW = 0.035
"""How far (pixels a row, tan 2 degrees) an unlevelled line may wander from the piece's column."""


def is_printed_line_piece(bbox: tuple[int, int, int, int], darkness: np.ndarray, digit_height: float) -> bool:
    """Whether the thin upright region in `bbox` (x, y, w, h in `darkness`) is a piece of a
    printed line: the ink map carries it on straight above or below for `REACH_HEIGHTS`, a line
    no thinner than the piece (`WIDER_THAN_LINE`) running down its middle."""
    left, top, width, height = bbox
    if width > THIN_SHARE * height or height < 3:
        return False
    piece = darkness[top:top + height, left:left + width]
    level = array_median(piece.max(axis=1))
    weights = piece.sum(axis=0)
    if level <= 0.0 or weights.sum() <= 0:
        return False
    centre = left + float((np.arange(width) * weights).sum() / weights.sum())
    reach = int(round(max(REACH_HEIGHTS * digit_height, LONGER_THAN_STROKE * digit_height - height)))
    for rows, near_end in ((range(top - reach, top), -1), (range(top + height, top + height + reach), 0)):
        thickness = _carried_thickness(darkness, centre, width / 2.0 + 1.0, rows, level, near_end)
        if thickness is not None and width <= 2 * thickness + WIDER_THAN_LINE:
            return True
    return False


def _carried_thickness(darkness: np.ndarray, centre: float, half_width: float, rows: range,
                       level: float, near_end: int) -> float | None:
    """The line's thickness (median pixels a row at `CARRIED_DARKNESS` of the piece's `level` or
    darker) where, over `rows` (all inside the picture), the ink within `half_width` of column
    `centre` (widened by the drift a line may have over them) reaches that in `CARRIED_ROWS` of
    them, and `SAME_DARKNESS` of `level` in its median row, and where it meets the piece (row
    `near_end` of `rows`: -1 the last, 0 the first) runs down its middle; None where it does not."""
    if rows.start < 0 or rows.stop > darkness.shape[0] or len(rows) == 0:
        return None
    spread = half_width + DRIFT_PER_ROW * len(rows)
    lo = max(0, int(np.floor(centre - spread)))
    hi = min(darkness.shape[1], int(np.ceil(centre + spread)) + 1)
    if lo >= hi:
        return None
    band = darkness[rows.start:rows.stop, lo:hi]
    peaks = band.max(axis=1)
    carried = peaks >= CARRIED_DARKNESS * level
    if np.count_nonzero(carried) < CARRIED_ROWS * len(rows) or array_median(peaks) < SAME_DARKNESS * level:
        return None
    dark = band >= CARRIED_DARKNESS * level
    thickness = array_median(dark[carried].sum(axis=1))
    near = dark[-NEAR_ROWS:] if near_end == -1 else dark[:NEAR_ROWS]
    ys, xs = np.nonzero(near)
    if xs.size == 0:
        return None
    # A 1 written beside a box's side is off the side's middle by half its own width and more.
    off_middle = abs(lo + float(np.mean(xs)) - centre)
    return thickness if off_middle <= thickness / 2.0 + CENTRED_PX else None
