"""The not-a-digit crops: seeded, of every kind, and shaped like what the reader feeds the model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from train.augment import AugmentConfig, augment_batch
from train.negatives import (
    HALF_SIDES,
    KINDS,
    NOT_DIGIT_CLASS,
    _looks_like_a_stem,
    draw_negative,
    draw_negatives,
)


@pytest.fixture(scope="module")
def digits():
    """A few hundred MNIST-like training digits: the shipped fixtures' test digits would do, but
    negatives are only ever cut from training digits, so the test uses training ones too."""
    from model_fixtures import mnist_or_skip

    images, labels = mnist_or_skip("train")
    return images[:300], labels[:300]


def test_same_seed_same_crops_and_another_seed_others(digits) -> None:
    first, kinds = draw_negatives(60, (3, 1), digits)
    again, kinds_again = draw_negatives(60, (3, 1), digits)
    other, _ = draw_negatives(60, (3, 2), digits)
    assert np.array_equal(first, again) and kinds == kinds_again
    assert not np.array_equal(first, other)


def test_every_kind_is_drawn_and_halves_need_digits(digits) -> None:
    _, kinds = draw_negatives(400, 0, digits)
    assert set(kinds) == set(KINDS)
    _, without = draw_negatives(200, 0)
    assert set(without) == set(KINDS) - {"halves", "pairs"}
    assert NOT_DIGIT_CLASS == 10


@pytest.mark.parametrize("kind", KINDS)
def test_crops_look_like_normalized_reader_crops(kind, digits) -> None:
    """White ink on black, 28x28 uint8, fitted and centred by runtime.normalize (a fixed point)."""
    rng = np.random.default_rng(5)
    for _ in range(10):
        crop = draw_negative(kind, rng, digits)
        assert crop.shape == (28, 28) and crop.dtype == np.uint8
        assert crop.max() > 20, "a negative has visible ink (a long thin rule shrinks to a faint one)"
        rows = np.flatnonzero(crop.max(axis=1) > 1)
        cols = np.flatnonzero(crop.max(axis=0) > 1)
        # Longest side fitted to 20 px (a lopsided crop's far edge may be clipped by the centring).
        assert 12 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 20
        mass = crop.astype(float)
        centre = (mass.sum(1) @ np.arange(28) / mass.sum(), mass.sum(0) @ np.arange(28) / mass.sum())
        assert np.allclose(centre, 14.0, atol=2.0), "centre of mass on (14, 14), unless clipped"


def test_halves_never_keep_a_lone_stem(digits) -> None:
    """A standing narrow stroke is a 1: such a cut is never taught as "not a digit"."""
    stem = np.zeros((56, 56), np.uint8)
    stem[8:48, 26:31] = 255
    slanted = np.zeros((56, 56), np.uint8)
    for row in range(8, 48):
        slanted[row, 10 + row // 2 : 15 + row // 2] = 255
    bar = np.ascontiguousarray(stem.T)
    assert _looks_like_a_stem(stem) and _looks_like_a_stem(slanted) and not _looks_like_a_stem(bar)
    assert 1 not in HALF_SIDES and 7 not in HALF_SIDES


def test_chalk_augmentation_breaks_strokes_and_stays_seeded(digits) -> None:
    images, labels = digits[0][:50], digits[1][:50]
    chalk = AugmentConfig(clean_fraction=0.0, chalk_probability=1.0)
    plain = AugmentConfig(clean_fraction=0.0)
    drawn = augment_batch(images, labels, 4, chalk)
    assert np.array_equal(drawn, augment_batch(images, labels, 4, chalk))
    # Chalk is dimmer than a pen (it marks only the board's grain) and it skips: strokes break.
    pen = augment_batch(images, labels, 4, plain)

    def peak(batch):
        return np.mean([np.percentile(image[image > 0], 95) for image in batch])

    def pieces(batch):
        return np.mean([cv2.connectedComponents((image > 80).astype(np.uint8))[0] - 1 for image in batch])

    assert peak(drawn) < 0.8 * peak(pen)
    assert pieces(drawn) > 1.3 * pieces(pen)


@pytest.mark.parametrize("weight", [1.0, 0.25])
def test_not_digit_weight_scales_only_the_negatives_loss(digits, weight) -> None:
    import keras

    from train.config import TrainConfig
    from train.trainer import SplitData, _training_batches

    images, labels = digits
    data = SplitData(images[:200], labels[:200], images[200:], labels[200:], images[:1], labels[:1],
                     train_mnist_count=200)
    config = TrainConfig(negative_fraction=0.5, not_digit_weight=weight, augment=False).resolved()
    batches = _training_batches(keras, data, config)
    batches.on_epoch_begin()
    seen = [batches[index] for index in range(len(batches))]
    batch_labels = np.concatenate([batch[1] for batch in seen])
    assert (batch_labels == NOT_DIGIT_CLASS).sum() == 100
    if weight == 1.0:
        assert all(len(batch) == 2 for batch in seen)  # no weights: the shipped recipe's batches
        return
    weights = np.concatenate([batch[2] for batch in seen])
    np.testing.assert_array_equal(weights, np.where(batch_labels == NOT_DIGIT_CLASS, weight, 1.0))
