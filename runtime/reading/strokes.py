"""Give a hair-thin pen stroke MNIST's width before the crop is normalized.

MNIST digits were written with strokes about a tenth of the digit's height: 2-3 px once the
digit fills its 20 px box. A fine ballpoint on a big digit draws strokes of a few per cent of
its height, which shrink to faint, broken lines under 1 px wide in the box, and the model
misreads them. So a crop whose strokes would end up thinner than `MIN_BOX_STROKE_PX` is dilated
(in its own pixels, before the area-averaging shrink keeps the edges soft) until they would not,
but never so far that a loop closes (a 9's small loop filled in reads as a 1). Crops already
that wide are left untouched, so ordinary pens read exactly as before.

Measured on MNIST *validation* digits redrawn with a thin pen (`benchmarks.thin_pen`); see the
docs/results/reading.md (thin pens and touching digits).

Usage:
    crop = widen_thin_strokes(candidate.ink)  # then runtime.normalize.normalize_digit(crop)
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.spec import DIGIT_BOX_PX

MIN_BOX_STROKE_PX = 1.0
"""Strokes that would be thinner than this (px in the 20 px digit box) are widened to it: under
a pixel, the area-averaging shrink leaves a faint, broken line. On thin-pen MNIST *validation*
digits (`benchmarks.thin_pen`) a target of 2.0 px (MNIST's lower quartile; median 2.4 px) read
more of them, but on the real photos it turned a fine-pen long-tailed 9 and a 7 into 1s
(docs/results/reading.md, thin pens and touching digits); 1.0 px changes no real photo."""

HOLE_KEPT_SHARE = 0.5
"""Widening may eat at most this share of the narrowest loop's inner radius: a 9's small loop
filled in is a 1 (seen on fine-pen 9s with long tails)."""


_INK_SHARE = 0.5
"""The stroke is the crop's pixels above this share of its strongest ink."""


def stroke_width_px(ink: np.ndarray) -> float:
    """Typical stroke width of a crop (pixels): twice its ink area over its outline length.

    A stroke of width w and length L has area w*L and an outline about 2L long (inner outlines,
    the holes of loops, count too). 0 when the crop holds no ink.
    """
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0.0:
        return 0.0
    mask = (ink > _INK_SHARE * peak).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * float(mask.sum()) / max(outline, 1.0)


def widen_thin_strokes(ink: np.ndarray) -> np.ndarray:
    """The crop (uint8, ink bright on 0) with strokes widened to MNIST's width if thinner.

    Returns `ink` itself when nothing needs doing (the common case), else a dilated copy with a
    margin, so the widened strokes are not clipped at the crop's edge.
    """
    if ink.size == 0:
        return ink
    scale = DIGIT_BOX_PX / max(ink.shape)
    width_px = stroke_width_px(ink)
    if width_px <= 0.0 or width_px * scale >= MIN_BOX_STROKE_PX:
        return ink
    side = min(int(round(MIN_BOX_STROKE_PX / scale - width_px)), _widest_keeping_loops(ink))
    if side < 2:  # a 1 px dilation kernel changes nothing
        return ink
    padded = cv2.copyMakeBorder(np.ascontiguousarray(ink), side, side, side, side, cv2.BORDER_CONSTANT, value=0)
    return cv2.dilate(padded, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))


def _widest_keeping_loops(ink: np.ndarray) -> int:
    """The widest dilation kernel (px) that leaves every loop of the crop open."""
    mask = (ink > _INK_SHARE * float(ink.max())).astype(np.uint8)
    background = cv2.copyMakeBorder(1 - mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1)
    count, labels = cv2.connectedComponents(background, connectivity=4)
    if count <= 2:  # the outside only: no loop
        return 1 << 30
    distance = cv2.distanceTransform(background, cv2.DIST_L2, 3)
    outside = labels[0, 0]
    radii = [float(distance[labels == label].max()) for label in range(1, count) if label != outside]
    # A kernel of side k grows the stroke by (k - 1) / 2 on each side.
    return int(2.0 * HOLE_KEPT_SHARE * min(radii)) + 1
