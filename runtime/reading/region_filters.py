"""Which regions of a page may be digits: the checks `segment.find_digits_in` puts them through.

Each check was added for a failure seen on real paper. By shape, before any ink is cut
(`digit_shaped`): specks, dashes, blobs and frames (`looks_like_digit`), regions touching the
picture's edge (`EdgeTest`) and thin straight strokes at any angle (`is_straight_line`). By what
lies around a region, as its ink is cut: paper, not more of a dark band (`Surroundings`, with the
lines rule removal erased left out on small writing, `erased_lines`). Once every region's ink is
cut (`without_print_and_texture`): blocks of texture (`evidence.drop_texture`), pieces of printed
lines (`line_pieces`) and crumbs where erased lines cross (`line_crossings`, `at_crossing`).
Regions cut off a handwritten bar are told apart later, when asked (`runtime.reading.bars`).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from runtime.reading.component import Component, labelled_as
from runtime.reading.evidence import drop_texture
from runtime.reading.line_crossings import is_crossing_crumb, shaped_like_a_crumb
from runtime.reading.line_pieces import is_printed_line_piece
from runtime.reading.rules import MAX_NEAR_LINE_SHARE
from runtime.reading.sharpen import is_small_writing


def digit_shaped(components: list[Component], labels: np.ndarray, digit_height: float, min_size: float,
                 least_height: float, at_edge: Callable[[Component], bool]) -> list[Component]:
    """The regions whose shape may be a digit's: at least `min_size` long, digit-sized
    (`looks_like_digit`, `least_height` tall), clear of the picture's edge (`at_edge`, an
    `EdgeTest`) and no thin straight line (`is_straight_line`)."""
    return [c for c in components if max(c.width, c.height) >= min_size
            and looks_like_digit(c, digit_height, least_height)
            and not at_edge(c) and not is_straight_line(c, labels, digit_height)]


def looks_like_digit(component: Component, digit_height: float, least_height: float) -> bool:
    """Whether a region is digit-sized for writing `digit_height` tall: at least `least_height`
    tall (`SegmentOptions`' least digit height and speck ratio), neither a long thin line nor a
    frame nor a blob."""
    height, width = component.height, component.width
    if height < least_height:
        return False  # speck, dot, dash
    if height > 4 * digit_height:
        return False  # page edge, shadow, drawing
    if min(height, width) < 0.15 * digit_height and max(height, width) > 1.5 * digit_height:
        return False  # a thin straight line longer than a digit: a sheet edge, a rule's remnant
    if height > 2.5 * digit_height and width > 2.5 * digit_height:
        return False  # a frame, a drawing, a shadow's edge: too big both ways for one digit
    fill = component.area / float(height * width)
    return not (fill > 0.85 and min(height, width) > 0.3 * digit_height)  # a blob, not a stroke


class EdgeTest:
    """Whether a region touches the edge of the picture.

    Such regions are dropped: on a photo they are the sheet's edge or the table beyond it, and a
    digit cut by the frame cannot be read reliably anyway.
    """

    def __init__(self, shape: tuple[int, int], inside: np.ndarray | None):
        self.shape = shape
        # Summed-area table of the pixels outside the picture: one lookup per region.
        self.outside_sums = None if inside is None else cv2.integral((inside == 0).astype(np.uint8))

    def __call__(self, component: Component) -> bool:
        height, width = self.shape
        top, left, bottom, right = component.top, component.left, component.bottom, component.right
        if top == 0 or left == 0 or bottom == height or right == width:
            return True
        if self.outside_sums is None:
            return False
        sums = self.outside_sums
        return bool(sums[bottom, right] - sums[top, right] - sums[bottom, left] + sums[top, left])


def is_straight_line(component: Component, labels: np.ndarray, digit_height: float) -> bool:
    """A thin straight stroke longer than a digit, at any angle: a sheet edge, a tilted rule."""
    if max(component.width, component.height) < 1.3 * digit_height:
        return False
    window = labels[component.top : component.bottom, component.left : component.right]
    rows, cols = np.nonzero(labelled_as(window, component.labels))
    points = np.column_stack([cols, rows]).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    return min(side_a, side_b) < 0.2 * digit_height and max(side_a, side_b) > 1.3 * digit_height


ERASED_LINE_REACH_PX = 2
"""On a page of small writing, the pixels this close to a line that rule removal erased are the
line's (its blurred rim included), not the paper around a region (`Surroundings.paper_around`), where the
lines leave most of the page clear (`rules.MAX_NEAR_LINE_SHARE`, measured on these pixels): a
form's boxes, ruled paper. Where lines are everywhere (a tiled floor's grout, squares
photographed small) their rims are not dropped as such (`rules._line_rims`) and the paper
around is what tells a rim's sliver from writing: there, with the lines left out, the grout's
slivers beside its crossings passed for 1s (small no-digit pages, `benchmarks.hard_pages --size
640x480 --seed 4251`: 4 phantoms). Digits on A4 pages are 30-60 px tall: their boxes' sides are
a small share of what lies around them, and the test stands as it was."""


def erased_lines(lines: tuple, walls: np.ndarray | None) -> np.ndarray | None:
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


class Surroundings:
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

    def paper_around(self, component: Component) -> bool:
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
"""A page of at most this many pixels per region is marked whole for `Surroundings`: marking
costs about 0.2 ns a pixel, counting a window instead of marking it saves about 4 µs a region
(three array operations of its own). A camera frame read at half size (320x240, 20 digits: 3,840
pixels a region) is marked whole; an A4 page is not."""


def without_print_and_texture(found: list[tuple], labels: np.ndarray, darkness: np.ndarray, digit_height: float,
                              min_size: float, factor: int, lines: tuple, walls: np.ndarray | None) -> list[tuple]:
    """The pairs of (region, candidate) in `found` that are neither texture (`drop_texture`), a
    printed line's piece (`is_printed_line_piece`) nor a crumb where erased lines cross
    (`at_crossing`). `factor`: how many times finer the ink the crops are cut from is."""
    keep = drop_texture([candidate.bbox for _, candidate in found], min_size)
    found = [pair for pair, kept_here in zip(found, keep) if kept_here]
    # Not on small writing as photographed (a 640x480 photo's), where the camera's blur is as
    # wide as a stroke and a line's middle is not told from a stroke beside it.
    if not is_small_writing(digit_height * factor):
        found = [(c, candidate) for c, candidate in found
                 if not is_printed_line_piece(candidate.bbox, darkness, digit_height)]
    # Pieces of a box's side left between the level lines across it (`line_crossings`).
    return [(c, candidate) for c, candidate in found if not at_crossing(c, labels, lines[0], walls, digit_height)]


def at_crossing(component: Component, labels: np.ndarray, level: np.ndarray | None,
                walls: np.ndarray | None, digit_height: float) -> bool:
    """Whether `component` is a crumb where erased lines cross (`line_crossings`)."""
    # The box alone rules out most regions before their pixels are gathered (every candidate of
    # a page passes here).
    if level is None or walls is None or not shaped_like_a_crumb(component.width, component.height, digit_height):
        return False
    crop = labels[component.top:component.bottom, component.left:component.right]
    ink = np.isin(crop, component.labels)
    return is_crossing_crumb(ink, component.left, component.top, level, walls, digit_height)
