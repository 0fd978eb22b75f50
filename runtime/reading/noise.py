"""How grainy a page is, and how much contrast ink must have to stand out of that grain.

A dim, underexposed photo is divided by a dark paper level when the ink map is made, so its
sensor grain becomes strong "ink" in every dark corner; a page of colour noise is nothing but
grain. Both are told from writing by the same measure: the spread of the differences between
neighbouring pixels of the ink map. Handwriting changes a few pixels sharply; grain changes
most of them. The thresholds set here are relative to that spread, so clean pages (small
spread) keep the contrast limits they always had and grainy ones are thresholded above their
grain.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.reading.quantiles import value_of_rank

GRAIN_QUANTILE = 0.75
"""Quantile of the neighbour differences taken as the grain level: above the half of pixels
where the ink map is clipped to zero (paper brighter than its estimate), below the strokes."""

NOISY_GRAIN = 0.04
"""Above this grain the ink map is smoothed before thresholding (clean photos and scans: <= 0.02;
heavily degraded small pages 0.03-0.04, where smoothing blurs 10 px digits more than it helps)."""

GRAIN_CONTRAST_FACTOR = 3.0
"""Ink must be darker than this many times the grain level (measured after smoothing)."""

UNREADABLE_GRAIN = 0.2
"""Grain beyond this (after smoothing) is not a page at all (pure noise): nothing is read."""

MIN_PAPER_SHARE = 0.55
"""Nor is a picture (of a page's size) less than this share of which is paper: on generated
pages, frames of colour noise show 0.28-0.50 paper, every sheet (on a desk, a floor, in dim
light, full of writing) 0.77 or more."""

SMOOTHING_SIGMA_PX = 1.0
"""Gaussian smoothing of a grainy ink map: halves pixel grain, keeps strokes 3 px wide and more."""

MIN_SIDE_TO_SMOOTH_PX = 160
"""Pictures smaller than this (a tight crop of one number) are never smoothed: their strokes are
a few pixels wide, and what looks like grain there is JPEG ringing around them."""


@dataclass
class Grain:
    """The grain of one ink map and what it means for segmentation."""

    level: float  # GRAIN_QUANTILE of neighbour differences of the ink map it was measured on
    smoothed: bool  # whether the ink map to threshold was smoothed first
    paper_share: float = 1.0  # share of the picture that is paper (pictures too small to judge: 1)

    @property
    def unreadable(self) -> bool:
        return self.level > UNREADABLE_GRAIN or self.paper_share < MIN_PAPER_SHARE

    def min_contrast(self, floor: float) -> float:
        """The least darkening that counts as ink on this page: `floor`, or above the grain."""
        return max(floor, GRAIN_CONTRAST_FACTOR * self.level)


PAPER_DARKNESS = 0.18
"""Where the ink map, median-filtered, stays below this, the page is taken as paper for measuring
grain: the edges of the writing itself (all there is on a tight crop of a number) are not grain."""

MIN_PAPER_SAMPLES = 64
"""With fewer paper pixels than this (a crop that is all ink) the grain is taken as zero."""


def grain_level(darkness: np.ndarray) -> tuple[float, float]:
    """GRAIN_QUANTILE of |horizontal neighbour difference| on the paper, and the share of the
    picture that is paper, over every fourth row and every other column (as good an estimate
    as all of them, at an eighth of the cost)."""
    sample = np.ascontiguousarray(darkness[::4, ::2])
    if sample.shape[1] < 2 or sample.size < MIN_PAPER_SAMPLES:
        return 0.0, 1.0
    paper = cv2.medianBlur(sample, 3)[:, 1:] < PAPER_DARKNESS
    # |right - left| by OpenCV: numpy's very values (a difference, then its size), in a fifth of the time.
    differences = cv2.absdiff(sample[:, 1:], sample[:, :-1])[paper]
    # The share of paper as numpy's mean of the bools gives it (a whole count over the size).
    paper_share = np.count_nonzero(paper) / paper.size
    if differences.size < MIN_PAPER_SAMPLES:
        return 0.0, paper_share
    # The value of that rank, ordering only a narrow band of the values (1.2 ms on an A4 page
    # against 2.3 for ordering all around it): the same value.
    return float(value_of_rank(differences, int(GRAIN_QUANTILE * (differences.size - 1)))), paper_share


def suppress_grain(darkness: np.ndarray) -> tuple[np.ndarray, Grain]:
    """The ink map to threshold (smoothed where grainy) and the grain left in it."""
    level, paper_share = grain_level(darkness)
    if min(darkness.shape) < MIN_SIDE_TO_SMOOTH_PX:
        return darkness, Grain(level, smoothed=False)  # a crop of a number: all ink, no page to judge
    if level <= NOISY_GRAIN:
        return darkness, Grain(level, smoothed=False, paper_share=paper_share)
    smooth = cv2.GaussianBlur(darkness, (0, 0), SMOOTHING_SIGMA_PX)
    return smooth, Grain(grain_level(smooth)[0], smoothed=True, paper_share=paper_share)
