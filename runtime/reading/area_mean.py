"""OpenCV's area shrink by a step that does not divide the picture, the very same pixels, faster.

The ink map estimates the paper on a copy of the page shrunk about ten times (`ink.shrink`). At
a step that divides neither side (an A4 page at 200 dpi, 1654x2339, shrunk to 165x233), OpenCV's
`resize(..., INTER_AREA)` takes its general path: per output pixel, a chain of weighted sums,
one source pixel at a time (8 ms on that page, and 2.3 ms more to make the float32 copy it
shrinks). The arithmetic is simple and fixed, so it is done here the same way in numpy, over
whole rows at once: the same products, added in the same order, in float32, so every pixel is
OpenCV's to the bit (tests/test_area_mean.py holds the two equal), from the uint8 page itself.

How OpenCV does it (`computeResizeAreaTab`, `ResizeArea_Invoker` in imgproc's resize.cpp): along
each axis, output pixel `d` covers source pixels `d * scale` up to `(d + 1) * scale`; each source
pixel it touches gets the share of it that is covered, divided by the cell's width, as a float32
weight. A row of the output is, per source row in order, the row's weighted sums across (in
source order, starting from zero), each times that row's weight down, added up in row order.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

MIN_PIXELS = 1_000_000
"""Pictures this large or larger are shrunk here (an A4 page: 3.6-5 ms against OpenCV's 8.2 and
2.3 for its float32 copy); smaller ones (camera frames) by OpenCV, where its start costs less
than numpy's dozen passes."""


def is_fractional(shape: tuple[int, int], size: tuple[int, int]) -> bool:
    """Whether OpenCV shrinks a picture of `shape` (rows, columns) to `size` (width, height) by
    its general path: a shrink on both axes, by a step that is not a whole number on one of them."""
    (height, width), (out_width, out_height) = shape, size
    scale_x, scale_y = 1.0 / (out_width / width), 1.0 / (out_height / height)
    if scale_x < 1 or scale_y < 1:
        return False
    return abs(scale_x - round(scale_x)) >= np.finfo(np.float64).eps or \
        abs(scale_y - round(scale_y)) >= np.finfo(np.float64).eps


def area_mean(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)` for a uint8 or
    float32 picture where `is_fractional(gray.shape, size)`, as float32."""
    width, height = size
    # Rows of the turned picture are the columns to sum: whole rows taken at once (OpenCV's
    # transpose: a quarter of the time of numpy's copy of a turned view).
    across = _shrunk_rows(cv2.transpose(gray), _weights(gray.shape[1], width))
    return _shrunk_rows(cv2.transpose(across), _weights(gray.shape[0], height))


def _shrunk_rows(rows: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per output row `d`: the sum over k, in order, of rows[first[k, d]] * weight[k, d],
    starting from the first term, in float32 (OpenCV's order; a term of weight 0 adds nothing)."""
    first, weight = weights
    total = np.empty((first.shape[1], rows.shape[1]), np.float32)
    term = np.empty_like(total)
    for k in range(first.shape[0]):
        np.copyto(term, rows[first[k]])
        np.multiply(term, weight[k][:, None], out=term)
        if k == 0:
            total, term = term, total
        else:
            np.add(total, term, out=total)
    return total


@functools.lru_cache(maxsize=16)
def _weights(source: int, shrunk: int) -> tuple[np.ndarray, np.ndarray]:
    """OpenCV's table for one axis, as (source index, float32 weight) per step k and output pixel:
    each output pixel's source pixels lie in a row, so step k takes the k-th of them (the last
    one again, at weight 0, where a pixel has fewer).

    Worked out for all output pixels at once, in float64 as `computeResizeAreaTab` does each
    (the same operations, so the same values as OpenCV's loop over the pixels, which
    tests/test_area_mean.py states one pixel at a time and holds equal to this): a page size's
    table in numpy, not 7-16 ms of Python on each worker's first page."""
    scale = 1.0 / (shrunk / source)  # as OpenCV has it: the inverse of the inverse scale
    start = np.arange(shrunk, dtype=np.float64) * scale
    end = start + scale
    cell_width = np.minimum(scale, source - start)
    last = np.minimum(np.floor(end), source - 1)
    first = np.minimum(np.ceil(start), last)
    before = first - start > 1e-3  # a share of the pixel before the first whole one
    after = end - last > 1e-3  # a share of the last one
    count = before + (last - first).astype(np.intp) + after
    steps = int(count.max())
    k = np.arange(steps)[:, None]
    lowest = first.astype(np.intp) - before
    index = np.minimum(lowest + k, lowest + count - 1)
    weight = np.where(k < count, (1.0 / cell_width).astype(np.float32), np.float32(0.0))
    shares_before = ((first - start) / cell_width).astype(np.float32)
    weight[0, before] = shares_before[before]
    shares_after = (np.minimum(np.minimum(end - last, 1.0), cell_width) / cell_width).astype(np.float32)
    columns = np.flatnonzero(after)
    weight[count[columns] - 1, columns] = shares_after[columns]
    index.setflags(write=False)
    weight.setflags(write=False)
    return index, weight
