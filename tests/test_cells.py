"""Printed cells: digits in neighbouring squares or comb-box cells are one number."""

import cv2
import numpy as np

from runtime.reading.cells import CellWalls
from runtime.reading.grouping import group_lines
from runtime.reading.reader import PageReader
from runtime.results import Digit

CELL_PX, DIGIT_PX = 64, 40


def _walls(width: int = 12 * CELL_PX, height: int = 3 * CELL_PX) -> np.ndarray:
    walls = np.zeros((height, width), np.uint8)
    walls[:, ::CELL_PX] = 255
    return walls


def _one_in_cell(column: int, width: int = 10) -> Digit:
    """A narrow 1 centred in its cell: its ink gap to the next cell's 1 is 54 px, over a height."""
    left = column * CELL_PX + (CELL_PX - width) // 2
    return Digit(digit="1", confidence=0.99, bbox=(left, CELL_PX + 12, width, DIGIT_PX))


def test_neighbouring_cells_make_one_number_and_an_empty_cell_parts_two():
    digits = [_one_in_cell(column) for column in (1, 2, 3, 5, 6)]
    assert [line.text for line in group_lines(digits)] == ["1 1 1 1 1"]
    assert [line.text for line in group_lines(digits, walls=CellWalls(_walls()))] == ["111 11"]


def test_walls_crossing_the_digits_say_nothing():
    """Squared paper finer than the writing: its lines run through the digits."""
    walls = _walls()
    walls[:, CELL_PX + CELL_PX // 2] = 255
    cells = CellWalls(walls)
    assert cells.between(_one_in_cell(1).bbox, _one_in_cell(2).bbox) is None
    assert cells.between(_one_in_cell(2).bbox, _one_in_cell(3).bbox) == 1


def _grid_page(mnist_test_digits) -> np.ndarray:
    """Squared paper, one digit per square: 1 1 1 _ 7 1 on one row, 1 7 1 on another."""
    images, labels = mnist_test_digits
    ones = [images[i] for i in np.flatnonzero(labels == 1)[:6]]
    sevens = [images[i] for i in np.flatnonzero(labels == 7)[:2]]
    page = np.full((5 * CELL_PX, 12 * CELL_PX), 235, np.uint8)
    page[:, ::CELL_PX] = 150
    page[::CELL_PX, :] = 150
    side = int(28 * DIGIT_PX / 20)
    written = [(1, 1, ones[0]), (2, 1, ones[1]), (3, 1, ones[2]), (5, 1, sevens[0]), (6, 1, ones[3]),
               (2, 3, ones[4]), (3, 3, sevens[1]), (4, 3, ones[5])]
    for column, row, image in written:
        left, top = column * CELL_PX + (CELL_PX - side) // 2, row * CELL_PX + (CELL_PX - side) // 2
        ink = cv2.resize(image, (side, side)).astype(np.float32) * (215 / 255.0)
        region = page[top : top + side, left : left + side]
        region[:] = np.minimum(region, 235 - ink).astype(np.uint8)
    return page


def test_numbers_written_one_digit_per_square_are_read_whole(default_classifier, mnist_test_digits):
    lines = PageReader(default_classifier).read(_grid_page(mnist_test_digits)).lines
    assert [[number.text for number in line.numbers] for line in lines] == [["111", "71"], ["171"]]
