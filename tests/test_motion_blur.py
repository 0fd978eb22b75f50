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
from runtime.reading.motion_blur import Streak, motion_streak, unblurred
from runtime.reading.reader import PageReader, ReaderOptions


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
    and the page read 14 of 159; read through the streak undone, 152 (6 wrong)."""
    counts = _read(PageReader(default_classifier, ReaderOptions(undo_motion_blur=undo)), 312, 9)
    assert counts.true_positives + counts.false_negatives > 150
    if undo:
        assert counts.recall >= 0.9 and counts.precision >= 0.95
    else:  # the page as photographed: what the streak costs
        assert counts.recall < 0.2


def test_undoing_a_shaken_cameras_streak_is_asked_for(monkeypatch):
    """Off by default (a form shaken along its cell walls read the walls as 1s); the scanner's
    `--undo-motion-blur` turns it on for every page's reader."""
    from runtime.scan import batch
    from runtime.scan.cli import build_parser

    assert ReaderOptions().undo_motion_blur is False
    assert build_parser().parse_args(["pages"]).undo_motion_blur is False
    assert build_parser().parse_args(["pages", "--undo-motion-blur"]).undo_motion_blur is True
    monkeypatch.setattr("runtime.classifier.Classifier.load", lambda *args, **kwargs: object())
    reader = batch.build_reader(batch.BatchOptions(undo_motion_blur=True))
    assert reader.options.undo_motion_blur is True
