"""Find the sheet of paper in a photo of it lying on a desk or a floor, to read the sheet alone.

Around a sheet photographed on a surface, the desk's grain and the floor's grout, speckle and
stains are ink to the segmenter: their specks made a whole tiled-floor picture texture (nothing
read on 7 of 10 such photos) and their extent made the writing look as large as the picture, so
small digits fell under the least digit size (README, Results: a sheet lying on a desk or a
tiled floor). The sheet is the picture's bright, convex, four-cornered region, looked for on a
small copy whose rim is darker than the paper over a quarter of it: the largest region brighter
than Otsu's threshold (or, where that finds none, than one near the paper's own level: light
tiles), thin bridges cut, that nearly fills its convex hull, whose hull is a quadrilateral with
every corner clear of the picture's edge, covering `MIN_SHARE`..`MAX_SHARE` of the picture, and clearly
brighter than what lies around it. A sheet running off one or two sides of the frame is such a
region whose hull the border cuts along a straight stretch, taken only where the surface is
seen just outside each of its other sides (a step down from the paper there): paper filling the
frame, lit unevenly, has no such step. The reader reads the box around it, the surface in it
made paper, the strokes the border cuts at its edge cleared. A picture that is all sheet (a
scan, a close photo) has no such region and is read whole, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.reading.quantiles import percentile

LOOK_SIDE_PX = 200
"""The sheet is looked for on a copy whose longer side is about this (160 px of a 640x480 frame,
195 of an A4 page at 200 dpi): 0.2 ms where its rim is paper, 1-2 ms where a sheet is looked for.
A smaller picture is not looked at."""

MIN_SHARE = 0.15
MAX_SHARE = 0.9
"""A sheet covers this share of the picture at least and at most: smaller is a note or a label
on a desk (read whole as before), larger is a picture that is the sheet."""

MIN_SOLIDITY = 0.95
"""The bright region fills at least this share of its convex hull: a sheet does; light tiles
joined to it through the grout do not."""

CORNER_CLEARANCE = 0.01
"""A corner lies at least this share of the picture's side inside it, or on the picture's border."""

MAX_SIDES_CUT = 2
"""A sheet may run off this many sides of the picture at most: one running off three or four is
the picture's paper to its rim, read whole."""

MIN_BRIGHTNESS_RATIO = 1.15
"""The sheet's median brightness over that of the picture around it, at least."""

RIM_SHARE = 0.25
"""The picture's rim is taken for paper where this share of it is as bright as paper (a
quarter, not half: a sheet running off two sides is up to half of the rim)."""

PAPER_LEVEL_SHARES = (0.9, 0.95)
"""Where Otsu's threshold finds no sheet, it is looked for again above these shares of the
paper's level (the brightness the brightest `MIN_SHARE` / 2 of the picture starts at), in turn:
light tiles lie between Otsu's threshold and the paper."""

_OPENING = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

INK_SHARE_OF_PAPER = 0.75
"""Darker than this share of the paper's level is ink, where strokes cut by the border are cleared."""

CUT_STROKE_REACH = 0.06
"""A stroke the border cuts is cleared where it reaches no farther in than this share of the
sheet's box (a digit's height on a worksheet is about 3% of it)."""

EDGE_STEP_PX = 3
"""Each uncut side of a sheet running off the frame is looked at this far (small-copy pixels)
inside it and outside it."""

MIN_EDGE_RATIO = 1.05
MIN_EDGE_SHARE = 0.8
"""A region the border cuts is a sheet only where, along `MIN_EDGE_SHARE` of each of its uncut
sides, the paper just inside is `MIN_EDGE_RATIO` brighter than the picture just outside: the
surface seen beside it all round, a step at its edge. A lit part of a scan or a webcam frame of
paper fades into the dimmer paper around it (taken for sheets, they cost real photos digits);
light tiles lie only 6-9% below the paper, so the step asked for is smaller than the one the
sheet's median must clear (`MIN_BRIGHTNESS_RATIO`)."""

MIN_CUT_SHARE = 0.1
"""The border cuts such a sheet along a straight stretch of at least this share of the side it
crosses (two hull corners on it), not at a point; a side touched at one corner alone is a
sheet's corner reaching the border."""

SHRINK_LOOK_PX = 1.5
"""The hull is moved this far inward (small-copy pixels): its corners are only as exact as the
copy, and a strip of desk along the sheet would be texture again."""


@dataclass(frozen=True)
class Sheet:
    """Where the sheet lies: its box in the picture and, over the box, a mask of the sheet."""

    left: int
    top: int
    mask: np.ndarray  # uint8 over the box, 1 on the sheet
    sides_cut: frozenset[str] = frozenset()  # the picture's sides the sheet runs off

    def cut(self, gray: np.ndarray) -> np.ndarray:
        """The sheet's box of `gray`, the wedges of the surface at a turned sheet's corners made
        the sheet's paper (its median), so that nothing but the sheet is read. Left as they were,
        a tiled floor's wedges gave 5 phantom digits on a blank sheet (README, Results: the sheet
        read alone)."""
        height, width = self.mask.shape
        box = gray[self.top:self.top + height, self.left:self.left + width].copy()
        paper = round(_level_at(box, 0.5, self.mask))
        if self.sides_cut:  # first: the mask's edge, moved inward, would part them from the border
            _clear_cut_strokes(box, paper, self.sides_cut)
        box[self.mask == 0] = paper
        return box


def _clear_cut_strokes(box: np.ndarray, paper: int, sides: frozenset[str]) -> None:
    """Strokes the picture's border cuts, reaching no farther in than `CUT_STROKE_REACH`, made
    paper: half a digit or a form's cell walls cut at the border read as phantom 1s and 7s, while
    a ruled line or a form's grid running off the frame (digits touch them) stays (README,
    Results: a sheet running off the frame)."""
    ink = (box < INK_SHARE_OF_PAPER * paper).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return
    height, width = box.shape
    left, top, right, bottom = (stats[:, 0], stats[:, 1], stats[:, 0] + stats[:, 2], stats[:, 1] + stats[:, 3])
    reach_x, reach_y = CUT_STROKE_REACH * width, CUT_STROKE_REACH * height
    cut_by = {"left": (left == 0) & (right <= reach_x), "right": (right == width) & (left >= width - reach_x),
              "top": (top == 0) & (bottom <= reach_y), "bottom": (bottom == height) & (top >= height - reach_y)}
    cut = np.zeros(count, bool)
    for side in sides:
        cut |= cut_by[side]
    cut[0] = False
    if cut.any():
        box[cut[labels]] = paper


def find_sheet(gray: np.ndarray) -> Sheet | None:
    """The sheet in a greyscale picture (uint8), or None where it is all sheet or none is clear."""
    if max(gray.shape[:2]) < LOOK_SIDE_PX:
        return None  # a crop or a thumbnail: no room for a sheet and its surface
    step = max(1, round(max(gray.shape[:2]) / (2 * LOOK_SIDE_PX)))  # picture pixels per copy pixel, halved
    small = _small_copy(gray, step)
    paper = _level_at(small, 1 - MIN_SHARE / 2)
    rim = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    # numpy's quantile, value for value (`quantiles.percentile`: 3 against 34 µs a picture).
    if percentile(rim, 100 * RIM_SHARE) * MIN_BRIGHTNESS_RATIO > paper:
        return None  # paper up to the picture's edges: a scan, a close photo (and most pictures)
    small = cv2.medianBlur(small, 5)  # the writing and the floor's speckle gone
    # Otsu's threshold parts paper from a dark desk; a light floor needs one near the paper's
    # own level (light tiles lie between, and join the sheet under Otsu's).
    otsu, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for threshold in (otsu, *(share * paper for share in PAPER_LEVEL_SHARES)):
        region = _BrightRegion(small, threshold)
        if region.fills_picture():
            return None  # bright and convex from edge to edge: a scan, a close photo
        found = region.quadrilateral()
        if found is not None:
            return _sheet_at_full_size(*found, 2 * step, gray.shape)
    return None


def _small_copy(gray: np.ndarray, step: int) -> np.ndarray:
    """`gray` shrunk by 2 x `step`: every `step`-th row and column taken, then averaged in twos
    (averaging a whole big picture would cost more than the look; halving is OpenCV's fast case)."""
    coarse = gray[::step, ::step]
    height, width = coarse.shape[0] // 2, coarse.shape[1] // 2
    coarse = np.ascontiguousarray(coarse[:2 * height, :2 * width])
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_AREA)


def _level_at(image: np.ndarray, share: float, mask: np.ndarray | None = None) -> float:
    """The grey level below which `share` of `image`'s pixels (under `mask`) lie: a histogram's,
    far cheaper than a median or percentile of a whole sheet."""
    counts = cv2.calcHist([image], [0], mask, [256], [0, 256]).ravel().cumsum()
    return float(np.searchsorted(counts, share * counts[-1]))


class _BrightRegion:
    """The largest region of the small copy brighter than a threshold, and its convex hull."""

    def __init__(self, small: np.ndarray, threshold: float):
        self.small = small
        bright = (small > threshold).astype(np.uint8)
        # Thin light bridges (a light grout line touching the sheet) are cut before regions are taken.
        bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, _OPENING)
        contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        self.outline = max(contours, key=cv2.contourArea) if contours else None
        self.hull = cv2.convexHull(self.outline) if contours else None
        self.share = cv2.contourArea(self.hull) / small.size if contours else 0.0
        self.solid = bool(contours) and cv2.contourArea(self.outline) >= MIN_SOLIDITY * cv2.contourArea(self.hull)

    def fills_picture(self) -> bool:
        return self.share > MAX_SHARE and self.solid

    def quadrilateral(self) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        """The sheet's corners on the small copy and which of them lie on each side of the picture
        (`_corners_on_sides`), where the region is a sheet (see the module), or None."""
        if not (MIN_SHARE <= self.share <= MAX_SHARE and self.solid):
            return None
        corners = cv2.approxPolyDP(self.hull, 0.02 * cv2.arcLength(self.hull, True), True).reshape(-1, 2)
        on_sides = _corners_on_sides(corners, self.small.shape)
        if not _a_sheet_s_corners(corners, on_sides):
            return None
        if any(on.any() for on in on_sides.values()) and not (
                _cut_along_stretches(corners, on_sides, self.small.shape)
                and _surface_along_uncut_sides(self.small, corners, on_sides)):
            return None
        inside = np.zeros(self.small.shape, np.uint8)
        cv2.fillPoly(inside, [corners.astype(np.int32)], 1)
        around = _level_at(self.small, 0.5, 1 - inside)
        if _level_at(self.small, 0.5, inside) < MIN_BRIGHTNESS_RATIO * max(around, 1.0):
            return None
        return corners, on_sides


def _a_sheet_s_corners(corners: np.ndarray, on_sides: dict[str, np.ndarray]) -> bool:
    """Whether the hull's corners are a sheet's: four, clear of the picture's edge, or a sheet
    running off at most `MAX_SIDES_CUT` sides, its hull's corners there on the border (4 to 6 of
    them: the border cuts a corner or two off the quadrilateral)."""
    sides = [side for side, on in on_sides.items() if on.any()]
    if not sides:
        return len(corners) == 4
    return len(sides) <= MAX_SIDES_CUT and 4 <= len(corners) <= 6


def _cut_along_stretches(corners: np.ndarray, on_sides: dict[str, np.ndarray], shape: tuple[int, int]) -> bool:
    """Whether the corners on each side of the picture they touch span `MIN_CUT_SHARE` of it."""
    height, width = shape
    cut = False
    for side, on in on_sides.items():
        if on.sum() >= 2:
            along, length = (corners[on, 1], height) if side in ("left", "right") else (corners[on, 0], width)
            if along.max() - along.min() < MIN_CUT_SHARE * length:
                return False
            cut = True
    return cut


def _surface_along_uncut_sides(small: np.ndarray, corners: np.ndarray, on_sides: dict[str, np.ndarray]) -> bool:
    """Whether each side of the hull the border does not cut has the paper inside it brighter
    than the picture just outside it along `MIN_EDGE_SHARE` of its length (see that)."""
    height, width = small.shape
    centre = corners.mean(axis=0)
    count = len(corners)
    for index in range(count):
        nxt = (index + 1) % count
        if any(on[index] and on[nxt] for on in on_sides.values()):
            continue  # the border's cut
        start, end = corners[index].astype(float), corners[nxt].astype(float)
        along = end - start
        length = max(float(np.hypot(*along)), 1e-6)
        outward = np.array([along[1], -along[0]]) / length
        if np.dot(outward, (start + end) / 2 - centre) < 0:
            outward = -outward
        points = start + np.linspace(0.1, 0.9, max(8, int(length / 2)))[:, None] * along
        inner = np.round(points - EDGE_STEP_PX * outward).astype(int)
        outer = np.round(points + EDGE_STEP_PX * outward).astype(int)
        seen = (outer[:, 0] >= 0) & (outer[:, 0] < width) & (outer[:, 1] >= 0) & (outer[:, 1] < height)
        if seen.mean() < MIN_EDGE_SHARE:
            continue  # a side along the border, its corners a hair inside: cut by it too
        inner = np.clip(inner[seen], 0, (width - 1, height - 1))
        outer = outer[seen]
        paper = small[inner[:, 1], inner[:, 0]].astype(float)
        beyond = small[outer[:, 1], outer[:, 0]].astype(float)
        if np.mean(paper >= MIN_EDGE_RATIO * np.maximum(beyond, 1.0)) < MIN_EDGE_SHARE:
            return False
    return True


def _corners_on_sides(corners: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """For each side of the picture, which corners lie on it (within `CORNER_CLEARANCE` of it)."""
    height, width = shape
    margin_x, margin_y = CORNER_CLEARANCE * width, CORNER_CLEARANCE * height
    xs, ys = corners[:, 0], corners[:, 1]
    return {"left": xs < margin_x, "right": xs > width - 1 - margin_x,
            "top": ys < margin_y, "bottom": ys > height - 1 - margin_y}


def _sheet_at_full_size(corners: np.ndarray, on_sides: dict[str, np.ndarray], scale: int,
                        shape: tuple[int, int]) -> Sheet:
    """The quadrilateral found on the small copy (`scale` picture pixels to its pixel), moved
    inward by `SHRINK_LOOK_PX`, in the picture; corners on the picture's border (`on_sides`)
    stay on it, so that the writing beside the border is read."""
    centre = corners.mean(axis=0)
    inward = corners - centre
    lengths = np.maximum(np.linalg.norm(inward, axis=1, keepdims=True), 1e-6)
    shrunk = (corners + 0.5 - SHRINK_LOOK_PX * inward / lengths) * scale
    height, width = shape[:2]
    borders = {"left": (0, 0), "right": (0, width), "top": (1, 0), "bottom": (1, height)}
    for side, on in on_sides.items():
        axis, border = borders[side]
        shrunk[on, axis] = border
    sides_cut = frozenset(side for side, on in on_sides.items() if on.any())
    left, top = (max(0, int(np.floor(v))) for v in shrunk.min(axis=0))
    right, bottom = min(width, int(np.ceil(shrunk[:, 0].max()))), min(height, int(np.ceil(shrunk[:, 1].max())))
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.fillPoly(mask, [np.round(shrunk - (left, top)).astype(np.int32)], 1)
    return Sheet(left, top, mask, sides_cut)
