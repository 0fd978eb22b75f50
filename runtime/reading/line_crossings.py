"""Pieces of a form box's side left standing where it crosses the level lines of graph paper.

Rule erasing (`runtime.reading.rules`) takes away the level lines and the box sides it finds.
Where a box's side runs across the lines of graph paper, a stretch of it between two level
lines may stay (a pixel or two wide, often with a tick of the level line at its end), which the
model reads as a 1 at 0.97-1.0. Such a piece lies all along an erased side, no wider than the
side, and meets an erased level line; a 1 written on a side is wider than a printed line (5-10 px
where the pieces are 1-2 px in their median row, at digit heights 21-39 px).

Measured on graph-paper phone photos (`benchmarks.worksheets --condition graph --degrade photo
--digits validation --seed 322 --count 24`): 106 false digits read before, 99 after, the same
2,809 digits read. Unlike `line_pieces` it is used on small writing too: it looks at the masks
of what was erased, not at the ink map's blur beside a line.
"""

from __future__ import annotations

import cv2
import numpy as np

REACH_PX = 2
"""Pixels this close to an erased line belong to it (its rim, the blur at a crossing)."""

ON_LINES_SHARE = 0.9
"""A piece has at least this share of its ink within `REACH_PX` of the erased sides."""

THIN_SHARE = 0.5
"""Only pieces at most this wide for their height: a side's piece left standing, read as a 1."""

LINE_PX = 2
"""...and, in its median row, no wider than a printed side (1-2 px) where a written 1's stroke is wider."""

MAX_HEIGHTS = 1.0
"""...and is no larger than a digit: a whole box left standing is another matter."""


def shaped_like_a_crumb(width: int, height: int, digit_height: float) -> bool:
    """Whether a region so big could be a side's piece at all: no larger than a digit
    (`MAX_HEIGHTS`) and thin for its height (`THIN_SHARE`). Asked first, by box alone."""
    return height <= MAX_HEIGHTS * digit_height and width <= THIN_SHARE * height


def is_crossing_crumb(ink: np.ndarray, left: int, top: int, level: np.ndarray | None,
                      walls: np.ndarray | None, digit_height: float) -> bool:
    """Whether the region `ink` (a boolean crop whose corner is at `left`, `top` in the masks
    `level` and `walls`, the level lines and the upright ones or box sides erased) is a thin piece
    of a side (`THIN_SHARE`, `LINE_PX`) with `ON_LINES_SHARE` of its ink within `REACH_PX` of the
    sides, meeting a level line there."""
    height, width = ink.shape
    if level is None or walls is None or not shaped_like_a_crumb(width, height, digit_height):
        return False
    total = np.count_nonzero(ink)
    if total == 0 or np.median(ink.sum(axis=1)) > LINE_PX:
        return False
    near_level = _near(level, left, top, ink.shape)
    near_wall = _near(walls, left, top, ink.shape)
    if not np.any(ink & near_level & near_wall):
        return False
    return np.count_nonzero(ink & near_wall) >= ON_LINES_SHARE * total


def _near(lines: np.ndarray, left: int, top: int, shape: tuple[int, int]) -> np.ndarray:
    """Which pixels of the `shape` crop at `left`, `top` lie within `REACH_PX` of `lines`."""
    height, width = shape
    y0, x0 = max(0, top - REACH_PX), max(0, left - REACH_PX)
    y1, x1 = min(lines.shape[0], top + height + REACH_PX), min(lines.shape[1], left + width + REACH_PX)
    kernel = np.ones((2 * REACH_PX + 1, 2 * REACH_PX + 1), np.uint8)
    near = cv2.dilate(lines[y0:y1, x0:x1], kernel)
    return near[top - y0:top - y0 + height, left - x0:left - x0 + width] > 0
