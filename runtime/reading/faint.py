"""Faint writing: a page written in pencil, whose strokes all peak just over the ink threshold.

A region is read only if its strokes peak well above the page's least ink contrast
(`evidence.MIN_PEAK_CONTRAST_RATIO`): texture hovers just over it, writing in pen lies far above.
Pencil does not: its grey strokes, broken up by the paper's tooth, peak at 1.0-1.8 times that
contrast on a phone photo, and a page of them read 24% of its digits (development worksheets,
`benchmarks.worksheets --condition pencil --degrade photo --digits validation --seed 311`).

What tells such a page from texture is the regions that failed only that test: on a page of
pencil writing they are most of what looks written, lie in lines (digits come in numbers and
lines) and are about as tall as one another, as digits are; texture's slivers are scattered
and of every size. Where that holds, the faint regions that peak about as high as the page's
faint writing does are read as well.

Where the page's writing all peaks near the least ink contrast, its strokes were thresholded as
pen's are and fell apart: only their darkest grains passed, as specks or a digit's pieces, and a
digit broken into specks is no faint region either. Such a page is looked at again with its ink
thresholded under the writing's peak (`pencil_ink_thresholds`) and read from that look, where it
finds writing of the same height (`same_writing`).
"""

from __future__ import annotations

import numpy as np

from runtime.reading.evidence import LEVELLED_PEAK_SHARE, share_in_lines

FAINT_MIN_PEAK_RATIO = 1.0
"""A faint region's strokes must still reach the page's least ink contrast (they are in the mask)."""

FAINT_MIN_REGIONS = 6
"""Fewer faint regions than this say nothing of the page: a few pale strokes beside pen writing."""

FAINT_MIN_SHARE = 0.2
"""The faint regions must be at least this share of all that looks written on the page (found
and faint): on a page written in pen, the faint ones are the odd pale stroke (on 12 development
pages in pen there were none; on 12 in pencil, 4 to 220, a third to all of what looked written)."""

FAINT_MIN_IN_LINE = 0.6
"""...and at least this share of all that looks written must have another region beside it in a
line (a pencil page: 0.7 and more; the slivers of grain on a dim blank page: 0.25)."""

FAINT_MAX_HEIGHT_SPREAD = 0.5
"""...and the middle half of their heights must span at most this share of their median height."""

FAINT_PEAK_SHARE = 0.75
"""A faint region is read if its strokes peak at least this share of the faint regions' median
peak: the page's pencil, not a fainter smudge beside it."""


def faint_writing_level(boxes: list[tuple[int, int, int, int]], peaks: list[float],
                        found: list[tuple[int, int, int, int]]) -> float | None:
    """The least peak darkness at which faint regions (`boxes`, their strokes' `peaks`) are read,
    or None where they are not the page's writing (`found`: the boxes of regions read already)."""
    count = len(boxes)
    if count < FAINT_MIN_REGIONS or count < FAINT_MIN_SHARE * (count + len(found)):
        return None
    heights = np.array([h for _, _, _, h in boxes], np.float32)
    low, middle, high = (float(v) for v in np.percentile(heights, [25, 50, 75]))
    if high - low > FAINT_MAX_HEIGHT_SPREAD * middle:
        return None
    if share_in_lines(np.array(boxes + found, np.float32)) < FAINT_MIN_IN_LINE:
        return None
    return FAINT_PEAK_SHARE * float(np.median(np.asarray(peaks, np.float32)))


PENCIL_MAX_PEAK_RATIO = 1.8
"""A page whose regions (read or faint) peak at a median of at most this many times the least ink
contrast is written in pencil. On development pages (`benchmarks.worksheets --degrade photo
--digits validation --seed 311|331|333`) that median was 1.18-1.71 on 24 pages in pencil; 2.01-2.15
on three in pen under harsh light (one side of the sheet a fifth as lit; looked at again, one of
them lost a digit), 3.3-4.7 on every other page in pen (plain, glare, low JPEG quality); on 70
heavy 640x480 photos in pen (`--size 640x480 --degrade heavy`, seed 232, and forms, seed 233)
2.05-4.08; on no-digit pages (`benchmarks.hard_pages --kinds no-digit --seed 11`) letters and
script 3.9-4.5, and the slivers of shadow, tiles or desk, 1.6-2.2, were too few to be looked at
again. Set nearer pencil's end of the gap: a heavy small form in pen at 1.85, looked at again,
read one phantom digit more."""

PENCIL_THRESHOLD_RATIOS = (2.1, 1.7)
"""A pencil page is looked at again with its ink thresholded at its regions' median peak over
these, in turn, until one measures digits of the height the page had (`same_writing`): the lower
threshold sees the faintest digits whole, but on squared paper it can let the grid in, whose
crossings then measure as the digits. On the development pages (seeds 333 and 331), recall with
2.1 alone 97.3 and 93.3% (a squared page lost); with 1.8 alone 87.1 and 95.1%; with 2.1 then 1.7
97.6 and 95.6%, with 7 and 20 false digits (before: 83.8 and 83.2%, 22 and 64 false)."""

FAINT_INK_LEAST_THRESHOLD = 0.1
"""Nor is ink thresholded under this darkness, whatever the writing: paper's own shading and a
photo's vignetting lie under it."""


def pencil_ink_thresholds(boxes: list[tuple[int, int, int, int]], peaks: list[float], min_contrast: float,
                          grain_floor: float, levelled: bool = False) -> list[float]:
    """The darknesses to threshold a page's ink at, in turn, to see its pencil writing whole: its
    regions (`boxes`, read or faint, whose strokes peak at `peaks`) are six or more, lie in lines
    and peak low (`PENCIL_MAX_PEAK_RATIO` times `min_contrast`); none under the paper's shading
    or the page's grain (`grain_floor`, `Grain.min_contrast`), nor at `min_contrast` or over. On a
    `levelled` page, whose strokes peak lower (`evidence.LEVELLED_PEAK_SHARE`), so does the bar:
    a heavy 700x990 photo of a form in pen peaked at 1.78 levelled (development worksheets seed
    270, page 3) and, looked at again, lost three faint digits (`tests/test_levelled_faint.py`)."""
    if len(boxes) < FAINT_MIN_REGIONS:
        return []
    peak = float(np.median(np.asarray(peaks, np.float32)))
    most = PENCIL_MAX_PEAK_RATIO * (LEVELLED_PEAK_SHARE if levelled else 1.0)
    if peak > most * min_contrast or share_in_lines(np.array(boxes, np.float32)) < FAINT_MIN_IN_LINE:
        return []
    least = max(FAINT_INK_LEAST_THRESHOLD, grain_floor)
    return [threshold for ratio in PENCIL_THRESHOLD_RATIOS if least <= (threshold := peak / ratio) < min_contrast]


SAME_WRITING_HEIGHT_RATIO = 1.5
"""Looked at again, the page's digits must measure within this factor of their height before."""


def same_writing(height: float | None, height_again: float | None) -> bool:
    """Whether a page looked at again (`pencil_ink_thresholds`) measured digits of the same height."""
    if not height or not height_again:
        return False
    return max(height, height_again) <= SAME_WRITING_HEIGHT_RATIO * min(height, height_again)
