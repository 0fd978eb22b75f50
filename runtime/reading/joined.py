"""Two regions read apart that are one digit's pieces, told by what the model reads of them joined.

A digit written in two strokes that do not meet (a 6's stem lifted off its loop, a 9's tail off
its head) comes out of segmentation as two regions whose boxes interlock: one stands within the
other's columns and they overlap down. Read alone, each piece is a digit of its own, often surely
(a 6 read "10": its stem a 1, its loop a 0), a digit where none is written. Segmentation joins
such pieces only in small writing (`runtime.reading.interlocked`), where the link between them
broke at its thinnest; in bigger writing most regions that interlock so are letters of a word
leaning into each other, and two digits side by side may do so too.

So there the model is asked: the two pieces are read joined, and they are one digit where the
joined crop reads as a digit at least as well as the two pieces read apart, each piece beyond the
first paying what the cutter asks of a cut (`touching.best_reading`: the same weighing, asked of
two regions instead of one region's cut). Only pieces both read as digits are asked: letters
read "not a digit". On development worksheets of MNIST *validation* digits (`benchmarks.worksheets
--digits validation`: 200 clean pages, seeds 401-410; 40 mixed, 401-402; 100 of 640x480 mixed,
411) 10 pairs of regions interlocked so once segmented, 5 of them pieces both read
as digits: all five a 6 read "10" (its stem and its loop read at 0.988-0.996), which joined read
6 at 0.969-0.996. Asked besides to read surely joined (0.99, `touching.SURE_WHOLE_CONFIDENCE`),
two of the five stayed apart (0.969 and 0.988: the joined crop, its stem reaching past its loop,
is an odd shape for the model).
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.interlocked import MAX_INK_GAP, MAX_SHORTER_HEIGHT, MIN_OVERLAP_X, MIN_OVERLAP_Y
from runtime.reading.pairs import near_pairs
from runtime.reading.segment import DigitCandidate
from runtime.reading.touching import best_reading

MAX_JOINED_HEIGHT = 1.5
"""The two pieces joined stand at most this many of the page's digit heights (one digit, not two
stacked)."""


def interlocked_pairs(boxes: list, inks: list[np.ndarray], digit_height: float | None) -> list[tuple[int, int]]:
    """Pairs of regions (boxes x, y, w, h; their ink crops) whose boxes interlock as a digit's
    pieces do (`interlocked`'s shape, on a page of digits `digit_height` tall), each region in one
    pair at most (a region interlocking with two is left alone)."""
    if digit_height is None or len(boxes) < 2:
        return []
    box = np.asarray(boxes, np.float32).reshape(-1, 4)
    corners = np.column_stack([box[:, :2], box[:, :2] + box[:, 2:]])
    first, second = near_pairs(corners, MAX_JOINED_HEIGHT * digit_height)
    left, top, right, bottom = corners.T
    overlap_x = np.minimum(right[first], right[second]) - np.maximum(left[first], left[second])
    overlap_y = np.minimum(bottom[first], bottom[second]) - np.maximum(top[first], top[second])
    narrower = np.minimum(box[first, 2], box[second, 2])
    shorter = np.minimum(box[first, 3], box[second, 3])
    joined_height = np.maximum(bottom[first], bottom[second]) - np.minimum(top[first], top[second])
    maybe = ((overlap_x >= MIN_OVERLAP_X * narrower) & (overlap_y > MIN_OVERLAP_Y * shorter)
             & (shorter < MAX_SHORTER_HEIGHT * digit_height) & (joined_height <= MAX_JOINED_HEIGHT * digit_height))
    reach = max(3.0, MAX_INK_GAP * digit_height)
    found = [(min(one, other), max(one, other)) for one, other in zip(first[maybe].tolist(), second[maybe].tolist())
             if _ink_gap(boxes[one], inks[one], boxes[other], inks[other]) <= reach]
    counts = np.bincount(np.asarray(found, int).ravel(), minlength=len(boxes)) if found else None
    return [(one, other) for one, other in found if counts[one] == 1 and counts[other] == 1]


def joined(first: DigitCandidate, second: DigitCandidate) -> DigitCandidate:
    """One region of two: their union's box, each one's ink where it lies."""
    left, top = min(first.bbox[0], second.bbox[0]), min(first.bbox[1], second.bbox[1])
    right = max(first.bbox[0] + first.bbox[2], second.bbox[0] + second.bbox[2])
    bottom = max(first.bbox[1] + first.bbox[3], second.bbox[1] + second.bbox[3])
    ink = np.zeros((bottom - top, right - left), np.uint8)
    for piece in (first, second):
        x, y, w, h = piece.bbox
        window = ink[y - top:y - top + h, x - left:x - left + w]
        np.maximum(window, piece.ink, out=window)
    return DigitCandidate(bbox=(left, top, right - left, bottom - top), ink=ink,
                          blurred_blob=first.blurred_blob and second.blurred_blob)


def reads_better_joined(joined_confidence: float, piece_confidences: list[float]) -> bool:
    """Whether two pieces read as one digit (`joined_confidence`, its likeliest digit's share)
    rather than as the digits they read apart (`piece_confidences`), by the cutter's weighing
    (`touching.best_reading`) of a whole against its cut."""
    return best_reading(joined_confidence, [np.asarray(piece_confidences, np.float64)]) < 0


def _ink_gap(one_box, one_ink: np.ndarray, other_box, other_ink: np.ndarray) -> float:
    """The distance between the nearest ink pixels of two regions (px)."""
    left, top = min(one_box[0], other_box[0]), min(one_box[1], other_box[1])
    right = max(one_box[0] + one_box[2], other_box[0] + other_box[2])
    bottom = max(one_box[1] + one_box[3], other_box[1] + other_box[3])
    mine = np.zeros((bottom - top, right - left), bool)
    theirs = np.zeros_like(mine)
    for mask, (x, y, w, h), ink in ((mine, one_box, one_ink), (theirs, other_box, other_ink)):
        mask[y - top:y - top + h, x - left:x - left + w] = ink > 0
    if not mine.any() or not theirs.any():
        return np.inf
    distance = cv2.distanceTransform((~mine).astype(np.uint8), cv2.DIST_L2, 3)
    return float(distance[theirs].min())
