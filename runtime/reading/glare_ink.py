"""Glare told from light by the ink: the weak bright spots whose strokes lost contrast.

Glare adds light towards white, so the strokes under it lose contrast against their paper in
proportion to the paper's rise; brighter light (a lit corner, a vignette's middle) multiplies
ink and paper alike and leaves the strokes' contrast as it is. A bright spot whose shape leaves
it open (`runtime.reading.ink._glare_spots`) is taken for glare where its strokes are clearly
fainter than those around it, by at least half of what its paper's rise predicts.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np


class WeakSpots(NamedTuple):
    """Bright areas clear of the picture's edge that fail the shape checks, on the small paper."""

    labels: np.ndarray  # int32, 0 outside them
    gain: np.ndarray  # float32: the paper's rise towards white, the gain glare would call for
    foothills: np.ndarray  # bool: paper half a spot's rise above the page's bright paper


STROKE_PERCENTILE = 99.0
"""Percentile of the darkness that stands for a region's strokes (they cover a few per cent)."""

MIN_RING_INK = 0.25
"""Least stroke darkness around a spot for its strokes to be compared (no ink, no evidence)."""

MIN_SPOT_AREA = 30
"""Fewest pixels of the small paper (a few strokes' widths across) a spot needs for its strokes
to be compared: a photo's noise leaves specks a pixel or two wide over its bright paper."""

MAX_CORE_KEPT = 0.6
"""Most of their contrast the strokes in a spot's core may be predicted to keep (the inverse of
its paper's gain) for the test to tell glare: where glare would take less than two fifths, one
writer's strokes vary as much. Weak glare spots of seeds 316-317 (photo, glare): 0.33-0.55; the
specks of a photo's noise over bright paper: above 0.8."""

MAX_EXTRA_FADING = 2.0
"""Most times the strokes in a spot may be fainter than glare predicts for them to count. On the
weak glare spots of seeds 316-317 (photo, glare) they are 0.68-0.95 times as dark as predicted;
the lit paper taken for glare without it (seed 311, harsh light, page 4: a grid under the light,
the digits around it) 0.26."""

MIN_SPOT_INK = 0.08
"""Least stroke darkness inside a spot: below it the spot holds paper and noise only, and an
empty lit area must not pass for glare."""


def glare_by_contrast(darkness: np.ndarray, weak: WeakSpots, gain: np.ndarray | None) -> np.ndarray | None:
    """`gain` (the small paper's glare gain, None for none) with the weak spots whose strokes
    lost contrast as glare does added at their paper's gain."""
    confirmed = np.zeros(int(weak.labels.max()) + 1, bool)
    labels = np.unique(weak.labels)
    for label in labels[labels > 0]:  # numbered among all the bright areas, not only the weak
        confirmed[label] = _strokes_washed_out(darkness, weak, weak.labels == label)
    if not confirmed.any():
        return gain
    spots = confirmed[weak.labels]
    merged = np.ones_like(weak.gain) if gain is None else gain
    merged[spots] = np.maximum(merged[spots], weak.gain[spots])
    return merged


def _strokes_washed_out(darkness: np.ndarray, weak: WeakSpots, spot: np.ndarray) -> bool:
    """Whether the strokes in `spot` (a mask of the small paper) are fainter than those in a ring
    around it by at least half of what the spot's paper gain predicts."""
    area = int(spot.sum())
    if area < MIN_SPOT_AREA or 1.0 / float(weak.gain[spot].max()) > MAX_CORE_KEPT:
        return False
    predicted = float(np.median(1.0 / weak.gain[spot]))  # the strokes' contrast kept under glare
    reach = max(3, int(np.sqrt(area)))
    around = cv2.dilate(spot.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)) > 0
    ring = around & ~weak.foothills
    ys, xs = np.nonzero(around)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    scale_y = darkness.shape[0] / spot.shape[0]
    scale_x = darkness.shape[1] / spot.shape[1]
    full = darkness[int(top * scale_y):int(bottom * scale_y), int(left * scale_x):int(right * scale_x)]
    if full.size == 0 or not ring.any():
        return False
    size = (full.shape[1], full.shape[0])
    inside = cv2.resize(spot[top:bottom, left:right].view(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    outside = cv2.resize(ring[top:bottom, left:right].view(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    if not inside.any() or not outside.any():
        return False
    ink_in = float(np.percentile(full[inside], STROKE_PERCENTILE))
    ink_out = float(np.percentile(full[outside], STROKE_PERCENTILE))
    if ink_out < MIN_RING_INK or ink_in < MIN_SPOT_INK:
        return False
    kept = ink_in / ink_out
    # Strokes far fainter than glare can make them are few in the spot (a grid's lines, a stray
    # mark): no evidence. Strokes as dark as around it are lit, not washed out.
    return predicted / MAX_EXTRA_FADING <= kept <= (1.0 + predicted) / 2.0
