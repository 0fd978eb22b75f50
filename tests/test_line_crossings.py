"""Pieces of a box's side left between graph paper's level lines (`runtime/reading/line_crossings.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.accuracy import score_result
from benchmarks.datasets import Sample
from benchmarks.handwriting import DigitBank
from benchmarks.worksheets import WorksheetOptions, make_worksheet
from runtime.reading.line_crossings import is_crossing_crumb
from runtime.reading.reader import PageReader

DIGIT_HEIGHT = 30.0


def _erased() -> tuple[np.ndarray, np.ndarray]:
    """A level line at rows 100-101 and a box's side at columns 200-201, both erased."""
    level = np.zeros((300, 400), np.uint8)
    walls = np.zeros_like(level)
    level[100:102, :] = 255
    walls[:, 200:202] = 255
    return level, walls


def test_a_piece_of_a_side_meeting_a_level_line_is_a_crumb():
    level, walls = _erased()
    piece = np.ones((18, 2), bool)  # rows 102-119, columns 200-201: the side below the line
    assert is_crossing_crumb(piece, 200, 102, level, walls, DIGIT_HEIGHT)


def test_a_piece_with_the_level_line_s_tick_is_a_crumb():
    level, walls = _erased()
    piece = np.zeros((20, 8), bool)  # rows 98-117, columns 197-204
    piece[:, 3:5] = True
    piece[2:4, :] = True  # what is left of the level line across it
    assert is_crossing_crumb(piece, 197, 98, level, walls, DIGIT_HEIGHT)


def test_a_one_written_on_a_side_is_wider_than_the_side():
    level, walls = _erased()
    one = np.ones((26, 5), bool)  # a pen's stroke, 5 px, down the side across the line
    assert not is_crossing_crumb(one, 198, 90, level, walls, DIGIT_HEIGHT)


def test_a_piece_of_a_side_away_from_level_lines_is_left_to_others():
    level, walls = _erased()
    piece = np.ones((18, 2), bool)
    assert not is_crossing_crumb(piece, 200, 150, level, walls, DIGIT_HEIGHT)
    assert not is_crossing_crumb(piece, 200, 102, level, None, DIGIT_HEIGHT)


def test_a_thin_stroke_off_the_side_is_not_a_crumb():
    level, walls = _erased()
    stroke = np.ones((18, 2), bool)  # as thin, at the line, but eight pixels off the side
    assert not is_crossing_crumb(stroke, 210, 102, level, walls, DIGIT_HEIGHT)


@pytest.fixture(scope="module")
def mnist_bank(mnist_test_digits):
    images, labels = mnist_test_digits
    return DigitBank(images, labels)


def test_graph_paper_side_pieces_are_not_read(mnist_bank, default_classifier):
    """An A4 phone photo of a form on graph paper: 3 digits read where none is before
    `line_crossings` (one a piece of a box's side), 2 with it, and all 160 digits read alike."""
    options = WorksheetOptions(degrade="photo", condition="graph")
    sheet = make_worksheet(mnist_bank, np.random.default_rng([81, 2]), options)
    lines = ["".join(digit.digit for digit in line.digits) for line in sheet.truth.lines]
    sample = Sample(image_path=Path("graph.png"), lines=lines, truth=sheet.truth)
    page = score_result(sample, PageReader(default_classifier).read(sheet.image), use_boxes=True)
    assert page.counts.true_positives >= 160
    assert len(page.predicted_digits) - len(page.pairs) <= 2
