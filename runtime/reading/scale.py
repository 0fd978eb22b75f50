"""Read a big page at the scale its writing needs: a working copy with digits 48-96 px tall.

A page scanned at 200 dpi holds digits anywhere from 25 to 150 px tall, but the model sees each
digit as a 20 px box, and segmentation needs only a digit's strokes to stay a few pixels wide.
Segmenting every pixel of a 4-megapixel page with 100 px digits is sixteen times the work that a
quarter-size copy needs, for the same regions. So a large picture's ink map is first looked at a
quarter of its size (before any rule is erased: what `digit_height_px` measures), and then
segmented on a copy shrunk by the largest power of two that keeps its typical digit at least
`WORKING_DIGIT_PX` tall.

Pages with small writing (under twice `WORKING_DIGIT_PX`) and pictures smaller than
`MIN_SIDE_TO_SCALE_PX` (camera frames) are read at their own size, exactly as before.

Texture guard: written digits measure the same height however far the page is shrunk; a
texture does not. A wooden desk's grain or a tiled floor's speckle is many small marks at full
size, and shrinking averages them into broad bands and blobs that measure as big "digits" (a
desk page: 13 px at full size, 26 px at half, 238 px at a quarter). Read at that scale, plank
seams and grain bands cut into pieces became confident phantom 1s. So a page the look would
shrink is measured once more at half size, and read at full size unless both measures agree
(`MAX_SCALE_DISAGREEMENT`).

Regions are found on the working copy; each digit's box and crop are then taken from the
picture's own ink map, so the classifier sees the digit as sharp as the picture has it.

Usage:
    working = working_ink(gray, polarity, segment_options)
    candidates = find_digits_in(working.darkness, segment_options, fine=working.fine,
                                look=working.look)  # boxes in picture pixels
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.reading.ink import ink_map
from runtime.reading.segment import InkLook, SegmentOptions, look_at

WORKING_DIGIT_PX = 48
"""Least typical digit height on the working copy. The model sees a 20 px box, but the reading
of a page needs more than its crops: at 24 px a page of 13 big digits stored sideways was turned
the wrong way up (the half-turn vote of few digits is fragile), and the not-a-digit reading of
words swung page by page. At 32 px the digit sets read within 0.1 pp, but gaps of a pixel or two
(between handwritten letters, between a digit and a 5 mm grid line) closed up on the copy: on
150 dpi pages of words and numbers the word context took 13 numbers for letters (F1 81.0 ->
78.5%), and digits on squared paper kept pieces of the grid (hard-paper digits 97.58 -> 97.41%).
At 48 px no measured set reads worse than at full size (docs/results/speed.md). Shrinking pages of 72-96
px digits 1.5 times (not a power of two: an area shrink, 7 ms on an A4 page) to reach it cut
3.5% of the A4 scan's CPU but read words-with-numbers pages worse (F1 92.31 -> 91.30%) and 2 more
digits on the no-digit pages (docs/results/speed.md): pages under 96 px stay at full size."""

MIN_SIDE_TO_SCALE_PX = 1000
"""Pictures whose shorter side is below this (camera frames, small pages) are read as they are:
their digits are small already, and a look at a quarter of them would cost more than it saves."""

LOOK_STEP = 4
"""The page is looked at this many times smaller to measure its digits: 96 px digits (the least
that are read smaller) are 24 px tall there, and the look costs a sixteenth of a reading."""

MAX_FACTOR = 8
"""Digits taller than this many working heights (over 380 px) are still read at 1/8."""

MAX_SCALE_DISAGREEMENT = 1.5
"""The digit heights measured at a quarter and at half size (in picture pixels) agree within
this ratio on writing: at most 1.19 on the 30 A4 benchmark pages and the hard pages with digits
or words, and on words-with-numbers pages at 200 and 300 dpi; 1.8 to 37 times apart, either way,
on the blank desks, floors, ruled and squared sheets (`benchmarks.hard_pages`, seeds 1 and 5)
that the look would shrink: grain and lines measured at a scale they do not have."""


@dataclass
class WorkingInk:
    """The ink map to segment and, where it is a shrunk copy, the map it was shrunk from."""

    darkness: np.ndarray  # float32, as `ink_map` gives it: what segmentation labels
    factor: int  # 1: the picture's own size; 2, 4 or 8: shrunk that many times per side
    # The picture's own ink map (trimmed to `factor` times the size of `darkness`) when shrunk:
    # the crops are cut from it, so the classifier sees each digit as sharp as the picture has it.
    fine: np.ndarray | None = None
    # Segmentation's first step on `darkness`, where choosing the scale made it (at 1/2 and 1/4):
    # `find_digits_in` takes it as made (5 ms of an A4 page read at half size).
    look: InkLook | None = None


def working_ink(gray: np.ndarray, polarity: str, options: SegmentOptions | None = None) -> WorkingInk:
    """The ink map of `gray` (uint8) at the scale its digits need (see the module's docstring)."""
    options = options or SegmentOptions()
    ink = ink_map(gray, polarity)
    if min(gray.shape) < MIN_SIDE_TO_SCALE_PX:
        return WorkingInk(ink, 1)
    half = halve(ink)
    quarter = halve(half)
    quarter_look = look_at(quarter, options)
    height = quarter_look.digit_height_px(options)
    factor = 1 if height is None else scale_factor(LOOK_STEP * height)
    if factor == 1:
        return WorkingInk(ink, 1)
    half_look = look_at(half, options)
    if is_texture(LOOK_STEP * height, half_look.digit_height_px(options)):
        return WorkingInk(ink, 1)
    # The copies made for the look are the very shrinking `shrink_by` makes (means of 2x2 blocks
    # of the map trimmed to even sides, twice), so they are segmented as made.
    fine = _trimmed(ink, factor)
    darkness, look = {2: (half, half_look), 4: (quarter, quarter_look)}.get(factor, (halve(quarter), None))
    return WorkingInk(darkness, factor, fine, look)


def is_texture(look_height_px: float, half_height_px: float | None) -> bool:
    """Whether the digit height the look measured (`look_height_px`, picture pixels) is not
    what the ink map at half size measures (`half_height_px`, its own pixels; None: nothing
    there): texture that shrinking turned into blobs."""
    if half_height_px is None:
        return True
    ratio = look_height_px / (2 * half_height_px)
    return not 1 / MAX_SCALE_DISAGREEMENT <= ratio <= MAX_SCALE_DISAGREEMENT


def shrink_by(ink: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """`ink` trimmed to a multiple of `factor` (a power of two) on both sides, and that trimmed
    map shrunk `factor` times (means of `factor` x `factor` blocks)."""
    fine = _trimmed(ink, factor)
    darkness = fine
    while darkness.shape[0] * factor > fine.shape[0]:
        darkness = halve(darkness)
    return fine, darkness


def _trimmed(ink: np.ndarray, factor: int) -> np.ndarray:
    height, width = ink.shape
    return ink[: height - height % factor, : width - width % factor]


def scale_factor(digit_height: float) -> int:
    """The largest power of two (up to `MAX_FACTOR`) that keeps `digit_height` (picture pixels)
    at least `WORKING_DIGIT_PX` tall."""
    factor = 1
    while factor < MAX_FACTOR and digit_height / (2 * factor) >= WORKING_DIGIT_PX:
        factor *= 2
    return factor


def halve(image: np.ndarray) -> np.ndarray:
    """`image` at half size, each pixel the mean of 2x2 (an odd last row or column is left out:
    OpenCV's exact halving is five times faster than its general area shrink)."""
    height, width = image.shape
    even = image[: height - height % 2, : width - width % 2]
    return cv2.resize(even, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
