"""`area_mean` must give OpenCV's area shrink by a fractional step, pixel for pixel, to the bit.

The ink map's paper estimate starts from this shrink (`ink.shrink`); a last bit off anywhere could
move a threshold and change a reading. Random pictures of every size and step, uint8 and
float32, are compared with `cv2.resize` on the float32 picture, as the ink map made it before.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from runtime.reading.area_mean import _weights, area_mean, is_fractional
from runtime.reading.ink import shrink
from runtime.reading.polarity import working_step


def opencv_area_mean(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)


def test_random_sizes_and_steps_are_opencvs():
    rng = np.random.default_rng(3)
    compared = 0
    for _ in range(120):
        height, width = (int(v) for v in rng.integers(12, 400, 2))
        step = int(rng.integers(2, 14))
        size = (max(1, width // step), max(1, height // step))
        if not is_fractional((height, width), size):
            continue
        gray = rng.integers(0, 256, (height, width), dtype=np.uint8)
        if compared % 3 == 0:
            gray = (gray // 85 * 85).astype(np.uint8)  # few levels: many equal sums and ties
        expected = opencv_area_mean(gray, size)
        assert np.array_equal(area_mean(gray, size), expected), (height, width, step)
        assert np.array_equal(area_mean(gray.astype(np.float32), size), expected), (height, width, step)
        compared += 1
    assert compared >= 80


@pytest.mark.parametrize("shape", [(2339, 1654), (1654, 2339), (1755, 1240), (3508, 2480)])
def test_a_page_is_shrunk_as_opencv_shrinks_it(shape):
    # A4 at 200, 150 and 300 dpi, upright and sideways: what `ink.shrink` takes this path for.
    gray = np.random.default_rng(shape[0]).integers(0, 256, shape, dtype=np.uint8)
    step = working_step(shape)
    size = (shape[1] // step, shape[0] // step)
    assert is_fractional(shape, size)
    assert np.array_equal(shrink(gray), opencv_area_mean(gray, size))


def test_whole_steps_and_growth_are_not_fractional():
    assert not is_fractional((2340, 1650), (165, 234))  # 10 both ways: OpenCV's fast path
    assert not is_fractional((100, 100), (200, 200))  # growing
    assert is_fractional((2340, 1654), (165, 234))  # whole one way only: the general path


def opencv_cell(source: int, scale: float, d: int) -> list[tuple[int, np.float32]]:
    """The source pixels of output pixel `d` and their weights, as `computeResizeAreaTab` lists them."""
    start = d * scale
    end = start + scale
    cell_width = min(scale, source - start)
    first, last = math.ceil(start), math.floor(end)
    last = min(last, source - 1)
    first = min(first, last)
    cell = []
    if first - start > 1e-3:
        cell.append((first - 1, np.float32((first - start) / cell_width)))
    cell += [(index, np.float32(1.0 / cell_width)) for index in range(first, last)]
    if end - last > 1e-3:
        cell.append((last, np.float32(min(min(end - last, 1.0), cell_width) / cell_width)))
    return cell


def test_the_weights_table_is_opencvs_pixel_by_pixel():
    # The table is worked out for all output pixels at once; OpenCV lists each pixel's cell in
    # a loop. Pad a cell by its last pixel at weight 0 to the longest cell's length.
    rng = np.random.default_rng(5)
    sizes = [(1654, 165), (2339, 233), (2480, 248), (3508, 350), (1240, 124), (1755, 175)]
    sizes += [(int(source), int(source // step)) for source, step in zip(rng.integers(12, 5000, 200),
                                                                        rng.integers(2, 14, 200))]
    for source, shrunk in sizes:
        scale = 1.0 / (shrunk / source)
        cells = [opencv_cell(source, scale, d) for d in range(shrunk)]
        steps = max(len(cell) for cell in cells)
        index, weight = _weights(source, shrunk)
        assert index.shape == weight.shape == (steps, shrunk), (source, shrunk)
        for d, cell in enumerate(cells):
            indices, shares = zip(*cell)
            assert index[:, d].tolist() == [indices[min(k, len(cell) - 1)] for k in range(steps)], (source, d)
            want = np.zeros(steps, np.float32)
            want[: len(cell)] = shares
            assert np.array_equal(weight[:, d], want), (source, d)
