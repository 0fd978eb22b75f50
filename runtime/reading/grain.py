"""Digits read from a desk's wood grain, dropped: "1"s that are weak streaks on a ground far darker
than paper, the picture around them running one way.

Where no sheet is found on a desk (`runtime.reading.sheet`: a sheet filling nearly the whole
frame, or its edge lost in shade), the picture is read whole and the grain's streaks are ink to
the segmenter: read whole, 12 development pages of sheets on desks (`benchmarks.sheet_on_surface
--digits validation`, seeds 301-306) gave 25 phantom digits, 22 of them "1"s. A pen's digit is
written on paper: the ground around it is about as bright as the page's paper and its stroke
dark against that ground. A grain streak lies on wood, its ground 0.51-0.64 of the paper's level
there, and is only a shade darker than the wood (its darkest pixels 0.54-0.78 of the ground,
where a pen's lie under 0.47 on dim and degraded development pages). That alone took 17 digits
off a heavily degraded 640x480 worksheet in a hand's shadow (ground 0.58-0.69 of the paper,
strokes blurred to 0.5-0.7 of it): only "1"s are judged (`STREAK_READS_AS`), and the grain runs
one way around its streaks where shaded paper has no way (`MIN_COHERENCE`). A chalk stroke,
light on a dark board, is no streak: its box holds pixels far brighter than its ground.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.results import Line, Number

PAPER_SHARE = 0.95
"""The page's paper level: the grey level this share of the picture lies under."""

LOOK_SIDE_PX = 200
LOOK_GROUND_SHARE = 0.8
"""Only digits whose ring's mean grey, on a sample grid about `LOOK_SIDE_PX` along the picture's
longer side, is under this share of the paper's level are looked at closely (`_Look`)."""

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

STREAK_READS_AS = "1"
"""A streak of grain is one straight stroke: of 51 phantoms dropped on development desks with no
test of the label, 49 were "1"s; 8 of the 10 digits lost with them on heavily degraded 640x480
worksheets (`benchmarks.worksheets --degrade heavy --size 640x480 --digits validation --seed
206`, 100 pages) were other digits."""

MIN_COHERENCE = 0.35
NEIGHBOURHOOD_SHARE = 1.5
MIN_RING_COHERENCE = 0.25
EDGE_SPREAD = 3
"""The gradients of the picture around the box (out to `NEIGHBOURHOOD_SHARE` of its height, box
left out, blurred by a twentieth of it) agree in direction at least `MIN_COHERENCE` (the
structure tensor's coherence, 0 none to 1 one direction), and those of its ring (`RING_SHARE`,
unblurred) at least `MIN_RING_COHERENCE`; the box grown by `EDGE_SPREAD` blurs (and a pixel) is
left out, lest a lone "1"'s own edges on flat paper make one direction. Of the "1"s on dark,
weakly inked grounds: 45 of 66 phantoms of development desks (seeds 301-306 and 311-312, read whole) pass both, and none of 22
right or misread on development worksheets (those above, the dim, degraded and 640x480 ones of
seeds 202-204). Read whole, the development desks' phantoms go from 25 to 9 (seeds 301-306) and
from 51 to 19 (311-312), no digit read right lost; on the 100 worksheets above nothing changes."""


def drop_grain(lines: list[Line], gray: np.ndarray) -> list[Line]:
    """`lines` without the digits read from a desk's grain (see the module), numbers and lines
    left empty dropped. Boxes are in `gray`'s pixels (uint8)."""
    # Only the "1"s are judged: a page or frame without one has nothing to look at (the look
    # at the page cost a camera frame 0.3 ms).
    ones = [digit for line in lines for digit in line.digits if digit.digit == STREAK_READS_AS]
    if not ones:
        return lines
    look = _Look(gray)
    grain = {id(digit) for digit in ones
             if look.off_paper(digit.bbox) and _is_grain(gray, digit.bbox, look.paper)}
    if not grain:
        return lines
    kept = [Line([Number([d for d in number.digits if id(d) not in grain]) for number in line.numbers])
            for line in lines]
    return [Line([number for number in line.numbers if number.digits]) for line in kept
            if any(number.digits for number in line.numbers)]


class _Look:
    """The page's paper level and the mean grey of a ring around any box, from every pixel of a
    grid about `LOOK_SIDE_PX` across: the exact test (medians, quantiles, gradients) costs 0.1
    ms a digit, 12 ms on an A4 page of 130 digits, and is asked only of digits whose ring's mean
    lies under `LOOK_GROUND_SHARE` of the paper (ink of neighbours in it darkens it a little,
    never to that)."""

    def __init__(self, gray: np.ndarray):
        self.step = max(1, max(gray.shape) // LOOK_SIDE_PX)
        self.small = np.ascontiguousarray(gray[::self.step, ::self.step])  # a sample: means need no more
        counts = cv2.calcHist([self.small], [0], None, [256], [0, 256]).ravel().cumsum()
        self.paper = float(np.searchsorted(counts, PAPER_SHARE * counts[-1]))

    def off_paper(self, bbox: tuple[int, int, int, int]) -> bool:
        """Whether the ring around a box (x, y, w, h) has a mean under `LOOK_GROUND_SHARE` of
        the paper."""
        x, y, w, h = bbox
        reach = RING_SHARE * h
        outer_sum, outer_count = self._sum(x - reach, y - reach, x + w + reach, y + h + reach)
        inner_sum, inner_count = self._sum(x, y, x + w, y + h)
        count = outer_count - inner_count
        # Whole sums and counts: the mean is the same float whichever way they were added up.
        return count > 0 and (outer_sum - inner_sum) / max(count, 1) < LOOK_GROUND_SHARE * self.paper

    def _sum(self, left: float, top: float, right: float, bottom: float) -> tuple[float, int]:
        """The sum of grey (a whole number, as a float) and the count of the sample's pixels in
        the picture's box given, its sides rounded to the sample's pixels (halves to even)."""
        rows, cols = self.small.shape
        x0, x1 = (min(max(round(v / self.step), 0), cols) for v in (left, right))
        y0, y1 = (min(max(round(v / self.step), 0), rows) for v in (top, bottom))
        total = float(self.small[y0:y1, x0:x1].sum(dtype=np.int64)) if x1 > x0 and y1 > y0 else 0.0
        return total, (x1 - x0) * (y1 - y0)


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
    return (_coherence_around(gray, bbox, NEIGHBOURHOOD_SHARE, max(1.0, h / 20)) > MIN_COHERENCE
            and _coherence_around(gray, bbox, RING_SHARE, 0.0) > MIN_RING_COHERENCE)


def _coherence_around(gray: np.ndarray, bbox: tuple[int, int, int, int], share: float, blur: float) -> float:
    """How much the gradients around the box, out to `share` of its height, agree in direction
    (see `MIN_COHERENCE`), blurred by `blur` pixels first (0: not blurred)."""
    height, width = gray.shape
    x, y, w, h = bbox
    reach = max(1, round(share * h))
    left, top = max(0, x - reach), max(0, y - reach)
    right, bottom = min(width, x + w + reach), min(height, y + h + reach)
    around = gray[top:bottom, left:right].astype(np.float32)
    if blur > 0:
        around = cv2.GaussianBlur(around, (0, 0), blur)
    across, down = cv2.Sobel(around, cv2.CV_32F, 1, 0), cv2.Sobel(around, cv2.CV_32F, 0, 1)
    outside = np.ones(around.shape, bool)
    edge = round(EDGE_SPREAD * blur) + 1  # the box's own strokes' edges, spread by the blur and Sobel's reach
    outside[max(0, y - top - edge):y - top + h + edge, max(0, x - left - edge):x - left + w + edge] = False
    if not outside.any():
        return 0.0
    xx, yy, xy = ((a * b)[outside].sum() for a, b in ((across, across), (down, down), (across, down)))
    return float(np.hypot(xx - yy, 2 * xy) / max(xx + yy, 1e-6))
