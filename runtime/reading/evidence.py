"""Is a region written ink? Checks made on each region before it is classified.

A handwritten digit is a stroke of roughly constant width, several stroke widths long, clearly
darker than the least darkening that counts as ink on its page. What else reaches the
classifier fails one of these: a speck or a blob of grain is about as tall as it is thick (its
widest inner circle fills it), and texture (a floor's speckle, a desk's grain, the soft edge of a
shadow) lies just above the ink threshold, where writing lies well above it. The classifier
would give every such region a confident label; these checks keep them from it. And when most
regions on a page are alike and as small as a digit may be, they are texture (`drop_texture`).
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.quantiles import median  # of whole pixels: exact, no `statistics` import

MIN_LENGTH_IN_STROKES = 1.5
"""A digit's longer side spans at least this many stroke widths (the widest inner circle's
diameter); a dot or a blob spans about one. Generated pages: 99.9% of true digits pass."""

MIN_PEAK_CONTRAST_RATIO = 1.5
"""The darkest tenth of a region's ink must be this many times the page's least ink contrast:
writing is well above the threshold, texture hovers just over it."""

SMALL_WRITING_PEAK_RATIO = 1.4
"""`MIN_PEAK_CONTRAST_RATIO` on a page of small writing (`sharpen.is_small_writing`): a camera's
blur, a pixel or two whatever the writing's size, is as wide as a small digit's strokes and takes
a third off their darkest ink (an A4 page's strokes, 3-5 px wide, keep theirs). On 640x480
development pages (`benchmarks.worksheets --size 640x480`, seeds 231 mixed, 232 heavy, 233
forms; 240 pages) the digits that failed only this test peaked at 1.28-1.49 times the least
contrast, on phone and poor phone photos; at 1.4, 29 more digits were read right and 2 fewer
false; at 1.3, 47 more right and 13 more false (8 on the heavy photos)."""

LEVELLED_PEAK_SHARE = 0.97
"""On a levelled page the peak ratio asked (`MIN_PEAK_CONTRAST_RATIO`, `SMALL_WRITING_PEAK_RATIO`)
is this share of itself: levelling interpolates every pixel between four (bilinear), and a
stroke a pixel or two wide loses some of its darkest ink to its rim. The true digits of 17
development pages tilted 3-7 degrees (`benchmarks.worksheets --digits validation --size 900x1273
--seed 267 --styles form --degrade mixed`; seeds 268 form,grid,ruled heavy and 270 form,grid
700x990 heavy) peaked 2.2% lower levelled than as given (median of 1,194; a quarter lost 3.4% or
more); small faint digits that passed the test as given at 1.41-1.43 times the least contrast
failed it levelled at 1.37-1.38, and were no candidates at all. Texture loses as much, so it is
held to the same bar as before. At 0.97 the 25 pages those seeds and 269 (photo) and 271 (A4)
level read 7 more digits right and none more false (at 0.96, 8); see README, Results
("Levelled small faint digits")."""


MAX_SURROUNDING_RATIO = 0.5
"""Around writing lies paper (darkness near 0, whatever ink of neighbours is excluded); around a
sliver of the band along a shadow's edge or beyond the sheet lies more of the band, darker than
half the least ink contrast."""


def stroke_width_px(own: np.ndarray) -> float:
    """Diameter of the widest circle inside a region's mask (uint8, 1 on the region)."""
    padded = cv2.copyMakeBorder(own, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return 2.0 * float(cv2.distanceTransform(padded, cv2.DIST_L2, 3).max())


def looks_written(own: np.ndarray, peak_contrast: float, min_contrast: float,
                  peak_ratio: float = MIN_PEAK_CONTRAST_RATIO) -> bool:
    """Whether a region (mask `own`, its ink's 90th percentile darkness `peak_contrast`) is ink
    written in strokes, on a page where ink starts at `min_contrast` darkness (`peak_ratio`:
    how many times that its strokes must peak, `MIN_PEAK_CONTRAST_RATIO`)."""
    if peak_contrast < peak_ratio * min_contrast:
        return False
    length = max(own.shape)
    # No circle inside is wider than the shorter side plus one (a distance grows by at most a
    # pixel per pixel stepped towards the border): a region this long passes unmeasured.
    if length >= MIN_LENGTH_IN_STROKES * (min(own.shape) + 1):
        return True
    return length >= MIN_LENGTH_IN_STROKES * stroke_width_px(own)


STROKE_CORE_SHARE = 0.5
"""A region that fails the stroke test as thresholded (the camera's
blur filled its loops, so its widest inner circle spans it) is measured again on its cores, the
pixels at least this share of its strokes' darkness: a blurred digit's strokes show there, a
blob of grain or a shadow's sliver stays one blob. 0.5 and 0.7 were tried on the development
pages (640x480, seeds 55 and 56, validation digits): 0.5 read 14 more digits right, 5 more
wrong or false."""

BLURRED_BLOB_MIN_CONFIDENCE = 0.9
"""Such a region is read only at this confidence or more (and is otherwise no candidate at all,
not a "not a digit" crop that would make the page look like text): at 0 the development pages
read 15 more digits right and 12 more wrong or false than at 0.9; at 0.8, 6 more right and 2
more false; at 0.97, 10 fewer right and 1 fewer false."""


def looks_written_at_cores(ink: np.ndarray, peak_contrast: float, min_contrast: float,
                           peak_ratio: float = MIN_PEAK_CONTRAST_RATIO) -> bool:
    """Whether a region's soft ink (`ink`, darkness, its 90th percentile `peak_contrast`) is
    written in strokes at its cores (`STROKE_CORE_SHARE`; `peak_ratio` as `looks_written`)."""
    cores = (ink >= STROKE_CORE_SHARE * peak_contrast).view(np.uint8)
    return looks_written(cores, peak_contrast, min_contrast, peak_ratio)


def paper_limit(min_contrast: float) -> float:
    """The darkness that the median of what lies around a written region stays below: paper,
    not the dark band along a shadow's edge or beyond the sheet, which noise breaks into slivers."""
    return MAX_SURROUNDING_RATIO * min_contrast


TEXTURE_MIN_REGIONS = 20
"""Fewer regions than this are never called texture: a few small digits are just small digits."""

TEXTURE_MEDIAN_RATIO = 1.5
"""Regions whose median size is below this many times the least digit size are piled up
against the size cut-off, as the tail of a page of specks (a floor's grain) is."""

TEXTURE_MAX_IN_LINE = 0.3
"""...and if fewer than this share of them have a neighbour beside them in a line, they are
scattered like grain, not written: digits come in numbers and lines (generated pages of small
digits: over 0.8; a speckled floor: under 0.1). Lines running down the page count as well (a
page stored sideways is segmented before it is turned): counted level only, two forms of 18 px
digits photographed and stored sideways (development worksheets, seed 210) showed 0.16 and 0.25
of their regions in lines, were taken for texture and kept 5 and 6 of 80 and 129 regions, and
the turn, which then more than doubled them, was refused: all 260 of their digits lost."""

TEXTURE_KEEP_RATIO = 2.0
"""On a texture page only regions at least this many times the least digit size stay."""


def drop_texture(boxes: list[tuple[int, int, int, int]], min_size: float) -> list[bool]:
    """Which regions (boxes x, y, w, h) to keep, given the least size (longer side) of a digit."""
    if len(boxes) < TEXTURE_MIN_REGIONS:
        return [True] * len(boxes)
    sizes = [max(w, h) for _, _, w, h in boxes]
    # The median of whole pixels is exact; compared in float32, as it always was.
    if np.float32(median(sizes)) >= TEXTURE_MEDIAN_RATIO * min_size:
        return [True] * len(boxes)
    sizes = np.array(sizes, np.float32)
    if share_in_lines(np.array(boxes, np.float32)) >= TEXTURE_MAX_IN_LINE:
        return [True] * len(boxes)
    return (sizes >= TEXTURE_KEEP_RATIO * min_size).tolist()


def share_in_lines(boxes: np.ndarray) -> float:
    """Share of boxes with another box beside them in a line (`_share_in_level_lines`), along the
    page or, where that is under `TEXTURE_MAX_IN_LINE`, down it (a page stored sideways)."""
    level = _share_in_level_lines(boxes)
    if level >= TEXTURE_MAX_IN_LINE:
        return level
    return max(level, _share_in_level_lines(boxes[:, [1, 0, 3, 2]]))


def _share_in_level_lines(boxes: np.ndarray) -> float:
    """Share of boxes with another box beside them: level with them and within two heights."""
    left, top, width, height = boxes.T
    centre_y = top + height / 2
    order = np.argsort(left)
    in_line = np.zeros(len(boxes), bool)
    for rank, index in enumerate(order):
        reach = left[index] + width[index] + 2 * height[index]
        for other in order[rank + 1 :]:
            if left[other] > reach:
                break
            if abs(centre_y[other] - centre_y[index]) < 0.5 * max(height[index], height[other]):
                in_line[index] = in_line[other] = True
    return float(in_line.mean())
