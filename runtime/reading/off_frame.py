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

EDGE_STEP_PX = 3
"""Each uncut side of a sheet running off the frame is looked at this far (small-copy pixels)
inside it and outside it."""

MIN_EDGE_RATIO = 1.05
MIN_EDGE_SHARE = 0.8
"""A region the border cuts is a sheet only where, along `MIN_EDGE_SHARE` of each of its uncut
sides, the paper just inside is `MIN_EDGE_RATIO` brighter than the picture just outside: the
surface seen beside it all round, a step at its edge. A lit part of a scan or a webcam frame of
paper fades into the dimmer paper around it (taken for sheets, they cost real photos digits);
light tiles lie only 6-9% below the paper, so the step asked for is smaller than the one the
sheet's median must clear (`sheet.MIN_BRIGHTNESS_RATIO`)."""

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
    return _cut_along_stretches(corners, on_sides, small.shape) and _surface_along_uncut_sides(small, corners, on_sides)


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


def _surface_along_uncut_sides(small: np.ndarray, corners: np.ndarray, on_sides: dict[str, np.ndarray]) -> bool:
    """Whether each side of the hull the border does not cut has the paper inside it brighter
    than the picture just outside it along `MIN_EDGE_SHARE` of its length (see that)."""
    height, width = small.shape
    centre = corners.mean(axis=0)
    count = len(corners)
    for index in range(count):
        nxt = (index + 1) % count
        if any(on[index] and on[nxt] for on in on_sides.values()):
            continue  # the border's cut
        start, end = corners[index].astype(float), corners[nxt].astype(float)
        along = end - start
        length = max(float(np.hypot(*along)), 1e-6)
        outward = np.array([along[1], -along[0]]) / length
        if np.dot(outward, (start + end) / 2 - centre) < 0:
            outward = -outward
        points = start + np.linspace(0.1, 0.9, max(8, int(length / 2)))[:, None] * along
        inner = np.round(points - EDGE_STEP_PX * outward).astype(int)
        outer = np.round(points + EDGE_STEP_PX * outward).astype(int)
        seen = (outer[:, 0] >= 0) & (outer[:, 0] < width) & (outer[:, 1] >= 0) & (outer[:, 1] < height)
        if seen.mean() < MIN_EDGE_SHARE:
            continue  # a side along the border, its corners a hair inside: cut by it too
        inner = np.clip(inner[seen], 0, (width - 1, height - 1))
        outer = outer[seen]
        paper = small[inner[:, 1], inner[:, 0]].astype(float)
        beyond = small[outer[:, 1], outer[:, 0]].astype(float)
        if np.mean(paper >= MIN_EDGE_RATIO * np.maximum(beyond, 1.0)) < MIN_EDGE_SHARE:
            return False
    return True


def clear_cut_strokes(box: np.ndarray, paper: int, sides: frozenset[str]) -> None:
    """Strokes the picture's border cuts, reaching no farther in than `CUT_STROKE_REACH`, made
    paper: half a digit or a form's cell walls cut at the border read as phantom 1s and 7s, while
    a ruled line or a form's grid running off the frame (digits touch them) stays (README,
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
