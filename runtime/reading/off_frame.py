"""A sheet running off the picture's sides: whether a bright region the border cuts is one, and
the strokes the border cuts cleared (`runtime.reading.sheet` finds the region).

The commonest phone photo of a sheet has it run off one side of the frame or two meeting at a
corner. Such a sheet is a bright convex region whose hull the border cuts along a straight
stretch, taken only where the surface is seen just outside each of its other sides (a step down
from the paper there): paper filling the frame, lit unevenly, has no such step. Read inside its
box, the strokes the border cuts at its edge (half a digit, a form's cell walls) are made paper.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.sheet_edges import steps_down_at_sides

CORNER_CLEARANCE = 0.01
"""A corner lies at least this share of the picture's side inside it, or on the picture's border."""

MAX_SIDES_CUT = 2
"""A sheet may run off this many sides of the picture at most: one running off three or four is
the picture's paper to its rim, read whole."""

INK_SHARE_OF_PAPER = 0.75
"""Darker than this share of the paper's level is ink, where strokes cut by the border are cleared."""

CUT_STROKE_REACH = 0.06
"""A stroke the border cuts is cleared where it reaches no farther in than this share of the
sheet's box (a digit's height on a worksheet is about 3% of it)."""

MIN_CUT_SHARE = 0.1
"""The border cuts such a sheet along a straight stretch of at least this share of the side it
crosses (two hull corners on it), not at a point; a side touched at one corner alone is a
sheet's corner reaching the border."""


def corners_on_sides(corners: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """For each side of the picture, which corners lie on it (within `CORNER_CLEARANCE` of it)."""
    height, width = shape
    margin_x, margin_y = CORNER_CLEARANCE * width, CORNER_CLEARANCE * height
    xs, ys = corners[:, 0], corners[:, 1]
    return {"left": xs < margin_x, "right": xs > width - 1 - margin_x,
            "top": ys < margin_y, "bottom": ys > height - 1 - margin_y}


def runs_off_frame(small: np.ndarray, corners: np.ndarray, on_sides: dict[str, np.ndarray]) -> bool:
    """Whether the hull's `corners` on the small copy `small`, some of them on the picture's border
    (`on_sides`, from `corners_on_sides`), are a sheet's running off the frame: at most
    `MAX_SIDES_CUT` sides, 4 to 6 corners (the border cuts a corner or two off the
    quadrilateral), cut along straight stretches and the surface seen along the other sides."""
    sides_cut = sum(bool(on.any()) for on in on_sides.values())
    if not (sides_cut <= MAX_SIDES_CUT and 4 <= len(corners) <= 6):
        return False
    return _cut_along_stretches(corners, on_sides, small.shape) and steps_down_at_sides(small, corners, on_sides)


def _cut_along_stretches(corners: np.ndarray, on_sides: dict[str, np.ndarray], shape: tuple[int, int]) -> bool:
    """Whether the corners on each side of the picture they touch span `MIN_CUT_SHARE` of it."""
    height, width = shape
    cut = False
    for side, on in on_sides.items():
        if on.sum() >= 2:
            along, length = (corners[on, 1], height) if side in ("left", "right") else (corners[on, 0], width)
            if along.max() - along.min() < MIN_CUT_SHARE * length:
                return False
            cut = True
    return cut


def clear_cut_strokes(box: np.ndarray, paper: int, sides: frozenset[str]) -> None:
    """Strokes the picture's border cuts, reaching no farther in than `CUT_STROKE_REACH`, made
    paper: half a digit or a form's cell walls cut at the border read as phantom 1s and 7s, while
    a ruled line or a form's grid running off the frame (digits touch them) stays (docs/results/reading.md,
    Results: a sheet running off the frame)."""
    ink = (box < INK_SHARE_OF_PAPER * paper).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return
    height, width = box.shape
    left, top, right, bottom = (stats[:, 0], stats[:, 1], stats[:, 0] + stats[:, 2], stats[:, 1] + stats[:, 3])
    reach_x, reach_y = CUT_STROKE_REACH * width, CUT_STROKE_REACH * height
    cut_by = {"left": (left == 0) & (right <= reach_x), "right": (right == width) & (left >= width - reach_x),
              "top": (top == 0) & (bottom <= reach_y), "bottom": (bottom == height) & (top >= height - reach_y)}
    cut = np.zeros(count, bool)
    for side in sides:
        cut |= cut_by[side]
    cut[0] = False
    if cut.any():
        box[cut[labels]] = paper
