"""Find the handwritten digits on a photo or scan: from a page image to one ink crop per digit.

The steps, each chosen for a failure seen on real paper:
1. flat-field the page (divide by a smooth estimate of the paper) so shadows, vignettes and
   tinted paper become a uniform white, then measure ink as darkness relative to the paper;
2. binarize with thresholds taken from the page's own ink contrast, not constants;
3. remove ruled and squared lines (long thin horizontal / vertical runs) but keep the ink that
   crosses them;
4. take connected components, merge the broken strokes of one digit, drop specks, long lines
   and big blobs, and split components that are clearly two touching digits.
Each surviving region becomes a `DigitCandidate` with its box and a soft ink crop (paper = 0),
which `runtime.normalize.normalize_digit` turns into the model's 28x28 input.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.results import BBox


@dataclass
class SegmentOptions:
    """Tuning of the segmenter; the defaults suit pages, frames and small crops alike."""

    min_ink_contrast: float = 0.18  # least darkening of the paper (fraction) that counts as ink
    min_digit_height_px: int = 6  # smaller components are specks (JPEG noise, dust)
    speck_height_ratio: float = 0.25  # components shorter than this x median digit height are specks
    remove_rules: bool = True  # erase ruled / squared paper lines before finding digits


@dataclass
class DigitCandidate:
    """A region of the page that should hold exactly one digit."""

    bbox: BBox  # x, y, w, h in page pixels
    ink: np.ndarray  # soft ink strength inside the bbox, uint8, paper 0 and ink up to 255


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Darkness relative to the local paper colour, as float32 in [0, 1] (paper ~0, ink ~1)."""
    gray = gray.astype(np.float32)
    height, width = gray.shape
    # The paper is the brightest thing at the scale of a few strokes: a max filter removes the
    # ink, a blur smooths the result. Done on a small copy: shadows are low-frequency.
    step = max(1, min(height, width) // 160)
    small = cv2.resize(gray, (max(1, width // step), max(1, height // step)),
                       interpolation=cv2.INTER_AREA)
    kernel_px = max(3, (min(small.shape) // 12) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_px, kernel_px))
    small_paper = cv2.GaussianBlur(cv2.dilate(small, kernel), (0, 0), kernel_px / 2.0)
    paper = cv2.resize(small_paper, (width, height), interpolation=cv2.INTER_LINEAR)
    # Darkness relative to the paper, but never relative to less than half the page's bright
    # paper: beside the sheet (a dark desk, a deep shadow) sensor noise is not ink.
    floor = max(1.0, 0.5 * float(np.percentile(small_paper, 95)))
    darkness = (paper - gray) / np.maximum(paper, floor)
    return np.clip(darkness, 0.0, 1.0)


# Grana's block-based labelling: in OpenCV's default choice, computing the statistics costs
# twenty times the labelling itself on a 640x480 frame (measured 4.6 ms against 0.6 ms here).
_LABELLING = getattr(cv2, "CCL_BBDT", getattr(cv2, "CCL_GRANA", 1))


def label_regions(mask: np.ndarray):
    """8-connected regions of a 0/255 mask: (count, labels, stats) as OpenCV gives them."""
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S,
                                                                            _LABELLING)
    return count, labels, stats


def ink_components(darkness: np.ndarray, options: SegmentOptions):
    """Binarize with bounded hysteresis and label the ink.

    Pixels darker than a strong threshold are ink, and so are pixels darker than a weak one
    within two pixels of them: the soft rim of a stroke stays on, while a faint rule or smudge
    that merely touches a digit does not creep along into it. The strong threshold comes from
    the page (Otsu on the ink map). Returns the ink mask (uint8 0/255), a fainter mask to look
    for printed rules in, and the ink's regions (labels and stats, as `label_regions` gives).
    """
    darkness_u8 = (darkness * 255.0).astype(np.uint8)
    otsu, _ = cv2.threshold(darkness_u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    strong = float(np.clip(otsu, options.min_ink_contrast * 255, 0.5 * 255))
    weak = max(options.min_ink_contrast * 0.6 * 255, strong * 0.5)
    _, strong_mask = cv2.threshold(darkness_u8, strong, 255, cv2.THRESH_BINARY)
    _, weak_mask = cv2.threshold(darkness_u8, weak, 255, cv2.THRESH_BINARY)
    mask = weak_mask & cv2.dilate(strong_mask, np.ones((5, 5), np.uint8))
    _, labels, stats = label_regions(mask)
    # Printed rules are often paler than the writing and break into dashes at the ink
    # threshold; they are looked for in this fainter mask, where they run unbroken.
    _, faint_mask = cv2.threshold(darkness_u8, max(0.08 * 255, 0.3 * strong), 255, cv2.THRESH_BINARY)
    return mask, faint_mask, labels, stats


def remove_rules(mask: np.ndarray, faint_mask: np.ndarray, horizontal_px: int,
                 vertical_px: int) -> np.ndarray:
    """Erase straight horizontal runs longer than `horizontal_px` and vertical ones longer
    than `vertical_px`, and the short box sides standing between two erased horizontals.

    Ruled and squared paper, form boxes and the sheet's own edges are such runs. A digit's
    strokes are not: no digit draws a level stroke wider than it is tall, and a "1" is one
    digit tall, hence the longer vertical limit. Lines are looked for in `faint_mask` (a lower
    threshold, where pale printed lines run unbroken) and erased from `mask`. Returns `mask`
    itself if nothing is erased.
    """
    bridged = np.zeros_like(mask)
    horizontal = np.zeros_like(mask)
    lines = np.zeros_like(mask)
    # Per direction: the run that makes a line, a 3 px thickening across it (a rule on a page
    # photographed a degree off level steps by a pixel now and then, and would otherwise not
    # hold one unbroken straight run), and the reach for bridging strokes that crossed it.
    directions = (((horizontal_px, 1), (1, 3), (1, 7)), ((1, vertical_px), (3, 1), (7, 1)))
    for run, thicken, across in directions:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
        thick = cv2.dilate(faint_mask, cv2.getStructuringElement(cv2.MORPH_RECT, thicken))
        found = cv2.morphologyEx(thick, cv2.MORPH_OPEN, kernel) & faint_mask
        if found.any():
            # Where a stroke crossed the line, ink lies on both sides of it: close across the
            # line so the stroke is whole again once the line itself is gone.
            band = cv2.dilate(found, np.ones((3, 3), np.uint8))
            crossing = cv2.morphologyEx(cv2.bitwise_and(mask, cv2.bitwise_not(band)), cv2.MORPH_CLOSE,
                                        cv2.getStructuringElement(cv2.MORPH_RECT, across))
            bridged |= cv2.bitwise_and(crossing, band)
            lines |= found
            if run[1] == 1:
                horizontal = band
    if not lines.any():
        return mask
    # Widen the found lines by their anti-aliased edge, take them away, and put back the
    # bridges where strokes crossed them.
    if horizontal.any():
        lines |= _box_sides(faint_mask, horizontal)
    cleaned = cv2.bitwise_and(mask, cv2.bitwise_not(cv2.dilate(lines, np.ones((3, 3), np.uint8))))
    cleaned |= bridged
    count, labels, stats = label_regions(cleaned)
    drop = np.zeros(count, bool)
    # What is left hugging a line is the line's ragged rim (a shadowed sheet edge, a thick
    # marker rule), not writing: drop pieces lying almost wholly beside a removed line.
    near_line = cv2.dilate(lines, np.ones((7, 7), np.uint8)) > 0
    total = np.bincount(labels.ravel(), minlength=count)
    beside = np.bincount(labels[near_line], minlength=count)
    drop |= beside >= 0.8 * np.maximum(total, 1)
    drop[0] = False
    cleaned[drop[labels]] = 0
    return cleaned


def _box_sides(faint_mask: np.ndarray, horizontal_band: np.ndarray) -> np.ndarray:
    """The sides of form boxes: thin upright strokes reaching from one erased horizontal line
    to the next, however short the box (a one-digit box is barely taller than its digit)."""
    sides = np.zeros_like(faint_mask)
    upright = cv2.bitwise_and(faint_mask, cv2.bitwise_not(horizontal_band))
    count, labels, stats = label_regions(upright)
    height = faint_mask.shape[0]
    for label in range(1, count):
        x, y, w, h = stats[label, :4]
        if h < 3 * w or h < 8:
            continue
        above = horizontal_band[max(0, y - 2) : y + 1, x : x + w].any()
        below = horizontal_band[y + h - 1 : min(height, y + h + 2), x : x + w].any()
        if above and below:
            sides[y : y + h, x : x + w] |= np.where(labels[y : y + h, x : x + w] == label, 255, 0).astype(np.uint8)
    return sides


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

    def absorb(self, other: "_Component") -> None:
        self.left, self.top = min(self.left, other.left), min(self.top, other.top)
        self.right, self.bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        self.area += other.area
        self.labels += other.labels


def find_digits(image: np.ndarray, options: SegmentOptions | None = None) -> list[DigitCandidate]:
    """Segment a page (greyscale or BGR uint8) into digit candidates, in no particular order."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return find_digits_in(ink_map(gray), options)


def find_digits_in(darkness: np.ndarray, options: SegmentOptions | None = None,
                   inside: np.ndarray | None = None) -> list[DigitCandidate]:
    """Segment an ink map (see `ink_map`) into digit candidates.

    Works on the ink map rather than the photo so the reader can turn and level a page once,
    with empty paper (zero ink) filling the corners, and segment it again cheaply. `inside`
    (uint8, 1 where the original image was) tells where the picture's edges are on a levelled
    page; without it the edges are the array's.
    """
    options = options or SegmentOptions()
    mask, faint_mask, labels, stats = ink_components(darkness, options)
    components = _components_from_stats(stats)
    digit_height = _typical_digit_height(components, darkness.shape, options)
    if options.remove_rules:
        # Rules are straight runs longer than a digit is tall. Where every digit touches a
        # rule there are no free-standing digits to measure: fall back to page-long runs.
        if digit_height:
            cleaned = remove_rules(mask, faint_mask, max(12, int(1.2 * digit_height)),
                                   max(25, int(2.0 * digit_height)))
        else:
            page_long = max(25, max(mask.shape) // 8)
            cleaned = remove_rules(mask, faint_mask, page_long, page_long)
        if cleaned is not mask:
            mask = cleaned
            _, labels, stats = label_regions(mask)
            components = _components_from_stats(stats)
            digit_height = _typical_digit_height(components, darkness.shape, options)
    if digit_height is None:
        return []
    components = _merge_broken_strokes(components, digit_height)
    at_edge = _EdgeTest(darkness.shape, inside, margin_px=0.0)
    components = [c for c in components if _looks_like_digit(c, digit_height, options)
                  and not at_edge(c) and not _is_straight_line(c, labels, digit_height)]
    return [_candidate(c, labels, darkness) for c in components]


def _components_from_stats(stats: np.ndarray) -> list[_Component]:
    return [
        _Component(int(x), int(y), int(x + w), int(y + h), int(area), [label])
        for label, (x, y, w, h, area) in enumerate(stats.tolist())
        if label != 0
    ]


def _typical_digit_height(components, page_shape, options: SegmentOptions) -> float | None:
    """Median height of the components that could be digits; None when there is no ink."""
    heights = [c.height for c in components
               if c.height >= options.min_digit_height_px and c.height < 0.98 * page_shape[0]
               and 0.1 * c.height <= c.width <= 1.5 * c.height]
    if not heights:
        return None
    # Weight towards the bigger components: broken strokes and specks are many and small.
    heights = np.sort(np.array(heights, np.float32))
    return float(np.median(heights[len(heights) // 3 :]))


def _merge_broken_strokes(components: list[_Component], digit_height: float) -> list[_Component]:
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
    left, top, right, bottom = boxes.T
    width, height = right - left, bottom - top
    union_w = np.maximum(right[:, None], right[None]) - np.minimum(left[:, None], left[None])
    union_h = np.maximum(bottom[:, None], bottom[None]) - np.minimum(top[:, None], top[None])
    overlap_x = np.minimum(right[:, None], right[None]) - np.maximum(left[:, None], left[None])
    gap_x = -overlap_x
    overlap_y = np.minimum(bottom[:, None], bottom[None]) - np.maximum(top[:, None], top[None])
    gap_y = -overlap_y
    narrower = np.minimum(width[:, None], width[None])
    digit_sized = (union_h <= 1.5 * digit_height) & (union_w <= 1.25 * digit_height)
    shorter = np.minimum(height[:, None], height[None])
    # Stacked: one above the other (little vertical overlap), sharing most of their width.
    # Side-by-side digits whose boxes overlap (a slanted 1 beside a 4) overlap vertically too.
    stacked = ((overlap_x >= 0.5 * narrower) & (gap_y <= 0.35 * digit_height)
               & (overlap_y <= 0.3 * shorter))
    small = (np.maximum(width, height) < 0.45 * digit_height)
    fragment = (small[:, None] | small[None]) & (np.maximum(gap_x, gap_y) <= 0.2 * digit_height)
    # A fragment must not sit beside a full-height digit: that is the neighbour's stroke end
    # or a separate mark, unless it lies within the digit's column.
    fragment &= (overlap_x > 0) | (union_h <= 1.05 * np.maximum(height[:, None], height[None]))
    join = digit_sized & (stacked | fragment)
    np.fill_diagonal(join, False)
    parent = list(range(len(components)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for first, second in zip(*np.nonzero(np.triu(join))):
        parent[root(int(second))] = root(int(first))
    merged: dict[int, _Component] = {}
    for index, component in enumerate(components):
        key = root(index)
        if key in merged:
            merged[key].absorb(component)
        else:
            merged[key] = _Component(component.left, component.top, component.right,
                                     component.bottom, component.area, list(component.labels))
    return list(merged.values())


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
    """Whether a region reaches the edge of the picture.

    Such regions are dropped: on a photo they are the sheet's edge or the table beyond it, and a
    digit cut by the frame cannot be read reliably anyway.
    """

    def __init__(self, shape: tuple[int, int], inside: np.ndarray | None, margin_px: float):
        self.shape = shape
        self.margin = int(np.ceil(margin_px))
        # Summed-area table of the pixels outside the picture: one lookup per region.
        self.outside_sums = None if inside is None else cv2.integral((inside == 0).astype(np.uint8))

    def __call__(self, component: _Component) -> bool:
        height, width = self.shape
        top, left = max(0, component.top - self.margin), max(0, component.left - self.margin)
        bottom = min(height, component.bottom + self.margin)
        right = min(width, component.right + self.margin)
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
    rows, cols = np.nonzero(np.isin(window, component.labels))
    points = np.column_stack([cols, rows]).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    return min(side_a, side_b) < 0.2 * digit_height and max(side_a, side_b) > 1.3 * digit_height


def cut_columns(ink: np.ndarray, max_cuts: int = 4) -> list[int]:
    """Columns where touching digits most likely meet: the deepest valleys of ink per column.

    A valley is a local minimum of the (lightly smoothed) column ink, away from the ends.
    At most `max_cuts`, deepest first.
    """
    height, width = ink.shape
    if width < 6:
        return []
    column_ink = ink.sum(axis=0, dtype=np.float32)
    smooth = np.convolve(column_ink, np.ones(3, np.float32) / 3.0, mode="same")
    margin = max(2, int(0.15 * height))  # no digit is narrower than a thin 1
    inner = np.arange(margin, width - margin)
    if inner.size == 0:
        return []
    valley = (smooth[inner] <= smooth[inner - 1]) & (smooth[inner] <= smooth[inner + 1])
    columns = inner[valley]
    # Plateaus give runs of equal minima: keep one column per run.
    columns = [c for i, c in enumerate(columns) if i == 0 or c - columns[i - 1] > 1]
    columns.sort(key=lambda c: smooth[c])
    return sorted(int(c) for c in columns[:max_cuts])


def split_at(candidate: DigitCandidate, cuts: list[int]) -> list[DigitCandidate] | None:
    """The pieces of `candidate` between the given columns; None if a piece would be empty."""
    ink = candidate.ink
    x, y = candidate.bbox[:2]
    parts = []
    for start, stop in zip([0] + cuts, cuts + [ink.shape[1]]):
        piece = ink[:, start:stop]
        rows = np.flatnonzero(piece.max(axis=1) > 0) if piece.size else np.array([])
        if rows.size == 0:
            return None
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        parts.append(DigitCandidate(bbox=(x + start, y + top, stop - start, bottom - top),
                                    ink=piece[top:bottom]))
    return parts


def _candidate(component: _Component, labels: np.ndarray, darkness: np.ndarray) -> DigitCandidate:
    """Cut the soft ink of one region; neighbours' ink inside its box is masked out."""
    window = (slice(component.top, component.bottom), slice(component.left, component.right))
    region_labels = labels[window]
    if len(component.labels) == 1:
        own = (region_labels == component.labels[0]).astype(np.uint8)
    else:
        own = np.isin(region_labels, component.labels).astype(np.uint8)
    # Grow the mask by a pixel to keep the anti-aliased rim of the strokes, as MNIST has.
    own = cv2.dilate(own, np.ones((3, 3), np.uint8))
    ink = darkness[window] * own
    # Scale so the strokes' cores are full white, as in MNIST: the 90th percentile of the ink.
    values = ink[own > 0]
    stroke_level = 1.0
    if values.size:
        rank = int(0.9 * (values.size - 1))
        stroke_level = float(np.partition(values, rank)[rank])
    ink_u8 = np.clip(ink * (255.0 / max(stroke_level, 1e-3)), 0, 255).astype(np.uint8)
    bbox = (component.left, component.top, component.width, component.height)
    return DigitCandidate(bbox=bbox, ink=ink_u8)
