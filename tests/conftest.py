"""Shared test fixtures, the rule for which tests run where, and which tests are slow.

On a runtime-only install (`pip install .[runtime]`, as on a Raspberry Pi) TensorFlow is absent:
only the runtime's tests are collected there, which also proves the runtime never needs it.

Helper modules beside the tests (`model_fixtures`, `fixtures_train`, `camera_fakes`,
`test_scan_fakes`, ...) are imported by their plain names: pytest puts this folder on the
import path. Never as `tests.x`: tf2onnx installs a `tests` package of its own.

Tests that train or export a model (directly or through a fixture that does) are marked
`slow`; `pytest -m "not slow"` is the quick loop while editing, `make test` runs everything.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from runtime.paths import SHARED_DATA_DIR

MNIST_DIR = SHARED_DATA_DIR / "mnist"
REAL_DIR = SHARED_DATA_DIR / "real"
TESTS_DIR = Path(__file__).parent

RUNTIME_TEST_FILES = ("test_classifier*", "test_scan*", "test_pages*", "test_camera*",
                      "test_segment*", "test_reader*", "test_normalize*", "test_grouping*",
                      "test_orientation*", "test_tilt*", "test_runtime*", "test_model_io*",
                      # training's data loader and augmentation need only numpy and OpenCV
                      "test_data*", "test_train_augment*", "test_train_styles*")
"""Test files (glob patterns) that run without TensorFlow; each must match a file."""

SLOW_FIXTURES = frozenset({"tiny_models", "tiny_keras_models", "full_export", "smoke_run",
                           "quick_run", "not_digit_run", "not_digit_export"})
"""Fixtures that train or export a model: seconds to tens of seconds each, once a session."""

if importlib.util.find_spec("tensorflow") is None:
    keep = {path.name for pattern in RUNTIME_TEST_FILES for path in TESTS_DIR.glob(pattern + ".py")}
    collect_ignore = [path.name for path in TESTS_DIR.glob("test_*.py") if path.name not in keep]

if MNIST_DIR.is_dir():
    os.environ.setdefault("EDGEDIGITS_MNIST_DIR", str(MNIST_DIR))


def pytest_configure(config) -> None:
    unmatched = [pattern for pattern in RUNTIME_TEST_FILES if not any(TESTS_DIR.glob(pattern + ".py"))]
    if unmatched:
        raise pytest.UsageError(f"tests/conftest.py: RUNTIME_TEST_FILES patterns {unmatched} "
                                "match no test file; remove or fix them")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The folder of real photos with labels.csv; tests using it skip where it is absent."""
    if not (REAL_DIR / "labels.csv").is_file():
        pytest.skip(f"real photos not found at {REAL_DIR}")
    return REAL_DIR


@pytest.fixture(scope="session")
def mnist_test_digits() -> tuple[np.ndarray, np.ndarray]:
    """A few hundred MNIST *test* images and labels, for drawing synthetic pages and frames."""
    from train.data import DatasetError, load_mnist

    try:
        images, labels = load_mnist("test")
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    return images[:500], labels[:500]


@pytest.fixture(scope="session")
def default_classifier():
    """The shipped int8 model through the runtime's classifier; skips if none is shipped."""
    from runtime.classifier import Classifier
    from runtime.models import ModelError

    try:
        return Classifier.load()
    except ModelError as error:
        pytest.skip(f"no shipped model: {error}")


DATA_SKIP_REASONS = {
    "MNIST": "MNIST not available",
    "real photos": "real photos not found",
    "USPS test digits": "USPS test digits not found",
}
"""Data set -> the words its tests skip with when it is missing (see the fixtures above)."""


def missing_data_line(skip_reasons: list[str]) -> str:
    """One line naming each data set that skipped tests, and how many tests that skipped."""
    counts = {name: sum(words in reason for reason in skip_reasons)
              for name, words in DATA_SKIP_REASONS.items()}
    missing = [f"{name} ({count} tests)" for name, count in counts.items() if count]
    if not missing:
        return "missing data: none (no test skipped for want of data)"
    return (f"missing data: {', '.join(missing)}: {sum(counts.values())} tests skipped; "
            f"put the data in {SHARED_DATA_DIR} or set EDGEDIGITS_MNIST_DIR")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reasons.append(str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr))
    config._edgedigits_missing_data = missing_data_line(reasons)


def pytest_unconfigure(config) -> None:
    """Printed last, after pytest's own tally, so `make test` ends with it."""
    line = getattr(config, "_edgedigits_missing_data", None)
    if line and not hasattr(config, "workerinput"):  # the xdist controller only
        print(line)
