"""Which "1"s read on a page are a stray stroke of the digit beside them, not a digit.

A handwritten digit may hold a short stroke standing apart from its body (a tick beside a 6's
loop, a 9's tail lifted off its head, the flag of a 1): segmented alone, a thin upright sliver is
read as a "1", a digit where none is written. Such a sliver lies within the rows of the digit
beside it, much shorter than it, hardly apart from it, and floats above its foot; a written 1
stands on the line with the digits beside it, or apart from them. `stray_ones` finds them among the digits read.
"""

from __future__ import annotations

import numpy as np

STRAY_MAX_HEIGHT_SHARE = 0.65
STRAY_MAX_GAP_SHARE = 0.2
STRAY_MIN_RISE_SHARE = 0.15
STRAY_MAX_ASPECT = 0.45
"""A "1" is a stray stroke of its nearest neighbour on its line (the nearest digit read whose rows
overlap its own) where it lies within that neighbour's rows (a pixel of play), stands at most
`STRAY_MAX_HEIGHT_SHARE` of its height, lies at most `STRAY_MAX_GAP_SHARE` of that height beside
it (or overlaps its box), its foot floats at least `STRAY_MIN_RISE_SHARE` of that height above the
neighbour's (a written 1, however short, stands on the line), and it is one thin upright stroke,
at most `STRAY_MAX_ASPECT` as wide as tall.

Chosen on development pages of MNIST *validation* digits only, with the 6s read "10" joined first
(`runtime.reading.joined`): `benchmarks.worksheets --digits validation`, 200 clean pages (seeds
401-410), 40 mixed (401-402), 250 of 640x480 mixed (411, 100; 412, 150), 20 touching (`--touch-rate
0.3 --degrade mixed`, 413), and `benchmarks.hard_pages` seeds 421 (with 6 pages of words, `--kinds
words-numbers`) and 422 (42). 19 phantom 1s lay within a neighbour's rows, 0.30-0.67 of its height,
from 0.23 of it overlapping to 0.13 of it apart; all but one floated 0.18-0.37 of its height above
its foot, 0.08-0.45 as wide as tall. The true 1s read right nearest to them stood on the line
(-0.06 to 0.09 above the foot) or were wide (0.50-1.35), one 0.67 tall (0.24 up, 0.36 wide). With
height and gap alone (0.7, 0.2), 19 phantoms went and 8 true 1s; with the foot (0.15), 18 and 3;
with the width too, 18 and 1 (the 0.67 one); at 0.65 of the height, 17 and none."""


def stray_ones(boxes: list, labels: list[str]) -> set[int]:
    """Indices of the "1"s among the digits read (boxes x, y, w, h; their labels) that are a
    stray stroke of the digit beside them (`STRAY_MAX_HEIGHT_SHARE` and the three after it)."""
    ones = [index for index, label in enumerate(labels) if label == "1"]
    if not ones or len(boxes) < 2:
        return set()
    left, top, width, height = np.asarray(boxes, np.float64).reshape(-1, 4).T
    right, bottom = left + width, top + height
    stray = set()
    for index in [one for one in ones if width[one] <= STRAY_MAX_ASPECT * height[one]]:
        on_its_rows = np.minimum(bottom, bottom[index]) > np.maximum(top, top[index])
        on_its_rows[index] = False
        if not on_its_rows.any():
            continue
        gaps = np.maximum(left - right[index], left[index] - right)
        nearest = int(np.flatnonzero(on_its_rows)[np.argmin(gaps[on_its_rows])])
        tall = height[nearest]
        within_rows = top[index] >= top[nearest] - 1 and bottom[index] <= bottom[nearest] + 1
        if (within_rows and height[index] <= STRAY_MAX_HEIGHT_SHARE * tall
                and gaps[nearest] <= STRAY_MAX_GAP_SHARE * tall
                and bottom[nearest] - bottom[index] >= STRAY_MIN_RISE_SHARE * tall):
            stray.add(index)
    return stray
