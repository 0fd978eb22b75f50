"""Long straight runs of a mask: its opening by a line, worked out only where such a run can lie.

Rule removal looks for printed lines as runs of ink longer than a digit: an erosion of the mask
by a line of that length, then a dilation by it (`runtime.reading.rules`). Over a whole A4 page
at 200 dpi each costs 3-4 ms, though lines lie on a few of its rows. A line keeps rows (for an
upright line, columns) apart, so the opening of a mask is the opening of each of its rows on its
own: here it is worked out on the rows a cheap look finds room for a run in, and the others stay
empty. The result is the same, pixel for pixel.

The look (`_rows_that_may_hold`): every pixel the erosion keeps lies on a row holding at least
half a line's length of set pixels in a row (a whole length, or half of one where the line's
window reaches past the picture's edge, which OpenCV counts as set, or the whole row where it
reaches past both). Sampled every `step` columns, such a stretch holds at least
`length // (2 * step)` samples in a row, all set: a row with no such samples holds no run.
"""

from __future__ import annotations

import cv2
import numpy as np

SAMPLES_PER_LINE = 16
"""The look samples a row this many times per line length: at half a line, eight samples in a
row must be set, which a digit's strokes rarely are (a cheap look, over a sixteenth of a row's
pixels, that leaves few rows besides the lines' own)."""


MAX_BLOCK_GAP = 8
"""Rows this close together are opened as one block: fewer calls, the same result."""


def line_opening(mask: np.ndarray, run: tuple[int, int]) -> np.ndarray | None:
    """`cv2.dilate(cv2.erode(mask, line), line)` for a 0/255 uint8 mask and the line
    `cv2.getStructuringElement(cv2.MORPH_RECT, run)` (`run`: (length, 1) level, (1, length)
    upright); None where the erosion leaves nothing (no run that long)."""
    if run[1] != 1:  # upright: the level opening of the mask turned over its diagonal (0.4 ms)
        opened = line_opening(cv2.transpose(mask), (run[1], run[0]))
        return None if opened is None else cv2.transpose(opened)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
    opened = None
    # Each block of rows is opened where it lies, as a view: no copies to gather.
    for first, last in row_blocks(_rows_that_may_hold(mask, run[0])):
        eroded = cv2.erode(mask[first:last], kernel)
        if cv2.countNonZero(eroded):
            opened = np.zeros_like(mask) if opened is None else opened
            opened[first:last] = cv2.dilate(eroded, kernel)
    return opened


def row_blocks(rows: np.ndarray) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last + 1) blocks, rows up to `MAX_BLOCK_GAP` apart joined
    (so blocks lie more than that apart: no 8-connected region of those rows spans two)."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > MAX_BLOCK_GAP)
    firsts = np.concatenate([rows[:1], rows[breaks + 1]])
    lasts = np.concatenate([rows[breaks], rows[-1:]]) + 1
    return list(zip(firsts.tolist(), lasts.tolist()))


def _rows_that_may_hold(mask: np.ndarray, length: int) -> np.ndarray:
    """The rows of `mask` that may hold a run of `length` set pixels, or
    half of one at the picture's edge: those holding `length // (2 * step)` set samples in a
    row, sampling every `step` columns (see the module's docstring)."""
    step = max(1, length // SAMPLES_PER_LINE)
    needed = max(1, length // (2 * step))
    samples = np.ascontiguousarray(mask[:, ::step])
    # The erosion counts beyond the edge as set too: it may keep rows with fewer, never fewer rows.
    held = cv2.erode(samples, cv2.getStructuringElement(cv2.MORPH_RECT, (needed, 1)))
    return np.flatnonzero(held.max(axis=1))
