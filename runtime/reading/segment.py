"""Find the handwritten digits on a photo or scan: from a page image to one ink crop per digit.

The steps, each chosen for a failure seen on real paper:
1. flat-field the page (divide by a smooth estimate of the paper) so shadows, vignettes and
   tinted paper become a uniform white, then measure ink as darkness relative to the paper;
2. binarize with thresholds taken from the page's own ink contrast, not constants;
3. erase ruled and squared lines and printed form boxes, bridging the strokes that crossed them;
4. take connected regions, merge the broken strokes of one digit, and drop specks, long lines,
   the sheet's edge, big blobs and what else no digit is (`runtime.reading.region_filters`).
Each surviving region becomes a `DigitCandidate` with its box and a soft ink crop (paper = 0),
which `runtime.normalize.normalize_digit` turns into the model's 28x28 input. Regions holding
several touching digits are cut by `runtime.reading.touching`, which reads every cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from runtime.reading.bars import Bars
from runtime.reading.broken_strokes import merge_broken_strokes
from runtime.reading.cells import CellWalls
from runtime.reading.component import Component, labelled_as
from runtime.reading.evidence import (
    LEVELLED_PEAK_SHARE,
    MIN_PEAK_CONTRAST_RATIO,
    SMALL_WRITING_PEAK_RATIO,
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
from runtime.reading.noise import suppress_grain
from runtime.reading.quantiles import median  # of a few whole numbers: exact, far cheaper than numpy's
from runtime.reading.region_filters import (
    EdgeTest,
    Surroundings,
    digit_shaped,
    erased_lines,
    without_print_and_texture,
)
from runtime.reading.rules import (
    THROUGH_WRITING_SHARE,
    Cleaned,
    is_squared_paper,
    remove_rules,
    rows_may_blur_together,
)
from runtime.reading.sharpen import is_small_writing
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
    # Paper whose own fibres streak it (brown kraft): printed lines are looked for above its
    # grain (`FAINT_GRAIN_FACTOR`).
    fibrous_paper: bool = False


@dataclass
class DigitCandidate:
    """A region of the page that should hold exactly one digit."""

    bbox: BBox  # x, y, w, h in page pixels
    ink: np.ndarray  # soft ink strength inside the bbox, uint8, paper 0 and ink up to 255
    # The page's erased runs and this region, to tell when asked (`cut_off_a_bar`), not before.
    bars: Bars | None = field(default=None, repr=False, compare=False)
    region: Component | None = field(default=None, repr=False, compare=False)
    # Written only by its strokes' cores: a digit the camera blurred into a blob
    # (`evidence.looks_written_at_cores`), read only where the model is sure of it.
    blurred_blob: bool = False

    def cut_off_a_bar(self) -> bool:
        """Whether this region was cut off a handwritten straight stroke that rule removal took
        for a line (`bars.BAR_MAX_COVER`). Asked only on pages of text: the test costs a labelling of
        the page's erased runs."""
        return self.bars is not None and self.bars.cut_off(self.region)


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
    look = _look_to_segment(darkness, options, look)
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
    min_size = _min_digit_size(_writing_side(look.stats, look.darkness.shape, options), options)
    page = _regions_of(look, options, min_size)
    if page.digit_height is None:
        return _Segmented([])
    components = merge_broken_strokes(page.components, page.digit_height, page.labels)
    least_height = max(options.min_digit_height_px, options.speck_height_ratio * page.digit_height)
    components = digit_shaped(components, page.labels, page.digit_height, min_size, least_height,
                              EdgeTest(look.darkness.shape, inside))
    found, pencil = _candidates(components, page, look, inside)
    factor = 1 if fine is None else fine.shape[0] // look.darkness.shape[0]
    found = without_print_and_texture(found, page.labels, look.darkness, page.digit_height, min_size, factor,
                                      page.lines, page.walls)
    if fine is not None:
        found = [(c, _fine_candidate(c, page.labels, fine, factor, candidate.blurred_blob)) for c, candidate in found]
    _attach_bars(found, page, factor)
    return _Segmented([candidate for _, candidate in found], page.digit_height, pencil)


def _look_to_segment(darkness: np.ndarray, options: SegmentOptions, look: InkLook | None) -> InkLook | None:
    """`look` where it is the look of `darkness`, else one made; with its blocks of texture made
    paper (`_texture_made_paper`). None where nothing can be read: grain or texture alone."""
    if look is None or look.source is not darkness:
        look = look_at(darkness, options)
    if look.unreadable:
        return None  # nothing but grain (a frame of noise): no stroke can be told from it
    if _is_texture(look.mask, look.stats, options):
        return _texture_made_paper(look, options)
    return look


@dataclass
class _Regions:
    """A page's regions as `_regions_of` finds them, its rules erased where it erases them."""

    labels: np.ndarray  # the page's connected components
    components: list[Component]  # the regions, one per kept label
    digit_height: float | None  # the typical digit height; None: nothing to measure
    lines: tuple = (None, None)  # the level and upright runs that rule removal erased (masks)
    walls: np.ndarray | None = None  # the box sides it erased (mask)


def _regions_of(look: InkLook, options: SegmentOptions, min_size: float) -> _Regions:
    """The page's regions and the digits' height, with its ruled lines and printed boxes erased
    (`remove_rules`) where `options` says so and any were found."""
    components = _components_from_stats(look.stats)
    digit_height = _typical_digit_height(components, look.darkness.shape, options)
    if options.remove_rules:
        digit_height, least_height = _height_on_a_grid(components, look.faint_mask, digit_height,
                                                       look.darkness.shape, options, min_size)
        digit_height = _height_under_the_rules(look, digit_height, min_size, options)
        cleaned = _rules_removed(look, digit_height, options)
        if cleaned is not None:
            cleaned, digit_height = _measured_again(cleaned, digit_height, least_height, look, options)
            return _Regions(cleaned.labels, _components_from_stats(cleaned.stats, cleaned.kept), digit_height,
                            (cleaned.level, cleaned.upright), cleaned.walls)
    return _Regions(look.labels, components, digit_height)


def _rules_removed(look: InkLook, digit_height: float | None, options: SegmentOptions) -> Cleaned | None:
    """The page with the rules for digits `digit_height` tall erased (`remove_rules`)."""
    # Rules are straight runs longer than a digit is tall. Where every digit touches a
    # rule there are no free-standing digits to measure: fall back to page-long runs.
    if digit_height:
        return remove_rules(look.mask, look.faint_mask, *_rule_runs(digit_height), look.darkness, look.min_contrast,
                            blurred_rows=rows_may_blur_together(digit_height), levels=look.levels,
                            keep_pen_bars=not is_small_writing(digit_height),
                            through_writing_share=options.through_writing_share)
    page_long = _page_long_run(look.mask.shape)
    return remove_rules(look.mask, look.faint_mask, page_long, page_long, look.darkness, look.min_contrast,
                        levels=look.levels)


def _candidates(components: list[Component], page: _Regions, look: InkLook,
                inside: np.ndarray | None) -> tuple[list[tuple[Component, DigitCandidate]], list[float]]:
    """The regions that show written strokes in paper (`_candidate`), each with its ink cut, and
    the faint ones that are the page's writing (`_faint_writing`); and where they all peak low,
    the thresholds to look at the page again with (`faint.pencil_ink_thresholds`)."""
    small = is_small_writing(page.digit_height)
    erased = erased_lines(page.lines, page.walls) if small else None
    peak_ratio = SMALL_WRITING_PEAK_RATIO if small else MIN_PEAK_CONTRAST_RATIO
    if inside is not None:  # a levelled page: its interpolated strokes peak lower
        peak_ratio *= LEVELLED_PEAK_SHARE
    surroundings = Surroundings(page.labels, look.darkness, paper_limit(look.min_contrast), erased, len(components))
    faint: list[_FaintRegion] = []
    written_peaks: list[float] = []
    found = [(c, candidate) for c in components
             if (candidate := _candidate(c, page.labels, look.darkness, look.min_contrast, surroundings,
                                         peak_ratio, faint, look.ink_threshold, written_peaks))]
    written_boxes = [candidate.bbox for _, candidate in found]
    pencil = [] if look.ink_threshold else pencil_ink_thresholds(
        written_boxes + [_box(f.component) for f in faint], written_peaks + [f.peak for f in faint],
        look.min_contrast, look.grain_floor, levelled=inside is not None)
    return found + _faint_writing(faint, written_boxes), pencil


def _attach_bars(found: list[tuple[Component, DigitCandidate]], page: _Regions, factor: int) -> None:
    """Give each candidate the page's erased runs (`Bars`), where rule removal erased any, to
    tell when asked whether it was cut off a handwritten bar."""
    lines, walls = page.lines, page.walls
    if lines[0] is None and lines[1] is None and walls is None:
        return
    bars = Bars(page.labels, lines, page.digit_height, None if walls is None else CellWalls(walls, factor))
    for component, candidate in found:
        candidate.bars, candidate.region = bars, component


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


FAINT_GRAIN_FACTOR = 5.0
"""On fibrous paper (`SegmentOptions.fibrous_paper`) the fainter mask that printed lines are
looked for in (`ink.levels_components`) is thresholded at least this many times the page's grain
level above the paper, so the paper's own streaks stay out of it. Brown kraft paper's fibres
(`benchmarks.worksheets --condition kraft`) darken it by up to 0.18 (the 99th percentile of its
paper), 4.9 times its grain level (0.036), over the least faint threshold (0.08): they flooded
the mask, long level runs through rows of digits were taken for rules and erased, and the
digits were cut (12 development pages, seed 361: 42 false digits and 98 missed; 30 and 64 with
this). Off by default: heavily degraded small photos have that grain too (sensor noise, 0.03-0.04)
and their pale rules then broke up (more digits missed)."""


def look_at(darkness: np.ndarray, options: SegmentOptions, ink_threshold: float | None = None) -> InkLook:
    """The `InkLook` of an ink map; `ink_threshold`: see `InkLook.ink_threshold`."""
    smoothed, grain = suppress_grain(darkness)
    if grain.unreadable:
        return InkLook(darkness, smoothed, True)
    min_contrast = grain.min_contrast(options.min_ink_contrast)
    levels = ink_levels(smoothed)
    faint_floor = FAINT_GRAIN_FACTOR * grain.level if options.fibrous_paper else 0.0
    return InkLook(darkness, smoothed, False, min_contrast,
                   *levels_components(levels, min_contrast, ink_threshold, faint_floor), levels,
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


def _components_from_stats(stats: np.ndarray, kept: np.ndarray | None = None) -> list[Component]:
    """The regions of `stats` (all but the background, or those flagged in `kept`), in label order."""
    if kept is None:
        kept = np.arange(len(stats)) != 0
    return [
        Component(int(x), int(y), int(x + w), int(y + h), int(area), [label])
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


_SQUARE_3 = np.ones((3, 3), np.uint8)


@dataclass
class _FaintRegion:
    """A region written in strokes on paper whose strokes peak too low to be read on their own."""

    component: Component
    peak: float  # its ink's 90th percentile darkness
    ink: np.ndarray  # its soft ink, unscaled (float32)


def _faint_writing(faint: list[_FaintRegion], found: list[BBox]) -> list[tuple[Component, DigitCandidate]]:
    """The faint regions read after all, where they are the page's writing (`runtime.reading.faint`)."""
    if not faint:
        return []
    boxes = [_box(f.component) for f in faint]
    level = faint_writing_level(boxes, [f.peak for f in faint], found)
    if level is None:
        return []
    return [(f.component, DigitCandidate(bbox=box, ink=_scaled_to_strokes(f.ink, f.peak)))
            for f, box in zip(faint, boxes, strict=True) if f.peak >= level]


def _candidate(component: Component, labels: np.ndarray, darkness: np.ndarray,
               min_contrast: float, surroundings: Surroundings,
               peak_ratio: float = MIN_PEAK_CONTRAST_RATIO,
               faint: list[_FaintRegion] | None = None,
               ink_threshold: float | None = None, written_peaks: list[float] | None = None) -> DigitCandidate | None:
    """Cut the soft ink of one region (neighbours' ink inside its box masked out); None when
    it shows no evidence of written strokes (see `runtime.reading.evidence`) or lies in no
    paper (`Surroundings.paper_around`). A region that is a blob as thresholded may be written
    at its cores (`DigitCandidate.blurred_blob`). A region written in strokes that only peaks
    too low is added to `faint`, where given, for `_faint_writing` to judge with the rest: it must
    still reach the least ink contrast, or `ink_threshold` where the page was thresholded lower.
    The peak of a region read is added to `written_peaks`, where given (`faint.pencil_ink_thresholds`)."""
    window = (slice(component.top, component.bottom), slice(component.left, component.right))
    own = labelled_as(labels[window], component.labels)
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
    return DigitCandidate(bbox=_box(component), ink=_scaled_to_strokes(ink, stroke_level), blurred_blob=blurred_blob)


def _box(component: Component) -> BBox:
    """A region's box: x, y, w, h."""
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


def _fine_candidate(component: Component, labels: np.ndarray, fine: np.ndarray, factor: int,
                    blurred_blob: bool = False) -> DigitCandidate:
    """A region found on a shrunk ink map, cut from the `factor` times larger `fine` one: its
    mask (grown by a pixel, as in `_candidate`) enlarged, its box and ink in `fine`'s pixels;
    `blurred_blob` as found on the shrunk map."""
    window = (slice(component.top, component.bottom), slice(component.left, component.right))
    own = cv2.dilate(labelled_as(labels[window], component.labels).view(np.uint8), _SQUARE_3)
    height, width = own.shape[0] * factor, own.shape[1] * factor
    own = cv2.resize(own, (width, height), interpolation=cv2.INTER_NEAREST)
    top, left = component.top * factor, component.left * factor
    ink = fine[top : top + height, left : left + width] * own
    return DigitCandidate(bbox=(left, top, width, height),
                          ink=_scaled_to_strokes(ink, _stroke_level(ink[own.view(bool)])), blurred_blob=blurred_blob)
