"""Digits read from a desk's wood grain, dropped: weak dark streaks on a ground far darker than paper.

Where no sheet is found on a desk (`runtime.reading.sheet`: a sheet filling nearly the whole
frame, or its edge lost in shade), the picture is read whole and the grain's streaks are ink to
the segmenter: read whole, 12 development pages of sheets on desks (`benchmarks.sheet_on_surface
--digits validation`, seeds 301-306) gave 25 phantom digits, 22 of them "1"s. A pen's digit is
written on paper: the ground around it is about as bright as the page's paper and its stroke
dark against that ground. A grain streak lies on wood, its ground 0.51-0.64 of the paper's level
there, and is only a shade darker than the wood (its darkest pixels 0.54-0.78 of the ground,
where a pen's lie under 0.47 on dim and degraded development pages). That alone took 17 digits
off a heavily degraded 640x480 worksheet in a hand's shadow (ground 0.58-0.69 of the paper,
strokes blurred to 0.5-0.7 of it); the grain runs one way around its streaks, the shaded paper
around a digit has no way: the gradients of the neighbourhood must agree in direction too
(`MIN_COHERENCE`). A chalk stroke, light on a dark board, is no streak: its box holds pixels
far brighter than its ground.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.results import Line, Number

PAPER_SHARE = 0.95
"""The page's paper level: the grey level this share of the picture lies under."""

MAX_GROUND_SHARE = 0.7
"""A digit whose ground (the median of a ring around its box) is under this share of the paper's
level lies off the paper: wood at 0.51-0.64 on development desks; digits on dim or shaded
worksheets lie on grounds of 0.58 and more, so their strokes' contrast decides."""

MIN_WEAK_INK = 0.5
"""Its darkest pixels (`INK_SHARE` of the box) no darker than this share of its ground: a weak
streak (grain 0.54-0.78 on development desks, pen 0.47 at most on development worksheets, dim,
degraded and 640x480 ones among them)."""

INK_SHARE = 0.05
LIGHT_SHARE = 0.95

MAX_LIGHT_RATIO = 1.3
"""Its brightest pixels (`LIGHT_SHARE` of the box) under this share of its ground: a dark stroke
on a lighter ground, not chalk on a board (2 and more over the board)."""

RING_SHARE = 0.5
"""The ring around a box reaches this share of the box's height out from it."""

MIN_COHERENCE = 0.35
NEIGHBOURHOOD_SHARE = 1.5
"""The gradients of the picture around the box (out to `NEIGHBOURHOOD_SHARE` of its height, box
left out, blurred by a twentieth of it) agree in direction at least this much (the structure
tensor's coherence, 0 none to 1 one direction): around development desks' phantoms 0.07-0.99,
median 0.46; around digits on dark, weakly inked grounds 0.30 at most. It keeps 60 of the 85
phantoms of development desks dropped (seeds 301-306 and 311-312) and none of the digits."""


def drop_grain(lines: list[Line], gray: np.ndarray) -> list[Line]:
    """`lines` without the digits read from a desk's grain (see the module), numbers and lines
    left empty dropped. Boxes are in `gray`'s pixels (uint8)."""
    digits = [digit for line in lines for digit in line.digits]
    if not digits:
        return lines
    counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().cumsum()
    paper = float(np.searchsorted(counts, PAPER_SHARE * counts[-1]))
    grain = {id(digit) for digit in digits if _is_grain(gray, digit.bbox, paper)}
    if not grain:
        return lines
    kept = [Line([Number([d for d in number.digits if id(d) not in grain]) for number in line.numbers])
            for line in lines]
    return [Line([number for number in line.numbers if number.digits]) for line in kept
            if any(number.digits for number in line.numbers)]


def _is_grain(gray: np.ndarray, bbox: tuple[int, int, int, int], paper: float) -> bool:
    height, width = gray.shape
    x, y, w, h = bbox
    reach = max(1, round(RING_SHARE * h))
    left, top = max(0, x - reach), max(0, y - reach)
    right, bottom = min(width, x + w + reach), min(height, y + h + reach)
    around = gray[top:bottom, left:right]
    ring = np.ones(around.shape, bool)
    ring[max(0, y - top):y - top + h, max(0, x - left):x - left + w] = False
    box = gray[max(0, y):y + h, max(0, x):x + w]
    if not ring.any() or box.size == 0:
        return False
    ground = max(float(np.median(around[ring])), 1.0)
    if ground >= MAX_GROUND_SHARE * paper:
        return False
    ink, light = np.quantile(box, (INK_SHARE, LIGHT_SHARE))
    if ink <= MIN_WEAK_INK * ground or light >= MAX_LIGHT_RATIO * ground:
        return False
    return _coherence_around(gray, bbox) > MIN_COHERENCE


def _coherence_around(gray: np.ndarray, bbox: tuple[int, int, int, int]) -> float:
    """How much the gradients around the box agree in direction (see `MIN_COHERENCE`)."""
    height, width = gray.shape
    x, y, w, h = bbox
    reach = round(NEIGHBOURHOOD_SHARE * h)
    left, top = max(0, x - reach), max(0, y - reach)
    right, bottom = min(width, x + w + reach), min(height, y + h + reach)
    around = cv2.GaussianBlur(gray[top:bottom, left:right].astype(np.float32), (0, 0), max(1.0, h / 20))
    across, down = cv2.Sobel(around, cv2.CV_32F, 1, 0), cv2.Sobel(around, cv2.CV_32F, 0, 1)
    outside = np.ones(around.shape, bool)
    outside[max(0, y - top):y - top + h, max(0, x - left):x - left + w] = False
    xx, yy, xy = ((a * b)[outside].sum() for a, b in ((across, across), (down, down), (across, down)))
    return float(np.hypot(xx - yy, 2 * xy) / max(xx + yy, 1e-6))
