"""A real (tiny) training run end to end, and the model budget figures it reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from fixtures_train import not_digit_run, real_mnist_dir, smoke_run  # noqa: F401 - fixture

from runtime.model_io import to_model_input
from train.data import load_mnist
from train.report import REPORT_FILES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_smoke_run_writes_model_and_report(smoke_run):  # noqa: F811
    model_path, report_dir = Path(smoke_run["model_path"]), Path(smoke_run["report_dir"])
    assert model_path.name == "seed.keras" and model_path.stat().st_size > 0
    assert report_dir.name == "seed_report"
    for name in REPORT_FILES:
        assert (report_dir / name).is_file(), name
    for name in ("learning_curves.png", "confusion_matrix.png", "architecture.png"):
        assert (report_dir / name).read_bytes()[:8] == PNG_SIGNATURE
    report = json.loads((report_dir / "report.json").read_text())
    for key in (
        "test_accuracy",
        "params",
        "macs",
        "architecture",
        "seed",
        "options",
        "per_class",
        "confusion_matrix",
        "epoch_seconds",
    ):
        assert key in report
    assert report["architecture"] == "seed" and report["options"]["limit"] == 2000
    assert report["images"]["train"] + report["images"]["validation"] == 2000
    assert len(report["per_class"]) == 10
    assert np.asarray(report["confusion_matrix"]).sum() == report["images"]["test"]


def test_smoke_model_is_far_above_chance_on_held_out_digits(smoke_run):  # noqa: F811
    import keras

    model = keras.models.load_model(smoke_run["model_path"])
    images, labels = load_mnist("test", real_mnist_dir())
    # The last 1000 test digits: never seen in training, the model file is judged on its own.
    images, labels = images[-1000:], labels[-1000:]
    probabilities = model.predict(to_model_input(images), verbose=0)
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    assert accuracy > 0.6, accuracy  # chance is 0.1; two short epochs on 1800 images give ~0.85
    assert smoke_run["test_accuracy"] > 0.6


def test_negatives_give_an_eleventh_output_and_honest_test_figures(not_digit_run):  # noqa: F811
    """Test accuracy counts a digit called "not a digit" as an error; the 10-output figure is beside it."""
    import keras

    report = not_digit_run
    assert report["outputs"] == 11 and report["output_labels"][-1] == "not a digit"
    confusion = np.asarray(report["confusion_matrix"])
    assert confusion.shape == (10, 11) and confusion.sum() == report["images"]["test"]
    assert report["test_errors"] == report["images"]["test"] - np.trace(confusion)
    assert report["test_called_not_digit"] == confusion[:, 10].sum()
    assert report["test_accuracy_10_outputs"] >= report["test_accuracy"] - 1e-9
    assert 0.0 <= report["negatives_called_not_digit"] <= 1.0
    assert "validation by source" in (Path(report["report_dir"]) / "summary.txt").read_text()
    model = keras.models.load_model(report["model_path"])
    assert model.output_shape == (None, 11)
