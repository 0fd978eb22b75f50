"""Is a region written ink? Checks made on each region before it is classified.

A handwritten digit is a stroke of roughly constant width, several stroke widths long, clearly
darker than the least darkening that counts as ink on its page. What else reaches the
classifier fails one of these: a speck or a blob of grain is about as tall as it is thick (its
widest inner circle fills it), and texture (a floor's speckle, a desk's grain, the soft edge of a
shadow) lies just above the ink threshold, where writing lies well above it. The classifier
would give every such region a confident label; these checks keep them from it. And when most
regions on a page are alike and as small as a digit may be, they are texture (`drop_texture`).
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_LENGTH_IN_STROKES = 1.5
"""A digit's longer side spans at least this many stroke widths (the widest inner circle's
diameter); a dot or a blob spans about one. Generated pages: 99.9% of true digits pass."""

MIN_PEAK_CONTRAST_RATIO = 1.5
"""The darkest tenth of a region's ink must be this many times the page's least ink contrast:
writing is well above the threshold, texture hovers just over it."""


def stroke_width_px(own: np.ndarray) -> float:
    """Diameter of the widest circle inside a region's mask (uint8, 1 on the region)."""
    padded = cv2.copyMakeBorder(own, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return 2.0 * float(cv2.distanceTransform(padded, cv2.DIST_L2, 3).max())


def looks_written(own: np.ndarray, peak_contrast: float, min_contrast: float) -> bool:
    """Whether a region (mask `own`, its ink's 90th percentile darkness `peak_contrast`) is ink
    written in strokes, on a page where ink starts at `min_contrast` darkness."""
    if peak_contrast < MIN_PEAK_CONTRAST_RATIO * min_contrast:
        return False
    return max(own.shape) >= MIN_LENGTH_IN_STROKES * stroke_width_px(own)


TEXTURE_MIN_REGIONS = 20
"""Fewer regions than this are never called texture: a few small digits are just small digits."""

TEXTURE_MEDIAN_RATIO = 1.5
"""Regions whose median height is below this many times the least digit height are piled up
against the size cut-off: the tail of a page of specks (a floor's grain), not writing, whose
sizes cluster well above any cut-off."""

TEXTURE_KEEP_RATIO = 2.0
"""On a texture page only regions at least this many times the least digit height stay."""


def drop_texture(heights: list[int], min_height: float) -> list[bool]:
    """Which regions to keep, given all heights on the page and the least digit height."""
    if len(heights) < TEXTURE_MIN_REGIONS or np.median(heights) >= TEXTURE_MEDIAN_RATIO * min_height:
        return [True] * len(heights)
    return [height >= TEXTURE_KEEP_RATIO * min_height for height in heights]
