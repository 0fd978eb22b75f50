"""A region's own pixels in a box of the page's labels, found label by label for a region of a
few labels, are `np.isin`'s, whatever the labels' type and however many the region holds."""

import numpy as np
import pytest

from runtime.reading.component import MAX_LABELS_COMPARED, labelled_as


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
def test_a_regions_pixels_are_isins(dtype):
    rng = np.random.default_rng(3)
    for _ in range(400):
        box = rng.integers(0, 20, tuple(int(v) for v in rng.integers(1, 40, 2))).astype(dtype)
        count = int(rng.integers(1, MAX_LABELS_COMPARED + 4))
        own = [int(v) for v in rng.choice(25, count, replace=False)]
        got = labelled_as(box, own)
        assert got.dtype == bool and np.array_equal(got, np.isin(box, own))
