"""Rule removal's opening by a line, worked out only on the rows that may hold a run, is OpenCV's
opening of the whole mask, pixel for pixel: at the picture's edges too (OpenCV counts beyond
them as set), on masks narrower than the line, level and upright, and with the mask thickened
across the line (there alone) first."""

import cv2
import numpy as np
import pytest

from runtime.reading.runs import line_opening


def opencv_opening(mask: np.ndarray, run: tuple[int, int], across: int = 1) -> np.ndarray | None:
    """The opening of the whole mask, thickened `across` the line first over the whole mask."""
    thickening = (1, across) if run[1] == 1 else (across, 1)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, thickening))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
    eroded = cv2.erode(mask, kernel)
    return cv2.dilate(eroded, kernel) if cv2.countNonZero(eroded) else None


def assert_same(mask: np.ndarray, run: tuple[int, int]) -> None:
    for across in (1, 3):  # plain, and thickened across the line (rule removal's)
        want, got = opencv_opening(mask, run, across), line_opening(mask, run, across)
        assert (want is None) == (got is None), (run, across)
        if want is not None:
            assert np.array_equal(got, want), (run, across)


@pytest.mark.parametrize("seed", range(6))
def test_random_masks_open_as_opencv_opens_them(seed):
    rng = np.random.default_rng(seed)
    for _ in range(300):
        height, width = (int(v) for v in rng.integers(1, 70, 2))
        mask = ((rng.random((height, width)) < rng.random()) * 255).astype(np.uint8)
        length = int(rng.integers(2, 60))
        assert_same(mask, (length, 1))
        assert_same(mask, (1, length))


def test_a_page_of_rules_and_writing_opens_as_opencv_opens_it():
    rng = np.random.default_rng(7)
    mask = np.zeros((900, 700), np.uint8)
    for row in range(40, 900, 37):  # ruled lines, one reaching each edge, one broken
        cv2.line(mask, (0 if row % 2 else 30, row), (699 if row % 3 else 650, row), 255, 2)
    mask[300:302, 200:230] = 0
    cv2.line(mask, (60, 0), (60, 899), 255, 1)  # a margin line
    for _ in range(300):  # strokes of writing
        x, y = (int(v) for v in rng.integers(0, (700, 900)))
        cv2.line(mask, (x, y), (x + int(rng.integers(-20, 20)), y + int(rng.integers(-30, 30))), 255, 2)
    mask[:, :3] = 255  # and ink along the edges, where a shorter run is kept
    for length in (12, 25, 48, 96, 200, 1000):
        assert_same(mask, (length, 1))
        assert_same(mask, (1, length))


def test_a_squared_page_opens_as_opencv_opens_it_on_the_turned_mask():
    # Many blocks of columns that may hold an upright run (a grid's lines): opened on the mask
    # turned once, not block by block (`runs.MANY_COLUMN_BLOCKS`), to the same pixels.
    from runtime.reading.runs import MANY_COLUMN_BLOCKS, _columns_that_may_hold, row_blocks

    rng = np.random.default_rng(11)
    mask = np.zeros((700, 640), np.uint8)
    for step in range(0, 640, 31):  # a grid, its last lines at the edges, one broken
        cv2.line(mask, (step, 0 if step % 2 else 20), (step, 699), 255, 2)
        cv2.line(mask, (0, step), (639, step), 255, 1)
    mask[200:240, 93:96] = 0
    for _ in range(200):  # strokes of writing
        x, y = (int(v) for v in rng.integers(0, (640, 700)))
        cv2.line(mask, (x, y), (x + int(rng.integers(-15, 15)), y + int(rng.integers(-25, 25))), 255, 2)
    for length in (20, 45, 90, 700):
        assert len(row_blocks(_columns_that_may_hold(mask, length, 3))) >= MANY_COLUMN_BLOCKS or length == 700
        assert_same(mask, (1, length))


def test_a_mask_without_long_runs_has_no_opening():
    mask = np.zeros((200, 300), np.uint8)
    mask[50:60, 100:110] = 255
    assert line_opening(mask, (40, 1)) is None and line_opening(mask, (1, 40)) is None


def test_line_darkness_is_the_whole_maps_opening_on_the_bands_rows():
    # Rule removal asks for a line's darkness only on its band: it is worked out on the band's
    # rows (columns) alone, which must read as the opening of the whole map does there.
    from runtime.reading.rules import _line_darkness

    rng = np.random.default_rng(5)
    dark = (rng.random((400, 300)) * 60).astype(np.uint8)
    rows, columns = np.zeros_like(dark), np.zeros_like(dark)
    for row in (0, 1, 57, 58, 59, 140, 399):  # level lines at both edges, and blocks of rows
        dark[row, 20:280] = 200
        rows[row, 10:290] = 255
    for column in (0, 150, 151, 299):
        dark[30:370, column] = 180
        columns[25:375, column] = 255
    for run, thicken in (((40, 1), (1, 3)), ((1, 60), (3, 1)), ((24, 1), (1, 3))):
        band = rows if run[1] == 1 else columns
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
        thick = cv2.dilate(dark, cv2.getStructuringElement(cv2.MORPH_RECT, thicken))
        whole = cv2.dilate(cv2.erode(thick, kernel), kernel)
        got = _line_darkness(dark, run, thicken, band)
        asked = band > 0
        assert np.array_equal(got[asked], whole[asked]), run


@pytest.mark.parametrize("seed", range(4))
def test_runs_just_long_enough_open_as_opencv_opens_them(seed):
    # The look keeps a row for a run of a whole line's length, or a shorter one from an edge
    # as long as the line's window reaches inside the picture: runs one pixel either side of
    # each of those lengths, at and away from both edges, on rows of one run each.
    rng = np.random.default_rng(seed)
    for _ in range(60):
        length = int(rng.integers(2, 130))
        width = int(rng.integers(1, 400))
        mask = np.zeros((0, width), np.uint8)
        for run in (length, length - length // 2, length // 2 + 1):
            for size in (run - 1, run, run + 1):
                size = max(0, min(size, width))
                for start in (0, width - size, int(rng.integers(0, width - size + 1))):
                    row = np.zeros((1, width), np.uint8)
                    row[0, start : start + size] = 255
                    mask = np.vstack([mask, row, np.zeros((1, width), np.uint8)])
        assert_same(mask, (length, 1))
        assert_same(np.ascontiguousarray(mask.T), (1, length))
