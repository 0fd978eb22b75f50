"""Cutting overlapping digits along the path of least ink (runtime.reading.seams)."""

import cv2
import numpy as np

from runtime.reading.seams import (
    BAND_SHARE,
    MIN_INK_SAVED,
    STEP_COST,
    piece_between,
    seam_line,
    seam_lines,
    seam_lines_of_regions,
)
from runtime.reading.segment import DigitCandidate
from runtime.reading.touching import _evidence, _evidence_of_one, cut_hypotheses


def _seven_over_a_zero() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 7 whose bar reaches over the 0 beside it, its stem joined to the 0 by a faint smudge
    (the "70" of close handwriting): every column that parts the strokes below cuts the bar's
    end off. Returns the pair's ink, the 7's and the 0's."""
    zero = np.zeros((40, 42), np.uint8)
    cv2.ellipse(zero, (30, 22), (8, 13), 0, 0, 360, 255, 3)
    seven = np.zeros_like(zero)
    cv2.line(seven, (2, 2), (22, 2), 255, 3)
    cv2.line(seven, (22, 2), (8, 38), 255, 3)
    ink = np.maximum(zero, seven)
    cv2.line(ink, (16, 20), (22, 20), 90, 1)
    return ink, seven, zero


def _drawn(piece: DigitCandidate, shape: tuple[int, int], origin: tuple[int, int]) -> np.ndarray:
    """Where a piece has ink, in the pair's pixels."""
    drawn = np.zeros(shape, bool)
    x, y, w, h = piece.bbox
    drawn[y - origin[1]:y - origin[1] + h, x - origin[0]:x - origin[0] + w] = piece.ink > 0
    return drawn


def test_overlapping_digits_are_offered_a_cut_that_parts_their_ink():
    ink, seven, zero = _seven_over_a_zero()
    candidate = DigitCandidate((100, 50, ink.shape[1], ink.shape[0]), ink)
    seven, zero = seven > 0, (zero > 0) & (seven == 0)

    def parts_them(parts):
        left, right = (_drawn(part, ink.shape, (100, 50)) for part in parts)
        return (left & seven).sum() == seven.sum() and (right & zero).sum() == zero.sum()

    # A straight column leaves the bar's end in the 0's piece or the 0's left side in the 7's.
    offered = [parts for parts in cut_hypotheses(candidate) if len(parts) == 2]
    assert any(parts_them(parts) for parts in offered), [[part.bbox for part in parts] for parts in offered]


def test_a_straight_gap_needs_no_seam():
    """Digits a column already parts are not offered a second, crooked cut."""
    ink = np.zeros((30, 40), np.uint8)
    ink[2:28, 4:8] = 255
    ink[2:28, 30:34] = 255
    ink[14:16, 8:30] = 120  # a faint joining stroke, crossed as little by the column
    assert seam_line(ink, 19) is None


def _seam_one_window_at_a_time(ink: np.ndarray, column: int) -> np.ndarray | None:
    """`seam_line` as first written: one window, its least-ink path row by row, in plain numpy."""
    height, width = ink.shape
    band = max(2, int(BAND_SHARE * height))
    low, high = max(1, column - band), min(width - 1, column + band + 1)
    if high - low < 2 or not low <= column < high:
        return None
    cost = ink[:, low:high].astype(np.float32) / 255.0
    total, came_from, columns = cost[0].copy(), np.zeros(cost.shape, np.int64), np.arange(high - low)
    for row in range(1, height):
        left = np.concatenate(([np.inf], total[:-1])) + STEP_COST
        right = np.concatenate((total[1:], [np.inf])) + STEP_COST
        options = np.stack([left, total, right])
        step = np.argmin(options, axis=0)
        came_from[row] = columns + step - 1
        total = options[step, columns] + cost[row]
    path = np.empty(height, np.int64)
    path[-1] = int(np.argmin(total))
    for row in range(height - 1, 0, -1):
        path[row - 1] = came_from[row, path[row]]
    straight, crossed = float(cost[:, column - low].sum()), float(cost[np.arange(height), path].sum())
    return None if straight <= 0.0 or crossed > MIN_INK_SAVED * straight else path + low


def test_seams_found_together_are_those_found_one_at_a_time():
    """All of a region's valleys share one pass over the rows (`seam_lines`), windows clipped at
    the region's sides included: each seam is the one its window alone gives, tie for tie."""
    rng = np.random.default_rng(3)
    ink, _, _ = _seven_over_a_zero()
    inks = [ink, (rng.random((37, 50)) * 3).astype(np.uint8) * 120, np.full((20, 30), 255, np.uint8)]
    for ink in inks:
        columns = list(range(ink.shape[1]))
        together = seam_lines(ink, columns)
        assert list(together) == columns
        for column in columns:
            alone = _seam_one_window_at_a_time(ink, column)
            assert (together[column] is None) == (alone is None)
            assert alone is None or np.array_equal(together[column], alone)
    assert any(line is not None for line in seam_lines(inks[0], list(range(inks[0].shape[1]))).values())


def test_seams_of_a_page_found_together_are_those_found_region_by_region():
    """A page's regions share one pass over the rows (`seam_lines_of_regions`): regions of other
    heights and bands (shorter ones below empty rows, narrower windows among infinite columns)
    give each seam its region's own pass gives, tie for tie."""
    rng = np.random.default_rng(5)
    ink, _, _ = _seven_over_a_zero()
    inks = [ink, (rng.random((37, 50)) * 3).astype(np.uint8) * 120, np.full((20, 30), 255, np.uint8),
            (rng.random((12, 9)) * 2).astype(np.uint8) * 255, np.zeros((25, 5), np.uint8)]
    regions = [(ink, list(range(ink.shape[1]))) for ink in inks]
    together = seam_lines_of_regions(regions)
    assert len(together) == len(regions)
    for (ink, columns), found in zip(regions, together):
        alone = seam_lines(ink, columns)
        assert list(found) == list(alone) == columns
        for column in columns:
            assert (found[column] is None) == (alone[column] is None)
            assert found[column] is None or np.array_equal(found[column], alone[column])
    assert sum(line is not None for found in together for line in found.values()) > 10
    assert seam_lines_of_regions([]) == [] and seam_lines_of_regions([(ink, [])]) == [{}]


def test_seams_of_a_page_found_in_several_passes_are_those_found_region_by_region(monkeypatch):
    """Past `PASS_MAX_CELLS` the windows go in several passes, like heights together: the same
    seams, one window to a pass included."""
    import runtime.reading.seams as seams

    rng = np.random.default_rng(9)
    inks = [(rng.random((int(h), int(w))) * 3).astype(np.uint8) * 120
            for h, w in rng.integers(8, 60, (12, 2))]
    regions = [(ink, list(range(ink.shape[1]))) for ink in inks]
    alone = [seam_lines(ink, columns) for ink, columns in regions]
    for cells in (1, 5_000, 50_000):
        monkeypatch.setattr(seams, "PASS_MAX_CELLS", cells)
        for found, want in zip(seam_lines_of_regions(regions), alone):
            assert list(found) == list(want)
            assert all((found[c] is None) == (want[c] is None) for c in want)
            assert all(want[c] is None or np.array_equal(found[c], want[c]) for c in want)


def test_pieces_between_seams_keep_every_pixel_once():
    ink, _, _ = _seven_over_a_zero()
    candidate = DigitCandidate((0, 0, ink.shape[1], ink.shape[0]), ink)
    line = seam_line(ink, 22)
    assert line is not None and line.shape == (ink.shape[0],)
    left, right = piece_between(candidate, 0, line), piece_between(candidate, line, ink.shape[1])
    assert int(left.ink.astype(int).sum() + right.ink.astype(int).sum()) == int(ink.astype(int).sum())


def test_a_seam_cut_wins_only_where_the_whole_is_doubted():
    """A seam can carve one digit into two sure-looking ones: it is read only against a doubted
    whole, and only where every piece reads fairly surely."""
    from runtime.reading.touching import SEAM_DOUBTED_WHOLE, SEAM_MIN_PIECE_CONFIDENCE, best_reading

    pieces = [np.array([0.996, 0.996])]
    assert best_reading(SEAM_DOUBTED_WHOLE - 0.1, pieces, seams=[True]) == 0
    doubtful = [np.array([0.996, SEAM_MIN_PIECE_CONFIDENCE - 0.05])]
    assert best_reading(0.01, doubtful, seams=[True]) == -1
    assert best_reading(0.01, doubtful, seams=[False]) == 0
    assert best_reading(SEAM_DOUBTED_WHOLE + 0.1, pieces, seams=[True]) == -1
    assert best_reading(SEAM_DOUBTED_WHOLE + 0.1, pieces, seams=[False]) == 0  # straight cuts as before


def test_one_confidence_weighs_as_a_list_of_one():
    """`whole_beats_any_cut` weighs a region's one confidence without making it an array: the
    same log-evidence, bit for bit (float32 and Python floats, zero and below the floor)."""
    values = np.random.default_rng(0).random(5000).astype(np.float32)
    for value in [*values, *values.astype(float).tolist(), 0.0, 1e-7, 1e-6, 1.0, np.float32(0.99609375)]:
        assert _evidence_of_one(value) == _evidence([value])
