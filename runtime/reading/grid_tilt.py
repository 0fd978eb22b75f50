"""The tilt of squared paper, measured on its grid: projection profiles of the faint ink.

Squared paper photographed at a slant falls apart where its grid lies in the ink (a phone
photo's dark grid): 8 degrees off level, its lines are no level runs for the rule finder
(`runtime.reading.rules`), the digits stay joined to the grid, and the page shows a few
candidates, too few to measure a tilt from their lines (`runtime.reading.tilt`). The grid tells
the tilt itself: projected across the angle they lie at, its lines pile up in narrow bins, each
as long as the page. A page holds a grid where it holds such lines both ways
(`GRID_MIN_LINES`), each way at its own angle (a photo's perspective turns the upright lines a
little against the level ones); ruled paper has none upright, dotted paper's rows are mostly
paper, and writing's lines are far shorter than a page.

The angles are those of `runtime.reading.tilt`: counter-clockwise, as the page was turned, and
`orientation.level_page` turns it back by them. The tilt is the level lines' (the text's).
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_GRID_TILT_DEG = 15.0
COARSE_STEP_DEG = 1.0
FINE_STEP_DEG = 0.1
"""Angles tried: every `COARSE_STEP_DEG` up to `MAX_GRID_TILT_DEG` either way, then every
`FINE_STEP_DEG` within a coarse step of the best (a line across a page 900 px long drifts by
under 2 px at a tenth of a degree). Steeper pages are the candidates' lines' to measure."""

MAX_SIDE_PX = 900
"""The mask is looked at every few pixels, so that its longer side is at most this long."""

MAX_POINTS = 8000
"""At most this many of the ink's pixels are projected at every angle tried (every few of them,
in order); the lines are counted on all of them, at the angle found."""

LINE_MIN_SHARE = 0.3
GRID_MIN_LINES = 6
"""A grid holds at least `GRID_MIN_LINES` lines each way that are long: a bin of the profile
across them (a pixel wide, with its larger neighbour) holding ink along `LINE_MIN_SHARE` of the
picture's side. A squared A4 page photographed whole shows 9-70 each way."""

LINE_MAX_SIDE_SHARE = 0.5
LINE_SIDE_REACH = 3
"""A line stands out: `LINE_SIDE_REACH` bins either side of it, the profile holds under
`LINE_MAX_SIDE_SHARE` of its own bin. A floor's or a desk's texture fills every bin alike."""

_SOLID = np.ones((5, 5), np.uint8)
"""Ink holding a square this large (on the mask looked at) is solid, no line."""


def grid_tilt_deg(mask: np.ndarray) -> float | None:
    """The tilt of the grid in `mask` (uint8, ink non-zero) in degrees, counter-clockwise; None
    where it holds no grid (`GRID_MIN_LINES` long lines both ways)."""
    step = max(1, -(-max(mask.shape) // MAX_SIDE_PX))
    sampled = mask[::step, ::step]
    # Thin ink alone: a solid patch (the desk beyond a sheet's edge) piles up at every angle.
    thin = cv2.subtract(sampled, cv2.morphologyEx(sampled, cv2.MORPH_OPEN, _SOLID))
    rows, columns = np.nonzero(thin)
    if rows.size == 0:
        return None
    points = np.stack([columns, rows]).astype(np.float32)
    swept = points[:, :: max(1, -(-rows.size // MAX_POINTS))]
    height, width = sampled.shape
    angles = []
    for upright, side in ((False, width), (True, height)):
        angle = _sharpest(swept, upright)
        if _long_lines(np.bincount(_across(points, angle, upright)[0]), LINE_MIN_SHARE * side) < GRID_MIN_LINES:
            return None
        angles.append(angle)
    return round(angles[0], 1)


def _sharpest(points: np.ndarray, upright: bool) -> float:
    """The angle at which the points pile up most sharply across one way's lines: coarse, then fine."""
    coarse = np.arange(-MAX_GRID_TILT_DEG, MAX_GRID_TILT_DEG + COARSE_STEP_DEG / 2, COARSE_STEP_DEG)
    best = coarse[int(np.argmax(_sharpness(points, coarse, upright)))]
    fine = best + np.arange(-COARSE_STEP_DEG, COARSE_STEP_DEG + FINE_STEP_DEG / 2, FINE_STEP_DEG)
    return float(fine[int(np.argmax(_sharpness(points, fine, upright)))])


def _across(points: np.ndarray, angles_deg: float | np.ndarray, upright: bool) -> np.ndarray:
    """Per angle (rows) and point, where the point lies across the level lines (or the upright
    ones) of a grid turned by that angle, in whole pixels from 0."""
    radians = np.deg2rad(np.atleast_1d(angles_deg))[:, None]
    sin, cos = np.sin(radians), np.cos(radians)
    x, y = points
    # Turned counter-clockwise (y down), a level line runs up to the right: y + x tan(angle)
    # stays; an upright line leans right going down: x - y tan(angle) stays.
    across = np.rint(x * cos - y * sin if upright else x * sin + y * cos).astype(np.int64)
    return across - across.min()


def _sharpness(points: np.ndarray, angles: np.ndarray, upright: bool) -> np.ndarray:
    """Per angle, how sharply the points pile up across one way's lines: the sum of squares of
    the profile (one bincount over every angle at once)."""
    across = _across(points, angles, upright)
    bins = int(across.max()) + 1
    offsets = (np.arange(len(angles)) * bins)[:, None]
    counts = np.bincount((across + offsets).ravel(), minlength=bins * len(angles)).astype(np.float64)
    return (counts.reshape(len(angles), bins) ** 2).sum(axis=1)


def _long_lines(profile: np.ndarray, least: float) -> int:
    """How many lines the profile holds of `least` points or more (a line may straddle two
    bins: each bin is counted with its larger neighbour, and neighbouring bins are one line)
    that stand out of it (`LINE_MAX_SIDE_SHARE`)."""
    reach = LINE_SIDE_REACH
    padded = np.concatenate([np.zeros(reach, profile.dtype), profile, np.zeros(reach, profile.dtype)])
    own = padded[reach:-reach]
    pairs = own + np.maximum(padded[reach - 1 : -reach - 1], padded[reach + 1 : len(padded) - reach + 1])
    beside = np.maximum(padded[: -2 * reach], padded[2 * reach :])
    standing = (pairs >= least) & (beside < LINE_MAX_SIDE_SHARE * own)
    starts = np.diff(np.concatenate([[False], standing]).astype(np.int8)) == 1
    return int(np.count_nonzero(starts))
