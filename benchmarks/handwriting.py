"""Turn MNIST digits into pen strokes of any size, ready to be laid on a synthetic page.

A digit written on paper is modelled as an ink coverage map ("alpha", 0 = paper, 1 = full
ink): the MNIST image cropped to its ink, scaled to the wanted height with a little slant and
tilt (people do not write upright), with its soft anti-aliased edges sharpened the way a pen
line has a firm edge, and sometimes thinned (a ballpoint draws thinner lines than MNIST's
upscaled strokes). The page composer multiplies the paper by this coverage in an ink colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

INK_PRESENT = 0.3
"""Coverage above which a pixel counts as visible ink (for ground-truth boxes)."""

_MNIST_INK_FLOOR = 20
"""MNIST pixels at or below this grey level are background when cropping a digit."""

MAX_TILT_DEG = 5.0
"""Each digit is turned by up to this many degrees either way."""

MAX_SLANT = 0.15
"""Horizontal shear (dx per unit of height) of a digit, either way: handwriting leans."""

MAX_WIDTH_RATIO = 1.1
"""A glyph is at most this many times as wide as the height asked for."""


@dataclass
class Glyph:
    """One handwritten digit ready to place: its label and tight ink coverage map."""

    label: int  # the digit 0..9
    alpha: np.ndarray  # (h, w) float32 ink coverage in [0, 1], cropped to the ink

    @property
    def height(self) -> int:
        return self.alpha.shape[0]

    @property
    def width(self) -> int:
        return self.alpha.shape[1]

    def ink_points(self) -> np.ndarray:
        """Outline points (x, y) of the visible ink, float64 (n, 2), in glyph pixels.

        The convex hull is enough to find the box of the ink after any page warp, and is
        far fewer points than the ink itself.
        """
        ys, xs = np.nonzero(self.alpha > INK_PRESENT)
        if xs.size == 0:
            return np.zeros((0, 2), np.float64)
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        hull = cv2.convexHull(points).reshape(-1, 2).astype(np.float64)
        # A pixel covers [x, x + 1): include the far edges so the box holds the whole pixel.
        corners = np.concatenate([hull, hull + (1.0, 0.0), hull + (0.0, 1.0), hull + 1.0])
        return corners


class DigitBank:
    """MNIST images grouped by label, with each image's ink box found once; `source` names
    where they come from (written into the truth of pages made from them)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, source: str = "MNIST test split"):
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"digit images must be uint8 (N, H, W), got {images.dtype} {images.shape}")
        if labels.shape != (images.shape[0],):
            raise ValueError(f"need one label per image: {labels.shape} labels for {images.shape[0]} images")
        self.images = images
        self.labels = labels.astype(np.int64)
        self.source = source
        self._indices_by_label = [np.flatnonzero(self.labels == digit) for digit in range(10)]
        missing = [str(digit) for digit, found in enumerate(self._indices_by_label) if found.size == 0]
        if missing:
            raise ValueError(f"the digit images have no example of {', '.join(missing)}; need all ten")

    def pick(self, label: int, rng: np.random.Generator) -> np.ndarray:
        """A random example of `label`, cropped to its ink (uint8, white on black)."""
        candidates = self._indices_by_label[label]
        image = self.images[candidates[rng.integers(candidates.size)]]
        rows = np.flatnonzero(image.max(axis=1) > _MNIST_INK_FLOOR)
        cols = np.flatnonzero(image.max(axis=0) > _MNIST_INK_FLOOR)
        if rows.size == 0:
            return image
        return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def write_glyph(bank: DigitBank, label: int, height_px: float, rng: np.random.Generator) -> Glyph:
    """Render one handwritten `label` whose ink is about `height_px` tall."""
    source = bank.pick(label, rng).astype(np.float32) / 255.0
    source = np.pad(source, 2)  # room so the warp's interpolation does not clip edge strokes
    source_height, source_width = max(1, source.shape[0] - 4), max(1, source.shape[1] - 4)
    # Scale to the wanted height, but a digit lying flat (some MNIST 2s and 7s) would grow
    # far wider than anyone writes it: cap its width too.
    scale = min(float(height_px) / source_height, MAX_WIDTH_RATIO * float(height_px) / source_width)
    tilt = np.deg2rad(rng.uniform(-MAX_TILT_DEG, MAX_TILT_DEG))
    slant = rng.uniform(-MAX_SLANT, MAX_SLANT)
    # Linear map: scale, then shear (x += slant * y), then tilt; about the source centre.
    rotate = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    shear = np.array([[1.0, slant], [0.0, 1.0]])
    linear = rotate @ shear * scale
    out_width, out_height, offset = _output_frame(linear, source.shape)
    centre = np.array([source.shape[1] / 2.0, source.shape[0] / 2.0])
    translation = offset - linear @ centre
    matrix = np.hstack([linear, translation[:, None]]).astype(np.float64)
    # Cubic interpolation keeps enlarged strokes round instead of blocky.
    warped = cv2.warpAffine(source, matrix, (out_width, out_height), flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    alpha = np.clip((warped - 0.15) / 0.55, 0.0, 1.0)  # firm pen edge, not MNIST's soft blur
    alpha = _maybe_thin(alpha, scale, rng)
    return Glyph(label=int(label), alpha=_crop_to_ink(alpha))


def shrink_to_width(glyph: Glyph, max_width_px: float) -> Glyph:
    """The same glyph made smaller (aspect kept) if it is wider than `max_width_px`."""
    if glyph.width <= max_width_px:
        return glyph
    scale = max_width_px / glyph.width
    size = (max(1, int(max_width_px)), max(1, int(round(glyph.height * scale))))
    alpha = cv2.resize(glyph.alpha, size, interpolation=cv2.INTER_AREA)
    return Glyph(label=glyph.label, alpha=_crop_to_ink(alpha))


def _output_frame(linear: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, np.ndarray]:
    """Size of the image holding the transformed source, and where its centre goes."""
    height, width = shape
    corners = np.array([[-width, -height], [width, -height], [width, height], [-width, height]]) / 2.0
    moved = corners @ linear.T
    span = moved.max(axis=0) - moved.min(axis=0)
    out_width, out_height = int(np.ceil(span[0])) + 2, int(np.ceil(span[1])) + 2
    return out_width, out_height, np.array([out_width / 2.0, out_height / 2.0])


def _maybe_thin(alpha: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Erode enlarged strokes now and then: a pen line does not grow with the digit's size.

    MNIST strokes are about 2.5 px wide at 28 px; erosion by at most `scale` pixels leaves
    at least 1.5 * scale, so no stroke breaks.
    """
    if scale < 2.5 or rng.random() < 0.4:
        return alpha
    kernel_side = int(rng.uniform(1.0, scale))
    if kernel_side < 2:
        return alpha
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel_side, kernel_side))
    return cv2.erode(alpha, kernel)


def _crop_to_ink(alpha: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(alpha.max(axis=1) > 0.02)
    cols = np.flatnonzero(alpha.max(axis=0) > 0.02)
    if rows.size == 0:
        return np.zeros((1, 1), np.float32)
    return np.ascontiguousarray(alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], np.float32)
