"""Pieces of one digit whose boxes interlock: a stroke broken where it was thinnest.

A small digit's thin link (a 6's stem meeting its loop, a 5's cap meeting its body) can fall
under the binarizing threshold, leaving two regions whose boxes overlap both across and down:
neither stacked (one above the other) nor a small fragment, so `broken_strokes.merge_broken_strokes`
kept them apart and each was read alone (a 6 read "10", a 5 read as nothing). Two digits side
by side overlap so only where one leans into the other's box (a slanted 1 beside a 4): their
ink lies further apart than a broken stroke's, and both stand a digit tall.

Only in small writing (`MAX_DIGIT_PX`): a link breaks where the stroke is a pixel or two wide.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.component import labelled_as

MAX_DIGIT_PX = 30
"""Pieces are joined so on pages whose digits are at most this tall (A4 worksheets written small
at 150 dpi: the broken 6s and 5s of the development pages stood 20-22 px). Bigger writing's
strokes are too thick to break so, and there the pieces that interlock are mostly letters of
words leaning into each other (55 px on development pages of words with numbers,
`benchmarks.hard_pages --kinds words-numbers --seed 21`). Joined, any piece moves the box
centres a page's tilt is measured from (`tilt.measure_tilt`), and with it every
region of the levelled page: where a page of words is read differently so, its word context can
take many digits for letters."""

MIN_OVERLAP_X = 0.75
"""The boxes overlap across by at least this share of the narrower piece: one stands within the
other's columns. Letters of a word lean into each other by half (an e into an s, 55 px: joined
at 0.5 on a development page of words, `benchmarks.hard_pages --kinds words-numbers --seed 21`,
they made a "0" of the word); the broken 6s and 5s overlapped by 0.9 and more."""

MIN_OVERLAP_Y = 0.3
"""The boxes overlap down by more than this share of the shorter piece (less: stacked pieces)."""

MAX_SHORTER_HEIGHT = 0.8
"""The shorter piece stands under this share of the page's digit height (a 1 leaning into the
box of the digit beside it stands a whole digit tall)."""

MAX_INK_GAP = 0.15
"""Their nearest ink pixels lie at most this share of the digit height apart (at least 3 px):
the width of a stroke's broken link, not a gap between digits."""


def interlocking(boxes: np.ndarray, first: np.ndarray, second: np.ndarray, overlap_x: np.ndarray,
                 overlap_y: np.ndarray, digit_height: float, labels: np.ndarray,
                 own_labels: list[list[int]]) -> np.ndarray:
    """Which pairs (`first`, `second`, indices into `boxes` as left, top, right, bottom, with
    their overlaps across and down) are pieces of one broken stroke; `labels` the page's region
    labels and `own_labels` each box's labels in it."""
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    narrower = np.minimum(width[first], width[second])
    shorter = np.minimum(height[first], height[second])
    maybe = ((overlap_x >= MIN_OVERLAP_X * narrower) & (overlap_y > MIN_OVERLAP_Y * shorter)
             & (shorter < MAX_SHORTER_HEIGHT * digit_height))
    found = np.zeros(len(first), bool)
    if digit_height > MAX_DIGIT_PX:
        return found
    reach = max(3.0, MAX_INK_GAP * digit_height)
    for pair in np.flatnonzero(maybe):
        found[pair] = _ink_gap(boxes, int(first[pair]), int(second[pair]), labels, own_labels) <= reach
    return found


def _ink_gap(boxes: np.ndarray, one: int, other: int, labels: np.ndarray, own_labels: list[list[int]]) -> float:
    """The distance between the nearest ink pixels of two regions, within their union's box."""
    left, top = (int(v) for v in np.minimum(boxes[one, :2], boxes[other, :2]))
    right, bottom = (int(v) for v in np.maximum(boxes[one, 2:], boxes[other, 2:]))
    window = labels[top:bottom, left:right]
    mine = labelled_as(window, own_labels[one])
    theirs = labelled_as(window, own_labels[other])
    if not mine.any() or not theirs.any():
        return np.inf
    distance = cv2.distanceTransform((~mine).astype(np.uint8), cv2.DIST_L2, 3)
    return float(distance[theirs].min())
