"""Rule removal labels box sides on part of the page; the sides found must be the whole page's.

`rules._box_sides` labels the strokes within the box of the horizontal lines only. It is
compared here with the same steps done over the whole page, as they were: on pages of boxes and
writing, with strokes crossing the window's border (the whole page is then labelled), lines at
the page's edges, a stroke that only whole is too wide for a side, and random masks.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from runtime.reading.regions import label_regions
from runtime.reading.rules import _band_near, _box_sides

SQUARE_3 = np.ones((3, 3), np.uint8)


def whole_page_box_sides(faint_mask: np.ndarray, band: np.ndarray) -> np.ndarray:
    sides = np.zeros_like(faint_mask)
    upright = cv2.subtract(faint_mask, band)
    _, labels, stats = label_regions(upright, any_order=True)
    x, y, w, h = (stats[:, index] for index in range(4))
    thin = (h >= 3 * w) & (h >= 8)
    thin[0] = False
    candidates = np.flatnonzero(thin)
    if candidates.size:
        x, y, w, h = x[candidates], y[candidates], w[candidates], h[candidates]
        kept = candidates[_band_near(band, y, x, w, step=-1) & _band_near(band, y + h - 1, x, w, step=1)]
        sides[np.isin(labels, kept) & (upright > 0)] = 255
    return sides


def form_page(seed: int, crossing_border: bool, at_edges: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A faint mask of box rows and writing, its level lines and their band."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((700, 500), np.uint8)
    lines = np.zeros_like(mask)
    for top in range(60, 600, 90):
        left = int(rng.integers(30, 120))
        cells = int(rng.integers(1, 5))
        for cell in range(cells):
            cv2.rectangle(mask, (left + 50 * cell, top), (left + 50 * (cell + 1), top + 55), 255, 2)
        cv2.line(lines, (left, top), (left + 50 * cells, top), 255, 2)
        cv2.line(lines, (left, top + 55), (left + 50 * cells, top + 55), 255, 2)
    for _ in range(120):  # writing, in and out of the boxes
        x, y = (int(v) for v in rng.integers(0, (500, 700)))
        cv2.line(mask, (x, y), (x + int(rng.integers(-15, 15)), y + int(rng.integers(-25, 25))), 255, 2)
    if crossing_border:  # a stroke from the margin into the boxes
        cv2.line(mask, (5, 30), (200, 200), 255, 2)
    if at_edges:  # lines along the page's edges
        mask[:2, :] = 255
        lines[:2, :] = 255
        mask[-2:, 100:] = 255
        lines[-2:, 100:] = 255
    found = cv2.bitwise_and(lines, mask)
    return mask, found, cv2.dilate(found, SQUARE_3)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("crossing_border, at_edges", [(False, False), (True, False), (False, True)])
def test_box_sides_are_the_whole_pages(seed, crossing_border, at_edges):
    mask, _, band = form_page(seed, crossing_border, at_edges)
    got, want = _box_sides(mask, band), whole_page_box_sides(mask, band)
    assert np.array_equal(got, want)
    if seed == 0 and not at_edges:
        assert cv2.countNonZero(want) > 0  # sides were found: the comparison means something


def test_a_stroke_leaving_the_lines_box_is_measured_whole():
    # A side-like stroke between two lines with a hook out past their left end: whole, it is
    # wider than a side; cut off at the lines' box, it would pass for one.
    mask, lines = np.zeros((300, 400), np.uint8), np.zeros((300, 400), np.uint8)
    for row in (100, 160):
        cv2.line(lines, (100, row), (300, row), 255, 2)
    cv2.line(mask, (100, 104), (100, 156), 255, 2)
    cv2.line(mask, (100, 130), (60, 130), 255, 2)
    mask |= lines
    band = cv2.dilate(cv2.bitwise_and(lines, mask), SQUARE_3)
    assert np.array_equal(_box_sides(mask, band), whole_page_box_sides(mask, band))
    cv2.line(mask, (60, 130), (99, 130), 0, 2)  # without the hook it is a side, and is found
    assert cv2.countNonZero(_box_sides(mask, band)) > 0


def test_random_masks_give_the_whole_pages_sides():
    rng = np.random.default_rng(11)
    for _ in range(40):
        height, width = (int(v) for v in rng.integers(20, 160, 2))
        mask = ((rng.random((height, width)) < rng.uniform(0.05, 0.5)) * 255).astype(np.uint8)
        found = np.zeros_like(mask)
        for row in rng.integers(0, height, int(rng.integers(1, 4))):
            start = int(rng.integers(0, width))
            found[row, start : start + int(rng.integers(5, width + 1))] = 255
        mask |= found
        band = cv2.dilate(found, SQUARE_3)
        assert np.array_equal(_box_sides(mask, band), whole_page_box_sides(mask, band))
