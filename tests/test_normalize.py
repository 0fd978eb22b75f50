"""The one MNIST-style normalization: what MNIST's makers did to every digit."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from runtime.images import to_uint8
from runtime.normalize import normalize_batch, normalize_digit


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    mass = image.astype(np.float64)
    total = mass.sum()
    return (mass.sum(axis=1) @ np.arange(28) / total, mass.sum(axis=0) @ np.arange(28) / total)


def test_longest_side_is_twenty_and_aspect_is_kept():
    tall_bar = np.zeros((200, 300), np.uint8)
    tall_bar[20:180, 140:160] = 255  # 160 x 20: a thin "1"
    result = normalize_digit(tall_bar)
    height, width = ink_box(result)
    assert result.shape == (28, 28) and result.dtype == np.uint8
    assert height == 20
    assert width <= 4  # not stretched into a blob


def test_centre_of_mass_lands_in_the_middle():
    blob = np.zeros((60, 60), np.uint8)
    blob[5:25, 30:58] = 255
    blob[25:55, 30:35] = 255  # lopsided: mass is not at the box centre
    row, col = centre_of_mass(normalize_digit(blob))
    assert abs(row - 14.0) <= 0.75 and abs(col - 14.0) <= 0.75  # where MNIST puts it


def test_mnist_digits_come_back_almost_unchanged(mnist_test_digits):
    images, _ = mnist_test_digits
    renormalized = normalize_batch(list(images[:200]))
    difference = np.abs(renormalized.astype(np.int16) - images[:200].astype(np.int16))
    # MNIST was made this way, so re-normalizing moves almost nothing (resampling noise only).
    assert difference.mean() < 0.5


def test_blank_crop_gives_a_blank_image():
    assert not normalize_digit(np.zeros((10, 10), np.uint8)).any()


def test_bool_and_float_crops_are_accepted():
    mask = np.zeros((30, 20), bool)
    mask[5:25, 8:12] = True
    assert normalize_digit(mask).max() == 255
    assert normalize_digit(mask.astype(np.float32)).max() == 255


def test_colour_crop_is_rejected_with_a_clear_error():
    with pytest.raises(ValueError, match="2-D"):
        normalize_digit(np.zeros((10, 10, 3), np.uint8))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, bool]),
                  shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=64)))
def test_any_two_dimensional_array_gives_a_valid_image(crop):
    result = normalize_digit(crop)
    assert result.shape == (28, 28) and result.dtype == np.uint8


def reference_normalize(ink: np.ndarray) -> np.ndarray:
    """The steps of `preprocessing_spec`, written plainly with numpy (the code before it was
    moved to OpenCV calls for speed): the fast version must give the same bytes."""
    ink = to_uint8(np.asarray(ink))
    rows = np.flatnonzero(ink.max(axis=1) > 1)
    cols = np.flatnonzero(ink.max(axis=0) > 1)
    canvas = np.zeros((28, 28), np.uint8)
    if rows.size == 0:
        return canvas
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20 / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    digit = cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    mass = digit.astype(np.float64)
    centre_y = (mass.sum(axis=1) @ np.arange(digit.shape[0])) / mass.sum()
    centre_x = (mass.sum(axis=0) @ np.arange(digit.shape[1])) / mass.sum()
    top, left = int(round(14 - centre_y)), int(round(14 - centre_x))
    for y in range(digit.shape[0]):
        for x in range(digit.shape[1]):
            if 0 <= top + y < 28 and 0 <= left + x < 28:
                canvas[top + y, left + x] = digit[y, x]
    return canvas


def test_normalize_gives_the_bytes_of_the_plain_definition(mnist_test_digits):
    images, _ = mnist_test_digits
    rng = np.random.default_rng(5)
    page = np.zeros((400, 400), np.uint8)
    for index in range(60):  # MNIST digits, scaled, on a page: crops are views into it
        side = int(rng.integers(8, 90))
        y, x = (int(v) for v in rng.integers(0, 400 - side, 2))
        page[y:y + side, x:x + side] = cv2.resize(images[index], (side, side))
    crops = [page[y:y + h, x:x + w] for y, x, h, w in rng.integers(1, 200, (300, 4))]
    crops += [images[index] for index in range(200)] + [images[0] > 100, images[1] / 255.0,
                                                        np.rot90(images[2]), images[3][::2, ::-1]]
    crops += [np.eye(30, dtype=np.uint8) * 255, np.full((1, 40), 200, np.uint8), np.full((3, 3), 1, np.uint8)]
    for index, crop in enumerate(crops):
        assert np.array_equal(normalize_digit(crop), reference_normalize(crop)), f"crop {index}"
