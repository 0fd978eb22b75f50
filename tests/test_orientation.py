"""Page geometry: tilt measurement, the upside-down vote and mapping boxes back through turns and levelling."""

from collections import Counter

import numpy as np
import pytest

from runtime.reading.orientation import (
    TurnReadings,
    is_upside_down,
    level_page,
    map_box_back,
    quarter_turn_matrix,
)
from runtime.reading.tilt import _sum_of_squared_counts, estimate_tilt_deg


def lines_of_boxes(tilt_deg: float, seed: int = 0):
    """Four lines of five digit boxes, turned counter-clockwise by `tilt_deg`, with jitter."""
    rng = np.random.default_rng(seed)
    theta = np.radians(tilt_deg)
    boxes = []
    for line in range(4):
        for index in range(5):
            x, y = 50 + index * 40, 50 + line * 90
            turned_x = x * np.cos(theta) + y * np.sin(theta)
            turned_y = -x * np.sin(theta) + y * np.cos(theta) + 300
            boxes.append((int(turned_x + rng.normal(0, 2)), int(turned_y + rng.normal(0, 2)), 20, 30))
    return boxes


@pytest.mark.parametrize("tilt", [-30.0, -8.0, 0.0, 5.0, 12.0, 37.0])
def test_tilt_is_measured_within_a_degree_and_a_half(tilt):
    assert abs(estimate_tilt_deg(lines_of_boxes(tilt)) - tilt) <= 1.5


def test_too_few_digits_mean_no_tilt():
    assert estimate_tilt_deg([(0, 0, 10, 20), (30, 15, 10, 20)]) == 0.0


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_boxes_map_back_through_quarter_turns(turns):
    page = np.zeros((60, 100), np.uint8)
    page[10:20, 30:45] = 255
    turned = np.rot90(page, turns)
    rows, cols = np.nonzero(turned)
    box = (int(cols.min()), int(rows.min()), int(np.ptp(cols) + 1), int(np.ptp(rows) + 1))
    assert map_box_back(box, quarter_turn_matrix(turns, page.shape), page.shape) == (30, 10, 15, 10)


def test_levelling_keeps_every_pixel_and_maps_back():
    darkness = np.zeros((100, 200), np.float32)
    darkness[40:60, 90:110] = 1.0
    levelled, matrix = level_page(darkness, 20.0)
    assert levelled.shape[0] > 100 and levelled.shape[1] > 200
    assert levelled.sum() == pytest.approx(darkness.sum(), rel=0.05)
    rows, cols = np.nonzero(levelled > 0.5)
    box = (int(cols.min()), int(rows.min()), int(np.ptp(cols) + 1), int(np.ptp(rows) + 1))
    x, y, w, h = map_box_back(box, matrix, darkness.shape)
    assert abs(x + w / 2 - 100) <= 2 and abs(y + h / 2 - 50) <= 2


def test_crops_far_wider_than_the_pages_digits_do_not_vote_it_over():
    """Eight wide crops (touching pairs, 44 px wide on a page of 20 px tall digits) read better upside
    down, three single digits upright: the singles decide once the page's digit height is known."""
    upright = np.log([0.05] * 8 + [0.99] * 3)
    over = np.log([0.3] * 8 + [0.2] * 3)
    log_confidence = np.stack([upright, np.full(11, np.nan), over, np.full(11, np.nan)])
    readings = TurnReadings(log_confidence, np.array([44] * 8 + [20] * 3))
    assert is_upside_down(readings)
    assert not is_upside_down(readings, digit_height=20.0)
    # Turned over, the singles vote for the turn as the page's digits would.
    turned = TurnReadings(log_confidence[[2, 3, 0, 1]], readings.widths)
    assert is_upside_down(turned, digit_height=20.0)


def test_line_scores_count_each_bins_points_squared():
    """The tilt's score per row of bin numbers: the sum of its bins' point counts squared (a
    row of 5 points in bins 0, 0, 3, 3, 3 scores 2*2 + 3*3 = 13), as a plain count gives it."""
    rng = np.random.default_rng(3)
    for points, spread in ((5, 3), (20, 40), (200, 90)):
        bins = np.floor(rng.random((12, points)) * spread + rng.integers(0, 2, (12, 1)) * 0.5)
        expected = [float(sum(count * count for count in Counter(row.tolist()).values())) for row in bins]
        assert _sum_of_squared_counts(bins).tolist() == expected
    assert _sum_of_squared_counts(np.array([[0.0, 0.0, 3.0, 3.0, 3.0]])).tolist() == [13.0]
