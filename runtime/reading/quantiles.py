"""Percentiles of a picture's pixels: numpy's very values, found without ordering every pixel.

`np.percentile` orders the whole array around the two values it interpolates between (0.5-0.7
ms on a 320x240 frame, each time the ink map asks: a twentieth of a camera frame's reading). The
two values lie in a narrow band of the pixel values, found from a sample: only the pixels in
that band are ordered (a tenth of them), or, for uint8 pictures, the pixels are counted per grey
level. The band is checked to hold both values before it is trusted, and the interpolation is
numpy's own ("linear", with its arithmetic in the array's type), so the result is the same,
bit for bit, as `np.percentile(values, q)` with a Python number `q`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

SAMPLE_STEP = 16
"""Every this-many-th value is sampled to find the band of values to order..."""

SAMPLE_SIZE = 8192
"""... or fewer, so the sample holds about this many (ordering the sample of a page's grain,
30,000 values, took half of the time; the band's margin of 2% of the ranks is still ten times
the sample's error, and a band that misses the rank is ordered whole anyway)."""

BAND_MARGIN = 0.02
"""The band reaches this share of the sample beyond the wanted rank on either side."""

SMALL = 4096
"""Arrays up to this size are ordered whole: the band would not save anything."""

MAX_HISTOGRAM_PIXELS = 1 << 24
"""uint8 arrays below this size are counted per grey level by OpenCV's histogram, whose counts
are float32, exact up to 2**24 (a quarter of numpy's `bincount` time: 25 against 86 µs at
320x240, 0.29 against 1.1 ms at 827x1169); larger ones by `np.bincount`."""


def percentile(values: np.ndarray, q: float) -> float:
    """`float(np.percentile(values, q))` (method "linear") for a float32 or uint8 array."""
    flat = values.ravel()
    count = flat.size
    position = (count - 1) * (q / 100)  # numpy's "virtual index", as numpy computes it
    if position >= count - 1:
        return float(flat.max())
    rank = math.floor(position)
    low, high = _ranked(flat, rank)
    return float(_lerp(low, high, position - rank))


def value_of_rank(values: np.ndarray, rank: int) -> np.generic:
    """The value of rank `rank` (from 0) of a float32 or uint8 array in ascending order, as
    `np.partition(values.ravel(), rank)[rank]` gives it (`rank` below the array's size - 1)."""
    return _ranked(values.ravel(), rank)[0]


def _ranked(flat: np.ndarray, rank: int) -> tuple[np.generic, np.generic]:
    """The values of rank `rank` and `rank + 1` (from 0) in ascending order."""
    if flat.dtype == np.uint8:
        counts = np.cumsum(_level_counts(flat))
        low, high = np.searchsorted(counts, [rank, rank + 1], side="right")
        return np.uint8(low), np.uint8(high)
    if flat.size > SMALL:
        sample = np.sort(flat[:: max(SAMPLE_STEP, flat.size // SAMPLE_SIZE)])
        where = rank / flat.size * sample.size
        margin = max(2, int(BAND_MARGIN * sample.size))
        lowest = sample[max(0, int(where) - margin)]
        highest = sample[min(sample.size - 1, int(where) + margin)]
        below = int(np.count_nonzero(flat < lowest))
        band = flat[(flat >= lowest) & (flat <= highest)]
        if below <= rank and below + band.size >= rank + 2:  # both values lie in the band
            band.partition([rank - below, rank + 1 - below])
            return band[rank - below], band[rank + 1 - below]
    ordered = np.partition(flat, [rank, rank + 1])
    return ordered[rank], ordered[rank + 1]


def _level_counts(flat: np.ndarray) -> np.ndarray:
    """How many of the uint8 values `flat` (contiguous, 1-D) lie at each grey level, (256,) int64."""
    if flat.size >= MAX_HISTOGRAM_PIXELS:
        return np.bincount(flat, minlength=256)
    return cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel().astype(np.int64)


def _lerp(low: np.generic, high: np.generic, fraction: float):
    """numpy's linear interpolation between two neighbouring values (`numpy.lib`'s `_lerp`)."""
    step = high - low
    if fraction >= 0.5:
        return high - step * (1 - fraction)
    return low + step * fraction


def median(values) -> float:
    """`statistics.median`, value for value: for a handful of values far cheaper than numpy's,
    and without importing `statistics` (its `fractions` and `decimal`: 18 ms of every worker's start)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no median for an empty list")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def array_median(values: np.ndarray) -> float:
    """`float(np.median(values))` for a non-empty 1-D float32 or integer array without NaN, value
    for value, without numpy's overhead (2 against 10 µs on a region's few dozen rows). numpy
    averages the two middle values in the array's own type where that is floating (a float32
    sum, halved exactly), in float64 for integers."""
    count = values.size
    middle = count // 2
    if count % 2:
        return float(np.partition(values, middle)[middle])
    ordered = np.partition(values, [middle - 1, middle])
    low, high = ordered[middle - 1], ordered[middle]
    if values.dtype.kind == "f":
        return float(low + high) / 2
    return (float(low) + float(high)) / 2
