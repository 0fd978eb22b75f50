"""The cross-dataset check on USPS digits: loads the shared file, reads it like a crop."""

import gzip

import numpy as np
import pytest

from benchmarks.usps import DEFAULT_USPS_TEST, evaluate, load_usps, main
from train.data import DatasetError
from train.usps import usps_as_mnist


def _tiny_usps(path):
    row = np.full(257, -1.0)
    row[0] = 7
    row[1 + 16 * 8 : 1 + 16 * 9] = 1.0  # one row of ink
    with gzip.open(path, "wt") as handle:
        handle.write(" ".join(f"{v:.4f}" for v in row) + "\n")
    return path


def test_usps_digits_load_white_on_black(tmp_path):
    images, labels = load_usps(_tiny_usps(tmp_path / "tiny.gz"))
    assert labels.tolist() == [7]
    assert images.shape == (1, 16, 16) and images[0, 8].min() == 255 and images[0, 0].max() == 0


def test_usps_for_training_is_normalised_like_a_crop(tmp_path):
    images, labels = usps_as_mnist(_tiny_usps(tmp_path / "tiny.gz"))
    assert images.shape == (1, 28, 28) and labels.dtype == np.uint8 and labels.tolist() == [7]
    cols = np.flatnonzero(images[0].max(axis=0) > 1)
    assert cols[-1] - cols[0] + 1 == 20  # the 16 px stroke fitted into MNIST's 20 px box


def test_a_missing_or_broken_usps_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_usps(tmp_path / "absent.gz")
    broken = tmp_path / "broken.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(DatasetError, match="unreadable"):
        load_usps(broken)


def test_the_shipped_model_reads_other_writers(default_classifier):
    if not DEFAULT_USPS_TEST.is_file():
        pytest.skip(f"USPS test digits not found at {DEFAULT_USPS_TEST}")
    images, labels = load_usps(DEFAULT_USPS_TEST)
    result = evaluate(default_classifier, images[:400], labels[:400])
    # Measured on all 2,007: 97.7%; far above chance on a handful, whatever the model.
    assert result["digits"] == 400 and result["accuracy"] > 0.9


def test_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "none.gz")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
