"""Load MNIST as numpy arrays, from local files or (as a last resort) the public mirror.

Pure numpy: importing this module never imports TensorFlow, so the runtime's tests, the export
calibration and the benchmarks can use it cheaply.

Where the files come from, first match wins:
  1. the `data_dir` argument (`python -m train --data DIR`);
  2. the environment variable EDGEDIGITS_MNIST_DIR;
  3. `<repo>/../shared/data/mnist` (the shared data folder beside a checkout);
  4. the public download into ~/.cache/edgedigits/mnist, verified by MD5.

A directory may hold the four IDX files (gzipped or not) or a Keras-style `mnist.npz`
(x_train, y_train, x_test, y_test). Anything missing, truncated or inconsistent raises
`DatasetError` with a one-line message naming the file.

Usage: python -m train.data [--data DIR]   (prints what it found)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from runtime.paths import SHARED_DATA_DIR
from runtime.spec import IMAGE_SIDE_PX, NUM_CLASSES

ENV_VAR = "EDGEDIGITS_MNIST_DIR"
"""Environment variable naming a directory that holds MNIST."""

SPLITS = ("train", "test")

IMAGES_MAGIC = 2051
"""IDX magic number of a uint8 3-D array (images)."""
LABELS_MAGIC = 2049
"""IDX magic number of a uint8 1-D array (labels)."""

FILE_STEMS = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
"""(split, kind) -> IDX file name without the optional .gz suffix."""

MD5_OF_UNCOMPRESSED = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
"""Checksums of the original files, used to verify a download."""

DOWNLOAD_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
CACHE_DIR = Path.home() / ".cache" / "edgedigits" / "mnist"
NPZ_NAME = "mnist.npz"


class DatasetError(Exception):
    """MNIST could not be found or read; the message is one line naming the file."""


def load_mnist(split: str, data_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (images uint8 (N, 28, 28), labels uint8 (N,)) of the "train" or "test" split."""
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; use one of {', '.join(SPLITS)}")
    directory = find_data_dir(data_dir)
    if directory is None:
        directory = download_mnist(CACHE_DIR)
    npz_path = directory / NPZ_NAME
    if npz_path.is_file() and not _has_idx_files(directory, split):
        return read_npz(npz_path, split)
    images = read_idx(_idx_path(directory, split, "images"), IMAGES_MAGIC)
    labels = read_idx(_idx_path(directory, split, "labels"), LABELS_MAGIC)
    if len(images) != len(labels):
        raise DatasetError(
            f"{_idx_path(directory, split, 'labels')}: {len(labels)} labels but "
            f"{len(images)} images in {_idx_path(directory, split, 'images').name}"
        )
    _check_labels(labels, _idx_path(directory, split, "labels"))
    return images, labels


def find_data_dir(data_dir: str | Path | None = None) -> Path | None:
    """The local MNIST directory to read, or None when only a download is left.

    An explicitly named directory (argument or environment variable) must exist: silently
    falling back to a download would hide a typo.
    """
    for source, candidate in (("--data", data_dir), (ENV_VAR, os.environ.get(ENV_VAR))):
        if candidate:
            path = Path(candidate).expanduser()
            if not path.is_dir():
                raise DatasetError(
                    f"{path}: MNIST directory not found (from {source}); point it at a folder "
                    f"with the IDX files or {NPZ_NAME}"
                )
            return path
    shared = SHARED_DATA_DIR / "mnist"
    if shared.is_dir():
        return shared
    if _has_idx_files(CACHE_DIR, "train") and _has_idx_files(CACHE_DIR, "test"):
        return CACHE_DIR
    return None


def read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Read one IDX file (raw or .gz) of uint8 data, checking magic number and sizes."""
    raw = _read_bytes(path)
    if len(raw) < 8:
        raise DatasetError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    magic, count = np.frombuffer(raw[:8], dtype=">i4")
    if magic != expected_magic:
        kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
        raise DatasetError(f"{path}: bad magic number {magic} (expected {expected_magic} for MNIST {kind})")
    if expected_magic == IMAGES_MAGIC:
        if len(raw) < 16:
            raise DatasetError(f"{path}: truncated IDX header")
        rows, cols = np.frombuffer(raw[8:16], dtype=">i4")
        if (rows, cols) != (IMAGE_SIDE_PX, IMAGE_SIDE_PX):
            raise DatasetError(f"{path}: images are {rows}x{cols}, expected 28x28")
        header, shape = 16, (int(count), IMAGE_SIDE_PX, IMAGE_SIDE_PX)
    else:
        header, shape = 8, (int(count),)
    expected_bytes = header + int(np.prod(shape))
    if count < 0 or len(raw) != expected_bytes:
        raise DatasetError(
            f"{path}: truncated or oversized IDX file ({len(raw)} bytes, header says "
            f"{count} items = {expected_bytes} bytes)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def read_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read one split of a Keras-style mnist.npz (x_train, y_train, x_test, y_test)."""
    images_key, labels_key = f"x_{split}", f"y_{split}"
    try:
        with np.load(path, allow_pickle=False) as archive:
            if images_key not in archive or labels_key not in archive:
                raise DatasetError(f"{path}: no arrays {images_key!r}/{labels_key!r} in the npz")
            images, labels = archive[images_key], archive[labels_key]
    except (OSError, ValueError, zlib.error) as error:
        raise DatasetError(f"{path}: unreadable npz ({_one_line(error)})") from error
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE_PX, IMAGE_SIDE_PX):
        raise DatasetError(f"{path}: {images_key} has shape {images.shape}, expected (N, 28, 28)")
    if labels.shape != (len(images),):
        raise DatasetError(
            f"{path}: {labels_key} has shape {labels.shape} but {images_key} holds {len(images)} images"
        )
    labels = labels.astype(np.int64)
    _check_labels(labels, path)
    return images.astype(np.uint8), labels.astype(np.uint8)


def download_mnist(directory: Path) -> Path:
    """Download the four gzipped IDX files into `directory`, verifying each one's MD5."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, expected_md5 in MD5_OF_UNCOMPRESSED.items():
        target = directory / f"{stem}.gz"
        if target.is_file() and _md5_of_uncompressed(target) == expected_md5:
            continue
        url = DOWNLOAD_URL + target.name
        partial = target.with_suffix(".gz.part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
                out.write(response.read())
        except (urllib.error.URLError, OSError) as error:
            raise DatasetError(
                f"{target.name}: download from {url} failed ({_one_line(error)}); set "
                f"{ENV_VAR} to a folder holding MNIST"
            ) from error
        actual_md5 = _md5_of_uncompressed(partial)
        if actual_md5 != expected_md5:
            partial.unlink(missing_ok=True)
            raise DatasetError(
                f"{target.name}: downloaded file has MD5 {actual_md5}, expected {expected_md5}"
            )
        partial.replace(target)
    return directory


def _idx_path(directory: Path, split: str, kind: str) -> Path:
    """The IDX file for (split, kind): the .gz if present, else the raw one (may not exist)."""
    stem = FILE_STEMS[(split, kind)]
    for name in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return directory / f"{stem}.gz"


def _has_idx_files(directory: Path, split: str) -> bool:
    return all(_idx_path(directory, split, kind).is_file() for kind in ("images", "labels"))


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DatasetError(f"{path}: MNIST file not found")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: unreadable ({_one_line(error)})") from error


def _check_labels(labels: np.ndarray, path: Path) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DatasetError(
            f"{path}: labels outside 0..{NUM_CLASSES - 1} (found {labels.min()}..{labels.max()})"
        )


def _md5_of_uncompressed(path: Path) -> str:
    try:
        with gzip.open(path, "rb") as stream:
            return hashlib.md5(stream.read()).hexdigest()
    except (OSError, EOFError, zlib.error):
        return "unreadable"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check that MNIST can be loaded.")
    parser.add_argument("--data", help=f"MNIST directory (default: ${ENV_VAR}, ../shared)")
    args = parser.parse_args(argv)
    try:
        for split in SPLITS:
            images, labels = load_mnist(split, args.data)
            counts = np.bincount(labels, minlength=NUM_CLASSES)
            print(f"{split}: {len(images)} images, per class {counts.tolist()}")
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
