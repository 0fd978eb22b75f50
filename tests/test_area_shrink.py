"""`area_shrink` by 4 (the camera's thumbnails) takes a faster path that must give OpenCV's pixels.

OpenCV rounds a uint8 4x4 area mean to the nearest level, ties to even; `area_shrink` gets the
exact mean from two float32 halvings and rounds it the same way. Random pictures hit every
rounding case (a sixteenth of their blocks are ties); the tie-only picture makes sure of it.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from runtime.reading.ink import area_shrink


def opencv_area_mean(gray: np.ndarray, step: int) -> np.ndarray:
    height, width = gray.shape
    return cv2.resize(gray, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("shape", [(480, 640), (240, 320), (720, 1280), (4, 4), (8, 12), (2340, 1656)])
def test_a_4x4_area_mean_is_opencvs(shape):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    for _ in range(3):
        gray = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(area_shrink(gray, 4), opencv_area_mean(gray, 4))


def test_ties_round_to_even_as_opencv_does():
    # Every block sums to 16k + 8: its mean lies halfway between two levels, odd and even alike.
    rng = np.random.default_rng(5)
    gray = np.zeros((120, 160), np.uint8)
    gray[::4, ::4] = 8
    gray[1::4, ::4] = rng.integers(0, 16, (30, 40)) * 16
    assert np.array_equal(area_shrink(gray, 4), opencv_area_mean(gray, 4))
    assert set(np.unique(area_shrink(gray, 4) % 2)) == {0}  # halfway means went to the even level


@pytest.mark.parametrize("shape, step", [((481, 641), 4), ((480, 640), 2), ((480, 640), 3), ((7, 5), 4)])
def test_other_steps_and_sizes_are_opencvs(shape, step):
    gray = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(area_shrink(gray, step), opencv_area_mean(gray, step))


def test_float_pictures_are_shrunk_by_opencv():
    gray = np.random.default_rng(2).random((480, 640), dtype=np.float32)
    assert np.array_equal(area_shrink(gray, 4), opencv_area_mean(gray, 4))
