"""The ink map skips its floor where the paper lies above it; it must be the same map, bit for bit.

`ink._darkness` divides by max(paper, floor); on a sheet filling the picture the paper is above
the floor everywhere and the maximum is left out. Compared with the formula as it was written,
on pages of both kinds: a sheet (paper above the floor) and a sheet on a dark desk (below it).
A page under 320 px on its shorter side (a camera frame read at half size) has its paper closed
as uint8, and a page whose darkest paper lies above half its brightest skips the floor's
percentile: the formula as written takes neither shortcut.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from runtime.reading.ink import FLOOR_MARGIN, _paper, darkness_map
from runtime.reading.quantiles import percentile


def darkness_as_written(gray: np.ndarray) -> np.ndarray:
    page = gray.astype(np.float32)
    paper, small_paper = _paper(page)
    floor = max(1.0, 0.5 * percentile(small_paper, 95))
    darkness = np.subtract(paper, page)
    np.divide(darkness, np.maximum(paper, floor), out=darkness)
    return np.clip(darkness, 0.0, 1.0, out=darkness)


def page(size: tuple[int, int], on_a_desk: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height, width = size
    gray = np.full(size, 215, np.float32) + rng.normal(0, 4, size)
    gray += np.linspace(-25, 20, width)[None, :]  # light falling across the sheet
    if on_a_desk:
        gray[:, : width // 4] = 40 + rng.normal(0, 6, (height, width // 4))
    gray = np.clip(gray, 0, 255).astype(np.uint8)
    for _ in range(40):  # strokes
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        cv2.line(gray, (x, y), (x + int(rng.integers(-30, 30)), y + int(rng.integers(-40, 40))), 30, 3)
    return gray


@pytest.mark.parametrize("size", [(240, 320), (480, 640), (2339, 1654)])
@pytest.mark.parametrize("on_a_desk", [False, True])
def test_darkness_is_the_formula_as_written(size, on_a_desk):
    gray = page(size, on_a_desk, seed=size[0] + on_a_desk)
    _, small_paper = _paper(gray)
    floor = max(1.0, 0.5 * percentile(small_paper, 95))
    # Both branches are taken: the desk holds the paper estimate below the floor.
    assert (float(small_paper.min()) >= FLOOR_MARGIN * floor) != on_a_desk
    assert np.array_equal(darkness_map(gray), darkness_as_written(gray))
