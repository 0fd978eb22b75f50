"""Helpers and fixtures for the training tests: tiny MNIST files on disk, one cached smoke run.

Import what a test module needs (`from fixtures_train import write_idx, smoke_run`; tests/ is
on sys.path under pytest's default import mode -- never `tests.x`: tf2onnx ships a `tests` package);
pytest then registers the imported fixtures for that module.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from runtime.paths import REPO_ROOT, SHARED_DATA_DIR


def write_idx(
    path: Path,
    array: np.ndarray,
    magic: int | None = None,
    count: int | None = None,
    compress: bool | None = None,
) -> Path:
    """Write `array` (uint8) as an IDX file; magic/count override the header for broken files."""
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = [magic, count if count is not None else len(array), *array.shape[1:]]
    payload = np.asarray(header, dtype=">i4").tobytes() + array.tobytes()
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def tiny_mnist(count: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random uint8 images (count, 28, 28) and labels 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    return images, labels


def write_tiny_mnist_dir(directory: Path, gz: bool = True, count: int = 6) -> Path:
    """A directory holding the four IDX files of a tiny fake MNIST."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    for prefix in ("train", "t10k"):
        images, labels = tiny_mnist(count, seed=len(prefix))
        write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return directory


def real_mnist_dir() -> Path | None:
    """The real MNIST directory if this machine has one (env var or ../shared), else None."""
    from train.data import ENV_VAR

    for candidate in (os.environ.get(ENV_VAR), SHARED_DATA_DIR / "mnist"):
        if candidate and Path(candidate, "train-images-idx3-ubyte.gz").is_file():
            return Path(candidate)
    return None


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `python -m train ARGS` in a fresh interpreter (so TensorFlow imports are visible)."""
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "train", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> dict:
    """Train the seed CNN for 2 epochs on 2000 MNIST images once per session (~10 s).

    Yields report.json's content plus "model_path" and "report_dir". Skips without MNIST.
    """
    data_dir = real_mnist_dir()
    if data_dir is None:
        pytest.skip("MNIST not available (set EDGEDIGITS_MNIST_DIR)")
    from train.cli import run
    from train.config import TrainConfig

    out = tmp_path_factory.mktemp("smoke run")  # a space in the path, on purpose
    config = TrainConfig(
        arch="seed", out=str(out), data=str(data_dir), epochs=2, limit=2000, quiet=True, workers=1
    )
    return run(config)


@pytest.fixture(scope="session")
def not_digit_run(tmp_path_factory) -> dict:
    """The seed CNN for 2 epochs on 2000 MNIST images plus 15% negatives: an 11-output model."""
    data_dir = real_mnist_dir()
    if data_dir is None:
        pytest.skip("MNIST not available (set EDGEDIGITS_MNIST_DIR)")
    from train.cli import run
    from train.config import TrainConfig

    config = TrainConfig(arch="seed", out=str(tmp_path_factory.mktemp("negatives")), data=str(data_dir),
                         epochs=2, limit=2000, negative_fraction=0.15, quiet=True, workers=1)
    return run(config)
