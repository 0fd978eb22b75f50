"""Cut touching digits along the path of least ink, where no straight column separates them.

Digits written close overlap: the 0 leans under the 7 beside it, a 7's bar reaches over the
next digit's top. Every straight column then leaves ink of one digit in the other's piece, and
the model may read the pieces wrongly. A seam is a top-to-bottom path,
one column per row, moving at most one column sideways per row, that crosses the least ink near
a valley of column ink: it runs between the two digits' strokes where they interlock and
crosses a stroke only where they really touch. The cutter (`runtime.reading.touching`) reads the
seam's pieces beside the straight cut's, scored the same way, only where the straight cut runs
through ink that the seam avoids (`MIN_INK_SAVED`) and the model doubts the whole region
(`touching.SEAM_DOUBTED_WHOLE`).

Usage:
    line = seam_line(candidate.ink, column)  # None where the straight column does as well
    lines = seam_lines(candidate.ink, valleys)  # the same, for several columns at once
    per_region = seam_lines_of_regions([(ink, valleys), ...])  # for a page's regions at once
    left = piece_between(candidate, 0, line)
"""

from __future__ import annotations

import numpy as np

from runtime.reading.segment import DigitCandidate

BAND_SHARE = 0.3
"""The seam stays within this share of the region's height either side of its valley's column."""

STEP_COST = 0.05
"""Cost of each sideways step, in units of one fully inked pixel: among paths through the same
ink, the straightest."""

MIN_INK_SAVED = 0.5
"""A seam is read only where it crosses at most this share of the ink the straight column
crosses; otherwise the straight cut already separates what a seam would."""


def seam_line(ink: np.ndarray, column: int) -> np.ndarray | None:
    """Per row, the column where the seam near `column` cuts (the left piece keeps what lies
    left of it), or None where it would not cross clearly less ink than the straight column."""
    return seam_lines(ink, [column])[column]


def seam_lines(ink: np.ndarray, columns: list[int]) -> dict[int, np.ndarray | None]:
    """`seam_line` for each of `columns`, the least-ink paths found for all of them at once: one
    pass over the rows for every valley of a region (one per valley cost 2 ms a wide region)."""
    return seam_lines_of_regions([(ink, columns)])[0]


PASS_MAX_CELLS = 1_000_000
"""The most cells (windows x rows x columns) one pass over the rows holds: 8 MB of costs in
float64 and as much of steps. An A4 page's wide regions at 200 dpi hold about 0.1 million; a page
of big regions (a 600 dpi scan's crops, cut at full size) goes in several passes, regions of
like height together, each window alone at most as big as before."""


def seam_lines_of_regions(regions: list[tuple[np.ndarray, list[int]]]) -> list[dict[int, np.ndarray | None]]:
    """`seam_lines` for each (ink, columns) of a page's regions, found in few passes over the rows
    for every valley of them all (`PASS_MAX_CELLS`): a pass per region cost ~1 ms, 3-4 ms an A4
    page."""
    windows = []  # (its region's height, region, column, its window's first column, last + 1)
    for index, (ink, columns) in enumerate(regions):
        height, width = ink.shape
        band = max(2, int(BAND_SHARE * height))
        for column in columns:
            low, high = max(1, column - band), min(width - 1, column + band + 1)
            if high - low >= 2 and low <= column < high:
                windows.append((height, index, column, low, high))
    found = [dict.fromkeys(columns) for _, columns in regions]
    windows.sort(key=lambda window: window[0])  # each is found alone: the order changes no path
    first = 0
    while first < len(windows):
        last, reach = first + 1, _reach(windows[first])
        while last < len(windows):
            wider = max(reach, _reach(windows[last]))
            if (last + 1 - first) * windows[last][0] * (2 * wider + 1) > PASS_MAX_CELLS:
                break
            last, reach = last + 1, wider
        _seams_in_one_pass(regions, windows[first:last], reach, found)
        first = last
    return found


def _reach(window: tuple) -> int:
    """How far a window reaches from its column, either way."""
    _, _, column, low, high = window
    return max(column - low, high - 1 - column)


def _seams_in_one_pass(regions: list, windows: list[tuple], reach: int, found: list[dict]) -> None:
    """The seams of `windows` (as `seam_lines_of_regions` lists them, tallest last) into `found`.

    Each window sits in a row of one array `2 * reach + 1` wide at its place about its column,
    the rows of a shorter region below the rows above it; columns outside a window cost infinity,
    so no path enters them, and the rows above a region cost nothing, so every path reaches its
    region's top row at exactly that row's cost, as alone."""
    rows = windows[-1][0]
    costs = np.full((len(windows), rows, 2 * reach + 1), np.inf)
    for row, (height, index, column, low, high) in enumerate(windows):
        place = slice(low - column + reach, high - column + reach)
        costs[row, : rows - height, place] = 0.0
        costs[row, rows - height :, place] = regions[index][0][:, low:high] / np.float32(255.0)
    paths = _least_ink_paths(costs)
    for row, (height, index, column, low, high) in enumerate(windows):
        cost = regions[index][0][:, low:high].astype(np.float32) / 255.0
        path = paths[row, rows - height :] + column - reach - low
        straight = float(cost[:, column - low].sum())
        crossed = float(cost[np.arange(height), path].sum())
        if straight > 0.0 and crossed <= MIN_INK_SAVED * straight:
            found[index][column] = path + low


def piece_between(candidate: DigitCandidate, left: np.ndarray | int, right: np.ndarray | int) -> DigitCandidate | None:
    """The candidate's ink between two cut lines (a column, or a seam's column per row), trimmed
    to its ink; None if it holds none."""
    columns = np.arange(candidate.ink.shape[1])[None, :]
    inside = (columns >= np.reshape(left, (-1, 1))) & (columns < np.reshape(right, (-1, 1)))
    return masked_piece(candidate, np.where(inside, candidate.ink, 0))


def _least_ink_paths(costs: np.ndarray) -> np.ndarray:
    """Per window of `costs` (windows x rows x columns), per row, the column of the cheapest
    top-to-bottom path through it (8-connected)."""
    count, height, width = costs.shape
    steps = np.zeros((height, count, width), np.intp)  # per row: 0 from the left, 1 above, 2 right
    options = np.full((3, count, width), np.inf)  # per column: from the left, straight down, from the right
    total = options[1]  # the cheapest path's cost to each column of the row above: straight down
    total[:] = costs[:, 0]
    best = np.empty((count, width))
    # A row costs a few numpy calls, made straight (not through `np.min`'s and `np.argmin`'s
    # Python wrappers, a third of the loop's time): a camera frame's doubted regions ask for
    # their seams every frame.
    for row in range(1, height):
        np.add(total[:, :-1], STEP_COST, out=options[0, :, 1:])
        np.add(total[:, 1:], STEP_COST, out=options[2, :, :-1])
        options.argmin(axis=0, out=steps[row])
        np.minimum.reduce(options, axis=0, out=best)  # the value argmin chose
        np.add(best, costs[:, row], out=total)
    paths = np.empty((count, height), np.intp)
    paths[:, -1] = np.argmin(total, axis=1)
    windows = np.arange(count)
    for row in range(height - 1, 0, -1):
        paths[:, row - 1] = paths[:, row] + steps[row, windows, paths[:, row]] - 1
    return paths


def masked_piece(candidate: DigitCandidate, ink: np.ndarray) -> DigitCandidate | None:
    """The candidate's ink kept by a mask (a seam's side; `stacked`: rows), trimmed to its ink; None if
    it holds none."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    x, y = candidate.bbox[:2]
    return DigitCandidate(bbox=(x + left, y + top, right - left, bottom - top),
                          ink=ink[top:bottom, left:right].astype(candidate.ink.dtype))

