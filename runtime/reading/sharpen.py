"""Small digits blurred by the camera, made sharp again before the model reads them.

On a 640x480 photo of a page (a phone, a Pi camera) the digits are 10-20 px tall, and the
optics' blur of 1-2 px is as wide as their strokes. Enlarged to the model's 20 px box, such a
digit is a soft blob with strokes three times MNIST's width; the model, trained to call blurred
blobs (shadow edges, texture) "not a digit", says so of a third of the digits on a poor phone
photo, and the word context then takes the page for text and drops more (`runtime.reading.words`).

So on a page of small digits (`is_small_writing`), each small crop whose strokes are mostly soft
rim (`is_blurred`) is sharpened: an unsharp mask, then the faint rim taken off. Crisp crops,
big crops and pages of big digits are read as they are: the shipped model's figures on them stay
as measured, and the small fragments of a big page (grid pieces, texture), sharpened, would read
as digits more often. A page of small handwritten words that still reads as text sharpened is
read as cut (`runtime.reading.reader`): sharpened letters read as digits more often too.

Usage:
    if is_small_writing(digit_height):
        crops = [sharpen_blurred(crop) for crop in crops]
"""

from __future__ import annotations

import cv2
import numpy as np

SMALL_WRITING_PX = 20
"""A page's digits are small at this typical height or less (640x480 worksheets: 10-20 px): the
camera's blur is then as wide as their strokes and the gaps between them. The reader judges it
on `orientation.typical_height` (the median of 8 or more candidates); the merging of broken
strokes (`broken_strokes._crumbs_between`) and the stroke test (`evidence.looks_written_at_cores`) on the
segmenter's own digit height. At 24, an A4 page of dense
22 px digits on dotted paper read one more digit wrong, and with no least count of candidates a
tiled floor's one speck was sharpened into a "1" (`benchmarks.hard_pages`, seed 1)."""

MAX_CROP_PX = 24
"""Crops longer than this (on either side) are left as they are: on them a camera's blur is
narrower than the strokes. At 32, a 26 px open-topped 4 crossed by a 7 on a real photo
(`src1_a4_1`), "not a digit" as cut, was read as a 6 (a miss became a wrong digit); on the
development pages 24 and 32 read within 0.02 pp."""

SOFT_RIM_SHARE = 0.4
"""A crop is blurred when at least this share of its ink (above a tenth of full strength) is
softer than 0.6 of full strength: development pages (640x480, mixed capture, seed 22) gave
medians of 0.22 for clean pages, 0.43 for scans, 0.50-0.52 for phone photos."""

UNSHARP_SIGMA_PX = 1.0
UNSHARP_AMOUNT = 1.0
RIM_FLOOR = 0.2
"""The sharpening: the crop plus `UNSHARP_AMOUNT` times its difference from a Gaussian blur of
`UNSHARP_SIGMA_PX`, then stretched so that `RIM_FLOOR` of full strength becomes paper. Chosen on
the crops of the development pages: of the 1,569 digits cut from their poor phone photos, 1,274
read right before (216 "not a digit"), 1,407 after (90); clean pages' crops 2,202 -> 2,197."""


def is_small_writing(digit_height: float | None) -> bool:
    """Whether a page whose candidates are `digit_height` px tall (median) holds small writing."""
    return digit_height is not None and digit_height <= SMALL_WRITING_PX


def is_blurred(ink: np.ndarray) -> bool:
    """Whether a crop (uint8, ink bright on 0) is mostly soft rim (`SOFT_RIM_SHARE`)."""
    present = int(np.count_nonzero(ink > 25))
    soft = int(np.count_nonzero((ink > 25) & (ink < 153)))
    return present > 0 and soft >= SOFT_RIM_SHARE * present


def sharpen_blurred(ink: np.ndarray) -> np.ndarray:
    """The crop sharpened if it is small and blurred (see the module's docstring), else itself."""
    if ink.size == 0 or max(ink.shape) > MAX_CROP_PX or not is_blurred(ink):
        return ink
    strokes = ink.astype(np.float32)
    strokes += UNSHARP_AMOUNT * (strokes - cv2.GaussianBlur(strokes, (0, 0), UNSHARP_SIGMA_PX))
    strokes = (strokes - 255.0 * RIM_FLOOR) / (1.0 - RIM_FLOOR)
    return np.clip(strokes, 0, 255).astype(np.uint8)
