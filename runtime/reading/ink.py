"""The page as ink: darkness relative to the paper, thresholds from the page, labelled regions.

Everything downstream (rule removal, segmentation, levelling and turning the page) works on the
ink map this module computes, never on the photo's grey levels, so lighting is dealt with once,
and so is polarity: light strokes on a dark ground (a chalkboard, a screen, MNIST's own images)
are turned over here, for the whole picture or for the patches of it that need it, as
`runtime.reading.polarity` decides. Ink is always "strokes, relative to their ground".
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading import area_mean
from runtime.reading.board import board_between_strokes, even_contrast
from runtime.reading.glare_ink import WeakSpots, glare_by_contrast
from runtime.reading.polarity import (
    AUTO,
    DARK_ON_LIGHT,
    LIGHT_ON_DARK,
    Evidence,
    check_polarity,
    is_clearly_a_board,
    measure,
    page_polarity,
    reversed_patches,
    shrunk_size,
    working_step,
)
from runtime.reading.quantiles import percentile
from runtime.reading.regions import label_regions


def ink_map(gray: np.ndarray, polarity: str = AUTO) -> np.ndarray:
    """Ink strength relative to the local ground, as float32 in [0, 1] (ground ~0, ink ~1).

    `polarity` is DARK_ON_LIGHT (pen on paper), LIGHT_ON_DARK (chalk on a board) or AUTO:
    decided from the picture, per page and per patch (see `runtime.reading.polarity`).
    """
    if check_polarity(polarity) != AUTO:
        return _READINGS[polarity](gray)
    # The page shrunk for the paper estimate gives the polarity's working copy too.
    page = _levels(gray)
    shrunk = shrink(page)
    evidence = measure(gray, shrunk)
    polarity = page_polarity(gray, evidence)
    if polarity == DARK_ON_LIGHT:
        ink = _darkness(page, shrunk)
    else:
        ink = lightness_map(gray, follow_board=is_clearly_a_board(evidence))
        # Judge patches as if the page were dark on light.
        evidence = Evidence(255 - evidence.small, 255 - evidence.background, evidence.dark, evidence.light)
    patches = reversed_patches(evidence)
    if patches is None:
        return ink
    inside = _patch_area(patches, evidence.background, gray if polarity == DARK_ON_LIGHT else 255 - gray)
    other = lightness_map(gray, inside) if polarity == DARK_ON_LIGHT else darkness_map(gray)
    return np.where(inside, other, ink).astype(np.float32)


def _patch_area(patches: np.ndarray, background: np.ndarray, oriented: np.ndarray) -> np.ndarray:
    """The patches (a working-copy mask) at full resolution, as a bool mask.

    `background` and `oriented` (the picture) are turned so that the page's ground is the bright
    one. The patch is the dark region of the picture (darker than halfway between the page's
    ground and the patch's, its light strokes filled in by a closing wider than a stroke) that
    holds the working copy's patch: so its edges and corners are where the picture has them
    (the working copy's median rounds corners off), and neither reading sees the other's ground.
    """
    height, width = oriented.shape
    page_ground = percentile(background, 90)
    patch_ground = float(np.median(background[patches > 0]))
    dark = (oriented < 0.5 * (page_ground + patch_ground)).astype(np.uint8)
    side = (max(3, (min(background.shape) // 12) | 1)) * working_step(oriented.shape)
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    count, labels = cv2.connectedComponents(dark, connectivity=8)
    core = cv2.resize(patches, (width, height), interpolation=cv2.INTER_NEAREST) > 0
    holding = np.zeros(count, bool)
    holding[np.unique(labels[core & (dark > 0)])] = True
    holding[0] = False
    return holding[labels]


def darkness_map(gray: np.ndarray) -> np.ndarray:
    """Darkness relative to the local paper colour, as float32 in [0, 1] (paper ~0, ink ~1)."""
    return _darkness(_levels(gray))


def _levels(gray: np.ndarray) -> np.ndarray:
    """`gray` as the ink map computes on it: uint8 as it is, anything else as float32."""
    return gray if gray.dtype == np.uint8 else gray.astype(np.float32, copy=False)


def _darkness(gray: np.ndarray, shrunk: np.ndarray | None = None) -> np.ndarray:
    """`darkness_map` of a uint8 (or float32) page, without a float32 copy of it (numpy takes the
    uint8 levels as they are, exactly); `shrunk`: the page shrunk by `shrink`, where made already."""
    paper, small_paper = _paper(gray, shrunk)
    # Before the paper is overwritten (it may be the small one); weak spots wait for the ink.
    glare_gain, weak_spots = _glare_gain(small_paper)
    # (paper - gray) / max(paper, floor), in [0, 1]. The full-size paper is interpolated from
    # the small one, never below its least value (but for a rounding of a few parts in ten
    # million): where that lies clearly above the floor, as on a sheet filling the picture,
    # max(paper, floor) is the paper itself, and a pass over the page is saved (1.5 ms at A4).
    floor = _paper_floor(small_paper)
    if floor is None:
        # OpenCV's subtraction takes the uint8 page as float32 on the fly (numpy converts it in
        # a separate pass): the same IEEE differences, a quarter less time.
        darkness = cv2.subtract(paper, gray, dtype=cv2.CV_32F) if gray.dtype == np.uint8 else np.subtract(paper, gray)
        np.divide(darkness, paper, out=darkness)
    else:
        denominator = np.maximum(paper, floor)
        darkness = np.subtract(paper, gray, out=paper)
        np.divide(darkness, denominator, out=darkness)
    if weak_spots is not None:
        glare_gain = glare_by_contrast(darkness, weak_spots, glare_gain)
    if glare_gain is not None:
        height, width = darkness.shape
        np.multiply(darkness, cv2.resize(glare_gain, (width, height), interpolation=cv2.INTER_LINEAR), out=darkness)
    return clipped_to_unit(darkness)


def clipped_to_unit(values: np.ndarray) -> np.ndarray:
    """`np.clip(values, 0.0, 1.0, out=values)` for a contiguous float32 picture without NaN, by
    OpenCV's thresholds in place: 0.3 against 2.5 ms on an A4 page at 200 dpi. The same values;
    a -0.0 comes out as 0.0 (the ink map makes none: its differences of equal levels are +0.0)."""
    cv2.threshold(values, 1.0, 1.0, cv2.THRESH_TRUNC, dst=values)
    cv2.threshold(values, 0.0, 0.0, cv2.THRESH_TOZERO, dst=values)
    return values


def _glare_gain(small_paper: np.ndarray) -> tuple[np.ndarray | None, WeakSpots | None]:
    """How much to strengthen the ink under a glare spot (a lamp's or a window's reflection), per
    pixel of the small paper (float32, at least 1; None where there is no spot), and the bright
    areas whose shape leaves it open (`WeakSpots`; None where there are none).

    Glare adds light towards white: paper p and ink g under it become p + (255 - p)a and
    g + (255 - g)a, so their difference, the ink's contrast, shrinks by (1 - a), which the
    paper's own rise towards white tells: (255 - p') / (255 - p). Paper brighter than the page's
    bright paper (its 90th percentile) by GLARE_RISE levels is taken for such a spot and the
    contrast there scaled back up, by at least MIN_GLARE_GAIN and at most MAX_GLARE_GAIN (the spot's white core holds no
    ink to recover, only noise). Lit paper in ordinary light lies within a few levels of the
    bright paper and is left as it is, and so is paper brightest along the picture's edge; a
    spot rising gently or without a white core is judged by its ink (`glare_by_contrast`)."""
    typical = percentile(small_paper.astype(np.uint8), 90)
    if typical >= 255.0 - GLARE_RISE or float(small_paper.max()) < typical + GLARE_RISE:
        return None, None
    found = _glare_spots(small_paper, typical)
    if found is None:
        return None, None
    spots, weak = found
    gain = _paper_gain(small_paper, typical)
    weak_spots = WeakSpots(weak, gain.copy(), small_paper >= typical + GLARE_RISE / 2) if weak is not None else None
    if spots is None:
        return None, weak_spots
    # A spot that has not closed a good part of its paper's way to white is light, not glare.
    gain[~spots | (gain < MIN_GLARE_GAIN)] = 1.0
    return gain, weak_spots


def _paper_gain(small_paper: np.ndarray, typical: float) -> np.ndarray:
    """The paper's rise towards white, (255 - typical) / (255 - p), between 1 and MAX_GLARE_GAIN."""
    gain = (255.0 - typical) / np.maximum(255.0 - small_paper, 1.0)
    return np.clip(gain, 1.0, MAX_GLARE_GAIN, out=gain).astype(np.float32, copy=False)


def _glare_spots(small_paper: np.ndarray, typical: float) -> tuple[np.ndarray | None, np.ndarray | None] | None:
    """The bright areas (paper GLARE_RISE levels above `typical`) that stay clear of the picture's
    edge, as two label maps' masks: those that rise steeply to a white core (glare by their
    shape), and the others (the weak ones, left to their ink to decide); None where there are
    none. A reflection is a spot on the sheet; paper brightest along an edge is the sheet's lit
    side (light that falls off across the page, which multiplies the ink as it does the paper
    and leaves its contrast as it is), and a bright area that barely stands out of a wide
    plateau is lit paper (a vignette's middle, a small frame's exposure) or a weak spot."""
    count, labels = cv2.connectedComponents((small_paper >= typical + GLARE_RISE).view(np.uint8), connectivity=8)
    if count < 2:
        return None
    candidate = np.ones(count, bool)
    candidate[0] = False
    candidate[np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))] = False
    keep = _rising_steeply(labels, count, small_paper >= typical + GLARE_RISE / 2)
    keep &= _white_cored(labels, count, small_paper, typical)
    keep &= candidate
    weak = candidate & ~keep
    if not candidate.any():
        return None
    weak_labels = np.where(weak[labels], labels, 0).astype(np.int32) if weak.any() else None
    return (keep[labels] if keep.any() else None), weak_labels


def _white_cored(labels: np.ndarray, count: int, small_paper: np.ndarray, typical: float) -> np.ndarray:
    """Per label of `labels` (the bright areas), whether its brightest paper closed a large part
    of the bright paper's way to white (MIN_GLARE_CORE): a reflection's core is near white; a
    vignette's lit middle is the paper's own colour, a few levels up."""
    inside = labels > 0
    brightest = np.zeros(count, np.float32)
    np.maximum.at(brightest, labels[inside], small_paper[inside])
    return (255.0 - typical) >= MIN_GLARE_CORE * np.maximum(255.0 - brightest, 1.0)


def _rising_steeply(labels: np.ndarray, count: int, foothills: np.ndarray) -> np.ndarray:
    """Per label of `labels` (the bright areas), whether the foothill holding it (the connected
    area of `foothills`, paper half as far above the page's bright paper) is at most
    MAX_GLARE_SPREAD times its size: a glare spot's paper climbs its last levels to the spot
    within a narrow rim."""
    hill_count, hills = cv2.connectedComponents(foothills.view(np.uint8), connectivity=8)
    hill_area = np.bincount(hills.ravel(), minlength=hill_count)
    spot_area = np.bincount(labels.ravel(), minlength=count)
    hill_of = np.zeros(count, np.int64)
    hill_of[labels.ravel()] = hills.ravel()  # every pixel of a spot lies in the same foothill
    return hill_area[hill_of] <= MAX_GLARE_SPREAD * spot_area


GLARE_RISE = 6.0
"""Grey levels above the page's bright paper (90th percentile of the paper) that make a glare
spot. Tuned on worksheets seed 311 (photo, glare): 4-6 best, 8 and 12 recover half as much."""

MIN_GLARE_GAIN = 1.6
"""Least gain applied: below it (paper less than 3/8 of its way to white) a bright area is a
vignette's lit middle or ordinary light. At 1.6, 60 640x480 mixed pages of seed 231 read as
before (1.3 changed them: +3 digits read, 2 fewer misreadings) and glare pages of seed 311 keep 32 of the 37
digits gained at 1.0; held out, seed 314 mixed: 21 of 29)."""

MAX_GLARE_GAIN = 3.0
"""Most a glare spot's ink contrast is scaled up: 2 recovers less on seed 311, 5 and 8 no more."""

MIN_GLARE_CORE = 2.5
"""Least ratio of the bright paper's distance from white to a glare spot's core's. On glare pages
(seeds 311, 314-316, photo) 33 of the 40 spots reach it; on 640x480 mixed pages (seeds 231-237,
420 pages) the one lit area that passes `_rising_steeply` (page 1 of seed 236: a strong
vignette's middle) reaches 2.29."""

MAX_GLARE_SPREAD = 3.0
"""Most times a glare spot's foothill (paper half its rise above the page's bright paper) may
exceed the spot. On glare pages (seeds 311, 314-316, photo; 43 spots) it is 1.2-3.0 but for three
weak spots (3.6-4.4, their cores at most 2.4 times nearer white than the bright paper); on
640x480 mixed pages (seeds 231-233, 180 pages), the two bright areas taken for spots without it
(a sheet's lit corner by a dark desk) are 4.3 and 19."""


def _paper_floor(small_paper: np.ndarray) -> float | None:
    """The least paper brightness darkness is measured against: half the page's bright paper
    (95th percentile of `small_paper`), at least 1; beside the sheet (a dark desk, a deep shadow)
    sensor noise is not ink. None where the paper lies clearly above it everywhere
    (`FLOOR_MARGIN`), so the paper itself is the measure."""
    least, most, _, _ = cv2.minMaxLoc(small_paper)
    # The percentile lies at most at the brightest paper: a page whose darkest paper lies clearly
    # above half its brightest needs no percentile (0.1-0.2 ms of a camera frame's ink map).
    if least >= FLOOR_MARGIN * max(1.0, 0.5 * most):
        return None
    floor = max(1.0, 0.5 * percentile(small_paper, 95))
    return None if least >= FLOOR_MARGIN * floor else floor


FLOOR_MARGIN = 1.001
"""The paper's least value on the small copy must lie this many times above the floor for the
full-size paper to be taken as above it everywhere (interpolation rounds by far less)."""


MIN_BOARD_GREY = 16.0
"""Grounds darker than this (a black screen) have no lighting to make up for."""

MAX_SHADOW_GAIN = 1.0 / 0.35
"""Light strokes in a shadow are strengthened as if lit like the rest, up to this factor:
deeper shadows hold more noise than chalk."""


def lightness_map(gray: np.ndarray, where: np.ndarray | None = None, follow_board: bool = True) -> np.ndarray:
    """Lightness above the local ground (a board, a dark screen), float32 in [0, 1] (ink ~1).

    Measured like `darkness_map` on the reversed picture, relative to the room above the board's
    typical grey, and made up where the board lies in shadow: a shadow darkens chalk and board
    alike, so their difference shrinks with the light, not with the chalk. `where` (bool, full
    size) limits the board whose typical grey is taken to a patch of the picture.
    """
    gray = gray.astype(np.float32)
    reversed_paper, small_reversed_paper = _paper(255.0 - gray)
    board = 255.0 - reversed_paper
    if where is None:
        typical = float(np.median(255.0 - small_reversed_paper))
    else:
        typical = float(np.median(board[where])) if where.any() else 0.0
    if where is not None or not follow_board:  # a patch on paper, or a page that may be paper after all
        return _bridge_gaps(_clear_beyond_edge(_lightness_above(gray, board, typical)))
    # The ground at the page's scale shows how the light falls; between the strokes the board
    # is followed closer (haze of rubbed-out chalk), at a scale taken from the strokes it leaves.
    width = stroke_width_px(_lightness_above(gray, board, typical))
    board = np.maximum(board, board_between_strokes(gray, width))
    lightness = _clear_beyond_edge(_lightness_above(gray, board, typical))
    return _bridge_gaps(even_contrast(lightness))


def _lightness_above(gray: np.ndarray, board: np.ndarray, typical: float) -> np.ndarray:
    """How far `gray` rises above `board`, relative to the room above the board's `typical`
    grey and made up in shadows (see `lightness_map`), clipped to [0, 1]."""
    lightness = (gray - board) / max(255.0 - typical, 1.0)
    if typical >= MIN_BOARD_GREY:
        lightness *= np.clip(typical / np.maximum(board, 1.0), 1.0, MAX_SHADOW_GAIN)
    return np.clip(lightness, 0.0, 1.0)


BEYOND_EDGE_LIGHTNESS = 0.1
"""Light regions at least this light that touch the picture's edge are the wall around a board
(or a scanner's lid around a negative), not writing: they are cleared."""


def _clear_beyond_edge(ink: np.ndarray) -> np.ndarray:
    """Clear the light regions that touch the picture's edge.

    Around a board lies a wall or a frame far lighter than chalk: left in, it would be the
    strongest "ink" on the page and set the thresholds, so that chalk strokes fall below them
    and break. Writing cut by the edge cannot be read anyway (segmentation drops it).
    """
    present = (ink > BEYOND_EDGE_LIGHTNESS).astype(np.uint8) * 255
    count, labels, stats = label_regions(present)
    height, width = ink.shape
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    at_edge = (x == 0) | (y == 0) | (x + w == width) | (y + h == height)
    at_edge[0] = False
    if not at_edge.any():
        return ink
    return np.where(at_edge[labels], 0.0, ink).astype(np.float32)


GAP_FILL = 0.5
"""Gaps in light strokes are filled at this share of the stroke around them: enough for the
stroke to hold together as one region, faint enough not to close a digit's loops in its crop."""


def _bridge_gaps(ink: np.ndarray) -> np.ndarray:
    """Chalk skips: bridge gaps up to a stroke's width, faintly (see GAP_FILL).

    A chalk stroke breaks where the chalk lifted off the board, and a broken digit falls apart
    into pieces that read as other digits. Pen on paper does not, so this is done for light
    strokes only (tuned on generated chalkboards, seed 21: digit F1 0.936 -> 0.948).
    """
    side = max(3, int(round(stroke_width_px(ink))) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    return np.maximum(ink, GAP_FILL * cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel))


def stroke_width_px(ink: np.ndarray) -> float:
    """Typical stroke width (pixels) of the ink on a map: twice area over outline, per region.

    Measured on ink clear of the picture's edge (beyond a board's edge lies a bright wall, which
    would set the threshold), smoothed first (chalk grain would riddle the mask with holes, each
    adding outline); the median over the regions, weighted by area.
    """
    smooth = cv2.GaussianBlur(ink, (0, 0), 1.5)
    present = (smooth > 0.1).astype(np.uint8) * 255
    count, labels, stats = label_regions(present)
    height, width = ink.shape
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    inner = (x > 0) & (y > 0) & (x + w < width) & (y + h < height) & (h >= 6) & (h <= height / 4)
    inner[0] = False
    kept = inner[labels]
    if not kept.any():
        return 2.0
    values = (smooth[kept] * 255.0).astype(np.uint8).reshape(1, -1)
    threshold, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = (kept & (smooth * 255.0 > threshold)).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    widths, areas = [], []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area >= 9:  # specks say nothing of a stroke's width
            widths.append(2.0 * area / max(cv2.arcLength(contour, True), 1.0))
            areas.append(area)
    if not widths:
        return 2.0
    order = np.argsort(widths)
    cumulative = np.cumsum(np.asarray(areas)[order])
    return float(np.asarray(widths)[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


_READINGS = {DARK_ON_LIGHT: darkness_map, LIGHT_ON_DARK: lightness_map}


def shrink(gray: np.ndarray) -> np.ndarray:
    """The page (uint8 or float32) shrunk by `working_step`, by area averaging, as float32: what
    OpenCV makes of the page as float32 (on a big page, the same pixels made without that copy)."""
    step = working_step(gray.shape)
    size = shrunk_size(gray.shape, step)
    if gray.size >= area_mean.MIN_PIXELS and area_mean.is_fractional(gray.shape, size):
        return area_mean.area_mean(gray, size)
    return area_shrink(gray.astype(np.float32, copy=False), step)


def area_shrink(gray: np.ndarray, step: int) -> np.ndarray:
    """`gray` shrunk `step` times per side (at least one pixel), each pixel an area mean."""
    height, width = gray.shape
    if step == 4 and gray.dtype == np.uint8 and height % 4 == 0 and width % 4 == 0:
        return _quarter(gray)
    return cv2.resize(gray, shrunk_size(gray.shape, step), interpolation=cv2.INTER_AREA)


def _quarter(gray: np.ndarray) -> np.ndarray:
    """OpenCV's 4x4 area mean of a uint8 picture whose sides 4 divides, the very same pixels in
    two thirds of the time (the camera makes three of these a frame). OpenCV rounds each 16-pixel
    mean to the nearest level, ties to even, on a path of its own that is slow for 4x4; two
    halvings in float32 give the exact mean (sums of at most 16 levels, in quarters), rounded
    the same way (tests/test_area_shrink.py holds the two equal)."""
    height, width = gray.shape
    half = cv2.resize(gray.astype(np.float32), (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    quarter = cv2.resize(half, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    return np.rint(quarter, out=quarter).astype(np.uint8)


def _paper(gray: np.ndarray, shrunk: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The paper's brightness behind `gray` (float32): full size, and on the working copy
    (`shrunk`: `gray` shrunk by `shrink`, if made already)."""
    height, width = gray.shape
    # The paper is the brightest thing at the scale of a few strokes: a max filter removes the
    # ink, a blur smooths the result. Done on a small copy: shadows are low-frequency.
    # A page that is its own working copy (shorter side under 320 px: a camera frame read at
    # half size) and uint8 is closed as uint8: the same maxima and minima of whole levels as on
    # its float32 copy, in 0.08 ms instead of 0.19 at 320x240.
    whole_levels = gray.dtype == np.uint8 and working_step(gray.shape) == 1
    small = gray if whole_levels else shrink(gray) if shrunk is None else shrunk
    kernel_px = max(3, (min(small.shape) // 12) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_px, kernel_px))
    # A closing (max filter, then min filter) rather than a max filter alone: it removes the ink
    # just the same but keeps a shadow's sharp edge where it is, instead of spreading bright
    # paper into the shadow, where it would read as a band of faint ink.
    small_paper = cv2.erode(cv2.dilate(small, kernel), kernel)
    if whole_levels:
        small_paper = small_paper.astype(np.float32)
    small_paper = cv2.GaussianBlur(small_paper, (0, 0), kernel_px / 4.0)
    if small_paper.shape == gray.shape:
        # The page is its own working copy: its paper is the same array (OpenCV's resize to the
        # same size is a copy of it; the callers write into the full-size paper only once done
        # with the small one).
        return small_paper, small_paper
    return cv2.resize(small_paper, (width, height), interpolation=cv2.INTER_LINEAR), small_paper


def ink_components(darkness: np.ndarray, min_contrast: float):
    """Binarize with bounded hysteresis and label the ink.

    Pixels darker than a strong threshold are ink, and so are pixels darker than a weak one
    within two pixels of them: the soft rim of a stroke stays on, while a faint rule or smudge
    that merely touches a digit does not creep along into it. The strong threshold comes from
    the page (Otsu on the ink map). Returns the ink mask (uint8 0/255), a fainter mask to look
    for printed rules in, and the ink's regions (labels and stats, as `label_regions` gives).
    """
    return levels_components(ink_levels(darkness), min_contrast)


def ink_levels(darkness: np.ndarray) -> np.ndarray:
    """The ink map (float32 in [0, 1]) as uint8 levels 0-255, each truncated: what its
    thresholds are taken on (`ink_components`), and rule removal measures lines' darkness on."""
    levels = np.empty(darkness.shape, np.uint8)
    # `(darkness * 255.0).astype(np.uint8)` in one pass: the float32 product cast as it is made
    # (0.7 of 2.1 ms less on an A4 page, no page-sized float32 temporary).
    np.multiply(darkness, 255.0, out=levels, casting="unsafe")
    return levels


def levels_components(darkness_u8: np.ndarray, min_contrast: float, strong_threshold: float | None = None,
                      faint_floor: float = 0.0):
    """`ink_components` of the ink map's levels (`ink_levels`); `strong_threshold`, where given,
    is the strong threshold (darkness) instead of the page's own; `faint_floor`: the least
    darkness of the fainter mask (above a fibrous paper's streaks)."""
    if strong_threshold is None:
        otsu, _ = cv2.threshold(darkness_u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        strong = float(np.clip(otsu, min_contrast * 255, 0.5 * 255))
        weak = max(min_contrast * 0.6 * 255, strong * 0.5)
    else:  # a pencil's strokes, looked at again below the least contrast (`runtime.reading.faint`)
        strong = strong_threshold * 255
        weak = 0.6 * strong
    _, strong_mask = cv2.threshold(darkness_u8, strong, 255, cv2.THRESH_BINARY)
    _, weak_mask = cv2.threshold(darkness_u8, weak, 255, cv2.THRESH_BINARY)
    mask = weak_mask & cv2.dilate(strong_mask, np.ones((5, 5), np.uint8))
    _, labels, stats = label_regions(mask)
    # Printed rules are often paler than the writing and break into dashes at the ink
    # threshold; they are looked for in this fainter mask, where they run unbroken.
    _, faint_mask = cv2.threshold(darkness_u8, max(0.08 * 255, 0.3 * strong, faint_floor * 255), 255, cv2.THRESH_BINARY)
    return mask, faint_mask, labels, stats
