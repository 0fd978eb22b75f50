"""Find the handwritten digits on a photo or scan: from a page image to one ink crop per digit.

The steps, each chosen for a failure seen on real paper:
1. flat-field the page (divide by a smooth estimate of the paper) so shadows, vignettes and
   tinted paper become a uniform white, then measure ink as darkness relative to the paper;
2. binarize with thresholds taken from the page's own ink contrast, not constants;
3. erase ruled and squared lines and printed form boxes, bridging the strokes that crossed them;
4. take connected regions, merge the broken strokes of one digit, and drop specks, long lines,
   the sheet's edge and big blobs.
Each surviving region becomes a `DigitCandidate` with its box and a soft ink crop (paper = 0),
which `runtime.normalize.normalize_digit` turns into the model's 28x28 input. Regions holding
several touching digits are cut by `runtime.reading.touching`, which reads every cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from runtime.reading.cells import CellWalls
from runtime.reading.evidence import (
    LEVELLED_PEAK_SHARE,
    MIN_PEAK_CONTRAST_RATIO,
    SMALL_WRITING_PEAK_RATIO,
    drop_texture,
    looks_written,
    looks_written_at_cores,
    paper_limit,
)
from runtime.reading.faint import (
    FAINT_MIN_PEAK_RATIO,
    faint_writing_level,
    pencil_ink_thresholds,
    same_writing,
)
from runtime.reading.ink import ink_levels, ink_map, levels_components
from runtime.reading.interlocked import interlocking
from runtime.reading.line_crossings import is_crossing_crumb, shaped_like_a_crumb
from runtime.reading.line_pieces import is_printed_line_piece
from runtime.reading.noise import suppress_grain
from runtime.reading.pairs import near_pairs
from runtime.reading.quantiles import median  # of a few whole numbers: exact, far cheaper than numpy's
from runtime.reading.regions import label_regions
from runtime.reading.rules import (
    MAX_NEAR_LINE_SHARE,
    THROUGH_WRITING_SHARE,
    Cleaned,
    is_squared_paper,
    remove_rules,
    rows_may_blur_together,
)
from runtime.reading.sharpen import is_small_writing
from runtime.reading.strokes import stroke_width_px
from runtime.reading.texture_areas import texture_blocks
from runtime.results import BBox


@dataclass
class SegmentOptions:
    """Tuning of the segmenter; the defaults suit pages, frames and small crops alike."""

    min_ink_contrast: float = 0.18  # least darkening of the paper (fraction) that counts as ink
    min_digit_height_px: int = 6  # smaller components are specks (JPEG noise, dust)
    # Nor is a digit whose longer side is below this share of the picture's shorter side (even
    # 3 mm digits on a whole A4 sheet are 1.4% of its width): a floor's speckle or a desk's grain is.
    min_digit_size_share: float = 0.01
    speck_height_ratio: float = 0.25  # components shorter than this x median digit height are specks
    remove_rules: bool = True  # erase ruled / squared paper lines before finding digits
    max_ink_share: float = 0.35  # more of the picture than this as ink: texture, not writing
    max_specks_per_mp: int = 3000  # more specks than this per megapixel: noise, not writing
    # The share of a level run's pixels on tall faint ink that makes it writing on pages of small
    # digits, not a rule (`rules.THROUGH_WRITING_SHARE`; 0.3 keeps runs along blurred pairs).
    through_writing_share: float = THROUGH_WRITING_SHARE


@dataclass
class DigitCandidate:
    """A region of the page that should hold exactly one digit."""

    bbox: BBox  # x, y, w, h in page pixels
    ink: np.ndarray  # soft ink strength inside the bbox, uint8, paper 0 and ink up to 255
    # The page's erased runs and this region, to tell when asked (`cut_off_a_bar`), not before.
    bars: _Bars | None = field(default=None, repr=False, compare=False)
    region: _Component | None = field(default=None, repr=False, compare=False)
    # Written only by its strokes' cores: a digit the camera blurred into a blob
    # (`evidence.looks_written_at_cores`), read only where the model is sure of it.
    blurred_blob: bool = False

    def cut_off_a_bar(self) -> bool:
        """Whether this region was cut off a handwritten straight stroke that rule removal took
        for a line (`BAR_MAX_COVER`). Asked only on pages of text: the test costs a labelling of
        the page's erased runs."""
        return self.bars is not None and self.bars.cut_off(self.region)


@dataclass
class _Component:
    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive
    area: int
    labels: list[int]  # connected-component labels that make up this region

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def absorb(self, other: _Component) -> None:
        self.left, self.top = min(self.left, other.left), min(self.top, other.top)
        self.right, self.bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        self.area += other.area
        self.labels += other.labels


def find_digits(image: np.ndarray, options: SegmentOptions | None = None) -> list[DigitCandidate]:
    """Segment a page (greyscale or BGR uint8) into digit candidates, in no particular order."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return find_digits_in(ink_map(gray), options)


def find_digits_in(darkness: np.ndarray, options: SegmentOptions | None = None,
                   inside: np.ndarray | None = None, fine: np.ndarray | None = None,
                   look: InkLook | None = None) -> list[DigitCandidate]:
    """Segment an ink map (see `ink_map`) into digit candidates.

    Works on the ink map rather than the photo so the reader can turn and level a page once,
    with empty paper (zero ink) filling the corners, and segment it again cheaply. `inside`
    (uint8, 1 where the original image was) tells where the picture's edges are on a levelled
    page, whose strokes are held to a lower peak (`LEVELLED_PEAK_SHARE`); without it the edges
    are the array's. `fine`, where given, is the ink map that
    `darkness` was shrunk from, an exact multiple of its size (`runtime.reading.scale`): the
    candidates' boxes and crops are then in its pixels. `look`: `look_at(darkness, options)`,
    where it was made already (choosing the scale made it); the same ink map or it is made again.
    """
    options = options or SegmentOptions()
    if look is None or look.source is not darkness:
        look = look_at(darkness, options)
    if look.unreadable:
        return []  # nothing but grain (a frame of noise): no stroke can be told from it
    if _is_texture(look.mask, look.stats, options):
        look = _texture_made_paper(look, options)
        if look is None:
            return []
    found = _segmented(look, options, inside, fine)
    # Pencil: its strokes, thresholded as pen's are, fell apart into specks (`runtime.reading.faint`).
    for threshold in found.pencil_thresholds:
        again = _segmented(look_at(look.source, options, threshold), options, inside, fine)
        if same_writing(found.digit_height, again.digit_height):
            return again.candidates
    return found.candidates


@dataclass
class _Segmented:
    """What one segmentation of an ink map found."""

    candidates: list[DigitCandidate]
    digit_height: float | None = None  # the digits' height it measured
    # Where the page looks written in pencil, the thresholds to look at it again with (`faint`).
    pencil_thresholds: list[float] = field(default_factory=list)


def _segmented(look: InkLook, options: SegmentOptions, inside: np.ndarray | None,
               fine: np.ndarray | None) -> _Segmented:
    """`find_digits_in`'s segmentation of the ink map `look` was made of, at its thresholds."""
    darkness, min_contrast = look.darkness, look.min_contrast
    mask, faint_mask, labels, stats = look.mask, look.faint_mask, look.labels, look.stats
    min_size = _min_digit_size(_writing_side(stats, darkness.shape, options), options)
    lines, walls = (None, None), None
    components = _components_from_stats(stats)
    digit_height = _typical_digit_height(components, darkness.shape, options)
    if options.remove_rules:
        digit_height, least_height = _height_on_a_grid(components, faint_mask, digit_height, darkness.shape,
                                                       options, min_size)
        digit_height = _height_under_the_rules(look, digit_height, min_size, options)
        # Rules are straight runs longer than a digit is tall. Where every digit touches a
        # rule there are no free-standing digits to measure: fall back to page-long runs.
        if digit_height:
            cleaned = remove_rules(mask, faint_mask, *_rule_runs(digit_height), darkness, min_contrast,
                                   blurred_rows=rows_may_blur_together(digit_height), levels=look.levels,
                                   keep_pen_bars=not is_small_writing(digit_height),
                                   through_writing_share=options.through_writing_share)
        else:
            page_long = _page_long_run(mask.shape)
            cleaned = remove_rules(mask, faint_mask, page_long, page_long, darkness, min_contrast,
                                   levels=look.levels)
        if cleaned is not None:
            cleaned, digit_height = _measured_again(cleaned, digit_height, least_height, look, options)
            labels, stats = cleaned.labels, cleaned.stats
            lines, walls = (cleaned.level, cleaned.upright), cleaned.walls
            components = _components_from_stats(stats, cleaned.kept)
    if digit_height is None:
        return _Segmented([])
    components = _merge_broken_strokes(components, digit_height, labels)
    at_edge = _EdgeTest(darkness.shape, inside)
    components = [c for c in components if max(c.width, c.height) >= min_size
                  and _looks_like_digit(c, digit_height, options)
                  and not at_edge(c) and not _is_straight_line(c, labels, digit_height)]
    small = is_small_writing(digit_height)
    erased = _erased_lines(lines, walls) if small else None
    peak_ratio = SMALL_WRITING_PEAK_RATIO if small else MIN_PEAK_CONTRAST_RATIO
    if inside is not None:  # a levelled page: its interpolated strokes peak lower
        peak_ratio *= LEVELLED_PEAK_SHARE
    surroundings = _Surroundings(labels, darkness, paper_limit(min_contrast), erased, len(components))
    faint: list[_FaintRegion] = []
    written_peaks: list[float] = []
    found = [(c, candidate) for c in components
             if (candidate := _candidate(c, labels, darkness, min_contrast, surroundings, peak_ratio, faint,
                                         look.ink_threshold, written_peaks))]
    written_boxes = [candidate.bbox for _, candidate in found]
    found += _faint_writing(faint, written_boxes)
    pencil = [] if look.ink_threshold else pencil_ink_thresholds(
        written_boxes + [_box(f.component) for f in faint], written_peaks + [f.peak for f in faint],
        min_contrast, look.grain_floor)
    keep = drop_texture([candidate.bbox for _, candidate in found], min_size)
    found = [pair for pair, kept_here in zip(found, keep) if kept_here]
    factor = 1 if fine is None else fine.shape[0] // darkness.shape[0]
    # Not on small writing as photographed (a 640x480 photo's), where the camera's blur is as
    # wide as a stroke and a line's middle is not told from a stroke beside it.
    if not is_small_writing(digit_height * factor):
        found = [(c, candidate) for c, candidate in found
                 if not is_printed_line_piece(candidate.bbox, darkness, digit_height)]
    # Pieces of a box's side left between the level lines across it (`line_crossings`).
    found = [(c, candidate) for c, candidate in found if not _at_crossing(c, labels, lines[0], walls, digit_height)]
    if fine is not None:
        found = [(c, _fine_candidate(c, labels, fine, factor, candidate.blurred_blob)) for c, candidate in found]
    if lines[0] is not None or lines[1] is not None or walls is not None:
        bars = _Bars(labels, lines, digit_height, None if walls is None else CellWalls(walls, factor))
        for component, candidate in found:
            candidate.bars, candidate.region = bars, component
    return _Segmented([candidate for _, candidate in found], digit_height, pencil)


def _at_crossing(component: _Component, labels: np.ndarray, level: np.ndarray | None,
                 walls: np.ndarray | None, digit_height: float) -> bool:
    """Whether `component` is a crumb where erased lines cross (`line_crossings`)."""
    # The box alone rules out most regions before their pixels are gathered (every candidate of
    # a page passes here).
    if level is None or walls is None or not shaped_like_a_crumb(component.width, component.height, digit_height):
        return False
    crop = labels[component.top:component.bottom, component.left:component.right]
    ink = np.isin(crop, component.labels)
    return is_crossing_crumb(ink, component.left, component.top, level, walls, digit_height)


def _page_long_run(page_shape) -> int:
    """The run that makes a rule where the digits' height is not known: an eighth of the page."""
    return max(25, max(page_shape) // 8)


def _height_under_the_rules(look: InkLook, digit_height: float | None, min_size: float,
                            options: SegmentOptions) -> float | None:
    """`digit_height`, or where it is below the least size a digit may have (specks were
    measured, not digits, and `_height_on_a_grid` found no grid), the height measured among
    what is left once page-long rules are erased, where that is taller.

    Bold writing on ruled paper touches a rule with every word and number, and the regions
    measured before any rule is erased are a colon's and an i's dots: a median of 12 px, for
    digits 53-71 px tall (least digit size 12.4 px). Rules looked for as 14 px runs were the
    digits' own strokes, erased with them, and what was left measured 18 px (not the 1.5 times
    taller that `_measured_again` looks for), so the page was read with every digit in pieces
    (`benchmarks.hard_pages --kinds words-numbers --seed 43`, page 1: none of 26 digits).
    Runs an eighth of the page long are rules alone; with them erased the writing measures
    42 px, and the rules are looked for with that height."""
    if digit_height is None or digit_height >= min_size:
        return digit_height
    page_long = _page_long_run(look.mask.shape)
    cleaned = remove_rules(look.mask, look.faint_mask, page_long, page_long, look.darkness, look.min_contrast,
                           levels=look.levels)
    measured = None if cleaned is None else _height_among(cleaned, look.darkness.shape, options, min_size)
    return measured if measured and measured > digit_height else digit_height


RULES_MEASURED_SHORT = 1.5
"""Where the digits measure this many times taller once the rules are erased than the height the
rules were looked for with, they are looked for again with the new height."""
RULES_MEASURED_AT_MOST = 4.0
"""But not where they measure more than this many times taller: that is no digit's height but a
texture's, broken by the erasing into pieces larger than the writing. A desk's straight grain,
erased as rules, left pieces measuring 325 px on a sheet of 22 px digits running off the frame,
and every digit was merged into them: the page read nothing. Chosen on development pages
(`benchmarks.sheet_on_surface --digits validation --off-frame 1|2`, seeds 201-204): 5 pages that
read nothing read 341 of 349 digits (31 false); the form it was made for measured 2.1 times."""


def _measured_again(cleaned: Cleaned, used_height: float | None, least_height: float, look: InkLook,
                    options: SegmentOptions) -> tuple[Cleaned, float | None]:
    """The rules erased, and the digits' height measured among what is left.

    On a form whose digits mostly touch their boxes, the regions measured before the boxes
    are erased are the few free digits and the specks (a phone photo's: a median of 16 px for
    digits 34 px tall); rules looked for as runs 1.2 times that long were the digits' own bars
    (a 5's cap, a 3's arms), erased with them. Measured again once the boxes are gone, the
    height is the digits' own, and the rules are looked for again with it."""
    measured = _height_among(cleaned, look.darkness.shape, options, least_height)
    if used_height and measured and measured > RULES_MEASURED_AT_MOST * used_height:
        return cleaned, used_height
    if used_height and measured and measured > RULES_MEASURED_SHORT * used_height:
        again = remove_rules(look.mask, look.faint_mask, *_rule_runs(measured), look.darkness, look.min_contrast,
                             blurred_rows=rows_may_blur_together(measured), levels=look.levels,
                             through_writing_share=options.through_writing_share)
        if again is not None:
            return again, _height_among(again, look.darkness.shape, options, least_height)
    return cleaned, measured


def _height_among(cleaned: Cleaned, page_shape, options: SegmentOptions, least_height: float) -> float | None:
    """The typical digit height among the regions left once rule removal erased its lines."""
    components = _components_from_stats(cleaned.stats, cleaned.kept)
    return (_median_height(components, page_shape, options, least_height)
            or _typical_digit_height(components, page_shape, options))


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


class _Bars:
    """The runs that rule removal erased on one page, of each direction, labelled when first asked
    about (`DigitCandidate.cut_off_a_bar`)."""

    def __init__(self, labels: np.ndarray, lines: tuple, digit_height: float, walls: CellWalls | None = None):
        self.labels, self.lines, self.digit_height = labels, lines, digit_height
        self.walls = walls  # the upright runs and box sides, that part cells (`runtime.reading.cells`)
        self.runs: dict[int, tuple] = {}  # per axis: its runs labelled, and which are handwritten

    def cut_off(self, component: _Component) -> bool:
        return any(self._cut_off_along(axis, component) for axis in (0, 1) if self.lines[axis] is not None)

    def _cut_off_along(self, axis: int, component: _Component) -> bool:
        """Cut off a handwritten run of direction `axis` (0: level, 1: upright, turned to lie level)."""
        if axis not in self.runs:
            _, line_labels, stats = label_regions(self.lines[axis], any_order=True)
            labels = self.labels
            if axis:
                line_labels, stats, labels = line_labels.T, stats[:, [1, 0, 3, 2, 4]], labels.T
            self.runs[axis] = line_labels, stats, labels, {}
        line_labels, stats, labels, handwritten = self.runs[axis]
        box = component if not axis else _Component(component.top, component.left, component.bottom,
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


def _stroke_width(box: _Component, own_labels: list[int], labels: np.ndarray) -> float:
    """The stroke width of the region (pixels, `strokes.stroke_width_px`), its erased runs left out."""
    own = _labelled_as(labels[box.top : box.bottom, box.left : box.right], own_labels)
    return stroke_width_px(own.astype(np.uint8) * 255)


_BAR_REACH = 2
"""Ink this close to an erased run ran on into it: the erased band and the ink's anti-aliased rim."""


def _runs_touched(box: _Component, own_labels: list[int], labels: np.ndarray, line_labels: np.ndarray) -> list[int]:
    """The erased runs (their labels) that the region's own ink comes within `_BAR_REACH` of."""
    top, left = max(0, box.top - _BAR_REACH), max(0, box.left - _BAR_REACH)
    near = line_labels[top : box.bottom + _BAR_REACH, left : box.right + _BAR_REACH]
    if not near.any():
        return []
    own = np.zeros(near.shape, np.uint8)
    inner = (slice(box.top - top, box.top - top + box.height), slice(box.left - left, box.left - left + box.width))
    own[inner] = _labelled_as(labels[box.top : box.bottom, box.left : box.right], own_labels)
    own = cv2.dilate(own, np.ones((2 * _BAR_REACH + 1,) * 2, np.uint8))
    touched = np.unique(near[own.view(bool)])
    return touched[touched > 0].tolist()


def _passes_by(run: np.ndarray, box: _Component, height: int) -> bool:
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


def _thick_beside(run: int, stats: np.ndarray, line_labels: np.ndarray, box: _Component, reach: int) -> bool:
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


def digit_height_px(darkness: np.ndarray, options: SegmentOptions | None = None) -> float | None:
    """The typical height of the digits on an ink map, measured as `find_digits_in` first does
    (before any rule is erased): a cheap look to choose the scale a page is read at. None when
    there is nothing to measure."""
    options = options or SegmentOptions()
    return look_at(darkness, options).digit_height_px(options)


@dataclass
class InkLook:
    """The first step of segmenting an ink map: its grain suppressed and its ink labelled.

    Choosing the scale a page is read at makes it on shrunk copies (`runtime.reading.scale`);
    the copy then segmented is one of them, and `find_digits_in` takes its look as made."""

    source: np.ndarray  # the ink map looked at
    darkness: np.ndarray  # the same, smoothed where grainy (`suppress_grain`)
    unreadable: bool  # nothing but grain: no stroke can be told from it (the rest is None)
    min_contrast: float | None = None
    mask: np.ndarray | None = None  # as `ink_components` gives them
    faint_mask: np.ndarray | None = None
    labels: np.ndarray | None = None
    stats: np.ndarray | None = None
    levels: np.ndarray | None = None  # `darkness` as uint8 levels (`ink.ink_levels`), thresholded for the masks
    # Where the masks were thresholded below the page's least ink contrast (pencil, looked at
    # again: `runtime.reading.faint`), the darkness they were: faint regions must reach it.
    ink_threshold: float | None = None
    grain_floor: float = 0.0  # the least ink contrast that the page's grain allows (`Grain.min_contrast`)

    def digit_height_px(self, options: SegmentOptions) -> float | None:
        """The typical digit height before any rule is erased (`digit_height_px`)."""
        if self.unreadable:
            return None
        return _typical_digit_height(_components_from_stats(self.stats), self.darkness.shape, options)


def look_at(darkness: np.ndarray, options: SegmentOptions, ink_threshold: float | None = None) -> InkLook:
    """The `InkLook` of an ink map; `ink_threshold`: see `InkLook.ink_threshold`."""
    smoothed, grain = suppress_grain(darkness)
    if grain.unreadable:
        return InkLook(darkness, smoothed, True)
    min_contrast = grain.min_contrast(options.min_ink_contrast)
    levels = ink_levels(smoothed)
    return InkLook(darkness, smoothed, False, min_contrast,
                   *levels_components(levels, min_contrast, ink_threshold), levels,
                   ink_threshold=ink_threshold, grain_floor=grain.min_contrast(0.0))


def _is_texture(mask: np.ndarray, stats: np.ndarray, options: SegmentOptions) -> bool:
    """True for noise or texture rather than writing: ink over a large share of the picture, or
    specks by the thousand. Measured: pages and frames of digits show 3-8% ink and under 100
    specks per megapixel; colour noise 17-60% ink and 5,000-60,000 specks per megapixel, where
    the classifier would find hundreds of confident phantom digits."""
    megapixels = mask.size / 1e6
    specks = int(np.count_nonzero(stats[1:, cv2.CC_STAT_HEIGHT] < options.min_digit_height_px))
    ink_share = float(np.count_nonzero(mask)) / max(mask.size, 1)
    return ink_share > options.max_ink_share or specks > options.max_specks_per_mp * max(megapixels, 0.1)


def _texture_made_paper(look: InkLook, options: SegmentOptions) -> InkLook | None:
    """The look of the ink map with its blocks of texture made paper (`texture_areas`), where
    the rest is clean; None where the picture is texture as a whole."""
    areas = texture_blocks(look.stats, look.source.shape[:2], options.min_digit_height_px,
                           options.max_specks_per_mp)
    if areas is None:
        return None
    cleared = look.source.copy()
    cleared[areas] = 0
    look = look_at(cleared, options)
    return None if look.unreadable or _is_texture(look.mask, look.stats, options) else look


def _components_from_stats(stats: np.ndarray, kept: np.ndarray | None = None) -> list[_Component]:
    """The regions of `stats` (all but the background, or those flagged in `kept`), in label order."""
    if kept is None:
        kept = np.arange(len(stats)) != 0
    return [
        _Component(int(x), int(y), int(x + w), int(y + h), int(area), [label])
        for label, (x, y, w, h, area) in zip(np.flatnonzero(kept).tolist(), stats[kept].tolist())
    ]


def _min_digit_size(writing_side: float, options: SegmentOptions) -> float:
    """The least longer side of a region that may be a digit where the writing spans
    `writing_side` (`_writing_side`)."""
    return max(options.min_digit_height_px, options.min_digit_size_share * writing_side)


def _writing_side(stats: np.ndarray, page_shape, options: SegmentOptions) -> float:
    """The picture's shorter side, times the share of the picture its ink spans (the box around
    every region but specks, the larger of its shares across and down): the size of the writing,
    not of the picture. A page given a margin of its own paper keeps its least digit size; taken
    from the picture alone, 300 px of paper around a form page of 19 px digits (1240 x 1754) put
    it at 18 px instead of 12, and 145 of its 267 digits were read instead of 265 (issue 15)."""
    height, width = page_shape[:2]
    regions = stats[1:]
    regions = regions[np.maximum(regions[:, cv2.CC_STAT_WIDTH], regions[:, cv2.CC_STAT_HEIGHT])
                      >= options.min_digit_height_px]
    if len(regions) == 0:
        return float(min(height, width))
    left, top = regions[:, cv2.CC_STAT_LEFT], regions[:, cv2.CC_STAT_TOP]
    across = (left + regions[:, cv2.CC_STAT_WIDTH]).max() - left.min()
    down = (top + regions[:, cv2.CC_STAT_HEIGHT]).max() - top.min()
    return min(height, width) * max(across / width, down / height)


def _typical_digit_height(components, page_shape, options: SegmentOptions) -> float | None:
    """Median height of the components that could be digits; None when there is no ink."""
    return _median_height(components, page_shape, options, 0.0)


def _height_on_a_grid(components, faint_mask: np.ndarray, digit_height: float | None, page_shape,
                      options: SegmentOptions, min_size: float) -> tuple[float | None, float]:
    """`digit_height`, or on squared paper whose dark grid broke into the ink, the digits' own;
    and the least size of the regions it was measured among (measure again after the grid is
    erased among those too: what its crossings leave would make the median again).

    A median below the least size a digit may have (`_min_digit_size`) measured something else
    than digits: on a dark grid, its crossings and dashes, by the thousand. With it, lines would
    be looked for as runs shorter than the digits' own strokes and erase them (pages read with
    1 of 133 digits). There the digits are measured among the regions of that size at least, if
    lines of that length form a grid (`rules.is_squared_paper`); on a floor's or a desk's texture
    the small median stays, as it always was."""
    if digit_height is None or digit_height >= min_size:
        return digit_height, 0.0
    larger = _median_height(components, page_shape, options, min_size)
    if larger and is_squared_paper(faint_mask, *_rule_runs(larger)):
        return larger, min_size
    return digit_height, 0.0


def _median_height(components, page_shape, options: SegmentOptions, min_size: float) -> float | None:
    """Median height of the components that could be digits, at least `min_size` long."""
    least_height, most_height = options.min_digit_height_px, 0.98 * page_shape[0]
    heights = []
    for c in components:  # a frame has hundreds of specks: each side is worked out once
        height, width = c.bottom - c.top, c.right - c.left
        if (least_height <= height < most_height and max(height, width) >= min_size
                and 0.1 * height <= width <= 1.5 * height):
            heights.append(height)
    if not heights:
        return None
    # Weight towards the bigger components: broken strokes and specks are many and small.
    # (Whole pixels: the median of a few of them is exact, as numpy's float32 one was.)
    heights.sort()
    return float(median(heights[len(heights) // 3 :]))


def _rule_runs(digit_height: float) -> tuple[int, int]:
    """The level and upright runs that make a rule on a page of digits `digit_height` tall."""
    return max(12, int(1.2 * digit_height)), max(25, int(2.0 * digit_height))


def _merge_broken_strokes(components: list[_Component], digit_height: float,
                          labels: np.ndarray | None = None) -> list[_Component]:
    """Join pieces of one digit: a 5's detached cap, a pencil stroke with a gap, a dot of ink.

    Two regions merge when their union is still digit-sized and they stack (share most of
    their width) or one is a small fragment close to the other. Side-by-side digits share
    little width, and digits on different lines make a union too tall, so neither merges.
    """
    tiny = 0.08 * digit_height
    components = [c for c in components if c.height > tiny or c.width > tiny]
    if len(components) < 2:
        return components
    boxes = np.array([(c.left, c.top, c.right, c.bottom) for c in components], np.float32)
    first, second = near_pairs(boxes, 1.5 * digit_height)
    left, top, right, bottom = boxes.T
    width, height = right - left, bottom - top
    union_w = np.maximum(right[first], right[second]) - np.minimum(left[first], left[second])
    union_h = np.maximum(bottom[first], bottom[second]) - np.minimum(top[first], top[second])
    overlap_x = np.minimum(right[first], right[second]) - np.maximum(left[first], left[second])
    gap_x = -overlap_x
    overlap_y = np.minimum(bottom[first], bottom[second]) - np.maximum(top[first], top[second])
    gap_y = -overlap_y
    narrower = np.minimum(width[first], width[second])
    digit_sized = (union_h <= MERGED_MAX_HEIGHT * digit_height) & (union_w <= MERGED_MAX_WIDTH * digit_height)
    shorter = np.minimum(height[first], height[second])
    # Stacked: one above the other (little vertical overlap), sharing most of their width.
    # Side-by-side digits whose boxes overlap (a slanted 1 beside a 4) overlap vertically too.
    stacked = ((overlap_x >= 0.5 * narrower) & (gap_y <= 0.35 * digit_height)
               & (overlap_y <= 0.3 * shorter))
    small = (np.maximum(width, height) < 0.45 * digit_height)
    fragment = (small[first] | small[second]) & (np.maximum(gap_x, gap_y) <= 0.2 * digit_height)
    # Beside a digit (not within its column) only a crumb joins it: a piece a third of a digit
    # tall is more likely a small digit of its own (a 0 squeezed in before a 7) than a stroke.
    crumb = np.maximum(width, height) < 0.25 * digit_height
    fragment &= (overlap_x > 0) | (crumb[first] | crumb[second])
    join = digit_sized & (stacked | fragment)
    if labels is not None:  # pieces of a stroke broken at its thinnest (`interlocked`)
        join |= digit_sized & interlocking(boxes, first, second, overlap_x, overlap_y, digit_height, labels,
                                           [c.labels for c in components])
    # Each pair is judged alone, so a crumb near two digits would join both into one region: on
    # squared paper, a dot left where grid lines crossed lies within reach of the digits above and
    # below it. In small writing such a crumb joins neither (`_crumbs_between`); elsewhere it
    # keeps its nearest partner where its partners together would be too tall for one digit
    # (`_nearest_for_crumbs`: an i's dot among the pieces of a bold word still joins them all).
    if is_small_writing(digit_height):
        join &= ~_crumbs_between(first, second, join, crumb)
    join &= _nearest_for_crumbs(boxes, first, second, crumb, np.maximum(gap_x, gap_y), join, digit_height)
    parent = list(range(len(components)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for one, other in zip(first[join].tolist(), second[join].tolist()):
        parent[root(other)] = root(one)
    merged: dict[int, _Component] = {}
    for index, component in enumerate(components):
        key = root(index)
        if key in merged:
            merged[key].absorb(component)
        else:
            merged[key] = _Component(component.left, component.top, component.right,
                                     component.bottom, component.area, list(component.labels))
    return list(merged.values())


def _crumbs_between(first: np.ndarray, second: np.ndarray, join: np.ndarray, crumb: np.ndarray) -> np.ndarray:
    """Which of the pairs about to `join` join a crumb to a region while the crumb would join
    another region too: a crumb between two digits belongs to neither.

    Asked on pages of small writing only (`sharpen.is_small_writing`): on 300 development pages
    (640x480, seeds 55 and 56, validation digits) 117 more digits read right, 18 fewer false.
    On every page, a 640x480 page of bold letters (`benchmarks.hard_pages`, seed 56), whose
    words had chained through crumbs into one region too big to read, fell apart into five
    columns of words, which the orientation vote turned: 25 digits read where there were none."""
    one_crumb = join & (crumb[first] != crumb[second])
    crumbs = np.where(crumb[first], first, second)[one_crumb]
    partners_of = np.bincount(crumbs, minlength=len(crumb))
    between = np.zeros(len(first), bool)
    between[one_crumb] = partners_of[crumbs] >= 2
    return between


def _nearest_for_crumbs(boxes: np.ndarray, first: np.ndarray, second: np.ndarray, crumb: np.ndarray,
                       gap: np.ndarray, join: np.ndarray, digit_height: float) -> np.ndarray:
    """Which pairs may still join once a crumb lying between regions that would together be
    taller than a digit keeps only its nearest partner (that is not a crumb itself). On squared
    paper the dot left where two dark grid lines crossed lies within a fragment's reach of the
    digits in the cells above and below it, and joined to both it made them one region (a 4
    over a 2 read "3", or a region too big for a digit, dropped). A crumb among the pieces of one
    line of writing (an i's dot between the r and the t of a bold "write") still joins them all,
    as do pairs of crumbs (a dotted stroke): only the height tells stacked cells apart."""
    keep = np.ones(len(first), bool)
    one_crumb = join & (crumb[first] != crumb[second])
    pairs = np.flatnonzero(one_crumb)
    if len(pairs) < 2:
        return keep
    owner = np.where(crumb[first[pairs]], first[pairs], second[pairs])
    partner = np.where(crumb[first[pairs]], second[pairs], first[pairs])
    # The box of each crumb's partners together: (left, top) least, (right, bottom) most.
    low = np.full((len(boxes), 2), np.inf, np.float32)
    high = np.full((len(boxes), 2), -np.inf, np.float32)
    np.minimum.at(low, owner, boxes[partner, :2])
    np.maximum.at(high, owner, boxes[partner, 2:])
    extent = high[owner] - low[owner]
    bridging = extent[:, 1] > MERGED_MAX_HEIGHT * digit_height
    order = np.lexsort((gap[pairs], owner))  # by crumb, nearest partner first
    later = np.r_[False, owner[order][1:] == owner[order][:-1]]
    keep[pairs[order][later & bridging[order]]] = False
    return keep


MERGED_MAX_HEIGHT = 1.5
MERGED_MAX_WIDTH = 1.25
"""A merged region is digit-sized while at most this many digit heights tall and wide."""


def _looks_like_digit(component: _Component, digit_height: float, options: SegmentOptions) -> bool:
    height, width = component.height, component.width
    if height < max(options.min_digit_height_px, options.speck_height_ratio * digit_height):
        return False  # speck, dot, dash
    if height > 4 * digit_height:
        return False  # page edge, shadow, drawing
    if min(height, width) < 0.15 * digit_height and max(height, width) > 1.5 * digit_height:
        return False  # a thin straight line longer than a digit: a sheet edge, a rule's remnant
    if height > 2.5 * digit_height and width > 2.5 * digit_height:
        return False  # a frame, a drawing, a shadow's edge: too big both ways for one digit
    fill = component.area / float(height * width)
    return not (fill > 0.85 and min(height, width) > 0.3 * digit_height)  # a blob, not a stroke


class _EdgeTest:
    """Whether a region touches the edge of the picture.

    Such regions are dropped: on a photo they are the sheet's edge or the table beyond it, and a
    digit cut by the frame cannot be read reliably anyway.
    """

    def __init__(self, shape: tuple[int, int], inside: np.ndarray | None):
        self.shape = shape
        # Summed-area table of the pixels outside the picture: one lookup per region.
        self.outside_sums = None if inside is None else cv2.integral((inside == 0).astype(np.uint8))

    def __call__(self, component: _Component) -> bool:
        height, width = self.shape
        top, left, bottom, right = component.top, component.left, component.bottom, component.right
        if top == 0 or left == 0 or bottom == height or right == width:
            return True
        if self.outside_sums is None:
            return False
        sums = self.outside_sums
        return bool(sums[bottom, right] - sums[top, right] - sums[bottom, left] + sums[top, left])


def _is_straight_line(component: _Component, labels: np.ndarray, digit_height: float) -> bool:
    """A thin straight stroke longer than a digit, at any angle: a sheet edge, a tilted rule."""
    if max(component.width, component.height) < 1.3 * digit_height:
        return False
    window = labels[component.top : component.bottom, component.left : component.right]
    rows, cols = np.nonzero(_labelled_as(window, component.labels))
    points = np.column_stack([cols, rows]).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    return min(side_a, side_b) < 0.2 * digit_height and max(side_a, side_b) > 1.3 * digit_height


ERASED_LINE_REACH_PX = 2
"""On a page of small writing, the pixels this close to a line that rule removal erased are the
line's (its blurred rim included), not the paper around a region (`_Surroundings.paper_around`), where the
lines leave most of the page clear (`rules.MAX_NEAR_LINE_SHARE`, measured on these pixels): a
form's boxes, ruled paper. Where lines are everywhere (a tiled floor's grout, squares
photographed small) their rims are not dropped as such (`rules._line_rims`) and the paper
around is what tells a rim's sliver from writing: there, with the lines left out, the grout's
slivers beside its crossings passed for 1s (small no-digit pages, `benchmarks.hard_pages --size
640x480 --seed 4251`: 4 phantoms). Digits on A4 pages are 30-60 px tall: their boxes' sides are
a small share of what lies around them, and the test stands as it was."""


def _erased_lines(lines: tuple, walls: np.ndarray | None) -> np.ndarray | None:
    """The lines that rule removal erased (level, upright and box sides) with their rims
    (`ERASED_LINE_REACH_PX`); None where none were, or where they cover much of the page."""
    found = [mask for mask in (*lines, walls) if mask is not None]
    if not found:
        return None
    union = found[0]
    for mask in found[1:]:
        union = cv2.bitwise_or(union, mask)
    side = 2 * ERASED_LINE_REACH_PX + 1
    erased = cv2.dilate(union, np.ones((side, side), np.uint8))
    return None if cv2.countNonZero(erased) >= MAX_NEAR_LINE_SHARE * erased.size else erased


class _Surroundings:
    """What lies around the regions of one page, for `paper_around`.

    Around a region is judged what is free: neither its own ink, other ink, nor the `erased`
    lines. Where the page is small for the regions on it (`SURVEYED_PIXELS_PER_REGION`), the
    free pixels and the dark ones among them are marked once for the whole page and each region
    counts them in its window; elsewhere (an A4 page of a hundred digits) each region marks its
    own window, as marking the page would cost more than all the windows together."""

    def __init__(self, labels: np.ndarray, darkness: np.ndarray, limit: float,
                 erased: np.ndarray | None, region_count: int) -> None:
        self.labels, self.darkness, self.limit, self.erased = labels, darkness, limit, erased
        self._surveyed = region_count * SURVEYED_PIXELS_PER_REGION >= labels.size
        self._free: np.ndarray | None = None  # the page's free pixels, once marked
        self._dark: np.ndarray | None = None  # ... and those among them darker than `limit`

    def paper_around(self, component: _Component) -> bool:
        """Whether what lies around a region (its box grown by half its height) is paper: at
        most half of it darker than the limit (a median test, without sorting). Around writing
        lies paper; around a sliver of a dark band lies more of the band.

        A form's printed box is no band: on a small photo (digits 12 px tall, blurred) the box's
        erased sides and their rims were most of what lay around each digit, darker than the
        limit, and the digits of such boxes were dropped (development forms, 640x480, seed 231,
        page 34: 70 of 94 read right with them counted, 79 without)."""
        margin = max(2, component.height // 2)
        top, left = max(0, component.top - margin), max(0, component.left - margin)
        # Every other pixel is plenty for a median, at a quarter of the cost.
        window = (slice(top, component.bottom + margin, 2), slice(left, component.right + margin, 2))
        if self._surveyed:
            if self._free is None:
                self._free = self._free_pixels(self.labels, self.erased)
                self._dark = (self.darkness > self.limit) & self._free
            free, dark = self._free[window], self._dark[window]
        else:
            free = self._free_pixels(self.labels[window], None if self.erased is None else self.erased[window])
            dark = (self.darkness[window] > self.limit) & free
        return 2 * np.count_nonzero(dark) <= np.count_nonzero(free)

    @staticmethod
    def _free_pixels(labels: np.ndarray, erased: np.ndarray | None) -> np.ndarray:
        free = labels == 0
        if erased is not None:
            free &= erased == 0
        return free


SURVEYED_PIXELS_PER_REGION = 6000
"""A page of at most this many pixels per region is marked whole for `_Surroundings`: marking
costs about 0.2 ns a pixel, counting a window instead of marking it saves about 4 µs a region
(three array operations of its own). A camera frame read at half size (320x240, 20 digits: 3,840
pixels a region) is marked whole; an A4 page is not."""


_SQUARE_3 = np.ones((3, 3), np.uint8)


MAX_LABELS_COMPARED = 8
"""A region of up to this many labels is found in a box label by label (`_labelled_as`)."""


def _labelled_as(labels: np.ndarray, own_labels: list[int]) -> np.ndarray:
    """Where `labels` (a box of the page's labels) holds one of `own_labels`, as a bool array:
    `np.isin`'s answer, by a comparison per label for a region of a few (on a digit's box
    `np.isin` costs 17-25 µs, a comparison 1; a page holds a hundred such boxes)."""
    if len(own_labels) > MAX_LABELS_COMPARED:
        return np.isin(labels, own_labels)
    own = np.equal(labels, own_labels[0])
    for label in own_labels[1:]:
        own |= labels == label
    return own


@dataclass
class _FaintRegion:
    """A region written in strokes on paper whose strokes peak too low to be read on their own."""

    component: _Component
    peak: float  # its ink's 90th percentile darkness
    ink: np.ndarray  # its soft ink, unscaled (float32)


def _faint_writing(faint: list[_FaintRegion], found: list[BBox]) -> list[tuple[_Component, DigitCandidate]]:
    """The faint regions read after all, where they are the page's writing (`runtime.reading.faint`)."""
    if not faint:
        return []
    boxes = [(f.component.left, f.component.top, f.component.width, f.component.height) for f in faint]
    level = faint_writing_level(boxes, [f.peak for f in faint], found)
    if level is None:
        return []
    return [(f.component, DigitCandidate(bbox=box, ink=_scaled_to_strokes(f.ink, f.peak)))
            for f, box in zip(faint, boxes, strict=True) if f.peak >= level]


def _candidate(component: _Component, labels: np.ndarray, darkness: np.ndarray,
               min_contrast: float, surroundings: _Surroundings,
               peak_ratio: float = MIN_PEAK_CONTRAST_RATIO,
               faint: list[_FaintRegion] | None = None,
               ink_threshold: float | None = None, written_peaks: list[float] | None = None) -> DigitCandidate | None:
    """Cut the soft ink of one region (neighbours' ink inside its box masked out); None when
    it shows no evidence of written strokes (see `runtime.reading.evidence`) or lies in no
    paper (`_Surroundings.paper_around`). A region that is a blob as thresholded may be written
    at its cores (`DigitCandidate.blurred_blob`). A region written in strokes that only peaks
    too low is added to `faint`, where given, for `_faint_writing` to judge with the rest: it must
    still reach the least ink contrast, or `ink_threshold` where the page was thresholded lower.
    The peak of a region read is added to `written_peaks`, where given (`faint.pencil_ink_thresholds`)."""
    window = (slice(component.top, component.bottom), slice(component.left, component.right))
    own = _labelled_as(labels[window], component.labels)
    # Grow the mask by a pixel to keep the anti-aliased rim of the strokes, as MNIST has.
    core = own.view(np.uint8)  # 0 and 1, without a copy
    own = cv2.dilate(core, _SQUARE_3)
    # Computed in float32 from the start: numpy's mixed float32 * uint8 casts through a buffer
    # (the same products, a fifth slower).
    ink = np.multiply(darkness[window], own, dtype=np.float32)
    # Scale so the strokes' cores are full white, as in MNIST: the 90th percentile of the ink.
    stroke_level = _stroke_level(ink[own.view(bool)])
    written = looks_written(core, stroke_level, min_contrast, peak_ratio)
    # Not on pages of small writing only: a heavy photo's bold digits 20-34 px tall, their loops
    # filled by the blur, failed the stroke test as thresholded (23 misses on 104 development
    # worksheets, validation digits, seeds 202, 204 and 207 turned).
    blurred_blob = not written and looks_written_at_cores(ink, stroke_level, min_contrast, peak_ratio)
    if not (written or blurred_blob):
        if (faint is not None and looks_written(core, stroke_level, ink_threshold or min_contrast, FAINT_MIN_PEAK_RATIO)
                and surroundings.paper_around(component)):
            faint.append(_FaintRegion(component, stroke_level, ink))
        return None
    if not surroundings.paper_around(component):
        return None
    if written_peaks is not None:
        written_peaks.append(stroke_level)
    bbox = (component.left, component.top, component.width, component.height)
    return DigitCandidate(bbox=bbox, ink=_scaled_to_strokes(ink, stroke_level), blurred_blob=blurred_blob)


def _box(component: _Component) -> BBox:
    return (component.left, component.top, component.width, component.height)


def _stroke_level(values: np.ndarray) -> float:
    """The 90th percentile of a region's ink (`values`: a fresh copy, partitioned in place)."""
    if not values.size:
        return 1.0
    rank = int(0.9 * (values.size - 1))
    values.partition(rank)
    return float(values[rank])


def _scaled_to_strokes(ink: np.ndarray, stroke_level: float) -> np.ndarray:
    """`ink` (float32, changed in place) scaled so the strokes' cores are full white, as uint8."""
    np.multiply(ink, 255.0 / max(stroke_level, 1e-3), out=ink)
    # np.clip's own two bounds, without its Python wrappers (twenty crops a camera frame).
    np.minimum(np.maximum(ink, 0, out=ink), 255, out=ink)
    return ink.astype(np.uint8)


def _fine_candidate(component: _Component, labels: np.ndarray, fine: np.ndarray, factor: int,
                    blurred_blob: bool = False) -> DigitCandidate:
    """A region found on a shrunk ink map, cut from the `factor` times larger `fine` one: its
    mask (grown by a pixel, as in `_candidate`) enlarged, its box and ink in `fine`'s pixels;
    `blurred_blob` as found on the shrunk map."""
    window = (slice(component.top, component.bottom), slice(component.left, component.right))
    own = cv2.dilate(_labelled_as(labels[window], component.labels).view(np.uint8), _SQUARE_3)
    height, width = own.shape[0] * factor, own.shape[1] * factor
    own = cv2.resize(own, (width, height), interpolation=cv2.INTER_NEAREST)
    top, left = component.top * factor, component.left * factor
    ink = fine[top : top + height, left : left + width] * own
    return DigitCandidate(bbox=(left, top, width, height),
                          ink=_scaled_to_strokes(ink, _stroke_level(ink[own.view(bool)])), blurred_blob=blurred_blob)
