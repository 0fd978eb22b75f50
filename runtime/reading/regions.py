"""Connected regions of a mask, labelled and measured: the segmenter's most repeated step.

OpenCV's labelling with statistics walks every pixel twice more to measure the regions, which
costs twice the labelling itself on a page (3.9 megapixels at A4 200 dpi: 21-24 ms against 7).
Ink covers a few percent of a page, so the regions' boxes and areas are measured here from the
ink pixels alone; the result is the same, value for value, as OpenCV's.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.runs import row_blocks

# Grana's block-based labelling: in OpenCV's default choice, computing the statistics costs
# twenty times the labelling itself on a 640x480 frame (measured 4.6 ms against 0.6 ms here).
_LABELLING = getattr(cv2, "CCL_BBDT", getattr(cv2, "CCL_GRANA", 1))
# Where the labels' order does not matter, a pixel-by-pixel labelling: faster on a sparse page
# (3.5-4.4 ms against 4.9-5.1 on the masks rule removal labels on A4 pages at 200 dpi), but it
# numbers the regions in another order than Grana's, which blocks of 2x2 pixels set.
_ANY_ORDER_LABELLING = getattr(cv2, "CCL_SAUF", _LABELLING)

SPARSE_SHARE = 0.1
"""Masks with less than this share of pixels set are measured from their set pixels; denser ones
(a page of colour noise) by OpenCV, which is then the faster."""

SPARSE_MIN_PIXELS = 500_000
"""... and so are masks smaller than this (a 640x480 frame): OpenCV's statistics cost little
until the labels outgrow the processor's cache (measured: 0.4 ms more than labelling alone at
0.6 megapixels, 4 ms more at 1 megapixel)."""


def label_regions(mask: np.ndarray, any_order: bool = False):
    """8-connected regions of a 0/255 uint8 mask: (count, labels, stats) as OpenCV gives them
    (labels uint16, or int32 where there are more regions than uint16 numbers; stats int32: x,
    y, width, height, area per label, label 0 the background).

    `any_order`: the caller uses the regions, not their numbering (the same regions, numbered
    in another order, come faster from a large sparse mask)."""
    return label_regions_with_pixels(mask, any_order)[:3]


class BlockRegions:
    """The regions of a mask whose set pixels lie in blocks of rows apart from one another
    (`row_blocks`: no region spans two), each block labelled on its own, in any order, when
    first asked: the steps of rule removal that label the same level lines (its printed rules,
    its pen bars) label each block once."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self.blocks = row_blocks(np.flatnonzero(mask.max(axis=1)))  # (first, last + 1) rows
        self._labelled: dict[int, tuple] = {}

    def of(self, first: int, last: int) -> tuple:
        """`label_regions(mask[first:last], any_order=True)` of the block of rows `first:last`."""
        if first not in self._labelled:
            self._labelled[first] = label_regions(self.mask[first:last], any_order=True)
        return self._labelled[first]


def label_regions_with_pixels(mask: np.ndarray, any_order: bool = False):
    """`label_regions`, and the set pixels of the mask as `set_pixels` gives them where the
    regions were measured from them (a large sparse mask; else None): a caller going on to the
    regions' pixels need not find them again."""
    if mask.size < SPARSE_MIN_PIXELS or cv2.countNonZero(mask) >= SPARSE_SHARE * mask.size:
        return (*_labelled(cv2.connectedComponentsWithStatsWithAlgorithm, mask, _LABELLING)[:3], None)
    labelling = _ANY_ORDER_LABELLING if any_order else _LABELLING
    blocks = _labelled_by_blocks(mask, labelling)
    if blocks is None:
        count, labels = _labelled(cv2.connectedComponentsWithAlgorithm, mask, labelling)
        index = set_pixels(mask)
    else:
        count, labels, index = blocks
    return count, labels, _measure(mask, labels, count, index), index


def _labelled(labelling_function, mask: np.ndarray, algorithm: int) -> tuple:
    """OpenCV's labelling of `mask`, numbered in uint16 where the regions fit: a third less
    time on an A4 page than int32 (2.6 against 3.8 ms), the same numbers. OpenCV refuses to
    overflow a label type (a page of colour noise), and is then asked again for int32."""
    try:
        return labelling_function(mask, 8, cv2.CV_16U, algorithm)
    except cv2.error:
        return labelling_function(mask, 8, cv2.CV_32S, algorithm)


BLOCKS_MAX_SHARE = 0.7
"""A sparse mask is labelled block by block (`_labelled_by_blocks`) where its blocks cover at
most this share of it; past that, labelling it whole costs less than the extra passes."""


_UINT16_LABELS = np.iinfo(np.uint16).max  # the most regions that uint16 labels number


def _labelled_by_blocks(mask: np.ndarray, algorithm: int) -> tuple[int, np.ndarray, np.ndarray] | None:
    """OpenCV's labelling of a sparse mask (count, uint16 labels) and its set pixels (as
    `set_pixels` gives them), worked out on the blocks of rows that hold set pixels, each cut
    to the columns that do; None where those cover most of the mask, or the regions outnumber
    uint16 labels.

    Most of a labelling's cost is the pass over every pixel, set or not (2.5 of 2.8 ms on an
    A4 page at 200 dpi, where ink covers 2%); the blocks of a page's ink cover a sixth to a half
    of it. No region spans two blocks (`row_blocks` keeps them apart by empty rows), and each
    block starts on an even row and column: both OpenCV labellings number regions in the order
    their first pixel (SAUF) or first 2x2 block (BBDT) comes in a raster scan, which the blocks,
    labelled in turn and numbered on from the last, keep. The same labels, number for number."""
    windows = []
    for first, last in row_blocks(np.flatnonzero(mask.max(axis=1))):
        first -= first % 2
        columns = np.flatnonzero(mask[first:last].max(axis=0))
        left = int(columns[0]) - int(columns[0]) % 2
        windows.append((slice(first, last), slice(left, int(columns[-1]) + 1)))
    area = sum((rows.stop - rows.start) * (columns.stop - columns.start) for rows, columns in windows)
    if area > BLOCKS_MAX_SHARE * mask.size:
        return None
    labels = np.zeros(mask.shape, np.uint16)
    count, pixels = 1, []
    for window in windows:
        ink = mask[window]
        try:
            found, block_labels = cv2.connectedComponentsWithAlgorithm(ink, 8, cv2.CV_16U, algorithm)
        except cv2.error:  # more regions than uint16 numbers in the block alone
            return None
        if count + found - 1 > _UINT16_LABELS:
            return None
        labels[window] = block_labels
        rows = window[0]
        pixels.append(set_pixels(mask[rows]) + rows.start * mask.shape[1])
        if count > 1:  # numbered on from the blocks before: set pixels alone (a copy, then a gather)
            labels.ravel()[pixels[-1]] += count - 1
        count += found - 1
    return count, labels, np.concatenate(pixels) if pixels else np.zeros(0, np.intp)


def set_pixels(mask: np.ndarray) -> np.ndarray:
    """Flat indices of the set pixels of a mask, in raster order (six times faster than
    `cv2.findNonZero`, which takes 4 ms on a page)."""
    return np.flatnonzero(mask > 0)


def _measure(mask: np.ndarray, labels: np.ndarray, count: int, index: np.ndarray) -> np.ndarray:
    """OpenCV's region statistics, from the set pixels of `mask` (`index`, as `set_pixels`
    gives them) and the background's."""
    stats = np.zeros((count, 5), np.int32)
    if index.size:
        # A region's box is that of its runs along the rows: its pixels in a row, one after
        # another, are a run, and each run's first and last pixel hold its extent (a stroke
        # a few pixels wide: a fraction of the pixels left for the per-region minima). A run
        # is one region's (pixels side by side are connected), so its label is read once, at
        # its start, and its length is its share of the region's area: no label per pixel.
        first, last = _runs(index, mask.shape[1])
        # (A division by the width, then products: numpy's divmod and remainder of int64 take
        # two to three times as long; a run's last pixel lies in its first one's row.)
        starts = index[first]
        left_ys = starts // mask.shape[1]
        row_starts = left_ys * mask.shape[1]
        left_xs, right_xs = starts - row_starts, index[last] - row_starts
        runs = labels.ravel()[starts].astype(np.intp)
        stats[:, 4] = np.bincount(runs, weights=last - first + 1, minlength=count)  # whole numbers
        lowest = np.iinfo(np.int64).max
        left, top = np.full(count, lowest, np.int64), np.full(count, lowest, np.int64)
        right, bottom = np.full(count, -1, np.int64), np.full(count, -1, np.int64)
        np.minimum.at(left, runs, left_xs)
        np.minimum.at(top, runs, left_ys)
        np.maximum.at(right, runs, right_xs)
        np.maximum.at(bottom, runs, left_ys)
        stats[1:, 0], stats[1:, 1] = left[1:], top[1:]
        stats[1:, 2], stats[1:, 3] = right[1:] - left[1:] + 1, bottom[1:] - top[1:] + 1
    stats[0] = _background(mask, mask.size - int(stats[1:, 4].sum()))
    return stats


def _runs(index: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of set pixels along a row starts and ends among them (`index`, raster
    order; rows `width` long)."""
    ends = np.diff(index) != 1
    # A run also ends with its row: the set pixels that start a row, found by a search for
    # each row's start, not a remainder per pixel (a third of the time).
    row_starts = np.arange(width, index[-1] + 1, width)
    at = np.searchsorted(index, row_starts)
    at = at[index[at] == row_starts]
    ends[at[at > 0] - 1] = True
    starts = np.flatnonzero(ends) + 1
    return np.concatenate(([0], starts)), np.concatenate((starts - 1, [index.size - 1]))


def _background(mask: np.ndarray, area: int) -> tuple[int, int, int, int, int]:
    """The box and area of the unset pixels, as OpenCV measures label 0 (a sparse mask has some)."""
    height, width = mask.shape
    # Background in the first and last rows and columns spans the page: the usual case, told
    # from the edges alone, not two passes over the page (0.3 ms at A4 200 dpi).
    if area == mask.size or max(mask[0].min(), mask[-1].min(), mask[:, 0].min(), mask[:, -1].min()) == 0:
        return (0, 0, width, height, area)
    rows = np.flatnonzero(mask.min(axis=1) == 0)  # numpy's, not cv2.reduce: 0.2 ms against 15
    cols = np.flatnonzero(mask.min(axis=0) == 0)
    return (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1), area)
