"""Synthetic style digits: every template draws a normalised, seeded digit of its label."""

from __future__ import annotations

import numpy as np

from runtime.normalize import normalize_digit
from train.styles import TEMPLATES, StyleConfig, draw_digit, draw_styles


def test_every_template_is_drawn_with_its_label():
    images, labels, names = draw_styles(3 * len(TEMPLATES), seed=0)
    assert images.shape == (3 * len(TEMPLATES), 28, 28) and images.dtype == np.uint8
    assert sorted(set(names)) == sorted(TEMPLATES)
    assert [TEMPLATES[name][0] for name in names] == labels.tolist()
    assert set(labels.tolist()) == set(range(10))


def test_drawn_digits_look_like_runtime_normalised_crops():
    images, _, names = draw_styles(2 * len(TEMPLATES), seed=1)
    for digit, name in zip(images, names, strict=True):
        rows = np.flatnonzero(digit.max(axis=1) > 1)
        cols = np.flatnonzero(digit.max(axis=0) > 1)
        # normalize_digit fits the longest side of the ink into 20 px.
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21), name
        assert np.abs(normalize_digit(digit).astype(int) - digit).mean() < 8, name


def test_same_seed_same_digits_and_pens_from_fine_to_bold():
    first, _, _ = draw_styles(40, seed=(3, 4))
    again, _, _ = draw_styles(40, seed=(3, 4))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, draw_styles(40, seed=(3, 5))[0])
    rng = np.random.default_rng(0)

    def mean_ink(pen: float) -> float:
        config = StyleConfig(pen_range=(pen, pen), faint_probability=0.0)
        return float(np.mean([(draw_digit("1 bar", rng, config) > 100).sum() for _ in range(10)]))

    assert mean_ink(0.24) > 2 * mean_ink(0.05)


def test_styles_mnist_lacks_are_among_the_templates():
    for name in ("4 open", "1 flagged", "7 crossed", "3 boxy", "9 boxy", "9 long tail"):
        assert name in TEMPLATES
