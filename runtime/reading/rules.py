"""Erase what is printed on the paper: ruled and squared lines, form boxes, the sheet's edges.

Lines are told from writing by length: no digit draws a level stroke wider than it is tall, or
an upright one taller than two digits. Strokes that crossed a line are bridged again, and on
squared paper, whose grid cuts through every digit, and on the rules printed across a sheet, on
which digits sit, the writing lying on the lines stays: what is still ink once the line's own
darkness is divided out of it.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from runtime.reading.pen_bars import pen_bars
from runtime.reading.regions import BlockRegions, label_regions, label_regions_with_pixels, set_pixels
from runtime.reading.runs import line_opening, row_blocks

MIN_BRIDGE_PX = 7
"""Strokes that crossed a line are bridged over at least this many pixels (a thin printed rule
and its anti-aliased edge)."""

MAX_NEAR_LINE_SHARE = 0.3
"""Pieces hugging an erased line are dropped only where lines leave most of the page clear
(ruled paper, forms: a few percent; 5 mm squares photographed small: over half)."""


class Cleaned(NamedTuple):
    """What `remove_rules` leaves: the ink's regions, and the lines it took away."""

    labels: np.ndarray
    stats: np.ndarray
    kept: np.ndarray  # per label: a region of the ink left (not the background, not a line's rim)
    level: np.ndarray | None  # the level runs found (255 on them), None if none
    upright: np.ndarray | None  # the upright ones
    walls: np.ndarray | None = None  # the upright ones and the sides of boxes: what parts cells


def remove_rules(mask: np.ndarray, faint_mask: np.ndarray, horizontal_px: int, vertical_px: int,
                 darkness: np.ndarray | None = None, ink_level: float = 0.0,
                 blurred_rows: bool = False, levels: np.ndarray | None = None,
                 keep_pen_bars: bool = False, through_writing_share: float | None = None) -> Cleaned | None:
    """Erase straight horizontal runs longer than `horizontal_px` and vertical ones longer
    than `vertical_px`, and the short box sides standing between two erased horizontals.

    Ruled and squared paper, form boxes and the sheet's own edges are such runs. A digit's
    strokes are not: no digit draws a level stroke wider than it is tall, and a "1" is one
    digit tall, hence the longer vertical limit. Lines are looked for in `faint_mask` (a lower
    threshold, where pale printed lines run unbroken) and erased from `mask`. Given the ink map
    `darkness` (float32, as `mask` was thresholded from), a pixel of a line that is still ink
    (`ink_level` dark) once the line's own darkness is taken out of it is writing on the line,
    and stays (`_writing_on_lines`). With `blurred_rows` (digits small enough for the camera's
    blur to join a row of them, `rows_may_blur_together`), level runs through writing are not
    lines (`_without_runs_through_writing`; `through_writing_share`: the share of a run on tall
    ink that makes it writing, `THROUGH_WRITING_SHARE` where not given).
    `levels`: `darkness` as uint8 levels (`ink.ink_levels`), where made already. With
    `keep_pen_bars`, short level runs that are handwritten bars (`pen_bars`: a 4's) are no lines.

    Returns the regions of the ink that is left, as `label_regions` gives them (labels, stats),
    with a bool per label saying which are kept: the pieces dropped as a line's rim are cleared
    from the labels, and the rest keep the labels, and so the order, that labelling the cleaned
    mask afresh would give them; and the level and upright runs found (uint8 masks, the box
    sides left out). None if nothing is erased.
    """
    # Per direction: the run that makes a line, a 3 px thickening across it (a rule on a page
    # photographed a degree off level steps by a pixel now and then, and would otherwise not
    # hold one unbroken straight run), and the axis across it.
    # Nothing page-sized is made until a line is found: most frames and pages have none.
    directions = (((horizontal_px, 1), (1, 3), 0), ((1, vertical_px), (3, 1), 1))
    searches = [(direction, _find_lines(faint_mask, *direction[:2])) for direction in directions]
    searches = [(direction, search) for direction, search in searches if search is not None]
    if blurred_rows and searches and searches[0][0][2] == 0:
        searches = _without_runs_through_writing(searches, faint_mask, horizontal_px, through_writing_share)
    on_grid = darkness is not None and len(searches) == 2 and _crosses_as_a_grid(
        searches[0][1][1], searches[1][1][1], horizontal_px)
    # The rules printed across a sheet, among the level lines found off a grid (`_printed_rules`).
    level_off_grid = darkness is not None and not on_grid and bool(searches) and searches[0][0][2] == 0
    # (Its blocks of rows, each labelled once for the printed rules and the pen bars.)
    level_blocks = BlockRegions(searches[0][1][0]) if level_off_grid else None
    printed = _printed_rules(*searches[0][1], horizontal_px, level_blocks) if level_off_grid else None
    if keep_pen_bars and printed is not None:  # ruled paper: a 4's long bar is no line (`pen_bars`)
        kept = _without_pen_bars(searches, horizontal_px, level_blocks)
        if kept is not searches:
            searches, printed = kept, _printed_rules(*kept[0][1], horizontal_px)
    # The upright rules printed down a sheet (a notebook's margin) likewise: the same test on the
    # lines turned over their diagonal.
    printed_down = None
    if darkness is not None and not on_grid and searches and searches[-1][0][2] == 1:
        printed_down = _printed_rules_down(searches[-1][1][0], horizontal_px)
    if darkness is not None:
        # An ink map lies within [0, 1] (each is clipped there; shrinking, smoothing and
        # levelling average within it), so its levels need no clipping: the same as made here.
        dark = levels if levels is not None else np.clip(darkness * 255.0, 0, 255).astype(np.uint8)
    found_lines, bands, bridges, horizontal = [], [], [], None
    by_direction = {0: None, 1: None}  # across axis 0: level lines; 1: upright ones
    for (run, thicken, across_axis), (found, band) in searches:
        by_direction[across_axis] = found
        erased = band
        # On a grid every line holds writing; off one, the rules a sheet is printed with do
        # (`_printed_rules`), and the other lines found are erased whole.
        on_lines = band if on_grid else None
        if on_lines is None and darkness is not None:
            on_lines = printed if across_axis == 0 else printed_down
        if on_lines is not None:
            # A line's darkness is asked only under the ink lying on the lines (`_writing_on_lines`).
            asked = cv2.bitwise_and(on_lines, mask)
            # An upright line's darkness is looked for along a level run's length (1.2 digits, still
            # longer than a 1 lying on it): a line photographed a little tilted steps aside
            # within two digits' run, and its darkness there read as none.
            darkness_run = run if run[1] == 1 else (1, horizontal_px)
            erased = cv2.subtract(band, _writing_on_lines(dark, _line_darkness(dark, darkness_run, thicken, asked),
                                                          asked, ink_level))
        found_lines.append(found)
        bands.append(erased)
        # A stroke crossing the line is bridged, not the other direction's lines crossing it: on a
        # grid whose lines are in the ink mask (blurred by resampling, a tilted photo levelled),
        # bridging them put every crossing back as a dash that joined the digits.
        crossing = [other_band for (_, _, axis), (_, other_band) in searches if axis != across_axis]
        strokes = cv2.subtract(mask, crossing[0]) if crossing else mask
        bridges.append(_bridges(strokes, found, erased, across_axis))
        if run[1] == 1:
            horizontal = band
    if not found_lines:
        return None
    lines = _union(found_lines)
    walls = by_direction[1]
    if horizontal is not None:
        sides = _box_sides(faint_mask, horizontal)
        if cv2.countNonZero(sides):
            lines = cv2.bitwise_or(lines, sides)
            bands.append(cv2.dilate(sides, _SQUARE_3))
            walls = sides if walls is None else cv2.bitwise_or(walls, sides)
    # Take the found lines away, widened by their anti-aliased edge (the bands: a dilation of a
    # union is the union of the dilations), and put back the bridges where strokes crossed them.
    cleaned = cv2.bitwise_or(cv2.subtract(mask, _union(bands)), _union(bridges))
    _, labels, stats, index = label_regions_with_pixels(cleaned)
    # On small blurred writing, a piece standing across a line is a digit on it (`RIM_MAX_SIDE_OF_RULE_RUN`).
    least_writing = horizontal_px * RIM_MAX_SIDE_OF_RULE_RUN if blurred_rows else None
    rims = _line_rims(cleaned, labels, stats, lines, index, least_writing)
    if walls is not None and darkness is not None:
        rims |= _upright_stubs(labels, stats, walls, horizontal, darkness)
    rims[0] = False
    _clear(labels, stats, rims, index)
    kept = ~rims
    kept[0] = False  # the background
    return Cleaned(labels, stats, kept, by_direction[0], by_direction[1], walls)


_SQUARE_3 = np.ones((3, 3), np.uint8)

BLURRED_ROWS_MAX_HEIGHT_PX = 28
"""Digits this tall or less (the segmenter's typical height) may be joined into rows by a camera's
blur, which is a few pixels whatever the writing's size (`_without_runs_through_writing`): 640x480
photos hold digits of 10-20 px, poor phone photos of A4 worksheets 18-24 px (development pages,
`benchmarks.worksheets --degrade mixed --digits validation`, seeds 202 and 205). Above it, level
runs through "writing" were a desk's grain beside the sheet (digits measured 32-78 px there):
kept, its regions grew into digits (40 development pages of sheets on desks and floors,
`benchmarks.hard_pages --kinds desk,tiles --seed 4244`: 13 false digits with them erased, 18
kept)."""


def rows_may_blur_together(digit_height: float | None) -> bool:
    """Whether a camera's blur may join a row of digits `digit_height` px tall (`BLURRED_ROWS_MAX_HEIGHT_PX`)."""
    return digit_height is not None and digit_height <= BLURRED_ROWS_MAX_HEIGHT_PX


RIM_MAX_SIDE_OF_RULE_RUN = 0.4
"""On a page of small digits blurred together (`rows_may_blur_together`), a piece lying beside an
erased line is the line's rim (`_line_rims`) only where it is thinner, one way or the other, than
this share of the level run that makes a line (1.2 digits tall, `segment._rule_runs`): a rim
runs along its line, a digit the blur has spread over a line stands across it. On heavy
photos of squared paper whose faint grid was found only in part (too little of the page near
a line to call it fine squared paper, `MAX_NEAR_LINE_SHARE`), whole digits sitting on its
lines went as rims: a 640x480 heavy grid page (development seed 601, page 82) lost 42 of its
143 digits with no region, 22 now. On 250 development pages (`benchmarks.worksheets --size
640x480 --degrade mixed --digits validation`, seeds 601 and 602, 14,447 digits) 13,265 ->
13,277 read right, 320 false as before; at 0.3 13,278 / 320, at 0.5 13,275 / 322, at 0.65
13,272 / 319, no rims at all on such pages 13,285 / 319 but one more digit read where none is.
No more digits read on 40 small no-digit pages or 24 small pages of letters, script and words
with numbers (`hard_pages --size 640x480`, seeds 611 and 612)."""

THROUGH_WRITING_SHARE = 0.5
THROUGH_WRITING_ACROSS = 0.5
THROUGH_WRITING_MAX_RUNS = 8
"""A level run found as a line is writing, not a rule, when at least `THROUGH_WRITING_SHARE` of
its pixels lie in faint ink that stands `THROUGH_WRITING_ACROSS` times the run's length (0.6 of a
digit's height) tall across it, and it is at most `THROUGH_WRITING_MAX_RUNS` runs long (a number,
not a sheet's blurred edge). A rule crossed or touched by writing stands that tall only where a
stroke meets it; a row of digits blurred together by the camera, merged at the faint threshold,
holds level runs through the middle of every digit. Erasing them left 196 of 8,755 digits on 150
development pages of small digits (640x480, seed 22) with no ink at all, and on poor phone photos
of A4 worksheets, digits 21-24 px tall, it cut digits in half as well: on one such page of 322
digits (`benchmarks.worksheets --degrade mixed --digits validation`, seed 205, page 23), 85 level
runs of 44-67 px through rows of digits were erased, and 270 digits were read right with 16 false;
kept, 291 and 7. Held for small digits only (20 px or less) before, because between bigger
digits the runs part digits that truly touch; now for digits up to `BLURRED_ROWS_MAX_HEIGHT_PX`.
The regions they join are the cutter's to part (`runtime.reading.touching`), and the orientation
vote reads single digits before them (`orientation.voting_order`).

`SegmentOptions.through_writing_share` sets the share (optional; this one by default). At 0.3, a
run along the foot of a pair blurred together (a 2's base run into a 6's loop, 0.37 of it on tall
ink) stays: erased, the pieces of both digits beside it went as its rim, on blank paper too. It
reads more digits of small pages but turns some small pages of letters over (docs/results/reading.md:
"Small pages: misses sorted by cause"), so it is not the default."""


def _without_runs_through_writing(searches: list, faint_mask: np.ndarray, horizontal_px: int,
                                  share: float | None = None) -> list:
    """`searches` (per direction, its lines and band, level lines first) without the level
    runs that lie through writing (`share` of their pixels on tall ink, `THROUGH_WRITING_SHARE`
    where not given); upright lines are kept as they are."""
    share = THROUGH_WRITING_SHARE if share is None else share
    (run, thicken, across_axis), (found, _) = searches[0]
    # The faint ink that is tall across the level runs, upright lines taken out of it first:
    # where a grid's upright line crosses a level one, the ink is tall too.
    ink = faint_mask if len(searches) == 1 else cv2.subtract(faint_mask, searches[1][1][1])
    across = max(5, int(round(THROUGH_WRITING_ACROSS * horizontal_px)))
    tall = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, across)))
    count, labels, stats = label_regions(found, any_order=True)
    on_tall = np.bincount(labels[cv2.bitwise_and(tall, found) > 0], minlength=count)
    through = ((on_tall >= share * np.maximum(stats[:, cv2.CC_STAT_AREA], 1))
               & (stats[:, cv2.CC_STAT_WIDTH] <= THROUGH_WRITING_MAX_RUNS * horizontal_px))
    through[0] = False
    if through.any():
        through &= ~_box_edges(stats, through, faint_mask, horizontal_px)
    if not through.any():
        return searches
    found = found.copy()
    found[through[labels]] = 0
    rest = searches[1:]
    if not cv2.countNonZero(found):
        return rest
    return [((run, thicken, across_axis), (found, cv2.dilate(found, _SQUARE_3))), *rest]


BOX_MIN_HEIGHT_RUNS = 1.0
BOX_MAX_HEIGHT_RUNS = 3.0
BOX_MIN_OVERLAP = 0.8
BOX_MIN_SIDE_SHARE = 0.9
"""A level run through writing is a form box's top or bottom side all the same where a twin run
lies `BOX_MIN_HEIGHT_RUNS` to `BOX_MAX_HEIGHT_RUNS` runs' lengths above or below it (a box is
1.5-2 digits tall, a run 1.2), the two sharing `BOX_MIN_OVERLAP` of the longer one's columns, and
faint ink joins them down both ends of those columns along `BOX_MIN_SIDE_SHARE` of the rows
between them (the box's sides). On a small photo of a form the camera's blur joins the digits to
their box, and the faint ink stands tall across most of its sides' runs; kept, the box was one
region with its digits (`_box_edges`). Two rows of digits blurred into runs do not join down
their ends: the paper between them is no ink."""

SIDE_COLUMNS = 4
"""A box's side is looked for this many columns in from the end of the runs it joins (a printed
side 1-2 px wide, blurred, within a pixel or two of the runs' ends)."""


def _without_pen_bars(searches: list, horizontal_px: int, blocks: BlockRegions | None = None) -> list:
    """`searches` (the same list where none is) with the level lines found that are handwritten
    bars (`pen_bars`) left out (`blocks`: the level lines' blocks of rows, `BlockRegions`)."""
    (direction, (found, _)), rest = searches[0], searches[1:]
    bars = pen_bars(found, horizontal_px, blocks)
    if bars is None:
        return searches
    found = cv2.subtract(found, bars)
    if not cv2.countNonZero(found):
        return rest
    return [(direction, (found, cv2.dilate(found, _SQUARE_3))), *rest]


def _box_edges(stats: np.ndarray, through: np.ndarray, faint_mask: np.ndarray, horizontal_px: int) -> np.ndarray:
    """Per label of the level runs (`stats`), whether it is flagged in `through` and closes a
    box with a twin run (`BOX_MIN_HEIGHT_RUNS`)."""
    edges = np.zeros(len(stats), bool)
    left, top, width, height = (stats[:, column].astype(np.int64) for column in range(4))
    middle = top + height // 2
    right = left + width
    for label in np.flatnonzero(through).tolist():
        shared = np.minimum(right, right[label]) - np.maximum(left, left[label])
        apart = np.abs(middle - middle[label])
        twins = np.flatnonzero((shared >= BOX_MIN_OVERLAP * np.maximum(width, width[label]))
                               & (apart >= BOX_MIN_HEIGHT_RUNS * horizontal_px)
                               & (apart <= BOX_MAX_HEIGHT_RUNS * horizontal_px))
        for twin in twins[twins != 0].tolist():
            if _sides_join(faint_mask, stats[label], stats[twin]):
                edges[label] = edges[twin] = True
                break
    return edges


def _sides_join(faint_mask: np.ndarray, first: np.ndarray, second: np.ndarray) -> bool:
    """Whether faint ink runs between two level runs down both ends of the columns they share."""
    upper, lower = (first, second) if first[1] < second[1] else (second, first)
    rows = slice(int(upper[1] + upper[3] // 2), int(lower[1] + lower[3] // 2) + 1)
    left = int(max(first[0], second[0]))
    right = int(min(first[0] + first[2], second[0] + second[2]))
    for columns in (slice(left, left + SIDE_COLUMNS), slice(max(left, right - SIDE_COLUMNS), right)):
        inked = faint_mask[rows, columns].max(axis=1) > 0
        if inked.size == 0 or np.count_nonzero(inked) < BOX_MIN_SIDE_SHARE * inked.size:
            return False
    return True


def _find_lines(faint_mask: np.ndarray, run: tuple[int, int],
                thicken: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """The lines of one direction (straight runs of `run`, after thickening by `thicken`) and
    the band they will be erased as; None if none."""
    # An opening by the run of the thickened mask, worked out on the rows (columns) that may
    # hold one (thickened there alone: across the run, `thicken` is 1 along it).
    runs = line_opening(faint_mask, run, thicken[1] if run[1] == 1 else thicken[0])
    if runs is None:
        return None
    found = cv2.bitwise_and(runs, faint_mask)
    if not cv2.countNonZero(found):
        return None
    return found, cv2.dilate(found, _SQUARE_3)


def _bridges(mask: np.ndarray, found: np.ndarray, erased: np.ndarray, across_axis: int) -> np.ndarray:
    """Where a stroke crossed the line, ink lies on both sides of it: close across the line so
    the stroke is whole again once the line itself is gone. The reach spans the erased band
    (a bold, blurred grid line of a phone photo is 5 px and more)."""
    reach = max(MIN_BRIDGE_PX, int(np.ceil(_thickness(found, across_axis))) + 5)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach) if across_axis == 0 else (reach, 1))
    if across_axis == 1:  # (upright lines: narrow column strips would cost more than the page)
        return _closed_in_band(mask, erased, kernel)
    # Bridges lie in the band alone, and a closing down the columns `reach` long sees no further
    # than `reach` rows either way: level lines' bridges are worked out on the band's rows and
    # as many around them, not over the page (the same pixels; 2.6 -> 1.9 ms a page).
    bridges = np.zeros_like(mask)
    for first, last in row_blocks(np.flatnonzero(erased.max(axis=1)), 2 * reach):
        top, bottom = max(0, first - reach), min(mask.shape[0], last + reach)
        closed = _closed_in_band(mask[top:bottom], erased[top:bottom], kernel)
        bridges[first:last] = closed[first - top : last - top]
    return bridges


def _closed_in_band(mask: np.ndarray, erased: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """`mask` less the band `erased`, closed by `kernel`, within the band."""
    # (Masks are 0 or 255, so a saturating subtraction is "and not".)
    crossing = cv2.morphologyEx(cv2.subtract(mask, erased), cv2.MORPH_CLOSE, kernel)
    return cv2.bitwise_and(crossing, erased)


MIN_GRID_CROSSINGS = 150
"""Writing is kept on every line on squared paper: lines both ways that cross in at least this
many small places (each within half a level run, `horizontal_px`: two thin lines). A grid cuts
through every digit, along its strokes too; ruled paper only touches the digits' feet. Measured
at 150 dpi: squared sheets 376-3551 such crossings; the grain of a desk, the grout of a tiled
floor and the planks' seams, found as lines both ways, at most 51 (their crossings are few and
large). Elsewhere it is kept on the level rules printed across a sheet alone (`RULE_MIN_RUNS`),
and what else is found as a line (a digit's own long stroke, wood grain, a sheet's upright edge)
is erased whole, as it always was."""


def is_squared_paper(faint_mask: np.ndarray, horizontal_px: int, vertical_px: int) -> bool:
    """Whether the faint ink holds a grid of lines (`MIN_GRID_CROSSINGS`), found as `remove_rules` does."""
    across = _find_lines(faint_mask, (horizontal_px, 1), (1, 3))
    down = _find_lines(faint_mask, (1, vertical_px), (3, 1)) if across is not None else None
    return down is not None and _crosses_as_a_grid(across[1], down[1], horizontal_px)


def _crosses_as_a_grid(across: np.ndarray, down: np.ndarray, horizontal_px: int) -> bool:
    """Whether the bands of lines found across and down the page cross as a grid's do."""
    crossings = cv2.bitwise_and(across, down)
    small = 0
    # The crossings lie on the level lines' rows, a fifth of a squared page: each block of rows
    # holding some is labelled on its own (no region spans two), sizes alone count, and only
    # until there are enough (a squared page has them in its first few blocks: 1.5-5 ms).
    for first, last in row_blocks(np.flatnonzero(crossings.max(axis=1))):
        _, _, stats = label_regions(crossings[first:last], any_order=True)
        sizes = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
        small += int(np.count_nonzero(sizes <= horizontal_px / 2))
        if small >= MIN_GRID_CROSSINGS:
            return True
    return False


RULE_MIN_RUNS = 8
RULE_MAX_THICKNESS = 0.2
RULE_MAX_THICKNESS_PX = 4
"""A level line found off a grid is a rule printed across the sheet, whose writing stays as on a
grid (`_writing_on_lines`), when it is at least `RULE_MIN_RUNS` level runs long (`horizontal_px`,
1.2 digits) and at most `RULE_MAX_THICKNESS` of a run thick (its pixels per column; at least
`RULE_MAX_THICKNESS_PX` allowed): ruled paper and form boxes. Digits sit on the rules and touch
them with their feet: a 2's base, the bottom of a 6's or 0's loop, a 5's lower curve lie along
the rule, and erased with it they turned a 2 into a 7, a 0 into a 1, and cut a 6 into a 1 and a
fragment. A digit's own stroke taken for a line is shorter, and is erased whole as before; so are
a desk's grain and a sheet's shadowed edge, which run as long but lie 7-700 px thick (printed
rules 1-4 px): keeping what was darker than the grain along them read 6 false digits on one of
30 development pages of sheets on desks (`benchmarks.hard_pages --kinds desk --seed 4302`)."""


def _printed_rules(found: np.ndarray, band: np.ndarray, horizontal_px: int,
                   blocks: BlockRegions | None = None) -> np.ndarray | None:
    """The band (as `_find_lines` gives it: `band`, `found` widened by a pixel) of the level lines
    in `found` that are rules printed across the sheet (`RULE_MIN_RUNS`, `RULE_MAX_THICKNESS`),
    None if none are (`blocks`: `found`'s blocks of rows, `BlockRegions`, where made already)."""
    blocks = blocks if blocks is not None else BlockRegions(found)
    max_thickness = max(RULE_MAX_THICKNESS_PX, RULE_MAX_THICKNESS * horizontal_px)
    min_length = RULE_MIN_RUNS * horizontal_px
    rules = None
    # Level lines lie in blocks of rows apart from one another (no line spans two): the lines of
    # a block whose ink spans a rule's length are labelled there, not the page's (5 ms an A4
    # page, its reading 10% longer), and a block no taller than two rules' thickness holding
    # one rule's pixels is a straight rule alone (a scan's). A photo's tilted rules, joined by
    # what was found between them, make one tall block, labelled.
    # A block's band is its rows and one either side, which no other block's reaches (blocks lie
    # rows apart): a block kept whole keeps its band as found, a part of one is widened there
    # alone (not the page: 0.5-0.9 ms at A4 200 dpi).
    for first, last in blocks.blocks:
        block = found[first:last]
        columns = cv2.countNonZero(block.max(axis=0))
        if columns < min_length:
            continue
        top, bottom = max(0, first - 1), min(found.shape[0], last + 1)
        if last - first <= 2 * max_thickness and cv2.countNonZero(block) <= max_thickness * columns:
            rules = np.zeros_like(found) if rules is None else rules
            rules[top:bottom] = band[top:bottom]  # one straight rule alone in its rows: no labelling needed
            continue
        _, labels, stats = blocks.of(first, last)
        widths = stats[:, cv2.CC_STAT_WIDTH]
        thin_and_long = (widths >= min_length) & (stats[:, cv2.CC_STAT_AREA] <= max_thickness * widths)
        thin_and_long[0] = False
        if thin_and_long.any():
            rules = np.zeros_like(found) if rules is None else rules
            kept = np.zeros((bottom - top, found.shape[1]), found.dtype)
            kept[first - top : last - top] = np.where(thin_and_long[labels], block, 0)
            rules[top:bottom] = cv2.dilate(kept, _SQUARE_3)
    return rules


def _printed_rules_down(found: np.ndarray, horizontal_px: int) -> np.ndarray | None:
    """The band of the upright lines in `found` that are rules printed down the sheet (a
    notebook's margin), as `_printed_rules` tells them, None if none are.

    Turned over its diagonal, an upright rule is a level one; what is thicker across than a
    level run (`horizontal_px`, longer than a digit is tall: no pen's stroke on the line, which
    must stay part of it) is taken off it first: a margin runs down to the sheet's foot, where the
    dark strip of the desk below it, found as upright runs too, joined it into one region far
    thicker than a rule.
    """
    across = np.ones((horizontal_px + 1, 1), np.uint8)
    rules = None
    # Worked out on the blocks of columns holding lines alone (a sheet's edges and its margin: a
    # few narrow strips, not the page turned over; 10 -> 1 ms a page), each with what the
    # opening and the widening across it reach.
    for first, last in row_blocks(np.flatnonzero(found.max(axis=0)), horizontal_px + 4):
        first, last = max(0, first - 2), min(found.shape[1], last + 2)  # (the band a pixel wider)
        turned = cv2.transpose(found[:, first:last])
        thick = cv2.morphologyEx(turned, cv2.MORPH_OPEN, across)
        if cv2.countNonZero(thick):
            turned = cv2.subtract(turned, cv2.dilate(thick, _SQUARE_3))
        found_rules = _printed_rules(turned, cv2.dilate(turned, _SQUARE_3), horizontal_px)
        if found_rules is not None:
            rules = np.zeros_like(found) if rules is None else rules
            rules[:, first:last] = cv2.transpose(found_rules)
    return rules


def _line_darkness(dark: np.ndarray, run: tuple[int, int], thicken: tuple[int, int],
                   asked: np.ndarray) -> np.ndarray:
    """Per pixel of the ink map `dark` (uint8) where `asked` (a 0/255 mask: the ink lying on a
    direction's lines) is set, the darkness a line of this direction keeps up through it: a grey
    opening along the line, on the map thickened across it (as the lines were found); 0 or
    other values elsewhere, where it is not asked for (`_writing_on_lines`). A stroke lying on a
    line or crossing it is shorter than a run, so the opening sees the line beside it."""
    if run[1] != 1:  # upright: the level case on the map turned over its diagonal, strip by strip
        # of the asked columns with those the thickening takes in (not the whole map turned).
        reach = thicken[0] // 2
        line = np.zeros_like(dark)
        for first, last in row_blocks(np.flatnonzero(asked.max(axis=0))):
            left, right = max(0, first - reach), min(dark.shape[1], last + reach)
            turned = _line_darkness(cv2.transpose(dark[:, left:right]), run[::-1], thicken[::-1],
                                    cv2.transpose(asked[:, left:right]))
            line[:, first:last] = cv2.transpose(turned)[:, first - left : last - left]
        return line
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
    thickening = cv2.getStructuringElement(cv2.MORPH_RECT, thicken)
    reach = thicken[1] // 2  # rows the thickening takes in on either side
    # The opening at a pixel sees no further than a run less one pixel each way along its row,
    # from what the erosion saw as far again: a stretch of asked columns is opened with twice a
    # run either side (stretches closer than twice that are opened as one: no column twice).
    margin = 2 * run[0]
    line = np.zeros_like(dark)
    # A level line keeps rows apart; the thickening reaches `reach` rows: each block of the
    # asked rows is opened with those around it, as on the whole map (2-3 ms less a direction),
    # and only about the columns asked (the ink on a ruled page's rules: a few digits' feet).
    for first, last in row_blocks(np.flatnonzero(asked.max(axis=1))):
        top, bottom = max(0, first - reach), min(dark.shape[0], last + reach)
        for left, right in row_blocks(np.flatnonzero(asked[first:last].max(axis=0)), 2 * margin):
            low, high = max(0, left - margin), min(dark.shape[1], right + margin)
            thick = cv2.dilate(dark[top:bottom, low:high], thickening)
            opened = cv2.dilate(cv2.erode(thick, kernel), kernel)
            line[first:last, left:right] = opened[first - top : last - top, left - low : right - low]
    return line


def _writing_on_lines(dark: np.ndarray, line: np.ndarray, on_lines: np.ndarray, ink_level: float) -> np.ndarray:
    """The ink lying on the lines (`on_lines`: the ink mask within their band) that is writing:
    still `ink_level` dark once the line's own darkness (`line`, from `_line_darkness`) is taken
    out of the ink map `dark`.

    Ink multiplies, so a pixel of darkness D on a line of darkness L holds writing of darkness
    (D - L) / (1 - L). Where a grid's two lines cross, each line's opening is that line's own
    darkness, and what is left is the other line's: pale printed lines (the usual ones) stay
    erased, crossings and all; a stroke of the pen is darker than both and stays.
    """
    writing = np.zeros_like(on_lines)
    # Worked out on the ink's blocks of rows, not the page (ruled paper: 2.1 -> 1.2 ms a page).
    for first, last in row_blocks(np.flatnonzero(on_lines.max(axis=1))):
        index = set_pixels(on_lines[first:last])
        if index.size:
            level = line[first:last].ravel()[index].astype(np.float32)
            ink = (dark[first:last].ravel()[index].astype(np.float32) - level) / np.maximum(255.0 - level, 1.0)
            writing[first:last].ravel()[index[ink >= ink_level]] = 255
    return writing


def _union(masks: list[np.ndarray]) -> np.ndarray:
    """The union of 0/255 masks (the one mask itself if there is one)."""
    union = masks[0]
    for other in masks[1:]:
        union = cv2.bitwise_or(union, other)
    return union


def _line_rims(cleaned: np.ndarray, labels: np.ndarray, stats: np.ndarray, lines: np.ndarray,
               index: np.ndarray | None = None, least_writing: float | None = None) -> np.ndarray:
    """Per label of the cleaned ink, whether it is a line's rim rather than writing (`index`:
    its set pixels, as `set_pixels` gives them, where found already).

    What is left hugging a line is the line's ragged rim (a shadowed sheet edge, a thick marker
    rule), not writing: pieces lying almost wholly beside a removed line are dropped. On fine
    squared paper nearly everything lies beside some line, writing included: there, lying
    beside a line tells nothing, and the rims go with the texture checks instead. With
    `least_writing`, a piece at least that many pixels both wide and tall is no rim.
    """
    rims = np.zeros(len(stats), bool)
    near_line = cv2.dilate(lines, np.ones((7, 7), np.uint8))
    if cv2.countNonZero(near_line) / near_line.size >= MAX_NEAR_LINE_SHARE:
        return rims
    # Counted from the ink pixels beside a line alone, not by a pass over every pixel's label.
    beside_line = (set_pixels(cv2.bitwise_and(cleaned, near_line)) if index is None
                   else index[near_line.ravel()[index] > 0])
    beside = np.bincount(labels.ravel()[beside_line], minlength=len(stats))
    rims = beside >= 0.8 * np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    if least_writing is not None:
        rims &= np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) < least_writing
    return rims


STUB_GAP_PX = 8
STUB_EXTRA_WIDTH_PX = 2
STUB_MAX_DARKER = 0.15
"""A thin upright piece left once the lines are erased is a stub of a printed line, not a "1",
where an erased upright line goes on within `STUB_GAP_PX` rows beyond its top or its bottom (the
band of a level line it crossed lies between), in the same columns, and the piece is no wider
than the upright lines are thick plus `STUB_EXTRA_WIDTH_PX`: the end of a grid's line between
the last level line and the sheet's edge, too short to be found as a line, or a form box's side
that the faint ink joined to something else. A written 1 is slanted or thicker than a printed
line, and seldom carries a line's column on exactly. Found on phone photos and light scans of
development worksheets (`benchmarks.worksheets --degrade mixed --digits validation`, seeds
205-207). A stub is also no darker than the line it belongs to plus `STUB_MAX_DARKER`: a pen's
1 written upright beside a grid's line, its column carried on, is darker than the printed line
(on one such page, seed 205 page 38, it was read as a stub without this). That line's darkness
is the lines' median, or the darkness of the line the piece carries on or meets where that is
darker: a form's black box printed on pale graph paper (`--condition graph`) is darker than the
page's median line, and the pieces of its sides were read as 1s at 0.99."""


def _upright_stubs(labels: np.ndarray, stats: np.ndarray, walls: np.ndarray, horizontal_band: np.ndarray | None,
                   darkness: np.ndarray) -> np.ndarray:
    """Per label, whether the region is a stub of an erased upright line or a box's side
    (`STUB_GAP_PX`): thin, upright, and no darker than the line it belongs to (`STUB_MAX_DARKER`)."""
    stubs = np.zeros(len(stats), bool)
    x, y, w, h = (stats[:, column] for column in range(4))
    thin = (h >= 3 * w) & (h >= 8)
    thin[0] = False
    if not thin.any():
        return stubs
    # Gathered at the walls' set pixels (a boolean index scans the float map: twice the time),
    # then partitioned where they lie.
    line_darkness = float(np.median(darkness.ravel()[set_pixels(walls)], overwrite_input=True))
    own_darkness = np.zeros(len(stats))
    for label in np.flatnonzero(thin).tolist():
        left, top, width, height = (int(value) for value in stats[label, :4])
        window = (slice(top, top + height), slice(left, left + width))
        own_darkness[label] = float(np.median(darkness[window][labels[window] == label]))
    for label in np.flatnonzero(thin).tolist():
        left, top, width, height = (int(value) for value in stats[label, :4])
        beyond = (range(top - 1, top - 1 - STUB_GAP_PX, -1), range(top + height, top + height + STUB_GAP_PX))
        carried = [rows for rows in beyond if _carries_on(walls, rows, left, width)]
        if carried:
            line = max(line_darkness, _line_darkness_beside(walls, darkness, carried, left, width, height))
            stubs[label] = own_darkness[label] <= line + STUB_MAX_DARKER
    if horizontal_band is not None:
        candidates = np.flatnonzero(thin & ~stubs)
        x, y, w, h = x[candidates], y[candidates], w[candidates], h[candidates]
        sides = (_band_near(horizontal_band, y, x, w, step=-1)
                 & _band_near(horizontal_band, y + h - 1, x, w, step=1))
        for label in candidates[sides].tolist():
            left, top, width, height = (int(value) for value in stats[label, :4])
            ends = (range(top - 1, top - 4, -1), range(top + height, top + height + 3))
            line = max(line_darkness, _line_darkness_beside(horizontal_band, darkness, ends, left, width, 0))
            stubs[label] = own_darkness[label] <= line + STUB_MAX_DARKER
    return stubs


def _line_darkness_beside(lines: np.ndarray, darkness: np.ndarray, rows_beyond: list, left: int, width: int,
                          height: int) -> float:
    """The median darkness of the line pixels of `lines` in the columns `left` to `left + width`
    (give or take two), over each of `rows_beyond` (ranges of rows stepping away from a piece)
    carried on `height` rows further: the line a piece carries on or meets; 0 where none lie there."""
    start, stop = max(0, left - 2), min(lines.shape[1], left + width + 2)
    values = []
    for rows in rows_beyond:
        first, last = rows[0], rows[0] + (rows.step or 1) * (len(rows) + height)
        low, high = max(0, min(first, last)), min(lines.shape[0], max(first, last) + 1)
        window = (slice(low, high), slice(start, stop))
        values.append(darkness[window][lines[window] > 0])
    found = np.concatenate(values) if values else np.zeros(0)
    return float(np.median(found)) if found.size else 0.0


def _carries_on(walls: np.ndarray, rows: range, left: int, width: int) -> bool:
    """Whether, in the first of `rows` holding a wall near columns `left` to `left + width`, the
    wall lies within those columns give or take two pixels and is as wide as they are, give or take
    `STUB_EXTRA_WIDTH_PX`: the same line, carried on."""
    start, stop = max(0, left - 4), min(walls.shape[1], left + width + 4)
    for row in rows:
        if not 0 <= row < walls.shape[0]:
            return False
        columns = np.flatnonzero(walls[row, start:stop]) + start
        if columns.size:
            aligned = columns[0] >= left - 2 and columns[-1] <= left + width + 1
            return bool(aligned and abs(columns.size - width) <= STUB_EXTRA_WIDTH_PX)
    return False


MAX_BOXES_TO_CLEAR = 64
"""Up to this many regions are cleared box by box; more (a page of rims) in one pass over the page."""


def _clear(labels: np.ndarray, stats: np.ndarray, drop: np.ndarray, index: np.ndarray | None = None) -> None:
    """Set the labels of the regions flagged in `drop` to 0 (background), in place (`index`:
    the labelled mask's set pixels, as `set_pixels` gives them, where found already)."""
    dropped = np.flatnonzero(drop)
    if len(dropped) > MAX_BOXES_TO_CLEAR:
        if index is None:
            labels[drop[labels]] = 0
            return
        # Only set pixels hold a label: looked up there, not over the page (6 -> 0.5 ms at A4).
        flat = labels.ravel()
        flat[index[drop[flat[index]]]] = 0
        return
    for label in dropped.tolist():
        x, y, w, h = stats[label, :4]
        window = labels[y : y + h, x : x + w]
        window[window == label] = 0


def _thickness(found: np.ndarray, axis: int) -> float:
    """Mean thickness of found lines across `axis` (0: horizontal lines, measured down the
    columns): their pixels per run of pixels, on every fourth column (or row)."""
    lines = found[:, ::4] > 0 if axis == 0 else (found[::4, :] > 0).T
    pixels = np.count_nonzero(lines)
    # A run starts at each pixel but those whose neighbour before it across the line is set.
    starts = pixels - np.count_nonzero(lines[1:] & lines[:-1])
    return float(pixels) / max(int(starts), 1)


def _box_sides(faint_mask: np.ndarray, horizontal_band: np.ndarray) -> np.ndarray:
    """The sides of form boxes: thin upright strokes reaching from one erased horizontal line
    to the next, however short the box (a one-digit box is barely taller than its digit)."""
    sides = np.zeros_like(faint_mask)
    upright = cv2.subtract(faint_mask, horizontal_band)  # 0/255 masks: "and not", in one pass
    # The sides' pixels are what is kept: the regions' order does not matter.
    _, labels, stats, index = label_regions_with_pixels(upright, any_order=True)
    x, y, w, h = (stats[:, column] for column in range(4))
    tall = h >= 8
    tall[0] = False
    candidates = np.flatnonzero(tall)
    if candidates.size == 0:
        return sides
    x, y, w, h = x[candidates], y[candidates], w[candidates], h[candidates]
    # A line in the two rows above a stroke's top (or on it), and one in the two rows below its
    # bottom (or on it), within its columns; tested for all strokes at once (squared paper
    # holds thousands, one per square's side).
    between_lines = (_band_near(horizontal_band, y, x, w, step=-1)
                     & _band_near(horizontal_band, y + h - 1, x, w, step=1))
    thin = h >= 3 * w
    kept = candidates[between_lines & thin]
    # The sides' usual thickness (their pixels per row), by which a bulge is told (`BULGE_AREA`).
    thickness = float(np.median(stats[kept, cv2.CC_STAT_AREA] / h[between_lines & thin])) if kept.size else None
    kept = _without_bulges(labels, stats, kept, sides, thickness)
    if len(kept) > MAX_BOXES_TO_CLEAR:  # mark their pixels from the stroke pixels, not box by box
        index = set_pixels(upright) if index is None else index
        on_side = np.zeros(len(stats), bool)
        on_side[kept] = True
        sides.ravel()[index[on_side[labels.ravel()[index]]]] = 255
    else:
        for label in kept.tolist():
            left, top, width, height = stats[label, :4]
            window = (slice(top, top + height), slice(left, left + width))
            sides[window] |= np.where(labels[window] == label, 255, 0).astype(np.uint8)
    for label in candidates[between_lines & ~thin][:MAX_BOXES_TO_CLEAR].tolist():
        _side_within(labels, stats[label, :4], label, horizontal_band, sides, thickness)
    return sides


BULGE_AREA = 2
BULGE_ROW_PIXELS = 2
"""A side is as thick all along as it is in most of its rows: a region thin by its box holding
more pixels than a side of the sides' usual thickness (pixels per row) over its rows, by more
than `BULGE_AREA` squares of that thickness, is looked at row by row (the 64 most over it),
and its rows holding more than `BULGE_ROW_PIXELS` pixels over its median row (a line stepping
a pixel aside, its soft edge another: a pen's stroke adds more) are a digit hanging on the
line, not the line. A grid's upright line whose level lines were too pale to be
found runs on for many squares, thin by its box, and every digit touching it was erased with it
as a box's side (graph paper, `benchmarks.worksheets --condition graph --seed 321`: 53 of 104
digits missed)."""


def _without_bulges(labels: np.ndarray, stats: np.ndarray, kept: np.ndarray, sides: np.ndarray,
                    thickness: float | None) -> np.ndarray:
    """`kept` (labels of sides thin by their box) less those with a bulge (`BULGE_AREA`; `thickness`:
    the sides' usual pixels per row, None: none looked for); of each of those, its rows without the
    bulge are marked in `sides` here."""
    if kept.size == 0 or thickness is None:
        return kept
    area, height = stats[kept, cv2.CC_STAT_AREA], stats[kept, cv2.CC_STAT_HEIGHT]
    excess = area - thickness * height
    suspect = np.flatnonzero(excess > BULGE_AREA * thickness * thickness)
    suspect = suspect[np.argsort(-excess[suspect], kind="stable")[:MAX_BOXES_TO_CLEAR]]  # the most first
    if suspect.size == 0:
        return kept
    bulging = np.zeros(kept.size, bool)
    for position in suspect.tolist():
        label = int(kept[position])
        left, top, width, height_px = (int(value) for value in stats[label, :4])
        window = (slice(top, top + height_px), slice(left, left + width))
        own = labels[window] == label
        row_pixels = np.count_nonzero(own, axis=1)
        line_rows = row_pixels <= np.median(row_pixels) + BULGE_ROW_PIXELS
        if line_rows.all():
            continue
        bulging[position] = True
        sides[window] |= np.where(own & line_rows[:, None], 255, 0).astype(np.uint8)
    return kept[~bulging]


def _side_within(labels: np.ndarray, box: np.ndarray, label: int, horizontal_band: np.ndarray,
                 sides: np.ndarray, thickness: float | None = None) -> None:
    """Mark in `sides` a box's side inside region `label` (box x, y, w, h), which stands between
    two lines but is no thin stroke: looked at again with the rows beside the band taken away.

    A line's soft edge stepping a row out of its band (a heavy phone photo of a form, levelled by
    6 degrees) joined a box's last side to a strip along the line; the side stayed, and read as a
    "1" at 0.996 (6 of the 13 digits read where none was on 120 development worksheets, heavy
    capture, seeds 241-244). Only such regions are labelled again, each in its own box."""
    left, top, width, height = (int(value) for value in box)
    first, last = max(0, top - 1), min(labels.shape[0], top + height + 1)
    window = (slice(first, last), slice(left, left + width))
    own = np.where(labels[window] == label, 255, 0).astype(np.uint8)
    band = horizontal_band[window]
    cv2.subtract(own[1:], band[:-1], dst=own[1:])  # row slices are contiguous: in place
    cv2.subtract(own[:-1], band[1:], dst=own[:-1])
    _, pieces, stats = label_regions(own, any_order=True)
    x, y, w, h = (stats[:, column] for column in range(4))
    thin = np.flatnonzero((h >= 3 * w) & (h >= 8))
    thin = thin[thin > 0]
    if thin.size == 0:
        return
    rows, columns = y[thin] + first, x[thin] + left
    ends = (_band_near(horizontal_band, rows, columns, w[thin], step=-1)
            & _band_near(horizontal_band, rows + h[thin] - 1, columns, w[thin], step=1))
    # (A digit hanging on a side is no part of it: `BULGE_AREA`, the sides' usual `thickness`.)
    for piece in _without_bulges(pieces, stats, thin[ends], sides[window], thickness).tolist():
        sides[window] |= np.where(pieces == piece, 255, 0).astype(np.uint8)


def _band_near(band: np.ndarray, rows: np.ndarray, left: np.ndarray, width: np.ndarray, step: int,
               reach: int = 3) -> np.ndarray:
    """Whether `band` is set in row `rows[i]` or the `reach` - 1 rows above it (`step` -1; below it: 1),
    columns left[i] up to left[i] + width[i]: three gathers of the strokes' columns, where a
    dilation of the band by three rows costs a pass over the page (2-3 ms at A4 200 dpi)."""
    near = np.zeros(len(rows), bool)
    for offset in range(0, reach * step, step):
        shifted = rows + offset
        inside = (shifted >= 0) & (shifted < band.shape[0])
        if inside.any():
            near[inside] |= _band_within(band, shifted[inside], left[inside], width[inside])
    return near


def _band_within(near: np.ndarray, rows: np.ndarray, left: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Whether `near` is set anywhere in row `rows[i]`, columns left[i] up to left[i] + width[i]
    (every width at least 1): one gather of all those pixels, then one OR per stretch."""
    starts = np.zeros(len(rows), np.int64)
    np.cumsum(width[:-1], out=starts[1:])
    first = rows.astype(np.int64) * near.shape[1] + left
    offsets = np.arange(int(width.sum())) - np.repeat(starts, width)
    return np.logical_or.reduceat(near.ravel()[np.repeat(first, width) + offsets] > 0, starts)
