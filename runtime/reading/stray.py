"""Which "1"s read on a page are a stray stroke of the digit beside them, not a digit.

A handwritten digit may hold a short stroke standing apart from its body (a tick beside a 6's
loop, a 9's tail lifted off its head, the flag of a 1): segmented alone, a thin upright sliver is
read as a "1", a digit where none is written. Such a sliver lies within the rows of the digit
beside it, much shorter than it and hardly apart from it; a written 1 stands about as tall as the
digits beside it, or apart from them. `stray_ones` finds them among the digits read.
"""

from __future__ import annotations

import numpy as np

STRAY_MAX_HEIGHT_SHARE = 0.7
STRAY_MAX_GAP_SHARE = 0.2
"""A "1" is a stray stroke of its nearest neighbour on its line (the nearest digit read whose rows
overlap its own) where it lies within that neighbour's rows (a pixel of play), stands at most
`STRAY_MAX_HEIGHT_SHARE` of its height and lies at most `STRAY_MAX_GAP_SHARE` of that height
beside it (or overlaps its box).

Chosen on development pages of MNIST *validation* digits only (`benchmarks.worksheets --digits
validation`: 200 clean pages, seeds 401-410; 40 mixed, 401-402; 100 of 640x480 mixed, 411), with
the 6s read "10" joined first (`runtime.reading.joined`): 13 phantom 1s lay within a neighbour's
rows, 0.33-0.67 of its height, from 0.23 of it overlapping to 0.12 of it apart; of 2,935 true 1s
read right beside a neighbour, the nearest to these were 0.74 of its neighbour's height (0.05
overlapping) and 0.79 (0.15 apart), none within both bounds. Checked on other development pages
(README, Results)."""


def stray_ones(boxes: list, labels: list[str]) -> set[int]:
    """Indices of the "1"s among the digits read (boxes x, y, w, h; their labels) that are a
    stray stroke of the digit beside them (`STRAY_MAX_HEIGHT_SHARE`, `STRAY_MAX_GAP_SHARE`)."""
    ones = [index for index, label in enumerate(labels) if label == "1"]
    if not ones or len(boxes) < 2:
        return set()
    left, top, width, height = np.asarray(boxes, np.float64).reshape(-1, 4).T
    right, bottom = left + width, top + height
    stray = set()
    for index in ones:
        on_its_rows = np.minimum(bottom, bottom[index]) > np.maximum(top, top[index])
        on_its_rows[index] = False
        if not on_its_rows.any():
            continue
        gaps = np.maximum(left - right[index], left[index] - right)
        nearest = int(np.flatnonzero(on_its_rows)[np.argmin(gaps[on_its_rows])])
        tall = height[nearest]
        within_rows = top[index] >= top[nearest] - 1 and bottom[index] <= bottom[nearest] + 1
        if (within_rows and height[index] <= STRAY_MAX_HEIGHT_SHARE * tall
                and gaps[nearest] <= STRAY_MAX_GAP_SHARE * tall):
            stray.add(index)
    return stray
