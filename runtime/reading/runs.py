"""Long straight runs of a mask: its opening by a line, worked out only where such a run can lie.

Rule removal looks for printed lines as runs of ink longer than a digit: an erosion of the mask
by a line of that length, then a dilation by it (`runtime.reading.rules`). Over a whole A4 page
at 200 dpi each costs 3-4 ms, though lines lie on a few of its rows. A line keeps rows (for an
upright line, columns) apart, so the opening of a mask is the opening of each of its rows on its
own: here it is worked out on the rows a cheap look finds room for a run in, and the others stay
empty. The result is the same, pixel for pixel.

The look (`_rows_that_may_hold`): every pixel the erosion keeps lies on a row holding a whole
line's length of set pixels in a row, or, where the line's window reaches past the picture's
edge (which OpenCV counts as set), a stretch from that edge as long as the window's part inside
(from the left edge at least `length - length // 2` pixels, from the right `length // 2 + 1`),
or the whole row where it reaches past both. Sampled every `step` columns, a stretch of `n`
pixels holds at least `n // step` samples in a row, all set (the first or last samples of the
row for a stretch from an edge): a row with none of these holds no run. Of the rows kept, only
those where the erosion left some pixels are dilated (a level line's opening keeps rows apart).
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

SHORT_BLOCK_ROWS = 64
"""A block of fewer rows is dilated whole; in a longer one only the rows the erosion kept (a
look at them costs more than it saves on a few rows: 640x480 frames of small writing)."""


def line_opening(mask: np.ndarray, run: tuple[int, int], across: int = 1) -> np.ndarray | None:
    """`cv2.dilate(cv2.erode(thick, line), line)` for a 0/255 uint8 mask and the line
    `cv2.getStructuringElement(cv2.MORPH_RECT, run)` (`run`: (length, 1) level, (1, length)
    upright), `thick` being `mask` dilated `across` pixels across the line (a rectangle one pixel
    along it: a rule photographed a degree off level steps by a pixel now and then); None where
    the erosion leaves nothing (no run that long). The thickening is made only where the opening
    looks (the rows looked at, sampled; the blocks opened), not over the page (0.6-1.1 ms at A4
    200 dpi): a dilation across the line is the same on every sample and block along it."""
    if run[1] != 1:
        return _upright_opening(mask, run[1], across)
    return _level_opening(mask, run[0], _rows_that_may_hold(mask, run[0], across), across)


def _thickened_rows(mask: np.ndarray, first: int, last: int, across: int) -> np.ndarray:
    """Rows `first:last` of `mask` dilated by a rectangle 1 wide and `across` tall (as OpenCV
    anchors it: `across // 2` rows above), made from those rows and the ones it reaches."""
    if across == 1:
        return mask[first:last]
    top, bottom = max(0, first - across // 2), min(mask.shape[0], last + across - 1 - across // 2)
    thick = cv2.dilate(mask[top:bottom], cv2.getStructuringElement(cv2.MORPH_RECT, (1, across)))
    return thick[first - top : last - top]


def _level_opening(mask: np.ndarray, length: int, rows: np.ndarray, across: int = 1) -> np.ndarray | None:
    """The level `line_opening` of `mask` (thickened `across`), worked out on `rows` (those
    that may hold a run)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    opened = None
    # Each block of rows is opened where it lies, as a view: no copies to gather.
    for first, last in row_blocks(rows):
        eroded = cv2.erode(_thickened_rows(mask, first, last, across), kernel)
        if not cv2.countNonZero(eroded):
            continue
        opened = np.zeros_like(mask) if opened is None else opened
        if last - first < SHORT_BLOCK_ROWS:
            opened[first:last] = cv2.dilate(eroded, kernel)
            continue
        # Most rows of a long block hold no run: only those the erosion kept are dilated.
        for top, bottom in row_blocks(np.flatnonzero(eroded.max(axis=1))):
            opened[first + top : first + bottom] = cv2.dilate(eroded[top:bottom], kernel)
    return opened


MANY_COLUMN_BLOCKS = 8
"""Where this many blocks of columns or more may hold an upright run (squared paper: one per
line), the mask is turned over its diagonal once and opened as level rows, rather than block by
block: a turn of each block costs more than the page's (9.5 -> 7.4 ms on a squared A4 page)."""


def _upright_opening(mask: np.ndarray, length: int, across: int = 1) -> np.ndarray | None:
    """The upright `line_opening` (thickened `across`): the level one of each block of columns
    that may hold a run, turned over its diagonal (not the whole mask turned, and the opening
    turned back: 0.4 ms each at A4 200 dpi, where upright runs lie in a few columns), unless
    there are many such blocks (`MANY_COLUMN_BLOCKS`)."""
    columns = _columns_that_may_hold(mask, length, across)
    blocks = row_blocks(columns)
    if len(blocks) >= MANY_COLUMN_BLOCKS:
        # The same blocks and thickening, rows of the turned mask: the same opening, turned back.
        opened = _level_opening(cv2.transpose(mask), length, columns, across)
        return None if opened is None else cv2.transpose(opened)
    opened = None
    for first, last in blocks:
        left = max(0, first - across // 2)  # the block's columns and those its thickening reaches
        turned = _thickened_rows(cv2.transpose(mask[:, left : last + across]), first - left, last - left, across)
        block = _level_opening(turned, length, np.arange(last - first))
        if block is not None:
            opened = np.zeros_like(mask) if opened is None else opened
            opened[:, first:last] = cv2.transpose(block)
    return opened


def row_blocks(rows: np.ndarray, gap: int = MAX_BLOCK_GAP) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last + 1) blocks, rows up to `gap` apart joined (so blocks
    lie more than that apart: no 8-connected region of those rows spans two)."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > gap)
    firsts = np.concatenate([rows[:1], rows[breaks + 1]])
    lasts = np.concatenate([rows[breaks], rows[-1:]]) + 1
    return list(zip(firsts.tolist(), lasts.tolist()))


def _rows_that_may_hold(mask: np.ndarray, length: int, across: int = 1) -> np.ndarray:
    """The rows of `mask` (thickened `across`, as `line_opening`) that may hold a run of `length`
    set pixels, or one from the picture's edge as long as a line's window reaches inside it (see
    the module's docstring)."""
    step = _step(length)
    samples = np.ascontiguousarray(mask[:, ::step])
    return _holding(_thickened_rows(samples, 0, samples.shape[0], across), length, step)


def _columns_that_may_hold(mask: np.ndarray, length: int, across: int = 1) -> np.ndarray:
    """`_rows_that_may_hold` of the mask turned over its diagonal: the rows sampled, then turned."""
    step = _step(length)
    samples = cv2.transpose(np.ascontiguousarray(mask[::step]))
    return _holding(_thickened_rows(samples, 0, samples.shape[0], across), length, step)


def _step(length: int) -> int:
    """The look's sampling step along a run of `length` (`SAMPLES_PER_LINE`)."""
    return max(1, length // SAMPLES_PER_LINE)


def _holding(samples: np.ndarray, length: int, step: int) -> np.ndarray:
    """The rows of `samples` (a mask's rows, every `step`-th pixel) holding `length // step`
    set samples in a row, or whose last samples over a stretch from the right edge are all set."""
    # The erosion counts beyond the edge as set too: it may keep rows with fewer, never fewer
    # rows, and keeps every stretch from the left edge (`length - length // 2` pixels hold
    # at least half of `length // step` samples, as many as its window reaches inside).
    held = cv2.erode(samples, cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, length // step), 1))).max(axis=1)
    # A stretch from the right edge holds fewer: its last samples are looked at on their own.
    from_right = min(samples.shape[1], (length // 2 + 1) // step)
    if not from_right:  # (no whole step: any row may hold one)
        return np.arange(samples.shape[0])
    held |= samples[:, samples.shape[1] - from_right :].min(axis=1)
    return np.flatnonzero(held)
