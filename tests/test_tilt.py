"""A page's tilt: measured to within a degree and a half, and moved by no one odd region."""

from collections import Counter

import numpy as np
import pytest

from runtime.reading.tilt import _sum_of_squared_counts, estimate_tilt_deg, measure_tilt, tilt_and_consensus


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


@pytest.mark.parametrize("tilt", [-8.0, 0.0, 3.5, 12.0])
def test_the_tilt_and_its_consensus_measured_together_are_each_measured_alone(tilt):
    """`tilt_and_consensus` is `estimate_tilt_deg` and `measure_tilt` at once, value for value:
    where every box votes, where a long stroke has no vote, and with too few boxes."""
    for seed in range(3):
        boxes = lines_of_boxes(tilt, seed)
        xs, ys = [box[0] for box in boxes], [box[1] for box in boxes]
        for case in (boxes, [*boxes, (min(xs), max(ys) + 40, 240, 90)], boxes[:2]):
            assert tilt_and_consensus(case) == (estimate_tilt_deg(case), measure_tilt(case))


def test_too_few_digits_mean_no_tilt():
    assert estimate_tilt_deg([(0, 0, 10, 20), (30, 15, 10, 20)]) == 0.0


def joined_with_the_box_below(boxes, index, per_line=5):
    """`boxes` with box `index` and the one below it (next line) replaced by one box around both:
    two stacked digits, or a digit and its neighbour below, segmented as one region."""
    one, other = boxes[index], boxes[index + per_line]
    left, top = min(one[0], other[0]), min(one[1], other[1])
    right, bottom = max(one[0] + one[2], other[0] + other[2]), max(one[1] + one[3], other[1] + other[3])
    rest = [box for position, box in enumerate(boxes) if position not in (index, index + per_line)]
    return [*rest, (left, top, right - left, bottom - top)]


@pytest.mark.parametrize("tilt", [3.5, 5.0, 8.0])
def test_one_joined_pair_of_stacked_boxes_does_not_move_the_tilt(tilt):
    """Joining stacked pieces into one region moved the tilt of a words page from 3 degrees to 2
    (then left unlevelled: 36 digits read 12). On four lines of five boxes, any one pair joined
    moved the projection profile's estimate by up to 5 degrees (tilt 3.5, seed 2: 5 -> 0). The
    lines' consensus moves less than a degree; the tilt the reader levels by (the profile's
    whole degree where it lies within a degree of the consensus) at most two."""
    for seed in range(5):
        boxes = lines_of_boxes(tilt, seed)
        consensus, levelled = measure_tilt(boxes).angle_deg, estimate_tilt_deg(boxes)
        for index in range(15):
            joined = joined_with_the_box_below(boxes, index)
            assert abs(measure_tilt(joined).angle_deg - consensus) < 1.0, (seed, index)
            assert abs(estimate_tilt_deg(joined) - levelled) <= 2.0, (seed, index)


@pytest.mark.parametrize("tilt", [3.5, 5.0, -8.0])
def test_one_long_region_does_not_move_the_tilt(tilt):
    """A long stroke across the page (a box 8 digits long, 3 tall, under the lines) has no vote."""
    for seed in range(5):
        boxes = lines_of_boxes(tilt, seed)
        xs, ys = [box[0] for box in boxes], [box[1] for box in boxes]
        stroke = (min(xs), max(ys) + 40, 240, 90)
        assert abs(estimate_tilt_deg([*boxes, stroke]) - estimate_tilt_deg(boxes)) < 0.5


def test_the_estimate_says_how_well_the_lines_support_it():
    estimate = measure_tilt(lines_of_boxes(5.0))
    assert abs(estimate.angle_deg - 5.0) <= 1.0
    assert estimate.lines == 4 and estimate.support == 20 and estimate.spread_deg < 1.0
    scattered = [(int(x), int(y), 20, 30) for x, y in np.random.default_rng(1).uniform(0, 400, (12, 2))]
    assert measure_tilt(scattered).lines < 4


def test_a_page_stored_sideways_measures_the_same_tilt():
    upright = lines_of_boxes(6.0)
    sideways = [(y, -x - w, h, w) for x, y, w, h in upright]  # the page turned a quarter: (x, y) -> (y, -x)
    assert abs(measure_tilt(sideways).angle_deg - measure_tilt(upright).angle_deg) < 0.5


def test_line_scores_count_each_bins_points_squared():
    """The tilt's score per row of bin numbers: the sum of its bins' point counts squared (a
    row of 5 points in bins 0, 0, 3, 3, 3 scores 2*2 + 3*3 = 13), as a plain count gives it."""
    rng = np.random.default_rng(3)
    for points, spread in ((5, 3), (20, 40), (200, 90)):
        bins = np.floor(rng.random((12, points)) * spread + rng.integers(0, 2, (12, 1)) * 0.5)
        expected = [float(sum(count * count for count in Counter(row.tolist()).values())) for row in bins]
        assert _sum_of_squared_counts(bins).tolist() == expected
    assert _sum_of_squared_counts(np.array([[0.0, 0.0, 3.0, 3.0, 3.0]])).tolist() == [13.0]
