"""Worksheet conditions (`--condition`): the same pages with one paper, pen or capture change."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from worksheet_fixtures import font_digit_bank

import runtime
from benchmarks import conditions
from benchmarks.accuracy import score_result
from benchmarks.datasets import Sample
from benchmarks.handwriting import DigitBank
from benchmarks.metrics import Counts
from benchmarks.worksheets import WorksheetOptions, main, make_worksheet
from runtime.paths import REPO_ROOT
from runtime.reading.faint import faint_writing_level, pencil_ink_thresholds, same_writing
from runtime.reading.lit_edge import ends_where_the_light_does
from runtime.reading.reader import PageReader

SIZE = (640, 480)


@pytest.fixture(scope="module")
def bank():
    return font_digit_bank()


def _twins(bank, condition: str, degrade: str = "photo", index: int = 0):
    options = WorksheetOptions(size=SIZE, degrade=degrade)
    plain = make_worksheet(bank, np.random.default_rng([5, index]), options)
    changed = make_worksheet(bank, np.random.default_rng([5, index]),
                             dataclasses.replace(options, condition=condition))
    return plain, changed


@pytest.mark.parametrize("condition", [c for c in conditions.CONDITIONS
                                       if c not in ("none", *conditions.MOVING_CONDITIONS)])
def test_a_condition_changes_the_picture_but_not_the_page_or_its_truth(bank, condition):
    plain, changed = _twins(bank, condition)
    assert changed.truth.to_dict() == plain.truth.to_dict()
    assert changed.style == plain.style and changed.degrade == plain.degrade
    if condition == "low-jpeg":
        low, high = conditions.LOW_JPEG_QUALITY
        assert low <= changed.jpeg_quality <= high
        assert np.array_equal(changed.image, plain.image)  # only the saving differs
    else:
        difference = np.abs(changed.image.astype(np.int16) - plain.image.astype(np.int16))
        assert (difference > 20).mean() > 0.001


def test_no_condition_makes_the_pages_it_made_before(bank):
    options = WorksheetOptions(size=SIZE, degrade="photo")
    first = make_worksheet(bank, np.random.default_rng([5, 0]), options)
    again = make_worksheet(bank, np.random.default_rng([5, 0]), dataclasses.replace(options, condition="none"))
    assert np.array_equal(first.image, again.image)


@pytest.mark.parametrize("condition", conditions.MOVING_CONDITIONS)
def test_a_moving_condition_moves_the_truth_boxes_with_the_ink(bank, condition):
    for index in range(3):
        plain, curled = _twins(bank, condition, degrade="none", index=index)
        grey = cv2.cvtColor(curled.image, cv2.COLOR_BGR2GRAY)
        moved = 0
        for before, after in zip(plain.truth.digits, curled.truth.digits, strict=True):
            x, y, w, h = after.bbox
            crop = grey[y : y + h, x : x + w]
            assert crop.size and crop.min() < 150, "the curled box still holds the digit's ink"
            moved += before.bbox != after.bbox
        assert moved > 0


def test_curl_table_is_flat_away_from_the_spine_and_keeps_columns_in_order():
    for seed in range(5):
        moved, magnification = conditions.curl_map(400, 300, np.random.default_rng(seed))
        assert np.all(np.diff(moved) > 0)
        flat = magnification == 1.0
        assert flat.mean() > 0.7 and np.allclose(moved[flat], np.flatnonzero(flat))


def test_cli_rejects_an_unknown_condition_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--out", str(tmp_path), "--condition", "fog"])
    assert stop.value.code == 2
    assert "invalid choice: 'fog'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def mnist_bank(mnist_test_digits):
    images, labels = mnist_test_digits
    return DigitBank(images, labels)


def test_pages_written_in_pencil_are_read(mnist_bank, default_classifier):
    """Pencil's pale grainy strokes peak just over the ink threshold, where texture does: these
    three A4 phone photos read 164 of 490 digits before `runtime/reading/faint.py`, 446 with it."""
    # A4: smaller pencil writing is lost whole.
    counts = _counts_on(mnist_bank, default_classifier, "pencil", 60, (0, 1, 2))
    assert counts.true_positives + counts.false_negatives > 400
    assert counts.recall >= 0.8 and counts.precision >= 0.95


def test_pencil_too_faint_for_the_ink_threshold_is_looked_at_again(mnist_bank, default_classifier):
    """On these two A4 phone photos the pencil is so pale that, thresholded as pen is, most
    digits fell apart into specks: 239 of 405 read, 27 false, before the page was looked at
    again under its writing's peak (`faint.pencil_ink_thresholds`); 372 with it, 12 false."""
    counts = _counts_on(mnist_bank, default_classifier, "pencil", 61, (1, 4))
    assert counts.true_positives + counts.false_negatives > 400
    assert counts.recall >= 0.85 and counts.precision >= 0.95


def test_only_a_page_of_low_peaked_regions_in_lines_is_looked_at_again():
    row = [(40 * i, 100, 20, 30) for i in range(8)]
    assert pencil_ink_thresholds(row, [0.3] * 8, 0.18, 0.0) == pytest.approx([0.3 / 2.1, 0.3 / 1.7])
    assert pencil_ink_thresholds(row, [0.7] * 8, 0.18, 0.0) == []  # pen
    assert pencil_ink_thresholds(row[:5], [0.36] * 5, 0.18, 0.0) == []  # a few pale strokes
    scattered = [(97 * i % 600, 131 * i % 500, 20, 30) for i in range(8)]
    assert pencil_ink_thresholds(scattered, [0.36] * 8, 0.18, 0.0) == []  # texture's slivers
    assert pencil_ink_thresholds(row, [0.3] * 8, 0.18, 0.15) == [pytest.approx(0.3 / 1.7)]  # grainy
    assert same_writing(30, 40) and not same_writing(30, 12) and not same_writing(30, None)


def _counts_on(mnist_bank, classifier, condition: str, seed: int, indices) -> Counts:
    """Digit counts over the A4 phone photos `indices` of `condition` drawn from `seed`."""
    reader = PageReader(classifier)
    options = WorksheetOptions(degrade="photo", condition=condition)
    counts = Counts()
    for index in indices:
        sheet = make_worksheet(mnist_bank, np.random.default_rng([seed, index]), options)
        counts = counts + score_result(_sample(sheet), reader.read(sheet.image), use_boxes=True).counts
    return counts


def _sample(sheet) -> Sample:
    lines = ["".join(digit.digit for digit in line.digits) for line in sheet.truth.lines]
    return Sample(image_path=Path("pencil.png"), lines=lines, truth=sheet.truth)


def test_faint_regions_scattered_or_of_every_size_are_not_writing():
    row = [(40 * i, 100, 20, 30) for i in range(8)]
    assert faint_writing_level(row, [0.2] * 8, []) == pytest.approx(0.75 * 0.2)
    scattered = [(97 * i % 600, 131 * i % 500, 20, 30) for i in range(8)]
    assert faint_writing_level(scattered, [0.2] * 8, []) is None
    every_size = [(40 * i, 100, 20, 10 + 12 * i) for i in range(8)]
    assert faint_writing_level(every_size, [0.2] * 8, []) is None
    among_pen = [(40 * i, 300, 20, 30) for i in range(40)]
    assert faint_writing_level(row, [0.2] * 8, among_pen) is None  # 8 of 48: the odd pale stroke


def test_sheets_under_harsh_light_are_read_whole(mnist_bank, default_classifier):
    """Under strong uneven light the lit part of the sheet alone was taken for the sheet and the
    writing in the dark part cut away: these three A4 phone photos read 245 of 399 digits before
    `runtime/reading/lit_edge.py`, 395 with it."""
    counts = _counts_on(mnist_bank, default_classifier, "harsh-light", 70, (0, 2, 4))
    assert counts.true_positives + counts.false_negatives > 350
    assert counts.recall >= 0.9 and counts.precision >= 0.95


def test_a_sheet_mostly_in_shadow_is_read_as_paper_not_a_board(mnist_bank, default_classifier):
    """Only its bottom corner lit, the rest of the sheet in shadow on a dark desk: its frame looked
    like a board's and the page read light-on-dark, nothing on it (0 of 45 digits before the
    faint-but-clearly-dark test of `runtime/reading/polarity.py`, 44 with it)."""
    sheet = make_worksheet(mnist_bank, np.random.default_rng([70, 5]),
                           WorksheetOptions(degrade="photo", condition="harsh-light"))
    counts = score_result(_sample(sheet), PageReader(default_classifier).read(sheet.image), use_boxes=True).counts
    assert counts.true_positives + counts.false_negatives == 45
    assert counts.recall >= 0.9 and counts.precision >= 0.95


def _desk_photo(ramp_px: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A dark desk with a bright sheet on it (sharp edges), its right part in shadow over
    `ramp_px` when given; and the mask of the bright region as the sheet finder would give it."""
    height, width = 600, 800
    picture = np.full((height, width), 60, np.float32)
    picture[100:500, 150:650] = 210
    region = np.zeros((height, width), np.uint8)
    region[100:500, 150:650] = 1
    if ramp_px is not None:  # the light falls off to the desk's grey past x = 450
        xs = np.arange(width, dtype=np.float32)
        light = np.clip(1.0 - (xs - 450) / ramp_px, 60 / 210, 1.0)
        picture[100:500, 150:650] *= light[None, 150:650]
        region[:, 450 + ramp_px // 2:] = 0
    return np.clip(picture, 0, 255).astype(np.uint8), region


def test_a_sheet_edge_is_a_step_and_a_fall_off_of_light_is_not():
    picture, region = _desk_photo(None)
    assert not ends_where_the_light_does(picture, 0, 0, region)
    picture, region = _desk_photo(300)
    assert ends_where_the_light_does(picture, 0, 0, region)


def test_digits_under_a_highlighter_are_read(mnist_bank, default_classifier):
    """A translucent swath over a row of digits is a digit-tall band darker than the paper in
    grey: these three A4 phone photos read 401 of 453 digits before
    `runtime/reading/highlighter.py`, 440 with it (4 false digits either way)."""
    counts = _counts_on(mnist_bank, default_classifier, "highlighter", 80, (0, 1, 2))
    assert counts.true_positives + counts.false_negatives > 400
    assert counts.recall >= 0.95 and counts.precision >= 0.98


def test_the_scan_command_reads_under_a_highlighter_as_the_reader_does(mnist_bank, tmp_path):
    """The command decoded JPEG pages straight to grey, where a swath's dye can no longer be
    told from ink: `runtime.scan` read this photo's digits under the swaths as missing while
    `runtime.read` (and the benchmarks) read them."""
    sheet = make_worksheet(mnist_bank, np.random.default_rng([80, 0]),
                           WorksheetOptions(degrade="photo", condition="highlighter"))
    cv2.imwrite(str(tmp_path / "page.jpg"), sheet.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    done = subprocess.run([sys.executable, "-m", "runtime.scan", "page.jpg", "--json", "out.json",
                           "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stderr
    scanned = json.loads((tmp_path / "out.json").read_text())["files"][0]["lines"]
    read = runtime.read(tmp_path / "page.jpg").to_dict()["lines"]
    assert [line["text"] for line in scanned] == [line["text"] for line in read]
