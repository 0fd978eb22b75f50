"""Training-time augmentation: seeded, normalised like the runtime, cheap, label-preserving."""

from __future__ import annotations

import numpy as np

from runtime.normalize import normalize_digit
from train.augment import AugmentConfig, augment_batch


def _digits(count: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic 'digits': a thick bar or ring, enough to exercise every distortion."""
    import cv2

    images = np.zeros((count, 28, 28), np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    for index in range(count):
        if labels[index] in (1, 7):
            cv2.line(images[index], (14, 5), (12 + index % 3, 23), 255, 3)
            if labels[index] == 7:
                cv2.line(images[index], (8, 5), (14, 5), 255, 3)
        else:
            cv2.ellipse(images[index], (14, 14), (5 + index % 3, 9), 0, 0, 360, 255, 2)
    return images, labels


def test_same_seed_same_result_regardless_of_threads():
    images, labels = _digits()
    one = augment_batch(images, labels, seed=(7, 0), workers=1)
    two = augment_batch(images, labels, seed=(7, 0), workers=3)
    np.testing.assert_array_equal(one, two)
    other_epoch = augment_batch(images, labels, seed=(7, 1))
    assert not np.array_equal(one, other_epoch)


def test_augmented_digits_look_like_runtime_normalised_crops():
    images, labels = _digits()
    config = AugmentConfig(clean_fraction=0.0, jitter_probability=0.0, noise_probability=0.0)
    augmented = augment_batch(images, labels, seed=3, config=config)
    assert augmented.shape == images.shape and augmented.dtype == np.uint8
    for digit in augmented:
        rows = np.flatnonzero(digit.max(axis=1) > 1)
        cols = np.flatnonzero(digit.max(axis=0) > 1)
        # normalize_digit fits the longest side of the ink into 20 px.
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
        # Normalising again changes (almost) nothing: it already is a normalised crop.
        assert np.abs(normalize_digit(digit).astype(int) - digit).mean() < 8


def test_clean_fraction_one_returns_the_input():
    images, labels = _digits(10)
    unchanged = augment_batch(images, labels, seed=0, config=AugmentConfig(clean_fraction=1.0))
    np.testing.assert_array_equal(unchanged, images)


def test_augmentation_varies_stroke_and_keeps_ink():
    images, labels = _digits()
    augmented = augment_batch(images, labels, seed=5, config=AugmentConfig(clean_fraction=0.0))
    ink = (augmented > 100).sum(axis=(1, 2))
    assert (augmented.max(axis=(1, 2)) > 0).all()  # no digit wiped out
    assert ink.std() > 0.1 * ink.mean()  # thickness / faintness really vary


def test_motion_blur_smears_along_one_line_and_stays_seeded():
    """Camera shake: a dot becomes a short straight streak, the same for the same seed."""
    from train.augment import _motion_blur

    dot = np.zeros((80, 80), np.uint8)
    dot[40, 40] = 255
    streak = _motion_blur(dot, np.random.default_rng(2), (9, 9))
    ys, xs = np.nonzero(streak)
    spread = np.linalg.eigvalsh(np.cov(np.vstack([xs, ys]).astype(float)))
    assert spread[1] > 5.0 and spread[1] > 8 * spread[0], "long along one direction, thin across"
    assert np.ptp(xs) <= 9 and np.ptp(ys) <= 9

    images, labels = _digits(40)
    config = AugmentConfig(clean_fraction=0.0, motion_blur_probability=1.0)
    smeared = augment_batch(images, labels, seed=6, config=config)
    np.testing.assert_array_equal(smeared, augment_batch(images, labels, seed=6, config=config))
    plain = augment_batch(images, labels, seed=6, config=AugmentConfig(clean_fraction=0.0))
    # Smeared strokes leave fewer fully dark pixels than sharp ones.
    assert (smeared > 200).sum() < (plain > 200).sum()
