"""Whether a quadrilateral on a picture's small copy ends in a step down from paper to a surface
along its sides: the straight long edges of a sheet lying on a desk or a floor.

A sheet on a surface ends in a straight step from its paper to what it lies on, all along each
side; paper filling the frame, lit unevenly, fades instead, and a bright patch of a floor or a
frame has no such straight edges. `runtime.reading.off_frame` asks it of a sheet running off
the frame and `runtime.reading.sheet` of one on tiles nearly as light as its paper.
"""

from __future__ import annotations

import numpy as np

EDGE_STEP_PX = 3
"""Each side is looked at this far (small-copy pixels) inside it and outside it."""

MIN_EDGE_RATIO = 1.05
MIN_EDGE_SHARE = 0.8
"""A sheet's side steps down to the surface where, along `MIN_EDGE_SHARE` of it, the paper just
inside is `MIN_EDGE_RATIO` brighter than the picture just outside: the surface seen beside it,
a step at its edge. A lit part of a scan or a webcam frame of paper fades into the dimmer paper
around it (taken for sheets running off the frame, they cost real photos digits); light tiles
lie only 6-9% below the paper, so the step asked for is smaller than the one the sheet's median
must clear (`sheet.MIN_BRIGHTNESS_RATIO`)."""


def steps_down_at_sides(small: np.ndarray, corners: np.ndarray, on_sides: dict[str, np.ndarray]) -> bool:
    """Whether each side of the quadrilateral `corners` on the small copy `small` that the
    picture's border does not cut (`on_sides`, from `off_frame.corners_on_sides`) has the paper
    inside it brighter than the picture just outside it along `MIN_EDGE_SHARE` of its length."""
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
