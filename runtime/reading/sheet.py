"""Find the sheet of paper in a photo of it lying on a desk or a floor, to read the sheet alone.

Around a sheet photographed on a surface, the desk's grain and the floor's grout, speckle and
stains are ink to the segmenter: their specks made a whole tiled-floor picture texture (nothing
read on 7 of 10 such photos) and their extent made the writing look as large as the picture, so
small digits fell under the least digit size (docs/results/reading.md: a sheet lying on a desk or a
tiled floor). The sheet is the picture's bright, convex, four-cornered region, looked for on a
small copy whose rim is darker than the paper over a quarter of it: the largest region brighter
than Otsu's threshold (or, where that finds none, than one near the paper's own level: light
tiles), thin bridges cut, that nearly fills its convex hull, whose hull is a quadrilateral with
every corner clear of the picture's edge, covering `MIN_SHARE`..`MAX_SHARE` of the picture, and clearly
brighter than what lies around it; or one running off one or two sides of the frame, which
`runtime.reading.off_frame` judges (and whose strokes cut by the border it clears). The reader
reads the box around it, the surface in it made paper. A picture that is all sheet (a
scan, a close photo) has no such region and is read whole, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.reading.off_frame import clear_cut_strokes, corners_on_sides, runs_off_frame
from runtime.reading.quantiles import percentile
from runtime.reading.sheet_edges import steps_down_at_sides

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

MIN_BRIGHTNESS_RATIO = 1.15
MIN_STEPPED_RATIO = 1.08
"""The sheet's median brightness over that of the picture around it, at least; or at least
`MIN_STEPPED_RATIO` where each of its sides steps down to the surface all along
(`runtime.reading.sheet_edges`): pale pink tiles under a grey level 5% below the paper's, their
grout dark, put the floor's median 13% below the sheet's, and the sheet's straight edges show."""

RIM_SHARE = 0.25
"""The picture's rim is taken for paper where this share of it is as bright as paper (a
quarter, not half: a sheet running off two sides is up to half of the rim)."""

PAPER_LEVEL_SHARES = (0.9, 0.95)
"""Where Otsu's threshold finds no sheet, it is looked for again above these shares of the
paper's level (the brightness the brightest `MIN_SHARE` / 2 of the picture starts at), in turn:
light tiles lie between Otsu's threshold and the paper. Not 0.97 besides: it found the pale
green tiles' sheet of one development page (read right whole already), but on a 640x480
worksheet shaded at its top it took the paper below the shadow for the sheet."""

_OPENING = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

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
        a tiled floor's wedges gave 5 phantom digits on a blank sheet (docs/results/reading.md: the sheet
        read alone)."""
        height, width = self.mask.shape
        box = gray[self.top:self.top + height, self.left:self.left + width].copy()
        paper = round(_level_at(box, 0.5, self.mask))
        if self.sides_cut:  # first: the mask's edge, moved inward, would part them from the border
            clear_cut_strokes(box, paper, self.sides_cut)
        box[self.mask == 0] = paper
        return box


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
        on_sides = corners_on_sides(corners, self.small.shape)
        if any(on.any() for on in on_sides.values()):
            if not runs_off_frame(self.small, corners, on_sides):
                return None
        elif len(corners) != 4:
            return None
        inside = np.zeros(self.small.shape, np.uint8)
        cv2.fillPoly(inside, [corners.astype(np.int32)], 1)
        ratio = _level_at(self.small, 0.5, inside) / max(_level_at(self.small, 0.5, 1 - inside), 1.0)
        if ratio < MIN_STEPPED_RATIO or (ratio < MIN_BRIGHTNESS_RATIO
                                         and not steps_down_at_sides(self.small, corners, on_sides)):
            return None
        return corners, on_sides


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
