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

Where the faint writing peaks near the least ink contrast, its strokes were thresholded as pen's
are and fell apart: only their darkest grains passed, as specks or a digit's pieces. Such a page
is looked at again with its ink thresholded under the writing's peak (`faint_ink_threshold`)
and read from that look, where it finds writing of the same height (`same_writing`): a page of
squared paper looked at lower can measure the grid's crossings instead.
"""

from __future__ import annotations

import numpy as np

from runtime.reading.evidence import share_in_lines

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



FAINT_INK_PEAK_RATIO = 1.5
"""A page's faint writing is looked at again with its ink thresholded at its median peak over
this (`evidence.MIN_PEAK_CONTRAST_RATIO`, what pen clears over the least contrast)."""

FAINT_INK_LEAST_THRESHOLD = 0.1
"""Nor is ink thresholded under this darkness, whatever the writing: paper's own shading and a
photo's vignetting lie under it."""


def faint_ink_threshold(faint_peak: float | None, min_contrast: float, grain_floor: float) -> float | None:
    """The darkness to threshold a page's ink at to see its faint writing whole (peaking at
    `faint_peak`; None where it has none), or None where the page's own (`min_contrast`) does,
    or the paper's shading or its grain (`grain_floor`) would come through."""
    if faint_peak is None:
        return None
    threshold = faint_peak / FAINT_INK_PEAK_RATIO
    if threshold >= min_contrast or threshold < max(FAINT_INK_LEAST_THRESHOLD, grain_floor):
        return None
    return threshold


SAME_WRITING_HEIGHT_RATIO = 1.5
"""Looked at again, the page's digits must measure within this factor of their height before."""


def same_writing(height: float | None, height_again: float | None) -> bool:
    """Whether a page looked at again (`faint_ink_threshold`) measured digits of the same height."""
    if not height or not height_again:
        return False
    return max(height, height_again) <= SAME_WRITING_HEIGHT_RATIO * min(height, height_again)
