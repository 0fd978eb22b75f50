"""The accuracy benchmark: datasets, scoring whole pages with fake readers, and its CLI."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from worksheet_fixtures import TruthReader, font_digit_bank

from benchmarks import accuracy
from benchmarks.accuracy import evaluate, format_table
from benchmarks.datasets import DatasetFormatError, load_dataset, parse_digit_lines
from benchmarks.metrics import Counts
from benchmarks.worksheets import WorksheetOptions, write_worksheets
from runtime.results import Digit, Line, Number, PageResult


@pytest.fixture(scope="module")
def synthetic_set(tmp_path_factory):
    """Three small clean pages with their truth.json."""
    folder = tmp_path_factory.mktemp("synthetic set")  # a path with a space, as users have
    options = WorksheetOptions(size=(360, 270))
    truth = write_worksheets(folder, 3, 11, options, font_digit_bank(), progress=False)
    return folder, truth


def _totals(truth: dict) -> tuple[int, int, int]:
    lines = [line for entry in truth["files"] for line in entry["lines"]]
    digits = sum(len(line["digits"]) for line in lines)
    return digits, sum(len(line["numbers"]) for line in lines), len(lines)


def _drop_first_digit_of_first_page(page: PageResult, index: int) -> PageResult:
    if index == 0:
        page.lines[0].numbers[0].digits.pop(0)
        if not page.lines[0].numbers[0].digits:
            page.lines[0].numbers.pop(0)
    return page


def test_truth_reader_scores_perfectly(synthetic_set):
    folder, truth = synthetic_set
    digits, numbers, lines = _totals(truth)
    report = evaluate(TruthReader(folder), load_dataset(folder))
    assert report.kind == "synthetic" and len(report.pages) == 3
    assert (report.counts.true_positives, report.counts.false_positives, report.counts.false_negatives) == (
        digits, 0, 0)
    assert report.counts.f1 == 1.0
    assert report.numbers_exact_share == 1.0 and report.lines_exact_share == 1.0
    assert report.orientation_share == 1.0


def test_a_dropped_digit_costs_exactly_one_miss(synthetic_set):
    folder, truth = synthetic_set
    digits, numbers, lines = _totals(truth)
    report = evaluate(TruthReader(folder, _drop_first_digit_of_first_page), load_dataset(folder))
    counts = report.counts
    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (digits - 1, 0, 1)
    assert counts.precision == 1.0
    assert counts.recall == pytest.approx((digits - 1) / digits)
    assert counts.f1 == pytest.approx(2 * (digits - 1) / (2 * digits - 1))
    assert report.numbers_exact_share == pytest.approx((numbers - 1) / numbers)
    assert report.lines_exact_share == pytest.approx((lines - 1) / lines)
    assert report.pages[0].counts.false_negatives == 1 and report.pages[1].counts.f1 == 1.0
    by_style = report.groups("style")
    assert by_style and sum(by_style.values(), Counts()) == counts
    assert set(report.to_dict()["groups"]["style"]) == set(by_style)


def test_a_wrong_label_is_a_false_positive_and_a_false_negative(synthetic_set):
    folder, truth = synthetic_set
    digits, _, _ = _totals(truth)

    def misread(page, index):
        if index == 1:
            first = page.lines[0].numbers[0].digits[0]
            first.digit = str((int(first.digit) + 1) % 10)
        return page

    counts = evaluate(TruthReader(folder, misread), load_dataset(folder)).counts
    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == (digits - 1, 1, 1)


def test_boxes_need_not_be_pixel_exact_but_numbers_must_not_merge(synthetic_set):
    folder, truth = synthetic_set
    _, numbers, _ = _totals(truth)

    def shift_and_merge(page, index):
        for digit in page.digits:
            x, y, w, h = digit.bbox
            digit.bbox = (x + 2, y - 1, w + 1, h)
        if index == 2:
            line = next(line for line in page.lines if len(line.numbers) >= 2)
            merged = Number(line.numbers[0].digits + line.numbers[1].digits)
            line.numbers[:2] = [merged]
        return page

    report = evaluate(TruthReader(folder, shift_and_merge), load_dataset(folder))
    assert report.counts.f1 == 1.0
    assert report.numbers_exact_share == pytest.approx((numbers - 2) / numbers)


def test_a_failing_reader_counts_the_page_missed_and_says_why(synthetic_set):
    folder, truth = synthetic_set

    class Broken:
        def read(self, image):
            raise RuntimeError("segmenter exploded")

    report = evaluate(Broken(), load_dataset(folder))
    assert report.counts.true_positives == 0 and report.counts.false_negatives == _totals(truth)[0]
    assert all("segmenter exploded" in page.error for page in report.pages)


def _write_labels(folder, rows: str):
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(folder / name), np.full((20, 20), 255, np.uint8))
    (folder / "labels.csv").write_text("file,digits,notes\n" + rows, encoding="utf-8")


def test_labels_csv_parsing(tmp_path):
    _write_labels(tmp_path, 'a.png,12 3|45,"hard: a 7, crossed"\nb.png,7,\n')
    dataset = load_dataset(tmp_path)
    assert dataset.kind == "labels" and not dataset.has_boxes
    assert [sample.lines for sample in dataset.samples] == [["123", "45"], ["7"]]
    assert dataset.samples[0].notes == "hard: a 7, crossed" and dataset.samples[0].truth is None
    assert parse_digit_lines(" 1 2 |3") == ["12", "3"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [("a.png,12a|3,\n", "not a run of digits"), ("a.png,12||3,\n", "not a run of digits"),
     ("missing.png,1,\n", "not found")],
)
def test_labels_csv_errors_name_the_problem(tmp_path, rows, message):
    _write_labels(tmp_path, rows)
    with pytest.raises(DatasetFormatError, match=message):
        load_dataset(tmp_path)


def test_the_shared_real_labels_parse(real_dir):
    dataset = load_dataset(real_dir)
    assert len(dataset.samples) == 17
    assert sum(len(line) for sample in dataset.samples for line in sample.lines) == 250


class _SequenceReader:
    """Answers every image with the same digit lines (boxes made up, unused by the scoring)."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    def read(self, image):
        lines = [Line([Number([Digit(c, 0.9, (i * 10, row * 30, 8, 20)) for i, c in enumerate(text)])])
                 for row, text in enumerate(self.lines)]
        return PageResult(lines=lines)


def test_label_sets_are_scored_by_alignment_and_line_exact_match(tmp_path):
    _write_labels(tmp_path, "a.png,12 3|45,\nb.png,7,\n")
    report = evaluate(_SequenceReader(["123", "46"]), load_dataset(tmp_path))
    first, second = report.pages
    assert first.method == "sequence" and first.numbers_total is None
    assert first.counts == Counts(4, 1, 1)
    assert first.lines_exact == 1 and first.lines_total == 2
    assert second.counts == Counts(0, 5, 1)
    assert report.numbers_exact_share is None and report.lines_exact_share == pytest.approx(1 / 3)
    assert "no number boundaries" in format_table(report)


def test_cli_reports_json_and_fails_under_a_threshold(synthetic_set, tmp_path, monkeypatch, capsys):
    folder, truth = synthetic_set
    digits, _, _ = _totals(truth)
    monkeypatch.setattr(accuracy, "build_reader", lambda *args: TruthReader(folder))
    out = tmp_path / "report.json"
    assert accuracy.main(["--synthetic", str(folder), "--json", str(out), "--quiet"]) == 0
    document = json.loads(out.read_text())
    assert document["overall"]["f1"] == 1.0 and document["overall"]["digits"] == digits
    assert len(document["pages"]) == 3 and capsys.readouterr().out == ""

    monkeypatch.setattr(accuracy, "build_reader",
                        lambda *args: TruthReader(folder, _drop_first_digit_of_first_page))
    errors = tmp_path / "mistakes"
    assert accuracy.main(["--synthetic", str(folder), "--fail-under", "0.9999", "--errors", str(errors)]) == 1
    captured = capsys.readouterr()
    assert "overall (3 pages)" in captured.out and "below --fail-under" in captured.err
    assert [path.name for path in errors.iterdir()] == ["page_0000.mistakes.png"]


def test_cli_rejects_a_folder_without_truth(tmp_path, capsys):
    assert accuracy.main(["--synthetic", str(tmp_path), "--quiet"]) == 2
    assert "neither truth.json nor labels.csv" in capsys.readouterr().err


def test_orientation_is_scored_against_the_turn_the_truth_records(tmp_path):
    options = WorksheetOptions(size=(300, 200), turned_rate=1.0)
    write_worksheets(tmp_path, 2, 0, options, font_digit_bank(), progress=False)

    def forget_rotation(page, index):
        page.rotation_deg = 0
        return page

    assert evaluate(TruthReader(tmp_path), tmp_path).orientation_share == 1.0
    report = evaluate(TruthReader(tmp_path, forget_rotation), tmp_path)
    assert report.orientation_share == 0.0 and report.counts.f1 == 1.0


def test_reader_extras_turn_on_the_optional_steps_and_nothing_else(default_classifier):
    from benchmarks.accuracy import READER_EXTRAS, build_reader

    plain = build_reader(None, 0.0, True, 1).options
    assert not plain.widen_thin_strokes and not plain.touching_width_prior
    both = build_reader(None, 0.0, True, 1, READER_EXTRAS).options
    assert both.widen_thin_strokes and both.touching_width_prior
    assert both.min_confidence == plain.min_confidence and both.detect_orientation
