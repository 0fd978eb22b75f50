"""Whether a region was cut off a handwritten straight stroke that rule removal took for a line.

Rule removal (`runtime.reading.rules`) erases straight runs longer than a digit is tall; on pages
of text such a run may be a pen's stroke (the headline of a script's word, a t's bar), and the
regions left beside it are pieces of writing, not digits. `Bars` holds one page's erased runs
and answers `DigitCandidate.cut_off_a_bar` (`runtime.reading.segment`) for its regions, labelling
the runs only when first asked (the word step asks on pages of text alone).
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.cells import CellWalls
from runtime.reading.component import Component, labelled_as
from runtime.reading.regions import label_regions
from runtime.reading.strokes import stroke_width_px

BAR_MAX_COVER = 0.3
BAR_MIN_OVERHANG = 0.6
"""A straight run that rule removal erased is a stroke of handwriting (the headline of a script's
words, a t's bar), not a printed rule, when the rows it lies in (columns, for an upright run) hold
erased runs across less than `BAR_MAX_COVER` of the page (a rule crosses the page, even where it
is broken into pieces) and no twin run closes a row of boxes with it (`_has_a_twin`), or when it
lies thicker beside the candidate than elsewhere (`BAR_MIN_THICKENING`: a pen's stroke along a
rule). A candidate whose ink ran on into such a run, and which the run passes by more than
`BAR_MIN_OVERHANG` of its height, was cut off that stroke (`DigitCandidate.cut_off_a_bar`).
Chosen on pages of unused seeds (52 no-digit pages of script and letters, A4 seeds 4242,
977-981; 26 pages of words with numbers, 980-982; 8 of digits on squared, dotted, dim and plain
paper, 983): with the word step's use of it, digits read on the no-digit pages 158 -> 104 (11 ->
5 pages over 5), the other pages unchanged (1,517 of 1,633 digits, 104 phantoms). At a cover of
0.5, 6 digits of numbers were marked on a ruled page whose rules broke into pieces; overhangs of
0.25, 0.6 and 1.0 left 97, 98 and 102 on the no-digit pages (before the twin test and the word
step's exception for a 7 whose bar was erased); without the twin test, 2 digits in a row of form
boxes on a heavy 640x480 page were lost."""


class Bars:
    """The runs that rule removal erased on one page, of each direction, labelled when first asked
    about (`DigitCandidate.cut_off_a_bar`)."""

    def __init__(self, labels: np.ndarray, lines: tuple, digit_height: float, walls: CellWalls | None = None):
        self.labels, self.lines, self.digit_height = labels, lines, digit_height
        self.walls = walls  # the upright runs and box sides, that part cells (`runtime.reading.cells`)
        self.runs: dict[int, tuple] = {}  # per axis: its runs labelled, and which are handwritten

    def cut_off(self, component: Component) -> bool:
        return any(self._cut_off_along(axis, component) for axis in (0, 1) if self.lines[axis] is not None)

    def _cut_off_along(self, axis: int, component: Component) -> bool:
        """Cut off a handwritten run of direction `axis` (0: level, 1: upright, turned to lie level)."""
        if axis not in self.runs:
            _, line_labels, stats = label_regions(self.lines[axis], any_order=True)
            labels = self.labels
            if axis:
                line_labels, stats, labels = line_labels.T, stats[:, [1, 0, 3, 2, 4]], labels.T
            self.runs[axis] = line_labels, stats, labels, {}
        line_labels, stats, labels, handwritten = self.runs[axis]
        box = component if not axis else Component(component.top, component.left, component.bottom,
                                                   component.right, component.area, component.labels)
        touched = [run for run in _runs_touched(box, component.labels, labels, line_labels)
                   if _passes_by(stats[run], box, component.height)]
        if not touched:
            return False
        least_thickness = BAR_MIN_STROKE_SHARE * _stroke_width(box, component.labels, labels)
        return any(stats[run, 4] >= least_thickness * stats[run, 2]
                   and (_is_handwritten(run, stats, line_labels, handwritten, self.digit_height)
                        or _thick_beside(run, stats, line_labels, box, component.height))
                   for run in touched)


BAR_MIN_STROKE_SHARE = 0.25
"""A pen's bar is as thick as the pen's other strokes: an erased run thinner than this share of
the region's own strokes (its pixels per column against `strokes.stroke_width_px` of the region
as left) is a printed rule, faint and broken into pieces where only the writing on it was dark
enough to find (on a phone photo of ruled paper, every digit standing on such a rule was taken
for a piece of writing). Runs beside the digits of numbers on such pages measured 0.09-0.26 of
their strokes, a script's headlines 0.28-2.3 (development pages of hard-pages seeds 161, 162)."""


def _stroke_width(box: Component, own_labels: list[int], labels: np.ndarray) -> float:
    """The stroke width of the region (pixels, `strokes.stroke_width_px`), its erased runs left out."""
    own = labelled_as(labels[box.top : box.bottom, box.left : box.right], own_labels)
    return stroke_width_px(own.astype(np.uint8) * 255)


_BAR_REACH = 2
"""Ink this close to an erased run ran on into it: the erased band and the ink's anti-aliased rim."""


def _runs_touched(box: Component, own_labels: list[int], labels: np.ndarray, line_labels: np.ndarray) -> list[int]:
    """The erased runs (their labels) that the region's own ink comes within `_BAR_REACH` of."""
    top, left = max(0, box.top - _BAR_REACH), max(0, box.left - _BAR_REACH)
    near = line_labels[top : box.bottom + _BAR_REACH, left : box.right + _BAR_REACH]
    if not near.any():
        return []
    own = np.zeros(near.shape, np.uint8)
    inner = (slice(box.top - top, box.top - top + box.height), slice(box.left - left, box.left - left + box.width))
    own[inner] = labelled_as(labels[box.top : box.bottom, box.left : box.right], own_labels)
    own = cv2.dilate(own, np.ones((2 * _BAR_REACH + 1,) * 2, np.uint8))
    touched = np.unique(near[own.view(bool)])
    return touched[touched > 0].tolist()


def _passes_by(run: np.ndarray, box: Component, height: int) -> bool:
    """Whether a level erased run (its stats row) runs on past the region `box` along its length."""
    left, width = int(run[0]), int(run[2])
    return max(0, box.left - left) + max(0, left + width - box.right) > BAR_MIN_OVERHANG * height


BAR_MIN_THICKENING = 1.6  # see BAR_MAX_COVER
BAR_THIN_RULE = 1.6
BAR_THIN_RULE_PX = 2
"""A run that lies this many times and this many pixels thinner than a handwritten bar in the bar's
rows (pixels per column, `_as_thick`) does not count against it across the page: a script's headline written along
a thin printed rule, which, slightly tilted, crosses the headline's rows over half the page, is
still handwriting. Chosen on 160 pages of letters and script (`hard_pages --kinds letters,script
--count 40`, seeds 21-24): digits read 127 -> 111 (with the word step as it was); on pages of
words with numbers (seed 23), of digits on patterned paper (seed 23), 16 A4 worksheets (seed 201,
mixed) and 30 small 640x480 ones (seed 203) no digit read differently."""


def _thick_beside(run: int, stats: np.ndarray, line_labels: np.ndarray, box: Component, reach: int) -> bool:
    """Whether a level run lies thicker beside the region `box` than it does on average: a pen's
    stroke drawn along a printed rule, erased with it."""
    left, top, width, height, area = stats[run].tolist()
    rows = slice(max(top, box.top - reach), min(top + height, box.bottom + reach))
    sides = [slice(max(left, box.left - reach), box.left), slice(box.right, min(left + width, box.right + reach))]
    counts = np.concatenate([np.count_nonzero(line_labels[rows, side] == run, axis=0) for side in sides])
    counts = counts[counts > 0]
    return counts.size >= 0.5 * reach and counts.mean() >= BAR_MIN_THICKENING * area / width


def _is_handwritten(run: int, stats: np.ndarray, line_labels: np.ndarray, known: dict[int, bool],
                    digit_height: float) -> bool:
    """Whether the rows of level run `run` hold runs of its stroke's width across little of the page
    (`BAR_THIN_RULE`)."""
    if run not in known:
        top, height = int(stats[run, 1]), int(stats[run, 3])
        band = line_labels[max(0, top - 2) : top + height + 2]
        known[run] = (np.count_nonzero(_as_thick(band, run).any(axis=0)) < BAR_MAX_COVER * line_labels.shape[1]
                      and not _has_a_twin(run, stats, digit_height))
    return known[run]


def _as_thick(band: np.ndarray, run: int) -> np.ndarray:
    """Where `band` (rows of labelled runs) holds runs that lie in it at least 1 / `BAR_THIN_RULE`
    as thick as `run` does: the median of their pixels per column, within the band (a long rule,
    connected to the page's other rules, is measured where it crosses the band; a rule's piece
    that a pen stroke ran along for a while is still as thin as the rule)."""
    present, inverse = np.unique(band, return_inverse=True)
    inverse = inverse.reshape(band.shape)
    width = band.shape[1]
    pairs, pixels = np.unique(inverse * width + np.arange(width), return_counts=True)
    owners = pairs // width
    thickness = np.array([np.median(pixels[owners == label]) for label in range(present.size)])
    own = thickness[np.searchsorted(present, run)]
    return (thickness >= min(own / BAR_THIN_RULE, own - BAR_THIN_RULE_PX))[inverse] & (band > 0)


def _has_a_twin(run: int, stats: np.ndarray, digit_height: float) -> bool:
    """Whether another level run at most two digit heights above or below starts and ends where
    `run` does: the top and bottom of a printed row of boxes (a form), which a handwritten bar
    does not have."""
    left, top, width, height = stats[run, :4].tolist()
    slack = max(3, 0.1 * width)
    others = stats[1:]
    return bool(np.any((np.abs(others[:, 0] - left) <= slack)
                       & (np.abs(others[:, 0] + others[:, 2] - left - width) <= slack)
                       & (np.abs(others[:, 1] - top) > 2 * height)
                       & (np.abs(others[:, 1] - top) <= 2 * digit_height)))

