"""Digit scoring on hand-made cases with exact expected numbers."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import (
    Counts,
    align,
    centre_inside,
    count_box_matches,
    match_boxes,
    score_sequences,
)
from runtime.boxes import box_iou as iou
from runtime.boxes import iou_matrix


@pytest.mark.parametrize(
    ("truth", "predicted", "expected", "precision", "recall", "f1"),
    [
        ("123", "123", (3, 0, 0), 1.0, 1.0, 1.0),  # perfect
        ("123", "183", (2, 1, 1), 2 / 3, 2 / 3, 2 / 3),  # one substitution: a wrong claim and a miss
        ("123", "13", (2, 0, 1), 1.0, 2 / 3, 0.8),  # one missing
        ("123", "1243", (3, 1, 0), 0.75, 1.0, 6 / 7),  # one extra
        ("123", "", (0, 0, 3), 0.0, 0.0, 0.0),  # nothing read
        ("", "5", (0, 1, 0), 0.0, 0.0, 0.0),  # something read on an empty page
        ("", "", (0, 0, 0), 1.0, 1.0, 1.0),  # empty read as empty
        ("123", "1?3", (2, 1, 1), 2 / 3, 2 / 3, 2 / 3),  # an unsure "?" is a wrong digit
    ],
)
def test_sequence_scores(truth, predicted, expected, precision, recall, f1):
    counts = score_sequences(truth, predicted)
    assert (counts.true_positives, counts.false_positives, counts.false_negatives) == expected
    assert counts.precision == pytest.approx(precision)
    assert counts.recall == pytest.approx(recall)
    assert counts.f1 == pytest.approx(f1)


def test_line_separators_anchor_lines_but_are_not_digits():
    assert score_sequences("12|34", "1234") == Counts(4, 0, 0)  # lines merged: digits still right
    assert score_sequences("12|34", "12|3|4") == Counts(4, 0, 0)
    assert score_sequences("12|34", "12|34|5") == Counts(4, 1, 0)
    assert score_sequences("1|2", "|") == Counts(0, 0, 2)


def test_alignment_steps_are_the_levenshtein_path():
    steps = align("123", "13")
    assert [(s.operation, s.truth, s.predicted) for s in steps] == [
        ("match", "1", "1"), ("delete", "2", ""), ("match", "3", "3")]
    steps = align("12", "192")
    assert [s.operation for s in steps] == ["match", "insert", "match"]
    assert sum(step.operation != "match" for step in align("kitten", "sitting")) == 3  # textbook distance
    assert align("", "") == []


def test_counts_add_up_and_serialise():
    total = Counts(3, 1, 0) + Counts(2, 0, 2)
    assert total == Counts(5, 1, 2)
    assert total.to_dict()["precision"] == pytest.approx(5 / 6, abs=1e-6)


def test_box_overlap():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert centre_inside((4, 4, 2, 2), (0, 0, 10, 10))
    assert not centre_inside((9, 9, 10, 10), (0, 0, 10, 10))


def test_box_matching_pairs_each_digit_once_by_largest_overlap():
    truth = [(0, 0, 10, 20), (15, 0, 10, 20)]
    predicted = [(14, 0, 10, 20), (1, 1, 9, 18), (100, 100, 5, 5)]
    assert match_boxes(truth, predicted) == [(0, 1), (1, 0)]
    # A predicted box far tighter than the truth's still pairs: its centre is inside.
    assert match_boxes([(0, 0, 40, 40)], [(18, 18, 4, 4)]) == [(0, 0)]
    # One prediction spanning two digits pairs with only one of them.
    assert len(match_boxes(truth, [(0, 0, 25, 20)])) == 1


def test_box_counts_from_pairs_and_labels():
    counts = count_box_matches(["1", "2", "3"], ["1", "7", "9"], [(0, 0), (1, 1)])
    # "1" right; "2" read as "7" (FP and FN); "3" missed (FN); "9" read from nothing (FP).
    assert counts == Counts(1, 2, 2)


def test_the_iou_matrix_agrees_with_the_pairwise_iou():
    rng = np.random.default_rng(0)
    first = rng.uniform(0, 50, size=(6, 4)).tolist()
    second = rng.uniform(0, 50, size=(5, 4)).tolist()
    matrix = iou_matrix(first, second)
    assert matrix.shape == (6, 5)
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            assert matrix[i, j] == pytest.approx(iou(a, b))
    assert match_boxes([], second) == [] and match_boxes(first, []) == []
