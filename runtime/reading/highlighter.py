"""Undo a highlighter's swath before the page is turned grey.

A highlighter's dye is a colour filter laid over paper and ink alike: it passes one or two of
the camera's colour channels almost whole and takes much of another (yellow takes blue, pink
takes green, green takes red and blue). In grey a swath is a band about as tall as the digits it
covers, darker than the paper, and the digits under it were lost with it (development
worksheets, `benchmarks.worksheets --condition highlighter --degrade photo --digits validation
--seed 341`: 153 of 857 digits missed, 10 of them on plain paper). Pen ink takes light in every
channel, so dividing each channel by the dye's own colour, where a swath is, gives the paper
back its whiteness and leaves the ink under it dark.

Where the dye is: the picture closed (a grey-level closing removes what is darker and thinner
than `STROKE_SHARE` of its shorter side, the ink) shows the ground under the writing; where that
ground keeps `PASSED` of the paper's light in some channel and `HUE_SHIFT` times what it keeps
in another,
and it holds ink (a pixel under half the swath's grey), it is dye. Coloured paper is the paper
(its colour is the reference, so the whole sheet is no swath); shadows and vignetting take all
channels alike; printed grid lines and coloured pen strokes are thin and closed away; a thick
coloured marker stroke holds no darker ink inside it. A picture without such a swath is
returned as it came (the same array), so its reading cannot change.
"""

from __future__ import annotations

import cv2
import numpy as np

STROKE_SHARE = 1.0 / 80.0
"""Closing size as a share of the picture's shorter side: wider than a pen stroke on a page
photographed whole (about 1/200-1/120 of it), narrower than a swath (a digit's height, 1/40 and up)."""
PASSED = 0.85
"""A dye passes at least this share of the paper's light in its brightest channel."""
HUE_SHIFT = 1.5
"""... and at least this many times what it passes in its darkest: a coloured filter, not a
shadow (which takes every channel alike). Highlighters pass 2-6 times more of one channel than
of another; the light and noise on brown kraft paper shift its channels by up to 1.3 times."""
MAX_PICTURE_SHARE = 0.25
"""... and at most this share of the picture: a band over a few digits, not a coloured sheet."""
MIN_AREA_SHARE = 4.0
"""A swath covers at least this many closing squares (a blob of dye, not a speck)."""
INK_SHARE = 0.5
"""Ink under a swath is under this share of the swath's grey."""
NO_BRIGHTER = 1.25
"""Dye takes light and gives none: ground brighter than the paper's median in some channel
(beyond the light's unevenness over a sheet) is something else, a desk."""
LOOK_SIDE_PX = 400
"""Swaths are looked for on a copy this many pixels on its shorter side (a swath is a digit tall:
8 px and more there); only a picture that has one is closed at full size."""
SWATH_MARGIN_PX = 16
"""The clean-up reaches this far past a swath: its 3x3 dilation and its blur's 9-tap kernel
(4 px), with room to spare so the box's own border never reaches a weight that is not 0."""


def without_highlighter(image: np.ndarray) -> np.ndarray:
    """`image` (BGR uint8) with highlighter swaths turned back to the paper's colour, or as it is."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] < 3:
        return image
    colour = image[:, :, :3]
    shrink = min(1.0, LOOK_SIDE_PX / min(colour.shape[:2]))  # looked for on a sparse copy: cheap when none
    step = max(1, int(1.0 / shrink))
    small = np.ascontiguousarray(colour[::step, ::step])
    found = _dye(small)
    if found is None:
        return image
    found = _dye(colour) if step > 1 else found
    if found is None:
        return image
    ground, paper, swaths = found
    # Only near a swath is the picture changed (the weight is 0 elsewhere, so the gain is 1):
    # the blur and the gain are worked out on the swaths' bounding box and its blur's reach.
    rows, columns = np.nonzero(swaths.any(axis=1))[0], np.nonzero(swaths.any(axis=0))[0]
    top, bottom = max(0, rows[0] - SWATH_MARGIN_PX), min(swaths.shape[0], rows[-1] + 1 + SWATH_MARGIN_PX)
    left, right = max(0, columns[0] - SWATH_MARGIN_PX), min(swaths.shape[1], columns[-1] + 1 + SWATH_MARGIN_PX)
    box = (slice(top, bottom), slice(left, right))
    weight = cv2.GaussianBlur(cv2.dilate(swaths[box], np.ones((3, 3), np.uint8)).astype(np.float32), (0, 0), 1.0)
    gain = np.clip(paper / np.maximum(ground[box].astype(np.float32), 1.0), 1.0, 4.0)
    gain = 1.0 + weight[:, :, None] * (gain - 1.0)
    cleaned = colour.copy()
    cleaned[box] = np.clip(colour[box].astype(np.float32) * gain, 0, 255).astype(np.uint8)
    return cleaned


def _closing_side(colour: np.ndarray) -> int:
    return max(3, int(round(min(colour.shape[:2]) * STROKE_SHARE)) | 1)


def _dye(colour: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The ground under the ink, the paper's colour and the swaths of dye over ink on it (uint8
    0/1), or None where no swath large enough to be one and holding ink is there."""
    side = _closing_side(colour)
    ground = cv2.morphologyEx(colour, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    # The sheet's colour: most of a photographed page is paper (a swath covers a little of it).
    paper = _channel_medians(ground[::2, ::2]).astype(np.float32)
    if paper.min() < 1.0:
        return None
    # Each channel's share of the paper's light, looked up per grey level (the same float32
    # products as multiplying the whole picture, without a float copy of it).
    shares = (np.arange(256, dtype=np.float32)[:, None] * (1.0 / paper)[None, :]).astype(np.float32)
    blue, green, red = (cv2.LUT(channel, shares[:, index].copy())
                        for index, channel in enumerate(cv2.split(ground)))
    brightest, darkest = cv2.max(cv2.max(blue, green), red), cv2.min(cv2.min(blue, green), red)
    # A dye only takes light: ground brighter than the paper in some channel is something else (a desk).
    dyed = (brightest >= PASSED) & (brightest <= NO_BRIGHTER) & (brightest >= HUE_SHIFT * darkest)
    swaths = _swaths_over_ink(dyed.astype(np.uint8), colour, side)
    if swaths is None:
        return None
    return ground, paper, swaths


def _swaths_over_ink(dyed: np.ndarray, colour: np.ndarray, side: int) -> np.ndarray | None:
    """The dyed blobs large enough to be swaths that hold ink (uint8 0/1), or None if none."""
    if not dyed.any():
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dyed, connectivity=8)
    height, width = dyed.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    inside_picture = (left > 0) & (top > 0) & (right < width) & (bottom < height)  # laid on paper, not the frame's
    area = stats[:, cv2.CC_STAT_AREA]
    big = np.flatnonzero((area >= MIN_AREA_SHARE * side * side) & (area <= MAX_PICTURE_SHARE * height * width)
                         & inside_picture)
    big = big[big > 0]
    if big.size == 0:
        return None
    keep = np.zeros(count, bool)
    for index in big:  # a few at most: each one's ink is looked at in its bounding box
        rows = slice(top[index], bottom[index])
        columns = slice(left[index], right[index])
        grey = cv2.cvtColor(np.ascontiguousarray(colour[rows, columns]), cv2.COLOR_BGR2GRAY)
        values = grey[labels[rows, columns] == index]
        keep[index] = values.min() < INK_SHARE * values.mean()
    if not keep.any():
        return None
    return keep.astype(np.uint8)[labels]


def _channel_medians(picture: np.ndarray) -> np.ndarray:
    """Each channel's median (float64) of a uint8 picture, as `np.median` gives it, by counting
    its 256 levels instead of sorting its pixels."""
    counts = [np.bincount(picture[:, :, channel].ravel(), minlength=256) for channel in range(picture.shape[2])]
    total = picture.shape[0] * picture.shape[1]
    middle = [np.searchsorted(np.cumsum(count), [(total - 1) // 2 + 1, total // 2 + 1]) for count in counts]
    # the (n-1)//2-th and n//2-th values in order (the same one where n is odd), averaged
    return np.array([(float(low) + float(high)) / 2.0 for low, high in middle])
