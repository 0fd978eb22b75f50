"""Any image array to the reader's uint8 greyscale: the one owner of pixel-depth rules.

The scanner's decoder (`runtime.scan.pages`), the page reader (`runtime.reading.reader`) and crop
normalization (`runtime.normalize`) all convert through `to_uint8`, so an array reads the same
whichever door it comes in by:
- uint8 as is; bool as 0 / 255;
- uint16 by its high byte (65535 -> 255): 16-bit scans use the whole range;
- any other integer type: values already within 0..255 are taken as 8-bit values (an int64 array
  made by numpy arithmetic on a uint8 image); otherwise scaled by the type's maximum, negatives 0;
- floats: 0..1 scaled to 0..255 when nothing exceeds 1, else clipped at 255; NaN is 0.

Usage: gray = to_gray(image)   # grey, BGR or BGRA, any depth above
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".pgm", ".ppm", ".pbm")
"""Still-image files both commands take (OpenCV decodes them all): the scanner searches folders
for them, and the camera treats a source with one of them as a still image, not a video."""


def to_uint8(image: np.ndarray) -> np.ndarray:
    """`image` (any shape) with its pixel values mapped to uint8 by the rules above."""
    import numpy as np  # here, not atop: the scanner's main process needs IMAGE_SUFFIXES alone

    image = np.asarray(image)
    dtype = image.dtype
    if dtype == np.uint8:
        return image
    if dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(dtype, np.integer):
        if image.size == 0 or (image.min() >= 0 and image.max() <= 255):
            return image.astype(np.uint8)
        scaled = image.astype(np.float64) * (255.0 / np.iinfo(dtype).max)
        return np.clip(scaled, 0, 255).astype(np.uint8)
    if np.issubdtype(dtype, np.floating):
        finite = np.nan_to_num(image.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        peak = 255.0 if finite.size and finite.max() > 1.0 else 1.0
        return np.clip(finite * (255.0 / peak), 0, 255).astype(np.uint8)
    raise ValueError(f"unsupported pixel type {dtype}")


def to_gray(image: np.ndarray) -> np.ndarray:
    """A uint8 greyscale view of a grey, BGR or BGRA image; a clear TypeError or ValueError for
    anything else (None from a failed cv2.imread, a path given where an array belongs)."""
    import cv2
    import numpy as np

    if image is None:
        raise TypeError("image is None: cv2.imread returns None when it cannot read a file; "
                        "check the path, or pass the path to runtime.read")
    if isinstance(image, (str, os.PathLike, bytes, bytearray)):
        raise TypeError(f"expected an image array, not {type(image).__name__}; "
                        "for a file path or its bytes use runtime.read(source)")
    image = np.asarray(image)
    if image.dtype == object:
        raise TypeError(f"expected a numeric image array, got {type(image).__name__} of objects")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or image.ndim == 3 and image.shape[2] not in (3, 4):
        raise ValueError(f"expected a greyscale or colour image, got an array of shape {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image is empty (shape {image.shape})")
    image = to_uint8(image)
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)
