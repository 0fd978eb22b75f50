"""How far a page's lines are tilted: the consensus of its text lines, not of any one region.

Two steps, both on the centres of the page's digit candidates of ordinary size (a region far
taller or smaller than the page's typical one, such as a long stroke, two stacked digits joined
into one, a crumb, has no vote):

1. a coarse angle, to a degree: projection profiles, the angle at which the centres, projected
   across the lines, pile up in the fewest narrow bins (lines running down the page, a page
   stored sideways, count too, so the angle is known modulo 90 degrees);
2. the consensus: across that angle the centres fall into bands, one per line; each band of
   `MIN_LINE_BOXES` or more gives its own angle (Theil-Sen: the median of its pairwise
   slopes), and the page's tilt is the median of the lines' angles, each weighted by its boxes.

A region that is not a digit of the page's size moves at most its own line, and that by less
than its share of the votes; the coarse profile alone jumped a whole degree on one joined pair
of stacked pieces (a page of words measured 2 degrees for 3, then left unlevelled: 36 digits
read 12), and up to 5 on four lines of five digits. `TiltEstimate` says how well the tilt is
supported: how many lines and boxes agree, and how far their angles spread.

The reader levels by `estimate_tilt_deg`: the profile's whole degree over all the boxes, as it
always has, where the consensus lies within `AGREEMENT_DEG` of it, and the consensus where it
does not and `MIN_SUPPORTING_LINES` lines measured it. Levelling every page by the consensus measured tilts better (half the error on
development pages turned by known angles) but read the benchmark sets a few digits otherwise
by chance (levelled by 5.9 degrees instead of 7, a page of script read 2 digits more); see
docs/results/reading.md ("The page's tilt from its lines' consensus").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from runtime.reading.quantiles import median  # of a page's box heights: numpy's value, without its overhead
from runtime.results import BBox

TILT_STEP_DEG = 1.0
"""Angles tried for the coarse angle; the lines' consensus measures the rest."""

_TILT_ANGLES = np.arange(-45.0, 45.0, TILT_STEP_DEG)
_LEVEL_INDEX = int(np.argmin(np.abs(_TILT_ANGLES)))

MIN_TILT_DEG = 3.0
"""Tilts smaller than this are left alone: line grouping tolerates them."""

AGREEMENT_DEG = 1.0
"""The projection profile's whole degree stands where the lines' consensus is within this of it;
further off, one region has moved the profile and the consensus is taken (`estimate_tilt_deg`)."""

CLEARLY_BETTER = 1.05
"""The coarse angle is level unless another gathers the centres at least this much better."""

VOTER_HEIGHTS = (0.5, 1.6)
"""Boxes vote when their height lies within these shares of the page's median box height."""

MIN_VOTERS = 3
"""Fewer boxes than this (voters, or all boxes where too few vote) measure no tilt."""

BAND_GAP = 0.5
"""Across the coarse angle, a gap wider than this share of the median height starts a new line."""

MIN_LINE_BOXES = 3
"""A line gives an angle of its own when it holds at least this many boxes."""

MIN_SUPPORTING_LINES = 3
"""The consensus stands for the page (over the profile) only when at least this many lines
measured it: the median of two lines is their mean, and one odd line decides it (a level
640x480 page of small touching digits, read as 15 regions, gave two lines at -4.1 degrees where
the profile said -3, and levelled by that read 2 wrong digits more, tests/test_small_pages.py)."""


@dataclass(frozen=True)
class TiltEstimate:
    """A page's tilt and how well its lines support it."""

    angle_deg: float  # counter-clockwise tilt of the lines, within [-45, 45); 0 where unclear
    lines: int = 0  # lines of `MIN_LINE_BOXES` or more boxes that voted
    support: int = 0  # boxes in those lines
    spread_deg: float = 0.0  # weighted median distance of the lines' angles from `angle_deg`

    @property
    def supported(self) -> bool:
        """At least `MIN_SUPPORTING_LINES` lines of `MIN_LINE_BOXES` boxes measured it."""
        return self.lines >= MIN_SUPPORTING_LINES


def estimate_tilt_deg(boxes: list[BBox]) -> float:
    """The page's tilt in degrees: the projection profile's whole degree over all the boxes
    (`_coarse_angle`: 0 if none is clearly better than level), unless the
    lines' consensus (`measure_tilt`) is supported and more than `AGREEMENT_DEG` away from it.

    Where they agree, the whole degree the reader has always levelled by stands (levelling by
    another angle reads a page's faint and touching digits a little differently, by chance);
    where they do not, one region moved the profile (a digit joined to the one below it took a
    page of four lines tilted 3.5 degrees to 0, another tilted 5 to 7)."""
    return tilt_and_consensus(boxes)[0]


def tilt_and_consensus(boxes: list[BBox]) -> tuple[float, TiltEstimate]:
    """`estimate_tilt_deg(boxes)` and `measure_tilt(boxes)` in one: the consensus is measured
    once (the reader asks for both of every page, and each cost 0.3-0.4 ms a camera frame)."""
    if len(boxes) < MIN_VOTERS:
        return 0.0, TiltEstimate(0.0)
    array, height = _boxes_and_height(boxes)
    centres = _centres(array)
    coarse = _coarse_angle(centres, height)
    voting = _voting(array, height)
    # Where every box votes (most pages), the consensus starts from the profile's own angle:
    # the voters are all the boxes, so it is `measure_tilt`'s either way.
    estimate = _measure(array[voting], height, coarse if voting.all() else None)
    if not estimate.supported or abs(_wrapped(coarse[0] - estimate.angle_deg)) <= AGREEMENT_DEG:
        return coarse[0], estimate
    return estimate.angle_deg, estimate


def _wrapped(angle_deg: float) -> float:
    """An angle within [-45, 45): tilts are known modulo 90 degrees."""
    return (angle_deg + 45.0) % 90.0 - 45.0


def measure_tilt(boxes: list[BBox]) -> TiltEstimate:
    """The tilt of the lines the boxes (x, y, w, h) stand in, and its support (module docstring)."""
    if len(boxes) < MIN_VOTERS:
        return TiltEstimate(0.0)
    array, height = _boxes_and_height(boxes)
    return _measure(array[_voting(array, height)], height)


def _boxes_and_height(boxes: list[BBox]) -> tuple[np.ndarray, float]:
    """The boxes as an (n, 4) float array, and their median height (at least a pixel)."""
    array = np.array(boxes, np.float64)
    return array, max(1.0, float(median(array[:, 3])))


def _centres(array: np.ndarray) -> np.ndarray:
    """The boxes' centres, (n, 2)."""
    return array[:, :2] + array[:, 2:] / 2.0


def _voting(array: np.ndarray, height: float) -> np.ndarray:
    """Which boxes vote (`VOTER_HEIGHTS`); all of them where fewer than `MIN_VOTERS` would."""
    voting = (array[:, 3] >= VOTER_HEIGHTS[0] * height) & (array[:, 3] <= VOTER_HEIGHTS[1] * height)
    return voting if voting.sum() >= MIN_VOTERS else np.ones(len(array), bool)


def _measure(voters: np.ndarray, height: float, coarse: tuple[float, bool] | None = None) -> TiltEstimate:
    """`measure_tilt` on the voting boxes; `coarse`: their `_coarse_angle`, where known."""
    centres = _centres(voters)
    angle, down_the_page = coarse if coarse is not None else _coarse_angle(centres, height)
    if down_the_page:  # a quarter-turn makes lines running down the page run across: same tilt
        centres = np.stack([centres[:, 1], -centres[:, 0]], axis=1)
    return _consensus(centres, angle, height)


def _coarse_angle(centres: np.ndarray, height: float) -> tuple[float, bool]:
    """The whole degree at which the centres gather into the fewest lines (level unless clearly
    better elsewhere), and whether those lines run down the page."""
    scores = _line_scores(centres, _TILT_ANGLES, max(1.0, 0.5 * height))
    best = scores.max(axis=0)
    better = np.flatnonzero(best > best[_LEVEL_INDEX] * CLEARLY_BETTER)
    if better.size == 0:
        return 0.0, bool(scores[1, _LEVEL_INDEX] > scores[0, _LEVEL_INDEX])
    # Nearby angles often tie (every centre already in its line's bin): the middle of the best
    # plateau, not its edge.
    tied = better[best[better] == best[better].max()]
    middle = int(tied[len(tied) // 2])
    return float(np.median(_TILT_ANGLES[tied])), bool(scores[1, middle] > scores[0, middle])


def _consensus(centres: np.ndarray, coarse_deg: float, height: float) -> TiltEstimate:
    """The lines' weighted median angle, lines found as bands across `coarse_deg`."""
    theta = np.radians(coarse_deg)
    along = centres[:, 0] * np.cos(theta) - centres[:, 1] * np.sin(theta)
    across = centres[:, 0] * np.sin(theta) + centres[:, 1] * np.cos(theta)
    order = np.argsort(across)
    starts = np.flatnonzero(np.diff(across[order]) > BAND_GAP * height) + 1
    angles, weights = [], []
    for band in np.split(order, starts):
        if len(band) < MIN_LINE_BOXES:
            continue
        slope = _theil_sen_slope(along[band], across[band], height)
        if slope is None:
            continue
        # Across grows downwards: a line rising further than the coarse angle falls across it.
        angles.append(coarse_deg - float(np.degrees(np.arctan(slope))))
        weights.append(len(band))
    if not angles:
        return TiltEstimate(coarse_deg)
    angle = _weighted_median(np.array(angles), np.array(weights, np.float64))
    spread = _weighted_median(np.abs(np.array(angles) - angle), np.array(weights, np.float64))
    return TiltEstimate(_wrapped(angle), len(angles), int(sum(weights)), float(spread))


def _theil_sen_slope(along: np.ndarray, across: np.ndarray, height: float) -> float | None:
    """The median slope over pairs of a line's centres at least half a height apart along it
    (closer ones, a digit's pieces one above the other, say nothing of the line)."""
    first, second = _pairs(len(along))
    run = along[second] - along[first]
    usable = np.abs(run) >= 0.5 * height
    if not usable.any():
        return None
    # numpy's median, value for value, without its overhead on a line's few dozen slopes.
    return float(median(((across[second] - across[first])[usable] / run[usable]).tolist()))


@functools.lru_cache(maxsize=128)
def _pairs(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.triu_indices(count, 1)`, read-only: a page's lines are of a few lengths, and building
    the indices cost a third of the consensus."""
    first, second = np.triu_indices(count, 1)
    first.flags.writeable = second.flags.writeable = False
    return first, second


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value with at most half the weight on either side (the mean of the two middle ones
    where the weight splits exactly between them)."""
    order = np.argsort(values)
    ordered, cumulative = values[order], np.cumsum(weights[order])
    middle = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
    if cumulative[middle] == 0.5 * cumulative[-1] and middle + 1 < len(ordered):
        return float(0.5 * (ordered[middle] + ordered[middle + 1]))
    return float(ordered[middle])


def _line_scores(centres: np.ndarray, angles_deg: np.ndarray, bin_px: float) -> np.ndarray:
    """How tightly the centres gather into lines at each tilt (sum of squared bin counts), (2,
    angles): lines across the page, then lines running down it.

    All angles at once: for each, the distance of every centre across a line rising at that
    angle (y grows downwards) and across lines running down the page, on two bin grids offset
    by half a bin so a line lying on a bin edge is not split; per family the better grid.
    """
    theta = np.radians(angles_deg)[:, None]
    x, y = centres[None, :, 0], centres[None, :, 1]
    across = np.concatenate([x * np.sin(theta) + y * np.cos(theta), x * np.cos(theta) - y * np.sin(theta)])
    offsets = (across - across.min(axis=1, keepdims=True)) / bin_px
    # All four counts in one call: on a frame's few digits the per-call cost is most of the work.
    bins = np.concatenate([np.floor(offsets + phase) for phase in (0.0, 0.5)])
    return _sum_of_squared_counts(bins).reshape(2, 2, len(angles_deg)).max(axis=0)


def _sum_of_squared_counts(bins: np.ndarray) -> np.ndarray:
    """Per row of bin numbers (whole numbers from 0, as floats): the sum over bins of (points in
    the bin) squared, as float64.

    Every row's bins counted in one `np.bincount`, each row given a range of its own: three
    times faster than ordering the rows and measuring their runs, and whole numbers throughout.
    The bins span the page's extent in half digit heights, so the ranges stay small."""
    rows = bins.shape[0]
    if bins.size == 0:
        return np.zeros(rows)
    whole = bins.astype(np.int64)
    width = int(whole.max()) + 1
    counts = np.bincount((whole + np.arange(0, rows * width, width)[:, None]).ravel(), minlength=rows * width)
    return (counts * counts).reshape(rows, width).sum(axis=1).astype(np.float64)
