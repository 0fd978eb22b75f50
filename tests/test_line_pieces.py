"""Pieces of printed upright lines read as 1s (`runtime/reading/line_pieces.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.accuracy import score_result
from benchmarks.datasets import Sample
from benchmarks.handwriting import DigitBank
from benchmarks.worksheets import WorksheetOptions, make_worksheet
from runtime.reading.line_pieces import is_printed_line_piece
from runtime.reading.reader import PageReader

DIGIT_HEIGHT = 60.0


def _paper() -> np.ndarray:
    return np.zeros((400, 600), np.float32)


def test_a_piece_of_a_printed_line_is_one():
    darkness = _paper()
    darkness[:, 100:103] = 0.3  # a pale bold grid line, top to bottom
    assert is_printed_line_piece((100, 150, 3, 60), darkness, DIGIT_HEIGHT)
    darkness[:140, 100:103] = 0.0  # a box's side: carried on below the piece only
    assert is_printed_line_piece((100, 150, 3, 60), darkness, DIGIT_HEIGHT)


def test_a_written_one_standing_alone_is_not():
    darkness = _paper()
    darkness[150:210, 200:204] = 0.8
    assert not is_printed_line_piece((200, 150, 4, 60), darkness, DIGIT_HEIGHT)


def test_a_one_written_along_a_pale_line_is_not():
    darkness = _paper()
    darkness[:, 300:303] = 0.3
    darkness[150:210, 300:304] = 0.8  # the pen is far darker than the printed line
    assert not is_printed_line_piece((300, 150, 4, 60), darkness, DIGIT_HEIGHT)


def test_a_one_written_beside_a_box_side_is_not():
    darkness = _paper()
    darkness[:, 400:402] = 0.8  # a black box side, as dark as the pen
    darkness[150:210, 404:408] = 0.8
    assert not is_printed_line_piece((404, 150, 4, 60), darkness, DIGIT_HEIGHT)


def test_a_one_cut_in_two_by_a_level_line_is_not():
    darkness = _paper()
    darkness[150:180, 500:504] = 0.8  # its upper half; the lower carries on past the line's gap
    darkness[186:215, 500:504] = 0.8
    assert not is_printed_line_piece((500, 150, 4, 30), darkness, DIGIT_HEIGHT)


def test_a_digit_written_over_a_line_is_wider_than_the_line():
    darkness = _paper()
    darkness[:, 100:103] = 0.8
    darkness[150:210, 90:114] = 0.8  # an 8 drawn over the line, 24 px wide
    assert not is_printed_line_piece((90, 150, 24, 60), darkness, DIGIT_HEIGHT)


@pytest.fixture(scope="module")
def mnist_bank(mnist_test_digits):
    images, labels = mnist_test_digits
    return DigitBank(images, labels)


def test_graph_paper_grid_pieces_in_boxes_are_not_read(mnist_bank, default_classifier):
    """Two A4 phone photos of forms on graph paper (every fifth 5 mm line bold): 27 digits read
    where none is before `line_pieces`, 2 with it, and every one of their 130 digits still read."""
    reader = PageReader(default_classifier)
    options = WorksheetOptions(degrade="photo", condition="graph")
    read, phantoms = 0, 0
    for index in (10, 14):
        sheet = make_worksheet(mnist_bank, np.random.default_rng([80, index]), options)
        lines = ["".join(digit.digit for digit in line.digits) for line in sheet.truth.lines]
        sample = Sample(image_path=Path("graph.png"), lines=lines, truth=sheet.truth)
        page = score_result(sample, reader.read(sheet.image), use_boxes=True)
        read += page.counts.true_positives
        phantoms += len(page.predicted_digits) - len(page.pairs)
    assert read >= 130
    assert phantoms <= 4
