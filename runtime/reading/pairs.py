"""Which regions of a page lie near enough to each other to be pieces of one digit.

`near_pairs` lists the index pairs of boxes whose top-left corners lie within a reach of each
other along both axes, the only pairs `broken_strokes.merge_broken_strokes` may join. A page of grain
holds tens of thousands of specks, so pairs are found through a grid of reach-sized cells (no
all-pairs matrix); a camera frame holds about twenty regions, where the grid's sixty-odd numpy
calls cost more than comparing every pair at once (20 boxes on the loaded 2-core machine:
190-260 µs against 65-77). Both ways give the same pairs in the same order (the grid's: by
neighbouring cell, then by region), which the merge's tie-breaks depend on.
"""

from __future__ import annotations

import numpy as np

ALL_PAIRS_MAX_BOXES = 128
"""Up to this many boxes the pairs are found by comparing every pair (a 128x128 matrix)."""

_NEIGHBOURS = ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1))
"""The grid's cell steps: each unordered pair of neighbouring cells once, the cell itself first."""

_STEP_OF_CODE = np.full(9, -1, np.int64)
for _step, (_across, _down) in enumerate(_NEIGHBOURS):
    _STEP_OF_CODE[3 * _across + _down + 4] = _step
"""A pair's step in `_NEIGHBOURS`, by the code 3 * dx + dy + 4 of its cells' difference
(-1: the pair is listed the other way round)."""


def near_pairs(boxes: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of boxes (float32 rows left, top, right, bottom) whose top-left corners lie
    within `reach` of each other along both axes, each unordered pair once."""
    cell = np.floor(boxes[:, :2] / max(reach, 1.0)).astype(np.int64)
    if len(boxes) <= ALL_PAIRS_MAX_BOXES:
        return _every_pair(boxes, reach, cell)
    return _through_grid(boxes, reach, cell)


def _every_pair(boxes: np.ndarray, reach: float, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`near_pairs` by comparing every pair, listed as `_through_grid` lists them."""
    corners = boxes[:, :2]
    near = np.abs(corners - corners[:, None]) <= reach
    one, other = np.nonzero(near[:, :, 0] & near[:, :, 1])
    lower_first = one < other
    one, other = one[lower_first], other[lower_first]
    # Close corners lie in the same or neighbouring cells (a cell is at least `reach` wide).
    apart = cell[other] - cell[one]
    code = 3 * apart[:, 0] + apart[:, 1] + 4
    step = _STEP_OF_CODE[code]
    turned = step < 0  # the grid lists this pair from its other region's cell
    first, second = np.where(turned, other, one), np.where(turned, one, other)
    step = np.where(turned, _STEP_OF_CODE[8 - code], step)
    order = np.lexsort((second, first, step))  # by step, then by region and partner
    return first[order], second[order]


def _through_grid(boxes: np.ndarray, reach: float, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`near_pairs` through a grid of `reach`-sized cells: no all-pairs matrix on a page of grain."""
    columns = int(cell[:, 1].max()) + 3
    key = (cell[:, 0] + 1) * columns + (cell[:, 1] + 1)
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    firsts, seconds = [], []
    for step_x, step_y in _NEIGHBOURS:
        target = key + step_x * columns + step_y
        start = np.searchsorted(sorted_keys, target, side="left")
        stop = np.searchsorted(sorted_keys, target, side="right")
        counts = stop - start
        owners = np.repeat(np.arange(len(boxes)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        partners = order[np.repeat(start, counts) + offsets]
        if step_x == 0 and step_y == 0:
            keep = owners < partners
            owners, partners = owners[keep], partners[keep]
        firsts.append(owners)
        seconds.append(partners)
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    close = np.all(np.abs(boxes[first, :2] - boxes[second, :2]) <= reach, axis=1)
    return first[close], second[close]
