"""Page geometry: the upside-down vote and mapping boxes back through turns and levelling (tilt: test_tilt.py)."""

import numpy as np
import pytest

from runtime.reading.orientation import (
    TurnReadings,
    is_upside_down,
    level_page,
    map_box_back,
    quarter_turn_matrix,
)


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
