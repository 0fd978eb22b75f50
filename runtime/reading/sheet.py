"""Find the sheet of paper in a photo of it lying on a desk or a floor, to read only the sheet.

Around a sheet photographed on a surface, the desk's grain and the floor's grout, speckle and
stains are ink to the segmenter: their specks made a whole tiled-floor picture texture (nothing
read on 7 of 10 such photos) and their extent made the writing look as large as the picture, so
small digits fell under the least digit size (README, Results: a sheet lying on a desk or a
tiled floor). The sheet is the picture's bright, convex, four-cornered region: on a small copy,
the largest region brighter than Otsu's threshold, holes (the writing) filled, whose convex hull
it nearly fills, whose hull is a quadrilateral with every corner clear of the picture's edge,
covering `MIN_SHARE`..`MAX_SHARE` of the picture, and clearly brighter than what lies around
it. A picture that is all sheet (a scan, a close photo) or whose sheet runs off the frame has no
such region and is read whole, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

LOOK_SIDE_PX = 256
"""The sheet is looked for on a copy whose longer side is this: a few milliseconds on any page."""

MIN_SHARE = 0.15
MAX_SHARE = 0.9
"""A sheet covers this share of the picture at least and at most: smaller is a note or a label
on a desk (read whole as before), larger is a picture that is the sheet."""

MIN_SOLIDITY = 0.95
"""The bright region fills at least this share of its convex hull: a sheet does; light tiles
joined to it through the grout do not."""

CORNER_CLEARANCE = 0.01
"""Each corner lies at least this share of the picture's side inside it: a sheet running off the
frame is no quadrilateral of its own and is read whole."""

MIN_BRIGHTNESS_RATIO = 1.15
"""The sheet's median brightness over that of the picture around it, at least."""

PAPER_LEVEL_SHARES = (0.9, 0.95)
"""Where Otsu's threshold finds no sheet, it is looked for again above these shares of the
paper's level (the brightness the brightest `MIN_SHARE` / 2 of the picture starts at), in turn:
light tiles lie between Otsu's threshold and the paper."""

_OPENING = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))

SHRINK_LOOK_PX = 1.5
"""The hull is moved this far inward (small-copy pixels): its corners are only as exact as the
copy, and a strip of desk along the sheet would be texture again."""


@dataclass(frozen=True)
class Sheet:
    """Where the sheet lies: its box in the picture and, inside the box, a mask of the sheet."""

    left: int
    top: int
    mask: np.ndarray  # uint8 over the box, 1 on the sheet

    def cut(self, gray: np.ndarray) -> np.ndarray:
        """The box of `gray`, what lies outside the sheet made the sheet's paper (its median),
        so the ink map finds nothing there."""
        height, width = self.mask.shape
        box = gray[self.top:self.top + height, self.left:self.left + width].copy()
        box[self.mask == 0] = np.uint8(np.median(box[self.mask != 0]))
        return box


def find_sheet(gray: np.ndarray) -> Sheet | None:
    """The sheet in a greyscale picture (uint8), or None where it is all sheet or none is clear."""
    height, width = gray.shape[:2]
    factor = LOOK_SIDE_PX / max(height, width)
    if factor >= 1.0:
        return None  # a frame too small to hold a sheet on a surface worth the look
    small = _small_copy(gray, factor)
    # Otsu's threshold parts paper from a dark desk; a light floor needs one near the paper's
    # own level (light tiles lie between, and join the sheet under Otsu's).
    paper = float(np.percentile(small, 100 - 50 * MIN_SHARE))
    for threshold in (_otsu(small), *(share * paper for share in PAPER_LEVEL_SHARES)):
        corners = _bright_quadrilateral(small, threshold)
        if corners is not None:
            return _sheet_at_full_size(corners, small.shape, gray.shape)
    return None


def _small_copy(gray: np.ndarray, factor: float) -> np.ndarray:
    """`gray` shrunk by `factor`, every other row and column taken first down to twice the size
    (averaging a whole big picture would cost more than the look), the writing and the floor's
    speckle smoothed away."""
    step = max(1, int(0.5 / factor))
    coarse = np.ascontiguousarray(gray[::step, ::step]) if step > 1 else gray
    height, width = gray.shape[:2]
    small = cv2.resize(coarse, (max(1, round(width * factor)), max(1, round(height * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.medianBlur(small, 5)


def _otsu(small: np.ndarray) -> float:
    threshold, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(threshold)


def _bright_quadrilateral(small: np.ndarray, threshold: float) -> np.ndarray | None:
    """The corners of the sheet brighter than `threshold` on the small copy, or None."""
    bright = (small > threshold).astype(np.uint8)
    # Thin light bridges (a light grout line touching the sheet) are cut before regions are taken.
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, _OPENING)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(outline)
    hull_area = cv2.contourArea(hull)
    if not MIN_SHARE <= hull_area / small.size <= MAX_SHARE:
        return None
    if cv2.contourArea(outline) < MIN_SOLIDITY * hull_area:
        return None
    corners = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(corners) != 4 or not _clear_of_edges(corners, small.shape):
        return None
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillPoly(inside, [corners.astype(np.int32)], 1)
    if np.median(small[inside == 1]) < MIN_BRIGHTNESS_RATIO * max(float(np.median(small[inside == 0])), 1.0):
        return None
    return corners


def _clear_of_edges(corners: np.ndarray, shape: tuple[int, int]) -> bool:
    height, width = shape
    margin_x, margin_y = CORNER_CLEARANCE * width, CORNER_CLEARANCE * height
    xs, ys = corners[:, 0], corners[:, 1]
    return bool(xs.min() >= margin_x and ys.min() >= margin_y
                and xs.max() <= width - 1 - margin_x and ys.max() <= height - 1 - margin_y)


def _sheet_at_full_size(corners: np.ndarray, small_shape: tuple[int, int], shape: tuple[int, int]) -> Sheet:
    """The quadrilateral found on the small copy, moved inward by `SHRINK_LOOK_PX`, in the picture."""
    scale = np.array([shape[1] / small_shape[1], shape[0] / small_shape[0]])
    centre = corners.mean(axis=0)
    inward = corners - centre
    lengths = np.maximum(np.linalg.norm(inward, axis=1, keepdims=True), 1e-6)
    shrunk = (corners + 0.5 - SHRINK_LOOK_PX * inward / lengths) * scale
    height, width = shape[:2]
    left, top = (max(0, int(np.floor(v))) for v in shrunk.min(axis=0))
    right = min(width, int(np.ceil(shrunk[:, 0].max())))
    bottom = min(height, int(np.ceil(shrunk[:, 1].max())))
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.fillPoly(mask, [np.round(shrunk - (left, top)).astype(np.int32)], 1)
    return Sheet(left, top, mask)
