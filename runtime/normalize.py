"""MNIST-style normalization of one digit crop: the only implementation in the project.

MNIST was made by fitting each digit's longest side into a 20x20 box (aspect ratio kept,
anti-aliased to grey levels) and centring that box in a 28x28 image by its centre of mass.
The segmenter, training-time augmentation and the tests call `normalize_digit`, so the model
sees the same kind of image in training and on the device. Int8 calibration does not call it:
it uses MNIST training images as they are, which were made this way already.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.images import to_uint8
from runtime.spec import DIGIT_BOX_PX, IMAGE_SIDE_PX, PIXEL_SCALE

_INK_FLOOR = 1
"""Pixels at or below this value count as background when finding the ink's bounding box."""

CENTRE_OF_MASS_PX = IMAGE_SIDE_PX / 2.0
"""Where the ink's centre of mass lands, as (row, column) = (14, 14) of the 28x28 image:
MNIST's centres sit there, not at the geometric middle 13.5 (training-set mean 13.99 / 14.00)."""


def preprocessing_spec() -> dict:
    """What a port must do to a crop before the model sees it; `manifest.json` carries it as
    `preprocessing`, so a phone developer need not read this code."""
    return {
        "polarity": "white ink on a black background: paper 0, full ink 255 (invert a scan)",
        "steps": [
            f"crop to the bounding box of the ink (pixels above {_INK_FLOOR})",
            f"resize so the longest side is {DIGIT_BOX_PX} px, keeping the aspect ratio "
            "(area averaging when shrinking, bilinear when enlarging; grey levels kept)",
            f"paste into a {IMAGE_SIDE_PX}x{IMAGE_SIDE_PX} black image so that the ink's centre "
            f"of mass lands on pixel (row {CENTRE_OF_MASS_PX:g}, column {CENTRE_OF_MASS_PX:g}), "
            "offsets rounded to whole pixels, clipped at the edges",
        ],
        "image_side_px": IMAGE_SIDE_PX,
        "digit_box_px": DIGIT_BOX_PX,
        "centre_of_mass_px": [CENTRE_OF_MASS_PX, CENTRE_OF_MASS_PX],
        "pixel_dtype": "uint8",
        "pixel_scale": PIXEL_SCALE,
        "pixel_mapping": (
            "real = pixel * pixel_scale (0..1); a float input takes `real`; a quantized input "
            "takes clip(round(real / input.scale) + input.zero_point) in its dtype, with the "
            "artifact's own input scale and zero point (int8 with scale 1/255 and zero point "
            "-128 is simply pixel - 128)"),
        "layout": "batch first, then the artifact's input shape (28, 28, 1): row-major, NHWC",
        "reference_implementation": "runtime/normalize.py normalize_digit",
    }


def normalize_digit(ink: np.ndarray) -> np.ndarray:
    """Return the 28x28 uint8 MNIST-style image of one digit.

    `ink` is a 2-D array with the digit bright on a dark background (uint8 0..255, a bool
    mask, or floats in [0, 1]). Only the ink's bounding box matters: surrounding margins are
    cropped away first. An image with no ink gives an all-black result.
    """
    canvas = np.zeros((IMAGE_SIDE_PX, IMAGE_SIDE_PX), np.uint8)
    _normalize_into(ink, canvas)
    return canvas


def normalize_batch(crops: list[np.ndarray]) -> np.ndarray:
    """Normalize many crops into one (N, 28, 28) uint8 array, ready for `Classifier.predict`."""
    batch = np.zeros((len(crops), IMAGE_SIDE_PX, IMAGE_SIDE_PX), np.uint8)
    for index, crop in enumerate(crops):
        _normalize_into(crop, batch[index])  # pasted where it goes: no image of its own to copy
    return batch


def _normalize_into(ink: np.ndarray, canvas: np.ndarray) -> None:
    """`normalize_digit(ink)`, pasted into `canvas` (28x28 uint8, all black)."""
    ink = np.asarray(ink)
    if ink.ndim != 2:
        raise ValueError(f"a digit crop must be a 2-D greyscale array, got shape {ink.shape}")
    # Contiguous rows for OpenCV; a crop is a small view into its page, so the copy is cheap.
    ink = np.ascontiguousarray(to_uint8(ink))
    if ink.size == 0:
        return
    # The box of the pixels above the floor, found in C (a frame holds some 30 crops).
    left, top, width, height = cv2.boundingRect(cv2.threshold(ink, _INK_FLOOR, 255, cv2.THRESH_BINARY)[1])
    if width == 0:
        return
    digit = _fit_in_box(ink[top:top + height, left:left + width], DIGIT_BOX_PX)
    _paste_centred_by_mass(digit, canvas)


def _fit_in_box(ink: np.ndarray, box_px: int) -> np.ndarray:
    """Scale so the longest side is `box_px`, keeping the aspect ratio (thin 1s stay thin)."""
    height, width = ink.shape
    scale = box_px / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # INTER_AREA anti-aliases when shrinking, as MNIST's grey levels came from; it degrades
    # to nearest-neighbour when enlarging, so use linear interpolation there.
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    return cv2.resize(ink, new_size, interpolation=interpolation)


def _paste_centred_by_mass(digit: np.ndarray, canvas: np.ndarray) -> None:
    """Paste `digit` into `canvas` so that its centre of mass lands on the canvas centre."""
    height, width = digit.shape
    # Image moments in double precision: sums of at most 20x20 uint8 pixels, exact.
    moments = cv2.moments(digit)
    total = moments["m00"]
    if total <= 0.0:
        centre_y, centre_x = (height - 1) / 2.0, (width - 1) / 2.0
    else:
        centre_y, centre_x = moments["m01"] / total, moments["m10"] / total
    middle = CENTRE_OF_MASS_PX
    top = int(round(middle - centre_y))
    left = int(round(middle - centre_x))
    # Clip the paste to the canvas: a lopsided digit may have its far edge pushed outside.
    src_top, src_left = max(0, -top), max(0, -left)
    dst_top, dst_left = max(0, top), max(0, left)
    rows = min(height - src_top, IMAGE_SIDE_PX - dst_top)
    cols = min(width - src_left, IMAGE_SIDE_PX - dst_left)
    if rows > 0 and cols > 0:
        canvas[dst_top : dst_top + rows, dst_left : dst_left + cols] = digit[
            src_top : src_top + rows, src_left : src_left + cols
        ]
