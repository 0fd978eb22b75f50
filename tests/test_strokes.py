"""Widening hair-thin pen strokes before normalization (runtime.reading.strokes)."""

import cv2
import numpy as np

from runtime.normalize import normalize_digit
from runtime.reading.strokes import stroke_width_px, widen_thin_strokes


def _ring(side_px: int, pen_px: int) -> np.ndarray:
    """A 0 drawn as an ellipse `side_px` tall with a `pen_px` pen (ink bright on black)."""
    crop = np.zeros((side_px + 8, side_px // 2 + 8), np.uint8)
    centre = (crop.shape[1] // 2, crop.shape[0] // 2)
    cv2.ellipse(crop, centre, (side_px // 4, side_px // 2), 0, 0, 360, 255, pen_px, cv2.LINE_AA)
    return crop


def test_stroke_width_is_measured_in_the_crops_pixels():
    # OpenCV's anti-aliased pen of thickness t covers about t + 1 px.
    for pen_px in (1, 4, 8, 12):
        assert abs(stroke_width_px(_ring(100, pen_px)) - (pen_px + 1)) < 1.5
    assert stroke_width_px(np.zeros((10, 10), np.uint8)) == 0.0


def test_an_mnist_wide_stroke_is_left_as_it_is(mnist_test_digits):
    images, _ = mnist_test_digits
    for image in images[:50]:
        assert widen_thin_strokes(image) is image
    thick = _ring(100, 12)
    assert widen_thin_strokes(thick) is thick


def test_a_hair_thin_stroke_is_widened_to_a_pixel_and_its_loop_stays_open():
    thin = _ring(160, 1)  # about 0.25 px once the 160 px digit is shrunk into the 20 px box
    before, after = normalize_digit(thin), normalize_digit(widen_thin_strokes(thin))
    assert after.max() > before.max()  # no longer a faint trace
    assert after.sum() > 2 * before.sum()
    assert after[14, 14] < 64  # the middle of the 0 is still paper
