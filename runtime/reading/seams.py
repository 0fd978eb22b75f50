"""Cut touching digits along the path of least ink, where no straight column separates them.

Digits written close overlap: the 0 leans under the 7 beside it, a 7's bar reaches over the
next digit's top. Every straight column then leaves ink of one digit in the other's piece, and
the model may read the pieces wrongly. A seam is a top-to-bottom path,
one column per row, moving at most one column sideways per row, that crosses the least ink near
a valley of column ink: it runs between the two digits' strokes where they interlock and
crosses a stroke only where they really touch. The cutter (`runtime.reading.touching`) reads the
seam's pieces beside the straight cut's, scored the same way, only where the straight cut runs
through ink that the seam avoids (`MIN_INK_SAVED`) and the model doubts the whole region
(`touching.SEAM_DOUBTED_WHOLE`).

Usage:
    line = seam_line(candidate.ink, column)  # None where the straight column does as well
    left = piece_between(candidate, 0, line)
"""

from __future__ import annotations

import numpy as np

from runtime.reading.segment import DigitCandidate

BAND_SHARE = 0.3
"""The seam stays within this share of the region's height either side of its valley's column."""

STEP_COST = 0.05
"""Cost of each sideways step, in units of one fully inked pixel: among paths through the same
ink, the straightest."""

MIN_INK_SAVED = 0.5
"""A seam is read only where it crosses at most this share of the ink the straight column
crosses; otherwise the straight cut already separates what a seam would."""


def seam_line(ink: np.ndarray, column: int) -> np.ndarray | None:
    """Per row, the column where the seam near `column` cuts (the left piece keeps what lies
    left of it), or None where it would not cross clearly less ink than the straight column."""
    height, width = ink.shape
    band = max(2, int(BAND_SHARE * height))
    low, high = max(1, column - band), min(width - 1, column + band + 1)
    if high - low < 2 or not low <= column < high:
        return None
    cost = ink[:, low:high].astype(np.float32) / 255.0
    path = _least_ink_path(cost)
    straight = float(cost[:, column - low].sum())
    crossed = float(cost[np.arange(height), path].sum())
    if straight <= 0.0 or crossed > MIN_INK_SAVED * straight:
        return None
    return path + low


def piece_between(candidate: DigitCandidate, left: np.ndarray | int, right: np.ndarray | int) -> DigitCandidate | None:
    """The candidate's ink between two cut lines (a column, or a seam's column per row), trimmed
    to its ink; None if it holds none."""
    columns = np.arange(candidate.ink.shape[1])[None, :]
    inside = (columns >= np.reshape(left, (-1, 1))) & (columns < np.reshape(right, (-1, 1)))
    return masked_piece(candidate, np.where(inside, candidate.ink, 0))


def _least_ink_path(cost: np.ndarray) -> np.ndarray:
    """Per row, the column of the cheapest top-to-bottom path through `cost` (8-connected)."""
    height, width = cost.shape
    total = cost[0].copy()
    came_from = np.zeros((height, width), np.int64)
    columns = np.arange(width)
    for row in range(1, height):
        left = np.concatenate(([np.inf], total[:-1])) + STEP_COST
        right = np.concatenate((total[1:], [np.inf])) + STEP_COST
        options = np.stack([left, total, right])
        step = np.argmin(options, axis=0)
        came_from[row] = columns + step - 1
        total = options[step, columns] + cost[row]
    path = np.empty(height, np.int64)
    path[-1] = int(np.argmin(total))
    for row in range(height - 1, 0, -1):
        path[row - 1] = came_from[row, path[row]]
    return path


def masked_piece(candidate: DigitCandidate, ink: np.ndarray) -> DigitCandidate | None:
    """The candidate's ink kept by a mask (a seam's side; `stacked`: rows), trimmed to its ink; None if
    it holds none."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    x, y = candidate.bbox[:2]
    return DigitCandidate(bbox=(x + left, y + top, right - left, bottom - top),
                          ink=ink[top:bottom, left:right].astype(candidate.ink.dtype))

