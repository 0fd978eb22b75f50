"""Scoring a page read against its truth: digit matches, edit-distance alignment, P/R/F1.

Two ways to pair predicted digits with true ones, depending on what the truth holds:

- With boxes (synthetic pages): `match_boxes` pairs each true digit with at most one
  predicted digit, greedily by intersection-over-union (largest first). A pair counts when
  IoU >= `MIN_IOU` or the centre of either box lies inside the other (a reader may box a
  digit tighter or looser than the truth does). A pair with the same label is a true
  positive; a pair with different labels is both a false positive (a wrong claim) and a
  false negative (the true digit was not read). Unpaired predictions are false positives,
  unpaired truth digits false negatives.
- Without boxes (`labels.csv`): `align` runs the Levenshtein edit-distance alignment
  between the true and the predicted character sequences (lines joined by "|"): a match of
  digits is a true positive, a substitution of one digit by another is a false positive plus
  a false negative, an insertion (a predicted digit with no true one) a false positive, a
  deletion (a true digit not read) a false negative. "|" only anchors lines: it aligns like
  any character but is never counted as a digit.

A "?" (a digit below the reader's confidence threshold) never equals a true digit, so it
scores as a wrong digit. Precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their
harmonic mean; with nothing predicted precision is 1.0 only if nothing was missed either
(0.0 otherwise), likewise recall with nothing to find, so an empty page read as empty is
perfect and anything else on an empty side scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.boxes import greedy_pairs, iou_matrix

MIN_IOU = 0.3
"""Boxes overlapping at least this much (or centre inside) are the same written digit."""

LINE_SEPARATOR = "|"

BoxLike = tuple[float, float, float, float] | list[float]
"""x, y, width, height."""


@dataclass
class Counts:
    """True positives, false positives and false negatives of digits."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.true_positives + other.true_positives,
                      self.false_positives + other.false_positives,
                      self.false_negatives + other.false_negatives)

    @property
    def precision(self) -> float:
        claimed = self.true_positives + self.false_positives
        if claimed == 0:
            return 1.0 if self.false_negatives == 0 else 0.0
        return self.true_positives / claimed

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        if present == 0:
            return 1.0 if self.false_positives == 0 else 0.0
        return self.true_positives / present

    @property
    def f1(self) -> float:
        precision, recall = self.precision, self.recall
        if precision + recall == 0.0:
            return 0.0
        return 2.0 * precision * recall / (precision + recall)

    def to_dict(self) -> dict:
        return {"true_positives": self.true_positives, "false_positives": self.false_positives,
                "false_negatives": self.false_negatives, "precision": round(self.precision, 6),
                "recall": round(self.recall, 6), "f1": round(self.f1, 6)}


@dataclass(frozen=True)
class AlignmentStep:
    """One step of an edit-distance alignment."""

    operation: str  # "match", "substitute", "insert" (extra predicted char) or "delete" (missed true char)
    truth: str  # the true character, "" for an insertion
    predicted: str  # the predicted character, "" for a deletion


def align(truth: str, predicted: str) -> list[AlignmentStep]:
    """Levenshtein alignment of two strings (unit costs), as a list of steps in order.

    Among equally cheap alignments it prefers, walking back from the end, a diagonal step
    (match or substitution), then a deletion, then an insertion: deterministic results.
    """
    rows, cols = len(truth), len(predicted)
    cost = np.zeros((rows + 1, cols + 1), np.int64)
    cost[:, 0] = np.arange(rows + 1)
    cost[0, :] = np.arange(cols + 1)
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            diagonal = cost[i - 1, j - 1] + (truth[i - 1] != predicted[j - 1])
            cost[i, j] = min(diagonal, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    steps: list[AlignmentStep] = []
    i, j = rows, cols
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i, j] == cost[i - 1, j - 1] + (truth[i - 1] != predicted[j - 1]):
            same = truth[i - 1] == predicted[j - 1]
            steps.append(AlignmentStep("match" if same else "substitute", truth[i - 1], predicted[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i, j] == cost[i - 1, j] + 1:
            steps.append(AlignmentStep("delete", truth[i - 1], ""))
            i -= 1
        else:
            steps.append(AlignmentStep("insert", "", predicted[j - 1]))
            j -= 1
    steps.reverse()
    return steps


def count_alignment(steps: list[AlignmentStep]) -> Counts:
    """TP / FP / FN of digits from an alignment; line separators are not digits."""
    counts = Counts()
    for step in steps:
        truth_is_digit = step.truth not in ("", LINE_SEPARATOR)
        predicted_is_digit = step.predicted not in ("", LINE_SEPARATOR)
        if step.operation == "match":
            counts.true_positives += truth_is_digit
        else:
            counts.false_negatives += truth_is_digit
            counts.false_positives += predicted_is_digit
    return counts


def score_sequences(truth: str, predicted: str) -> Counts:
    """Digit counts of a predicted reading against the truth, both as "123|45" strings."""
    return count_alignment(align(truth, predicted))


def centre_inside(box: BoxLike, container: BoxLike) -> bool:
    """Whether the centre of `box` lies within `container` (edges included)."""
    x, y, w, h = (float(v) for v in box)
    cx, cy, cw, ch = (float(v) for v in container)
    centre_x, centre_y = x + w / 2.0, y + h / 2.0
    return cx <= centre_x <= cx + cw and cy <= centre_y <= cy + ch


def match_boxes(truth_boxes: list[BoxLike], predicted_boxes: list[BoxLike],
                min_iou: float = MIN_IOU) -> list[tuple[int, int]]:
    """Pairs (truth index, predicted index), each index used at most once; see module doc."""
    if not truth_boxes or not predicted_boxes:
        return []
    overlap = iou_matrix(truth_boxes, predicted_boxes)
    truth = np.asarray(truth_boxes, np.float64).reshape(-1, 4)
    predicted = np.asarray(predicted_boxes, np.float64).reshape(-1, 4)
    related = ((overlap >= min_iou) | _centres_inside(predicted, truth).T | _centres_inside(truth, predicted))
    # Largest overlap first; ties keep row-major order, so the pairing is deterministic.
    pairs = greedy_pairs(related, -overlap)
    pairs.sort()
    return pairs


def _centres_inside(boxes: np.ndarray, containers: np.ndarray) -> np.ndarray:
    """[i, j]: whether the centre of boxes[i] lies within containers[j] (edges included)."""
    centre_x = (boxes[:, 0] + boxes[:, 2] / 2.0)[:, None]
    centre_y = (boxes[:, 1] + boxes[:, 3] / 2.0)[:, None]
    return ((containers[None, :, 0] <= centre_x) & (centre_x <= containers[None, :, 0] + containers[None, :, 2])
            & (containers[None, :, 1] <= centre_y) & (centre_y <= containers[None, :, 1] + containers[None, :, 3]))


def count_box_matches(truth_labels: list[str], predicted_labels: list[str],
                      pairs: list[tuple[int, int]]) -> Counts:
    """TP / FP / FN from box pairs and the labels on both sides."""
    correct = sum(truth_labels[t] == predicted_labels[p] for t, p in pairs)
    return Counts(true_positives=correct,
                  false_positives=len(predicted_labels) - correct,
                  false_negatives=len(truth_labels) - correct)
