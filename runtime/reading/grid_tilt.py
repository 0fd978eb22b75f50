"""The tilt of squared paper, measured on its grid: projection profiles of the ink mask.

Squared paper photographed at a slant falls apart where its grid is dark enough to lie in the
ink mask (a phone photo's): 8 degrees off level, its lines are no level runs for the rule finder
(`runtime.reading.rules`), every digit stays joined to the grid in one region, and the page
shows a few candidates, too few to measure a tilt from their lines (`runtime.reading.tilt`).
The grid tells the tilt itself: projected across the angle it lies at, its lines pile up in
narrow bins, each as long as the page, both ways. A page is levelled by it only where it holds
such long lines both ways (`GRID_MIN_LINES`): ruled paper has none upright, dotted paper's rows
are mostly paper, and writing's lines are far shorter than a page.

The angles are those of `runtime.reading.tilt`: counter-clockwise, as the page was turned, and
`level_page` turns it back by them.
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_GRID_TILT_DEG = 20.0
COARSE_STEP_DEG = 1.0
FINE_STEP_DEG = 0.1
"""Angles tried: every `COARSE_STEP_DEG` up to `MAX_GRID_TILT_DEG` either way, then every
`FINE_STEP_DEG` within a coarse step of the best (a line across a page 900 px long drifts by
under 2 px at a tenth of a degree)."""

MAX_SIDE_PX = 900
"""The mask is looked at every few pixels, so that its longer side is at most this long."""

MAX_POINTS = 8000
"""At most this many of the ink's pixels are projected (every few of them, in order)."""

LINE_MIN_SHARE = 0.3
GRID_MIN_LINES = 6
"""A grid holds at least `GRID_MIN_LINES` lines each way that are long: a bin of the profile
across them (a pixel wide, and its neighbour) holding ink along `LINE_MIN_SHARE` of the picture's
side. A squared A4 page photographed whole has 25-40 each way."""


def grid_tilt_deg(mask: np.ndarray) -> float | None:
    """The tilt of the grid in `mask` (uint8, ink non-zero) in degrees, counter-clockwise; None
    where it holds no grid (`GRID_MIN_LINES` long lines both ways at one angle)."""
    step = max(1, -(-max(mask.shape) // MAX_SIDE_PX))
    sampled = mask[::step, ::step]
    # Thin ink alone: a solid patch (the desk beyond a sheet's edge) piles up at every angle.
    thin = cv2.subtract(sampled, cv2.morphologyEx(sampled, cv2.MORPH_OPEN, _SOLID))
    rows, columns = np.nonzero(thin)
    if rows.size == 0:
        return None
    every = max(1, -(-rows.size // MAX_POINTS))
    points = np.stack([columns[::every], rows[::every]]).astype(np.float32)
    coarse = np.arange(-MAX_GRID_TILT_DEG, MAX_GRID_TILT_DEG + COARSE_STEP_DEG / 2, COARSE_STEP_DEG)
    best = coarse[int(np.argmax(_sharpness(points, coarse)))]
    fine = best + np.arange(-COARSE_STEP_DEG, COARSE_STEP_DEG + FINE_STEP_DEG / 2, FINE_STEP_DEG)
    tilt = float(fine[int(np.argmax(_sharpness(points, fine)))])
    height, width = sampled.shape
    level, upright = _profiles(points, tilt)
    enough = (_long_lines(level, LINE_MIN_SHARE * width / every) >= GRID_MIN_LINES
              and _long_lines(upright, LINE_MIN_SHARE * height / every) >= GRID_MIN_LINES)
    return round(tilt, 1) if enough else None


_SOLID = np.ones((5, 5), np.uint8)
"""Ink holding a square this large (on the mask looked at) is solid, no line."""

LINE_MAX_SIDE_SHARE = 0.5
LINE_SIDE_REACH = 3
"""A long line stands alone: `LINE_SIDE_REACH` bins either side of it, the profile holds under
`LINE_MAX_SIDE_SHARE` of the line's count (a band of ink, bold writing's rows, does not)."""


def _projections(points: np.ndarray, angle_deg: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per angle (rows) and point, where the point lies across the level lines and across the
    upright ones of a grid turned by that angle, in whole pixels from 0."""
    radians = np.deg2rad(np.atleast_1d(angle_deg))[:, None]
    sin, cos = np.sin(radians), np.cos(radians)
    x, y = points
    # Turned counter-clockwise (y down), a level line runs up to the right: y + x tan(angle)
    # stays; an upright line leans right going down: x - y tan(angle) stays.
    across_level = np.rint(x * sin + y * cos).astype(np.int64)
    across_upright = np.rint(x * cos - y * sin).astype(np.int64)
    return across_level - across_level.min(), across_upright - across_upright.min()


def _sharpness(points: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Per angle, how sharply the points pile up across both ways' lines: the sum of squares
    of both profiles (one bincount over every angle at once)."""
    scores = np.zeros(len(angles))
    for across in _projections(points, angles):
        bins = int(across.max()) + 1
        offsets = (np.arange(len(angles)) * bins)[:, None]
        counts = np.bincount((across + offsets).ravel(), minlength=bins * len(angles)).astype(np.float64)
        scores += (counts.reshape(len(angles), bins) ** 2).sum(axis=1)
    return scores


def _profiles(points: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The profiles across the level lines and across the upright ones at `angle_deg`."""
    return tuple(np.bincount(across[0]) for across in _projections(points, angle_deg))


def _long_lines(profile: np.ndarray, least: float) -> int:
    """How many lines the profile holds of `least` points or more (a line may straddle two
    bins: each bin is counted with its larger neighbour, and neighbouring bins are one line)."""
    reach = LINE_SIDE_REACH
    padded = np.concatenate([np.zeros(reach, profile.dtype), profile, np.zeros(reach, profile.dtype)])
    inner = padded[reach:-reach]
    pairs = inner + np.maximum(padded[reach - 1 : -reach - 1], padded[reach + 1 : len(padded) - reach + 1])
    beside = np.maximum(padded[: -2 * reach], padded[2 * reach :])
    alone = (pairs >= least) & (beside < LINE_MAX_SIDE_SHARE * pairs)
    long = np.concatenate([[False], alone, [False]]).astype(np.int8)
    return int(np.count_nonzero(np.diff(long) == 1))
