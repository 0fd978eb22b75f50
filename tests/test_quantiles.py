"""The reader's percentiles are numpy's, value for value."""

import numpy as np
import pytest

from runtime.reading import quantiles
from runtime.reading.quantiles import array_median, percentile, value_of_rank


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("size", [1, 2, 7, 4097, 76800])
def test_percentiles_are_numpys_to_the_bit(dtype, size):
    rng = np.random.default_rng(size)
    pictures = [rng.integers(0, 256, size), rng.normal(200, 4, size).round(), rng.random(size) * 255]
    for values in pictures:
        values = np.clip(values, 0, 255).astype(dtype)
        for q in (0, 1, 5, 50, 90, 95, 99, 100, 37.3):
            assert percentile(values, q) == np.percentile(values, q).item(), (q, values[:5])


def test_a_smooth_frame_takes_the_band_and_a_lopsided_one_falls_back():
    """A band found from the sample (most frames), and one that misses the rank (every sampled
    value alike, the rest not), both give numpy's value."""
    smooth = np.linspace(180, 240, 320 * 240, dtype=np.float32).reshape(240, 320)
    lopsided = np.full(320 * 240, 100, np.float32)
    lopsided[1::16] = np.arange(lopsided[1::16].size, dtype=np.float32)
    for values in (smooth, lopsided):
        assert percentile(values, 95) == np.percentile(values, 95).item()


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("size", [2, 7, 4097, 479106])
def test_the_value_of_a_rank_is_numpys(dtype, size):
    # The grain's quantile takes its value so (a page's neighbour differences: ~480,000 values).
    rng = np.random.default_rng(size)
    for values in (np.abs(rng.normal(0, 0.01, size)) * (rng.random(size) > 0.07), rng.random(size) * 255):
        values = values.astype(dtype)
        for rank in sorted({0, size // 3, int(0.75 * (size - 1)), size - 2}):
            assert value_of_rank(values, rank) == np.partition(values, rank)[rank]


@pytest.mark.parametrize("histogram_limit", [1 << 24, 1000])
def test_uint8_percentiles_are_numpys_by_either_count(monkeypatch, histogram_limit):
    # Grey levels are counted by OpenCV's histogram (float32 counts, exact below 2**24 values),
    # or by numpy's bincount above that: both give numpy's percentile (strided views included).
    monkeypatch.setattr(quantiles, "MAX_HISTOGRAM_PIXELS", histogram_limit)
    rng = np.random.default_rng(7)
    for values in (rng.integers(0, 256, (240, 320)), rng.normal(230, 3, (585, 413)).round(),
                   rng.integers(0, 4, 5001) * 60):
        values = np.clip(values, 0, 255).astype(np.uint8)
        for view in (values, values[::2, 1::3] if values.ndim == 2 else values[::3]):
            for q in (1, 50, 90, 95, 99):
                assert percentile(view, q) == np.percentile(view, q).item()


def test_the_median_of_an_array_is_numpys():
    # float32 middles are averaged in float32 (numpy's mean of them), whole numbers in float64.
    rng = np.random.default_rng(8)
    for size in (1, 2, 3, 8, 33, 64):
        for _ in range(200):
            values = rng.random(size).astype(np.float32)
            assert array_median(values) == float(np.median(values))
            counts = rng.integers(0, 9, size)
            assert array_median(counts) == float(np.median(counts))
    # Two float32 middles whose float64 mean differs from numpy's float32 one.
    halves = np.array([0.1, 0.3], np.float32)
    assert array_median(halves) == float(np.median(halves)) != (float(halves[0]) + float(halves[1])) / 2
