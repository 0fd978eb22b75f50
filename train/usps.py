"""USPS handwritten digits (other writers, another scanner) as MNIST-style training images.

The shared folder holds the ZIP-code digits of Le Cun et al. as gzipped text: one digit per
line, its label then 16x16 pixels from -1 (paper) to +1 (ink). The *train* file may be mixed
into training; the *test* file is for evaluation only (`python -m benchmarks.usps`). Each digit
goes through `runtime.normalize.normalize_digit`, exactly as the runtime treats a crop, so a
USPS digit in training looks like a USPS digit at evaluation and like a digit cut from a page.

Pure numpy + OpenCV (no TensorFlow), so the benchmarks reuse the loader.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from runtime.normalize import normalize_batch
from runtime.paths import SHARED_DATA_DIR
from train.data import DatasetError

USPS_SIDE_PX = 16
"""USPS digits are 16x16 grey boxes, deslanted and stretched to fill the box."""
SHARED_USPS_DIR = SHARED_DATA_DIR / "usps"
"""The shared USPS folder beside a checkout (CI puts ../shared next to the clone)."""
USPS_TRAIN = SHARED_USPS_DIR / "usps_zip.train.gz"
"""7,291 digits that training may use."""
USPS_TEST = SHARED_USPS_DIR / "usps_zip.test.gz"
"""2,007 digits kept for evaluation only."""


def load_usps(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """USPS digits as (N, 16, 16) uint8 images (ink white on black) and (N,) int64 labels."""
    path = Path(path)
    try:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, dtype=np.float64, ndmin=2)
    except FileNotFoundError:
        raise DatasetError(f"{path}: USPS file not found") from None
    except (OSError, EOFError, ValueError, zlib.error) as error:
        raise DatasetError(f"{path}: unreadable USPS file ({' '.join(str(error).split())})") from error
    if table.shape[1] != 1 + USPS_SIDE_PX * USPS_SIDE_PX:
        raise DatasetError(f"{path}: expected 257 columns (label + 16x16 pixels), got {table.shape[1]}")
    labels = table[:, 0].astype(np.int64)
    # Pixels run from -1 (paper) to +1 (ink): the polarity MNIST uses once scaled to 0..255.
    pixels = (table[:, 1:].reshape(-1, USPS_SIDE_PX, USPS_SIDE_PX) + 1.0) / 2.0 * 255.0
    return np.round(pixels).astype(np.uint8), labels


def usps_as_mnist(path: str | Path = USPS_TRAIN) -> tuple[np.ndarray, np.ndarray]:
    """USPS digits normalized like runtime crops: (N, 28, 28) uint8 images and uint8 labels."""
    images, labels = load_usps(path)
    return normalize_batch(list(images)), labels.astype(np.uint8)
