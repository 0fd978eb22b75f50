"""Erase what is printed on the paper: ruled and squared lines, form boxes, the sheet's edges.

Lines are told from writing by length: no digit draws a level stroke wider than it is tall, or
an upright one taller than two digits. Strokes that crossed a line are bridged again.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.ink import label_regions

MIN_BRIDGE_PX = 7
"""Strokes that crossed a line are bridged over at least this many pixels (a thin printed rule
and its anti-aliased edge)."""

MAX_NEAR_LINE_SHARE = 0.3
"""Pieces hugging an erased line are dropped only where lines leave most of the page clear
(ruled paper, forms: a few percent; 5 mm squares photographed small: over half)."""


def remove_rules(mask: np.ndarray, faint_mask: np.ndarray, horizontal_px: int,
                 vertical_px: int) -> np.ndarray:
    """Erase straight horizontal runs longer than `horizontal_px` and vertical ones longer
    than `vertical_px`, and the short box sides standing between two erased horizontals.

    Ruled and squared paper, form boxes and the sheet's own edges are such runs. A digit's
    strokes are not: no digit draws a level stroke wider than it is tall, and a "1" is one
    digit tall, hence the longer vertical limit. Lines are looked for in `faint_mask` (a lower
    threshold, where pale printed lines run unbroken) and erased from `mask`. Returns `mask`
    itself if nothing is erased.
    """
    bridged = np.zeros_like(mask)
    horizontal = np.zeros_like(mask)
    lines = np.zeros_like(mask)
    # Per direction: the run that makes a line, a 3 px thickening across it (a rule on a page
    # photographed a degree off level steps by a pixel now and then, and would otherwise not
    # hold one unbroken straight run), and the reach for bridging strokes that crossed it.
    directions = (((horizontal_px, 1), (1, 3), 0), ((1, vertical_px), (3, 1), 1))
    for run, thicken, across_axis in directions:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
        thick = cv2.dilate(faint_mask, cv2.getStructuringElement(cv2.MORPH_RECT, thicken))
        found = cv2.morphologyEx(thick, cv2.MORPH_OPEN, kernel) & faint_mask
        if found.any():
            # Where a stroke crossed the line, ink lies on both sides of it: close across the
            # line so the stroke is whole again once the line itself is gone. The reach spans
            # the erased band (a bold, blurred grid line of a phone photo is 5 px and more).
            band = cv2.dilate(found, np.ones((3, 3), np.uint8))
            reach = max(MIN_BRIDGE_PX, int(np.ceil(_thickness(found, across_axis))) + 5)
            across = (1, reach) if across_axis == 0 else (reach, 1)
            crossing = cv2.morphologyEx(cv2.bitwise_and(mask, cv2.bitwise_not(band)), cv2.MORPH_CLOSE,
                                        cv2.getStructuringElement(cv2.MORPH_RECT, across))
            bridged |= cv2.bitwise_and(crossing, band)
            lines |= found
            if run[1] == 1:
                horizontal = band
    if not lines.any():
        return mask
    # Widen the found lines by their anti-aliased edge, take them away, and put back the
    # bridges where strokes crossed them.
    if horizontal.any():
        lines |= _box_sides(faint_mask, horizontal)
    cleaned = cv2.bitwise_and(mask, cv2.bitwise_not(cv2.dilate(lines, np.ones((3, 3), np.uint8))))
    cleaned |= bridged
    count, labels, stats = label_regions(cleaned)
    drop = np.zeros(count, bool)
    # What is left hugging a line is the line's ragged rim (a shadowed sheet edge, a thick
    # marker rule), not writing: drop pieces lying almost wholly beside a removed line.
    near_line = cv2.dilate(lines, np.ones((7, 7), np.uint8)) > 0
    # On fine squared paper nearly everything lies beside some line, writing included: there,
    # lying beside a line tells nothing, and the rims go with the texture checks instead.
    if near_line.mean() < MAX_NEAR_LINE_SHARE:
        total = np.bincount(labels.ravel(), minlength=count)
        beside = np.bincount(labels[near_line], minlength=count)
        drop |= beside >= 0.8 * np.maximum(total, 1)
    drop[0] = False
    cleaned[drop[labels]] = 0
    return cleaned


def _thickness(found: np.ndarray, axis: int) -> float:
    """Mean thickness of found lines across `axis` (0: horizontal lines, measured down the
    columns): their pixels per run of pixels, on every fourth column (or row)."""
    lines = found[:, ::4] > 0 if axis == 0 else found[::4, :] > 0
    starts = lines.copy()
    if axis == 0:
        starts[1:, :] &= ~lines[:-1, :]
    else:
        starts[:, 1:] &= ~lines[:, :-1]
    return float(np.count_nonzero(lines)) / max(int(np.count_nonzero(starts)), 1)


def _box_sides(faint_mask: np.ndarray, horizontal_band: np.ndarray) -> np.ndarray:
    """The sides of form boxes: thin upright strokes reaching from one erased horizontal line
    to the next, however short the box (a one-digit box is barely taller than its digit)."""
    sides = np.zeros_like(faint_mask)
    upright = cv2.bitwise_and(faint_mask, cv2.bitwise_not(horizontal_band))
    count, labels, stats = label_regions(upright)
    height = faint_mask.shape[0]
    for label in range(1, count):
        x, y, w, h = stats[label, :4]
        if h < 3 * w or h < 8:
            continue
        above = horizontal_band[max(0, y - 2) : y + 1, x : x + w].any()
        below = horizontal_band[y + h - 1 : min(height, y + h + 2), x : x + w].any()
        if above and below:
            sides[y : y + h, x : x + w] |= np.where(labels[y : y + h, x : x + w] == label, 255, 0).astype(np.uint8)
    return sides
