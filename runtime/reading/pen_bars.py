"""Level strokes of handwriting that rule removal would take for lines: a 4's long bar.

Rule removal looks for level lines as runs longer than a digit is tall (`rules.remove_rules`,
`horizontal_px`: 1.2 digit heights). A wide 4's crossbar, a 5's or 7's cap written long, run
as far: erased whole with the lines, they took the digit apart (the 4's upright, left alone,
read as a 1 or dropped beside the erased run). A printed line found that short is a piece of a
longer line (a rule, its steps on a tilted photo, a broken printed box) with more of it along the
same rows, or a box's side with its twin above or below. A pen's bar is alone in its rows, as thin
as a stroke, and is kept: on ruled paper alone (`rules._printed_rules`), where digits stand between
rules printed across the sheet. On plain paper the runs found are a page's other marks too, and
keeping them moved the tilt a sideways page was levelled by (its 1s and 7s lie level), and left a
word's long bar to be read as a digit. Not on pages of small writing (`sharpen.is_small_writing`),
whose printed boxes a camera's blur breaks into pieces as short (on 40 development 640x480
worksheets, `benchmarks.worksheets --size 640x480 --degrade mixed --digits validation --seed
214`, three pages of small forms lost 1-4 digits each, their boxes' broken sides kept as bars),
and not on squared paper, whose writing stays on every line anyway (`rules._writing_on_lines`).
On development pages of MNIST validation digits (`benchmarks.worksheets --digits validation`:
ruled seeds 201 and 401, touching pairs 205) and of words with numbers (`benchmarks.hard_pages
--kinds words-numbers --seed 21`), with a 5's detached cap joined as well (a change not kept):
16 more digits read right, 9 fewer false, no page worse; 20 no-digit pages of letters, script
and ruled paper (seed 23) read as before.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.regions import BlockRegions

MAX_RUNS = 1.5
"""A pen's bar is shorter than this many level runs (`horizontal_px`): 1.8 digit heights, more
than a digit of MNIST is wide (1.3 at most)."""

ALONE_RUNS = 2.0
"""No other level run lies within this many level runs along its rows (3 px above and below)."""

MAX_THICKNESS = 0.35
"""Its pixels per column are at most this share of a level run: a stroke, not a desk's grain or a
sheet's shadowed edge (7-700 px thick)."""

TWIN_RUNS = 1.7
"""A box's side has a twin, another run starting and ending where it does, at most this many
level runs above or below (two digit heights): a printed box, not a bar."""


def pen_bars(found: np.ndarray, horizontal_px: int, blocks: BlockRegions | None = None) -> np.ndarray | None:
    """The level runs among `found` (uint8, 255 on them) that are handwritten bars, as a mask of
    the same kind; None if none are. `blocks`: `found`'s blocks of rows, labelled there where
    asked before (`regions.BlockRegions`)."""
    stats, where = _runs(blocks if blocks is not None else BlockRegions(found))
    short = np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] < MAX_RUNS * horizontal_px)
    bars = [run for run in short.tolist() if _is_a_bar(run, found, stats, horizontal_px)]
    if not bars:
        return None
    kept = np.zeros_like(found)
    for run in bars:  # each bar's own pixels, from the labels of its block of rows
        first, labels, label = where[run]
        left, top, width, height = stats[run, :4].tolist()
        rows, columns = slice(top - first, top - first + height), slice(left, left + width)
        kept[top : top + height, columns][labels[rows, columns] == label] = 255
    return kept


def _runs(blocks: BlockRegions) -> tuple[np.ndarray, list]:
    """The stats (x, y, width, height, area: OpenCV's) of every run in the level runs `blocks`
    hold, and for each, where its labels are: (its block's first row, the block's labels, its
    label there). Level runs lie in blocks of rows apart from one another (`row_blocks`): each
    block is labelled alone, not the page (5 ms an A4 page)."""
    stats, where = [np.zeros((0, 5), np.int32)], []
    for first, last in blocks.blocks:
        count, labels, block_stats = blocks.of(first, last)
        runs = block_stats[1:].astype(np.int32)  # a copy, moved down to the block's rows
        runs[:, cv2.CC_STAT_TOP] += first
        stats.append(runs)
        where.extend((first, labels, label) for label in range(1, count))
    return np.concatenate(stats), where


def _is_a_bar(run: int, found: np.ndarray, stats: np.ndarray, horizontal_px: int) -> bool:
    left, top, width, height, area = stats[run].tolist()
    if area > MAX_THICKNESS * horizontal_px * width:
        return False
    reach = int(ALONE_RUNS * horizontal_px)
    along = found[max(0, top - 3) : top + height + 3, max(0, left - reach) : left + width + reach]
    if cv2.countNonZero(along) > area:  # more than its own pixels along its rows
        return False
    others = np.delete(stats, run, axis=0)
    slack = max(3, 0.1 * width)
    twins = ((np.abs(others[:, 0] - left) <= slack)
             & (np.abs(others[:, 0] + others[:, 2] - left - width) <= slack)
             & (np.abs(others[:, 1] - top) <= TWIN_RUNS * horizontal_px))
    return not twins.any()
