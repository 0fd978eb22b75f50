"""Camera shake (`runtime/reading/motion_blur.py`): one streak measured on a page and undone."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from development_pages import validation_bank

from benchmarks.accuracy import score_result
from benchmarks.datasets import Sample
from benchmarks.worksheets import WorksheetOptions, make_worksheet
from runtime.reading.motion_blur import MIN_SURE_CONFIDENCE, Streak, motion_streak, sure_lines, unblurred
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.results import Digit, Line, Number


def _strokes() -> np.ndarray:
    """A pale page of dark strokes running every way (rings and crosses), as sharp as drawn."""
    page = np.full((400, 600), 235, np.uint8)
    for row in range(4):
        for column in range(6):
            centre = (50 + 100 * column, 50 + 100 * row)
            cv2.circle(page, centre, 22, 40, 4)
            cv2.line(page, (centre[0] - 15, centre[1] + 15), (centre[0] + 15, centre[1] - 15), 40, 4)
    return page


def _smeared(page: np.ndarray, angle_deg: float, length: int) -> np.ndarray:
    line = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0
    centre = ((length - 1) / 2.0, (length - 1) / 2.0)
    line = cv2.warpAffine(line, cv2.getRotationMatrix2D(centre, -angle_deg, 1.0), (length, length))
    return cv2.filter2D(page, -1, line / line.sum(), borderType=cv2.BORDER_REPLICATE)


def test_a_steady_page_has_no_streak_and_a_shaken_one_has_its_own():
    page = _strokes()
    assert motion_streak(page) is None
    streak = motion_streak(_smeared(page, 30.0, 13))
    assert streak is not None
    assert abs(streak.angle_deg - 30.0) < 5.0 and abs(streak.length - 13) <= 1


def test_undoing_the_streak_brings_the_strokes_back():
    page = _strokes()
    smeared = _smeared(page, 120.0, 11)
    inner = (slice(20, -20), slice(20, -20))

    def likeness(picture: np.ndarray) -> float:
        return float(np.corrcoef(picture[inner].ravel(), page[inner].ravel())[0, 1])

    assert likeness(unblurred(smeared, Streak(120.0, 11))) > likeness(smeared) + 0.05
    assert likeness(unblurred(smeared, Streak(60.0, 11))) < likeness(smeared)  # the wrong way smears more


def _read(reader: PageReader, seed: int, index: int):
    options = WorksheetOptions(degrade="photo", condition="motion-blur")
    sheet = make_worksheet(validation_bank(), np.random.default_rng([seed, index]), options)
    lines = ["".join(digit.digit for digit in line.digits) for line in sheet.truth.lines]
    sample = Sample(image_path=Path("shaken.jpg"), lines=lines, truth=sheet.truth)
    return score_result(sample, reader.read(sheet.image), use_boxes=True).counts


@pytest.mark.parametrize("undo", [True, False])
def test_a_shaken_phone_photo_is_read(default_classifier, undo):
    """Development page 9 of `benchmarks.worksheets --seed 312 --degrade photo --digits validation
    --condition motion-blur` (an 11 px streak): the model called its smeared digits "not a digit"
    and the page read 14 of 159; read through the streak undone, 145 (1 wrong; 153 and 4 wrong
    before digits read there under 0.8 confidence were dropped)."""
    counts = _read(PageReader(default_classifier, ReaderOptions(undo_motion_blur=undo)), 312, 9)
    assert counts.true_positives + counts.false_negatives > 150
    if undo:
        assert counts.recall >= 0.9 and counts.precision >= 0.95
    else:  # the page as photographed: what the streak costs
        assert counts.recall < 0.2


def test_a_form_shaken_along_its_sides_reads_no_sides_as_1s(default_classifier):
    """Development page 7 of the same set: a form shaken upright, along its boxes' sides (a 14 px
    streak). Read as photographed, 4 digits right and 25 false; undone through a Wiener filter
    at noise-to-signal 0.02, its level lines came back too pale for rule erasing, and the sides
    between them read as 1s (139 right, 81 false). Now 151 right and 2 false."""
    counts = _read(PageReader(default_classifier), 312, 7)
    assert counts.true_positives + counts.false_negatives > 160
    assert counts.recall >= 0.85 and counts.false_positives <= 5


def test_digits_read_doubtfully_through_the_filter_are_dropped():
    """What the filter's ringing leaves reads as digits with little confidence: such digits go,
    and the numbers and lines they leave empty with them."""
    def digit(label: str, confidence: float) -> Digit:
        return Digit(label, confidence, (0, 0, 10, 20))

    lines = [Line([Number([digit("1", 0.99), digit("7", 0.4)]), Number([digit("3", 0.5)])]),
             Line([Number([digit("4", MIN_SURE_CONFIDENCE - 0.01)])]),
             Line([Number([digit("5", MIN_SURE_CONFIDENCE)])])]
    kept = sure_lines(lines)
    assert [[number.text for number in line.numbers] for line in kept] == [["1"], ["5"]]


def test_undoing_a_shaken_cameras_streak_is_the_default_and_can_be_left_out(monkeypatch):
    """On by default (the sides of a shaken form no longer read as 1s); the scanner's
    `--keep-motion-blur` and the benchmark's `--reader-extra keep-motion-blur` read every page
    as photographed; the camera never reads a frame twice for it."""
    from benchmarks.accuracy import READER_EXTRAS, build_reader
    from runtime.camera.cli import build_page_reader
    from runtime.scan import batch
    from runtime.scan.cli import build_parser

    assert ReaderOptions().undo_motion_blur is True
    assert build_parser().parse_args(["pages"]).keep_motion_blur is False
    assert build_parser().parse_args(["pages", "--keep-motion-blur"]).keep_motion_blur is True
    build_parser().parse_args(["pages", "--undo-motion-blur"])  # still accepted: the default
    monkeypatch.setattr("runtime.classifier.Classifier.load", lambda *args, **kwargs: object())
    assert batch.build_reader(batch.BatchOptions()).options.undo_motion_blur is True
    assert batch.build_reader(batch.BatchOptions(undo_motion_blur=False)).options.undo_motion_blur is False
    assert build_reader(None, 0.0, True, 1).options.undo_motion_blur is True
    assert build_reader(None, 0.0, True, 1, ("keep-motion-blur",)).options.undo_motion_blur is False
    assert READER_EXTRAS["keep-motion-blur"] == ("undo_motion_blur", False)
    assert build_page_reader(None, 1, 0.0).options.undo_motion_blur is False
