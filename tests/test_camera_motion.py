"""The camera's shift refinement (`runtime.camera.motion`): from a rough estimate to a fraction
of a pixel on thumbnails, and no answer where there is nothing to measure."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from runtime.camera.motion import ShiftRefiner

THUMBNAIL = (120, 160)


def textured(seed: int = 5) -> np.ndarray:
    """A thumbnail-sized picture with strokes' texture (blurred noise), float32."""
    noise = np.random.default_rng(seed).integers(0, 256, THUMBNAIL).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 1.5)


def moved(picture: np.ndarray, dx: float, dy: float) -> np.ndarray:
    return cv2.warpAffine(picture, np.float32([[1, 0, dx], [0, 1, dy]]), THUMBNAIL[::-1],
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("dx, dy", [(0.3, -0.2), (1.6, 0.45), (-2.25, 1.1), (0.0, 0.0)])
# Phase correlation's estimate, or the last moved frame's shift, lies within about half a
# thumbnail pixel of the shift.
@pytest.mark.parametrize("off", [(0.0, 0.0), (0.4, -0.3), (-0.3, 0.45)])
def test_a_rough_estimate_is_refined_to_an_eighth_of_a_pixel(dx, dy, off):
    template = textured()
    refined = ShiftRefiner(template).refine(moved(template, dx, dy), (dx + off[0], dy + off[1]))
    assert refined is not None
    # An eighth of a thumbnail pixel is half a pixel of the frame, as the moved frame's check needs.
    assert abs(refined[0] - dx) < 0.125 and abs(refined[1] - dy) < 0.125, refined


def test_a_blank_picture_has_no_shift():
    blank = np.full(THUMBNAIL, 200, np.float32)
    assert ShiftRefiner(blank).refine(blank, (0.5, 0.5)) is None


def test_stripes_in_one_direction_have_no_shift():
    """Vertical stripes show a sideways shift but not a vertical one: no answer, not a guess."""
    stripes = np.tile((128 + 100 * np.sin(np.arange(THUMBNAIL[1]) / 3.0)).astype(np.float32), (THUMBNAIL[0], 1))
    assert ShiftRefiner(stripes).refine(moved(stripes, 1.2, 0.0), (1.0, 0.0)) is None


def test_an_estimate_that_runs_off_the_picture_has_no_shift():
    template = textured()
    assert ShiftRefiner(template).refine(template, (80.0, 0.0)) is None
