"""The training split: MNIST's validation rows do not depend on USPS; USPS is split the same way."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_train import real_mnist_dir

from train.config import TrainConfig
from train.trainer import split_data, style_count
from train.usps import USPS_TRAIN


def test_usps_train_joins_training_and_validation_without_moving_mnist_rows():
    if real_mnist_dir() is None or not USPS_TRAIN.is_file():
        pytest.skip("MNIST or the USPS train file is not available")
    with_usps = split_data(TrainConfig(arch="edge", limit=800, usps=True).resolved())
    without = split_data(TrainConfig(arch="edge", limit=800, usps=False).resolved())
    mnist_rows = with_usps.validation_sources == "mnist"
    np.testing.assert_array_equal(with_usps.validation_images[mnist_rows],
                                  without.validation_images[without.validation_sources == "mnist"])
    assert (with_usps.validation_sources == "usps").sum() == 10  # 10% of the 100 USPS digits
    assert len(with_usps.train_images) == 720 + 90 and with_usps.train_mnist_count == 720
    # The test set is MNIST's alone, whatever is mixed into training.
    assert len(with_usps.test_images) == 10_000
    assert style_count(with_usps, TrainConfig(arch="edge", style_fraction=0.1).resolved()) == 72


def test_negatives_join_validation_as_class_10_and_only_when_asked():
    if real_mnist_dir() is None:
        pytest.skip("MNIST is not available")
    with_negatives = split_data(TrainConfig(arch="edge", limit=800, negative_fraction=0.12).resolved())
    without = split_data(TrainConfig(arch="edge", limit=800, negative_fraction=0.0).resolved())
    negative_rows = with_negatives.validation_sources == "not-digit"
    assert negative_rows.sum() == round(0.12 * 80) and (with_negatives.validation_labels[negative_rows] == 10).all()
    assert (without.validation_sources == "mnist").all() and without.validation_labels.max() <= 9
    assert len(with_negatives.train_images) == len(without.train_images) == 720
