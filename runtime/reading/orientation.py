"""Page geometry: which way up a page is, how far it is tilted, and mapping boxes back.

Orientation is decided by the classifier itself: the digit crops are read in all four
quarter-turns. First the axis (upright or sideways), then, once the page has been turned to that
axis and segmented again, which way up: the model knows upright digits well, and layout alone
cannot tell 0 from 180 degrees. How far the page is tilted is measured in `tilt`; here it is
levelled (`level_page`), so a page photographed at an angle, or a number written on a diagonal,
reads in straight lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from runtime.reading.quantiles import median  # of a page's box heights: numpy's value, without its overhead
from runtime.results import BBox

MIN_VOTES_TO_TURN = 3
"""A page is turned over only when at least this many more digits read better that way."""

VOTE_MARGIN = float(np.log(1.1))
"""A digit votes only when it reads at least 10% more confidently one way than the other (on
24 synthetic pages stored turned, 25% left two of them upside down; 10% turned all 24 right,
and no upright page of the clean and degraded sets was turned)."""

PAIR_WIDTH_RATIO = 1.5
MIN_HEIGHT_SAMPLE = 8
"""A crop at least `PAIR_WIDTH_RATIO` times as wide as the page's candidates are tall (their
median, taken on `MIN_HEIGHT_SAMPLE` or more) does not vote on upside down: mostly touching
digits, which read badly either way up. On a crowded squared page of small digits (hard pages,
seed 7) such pairs were most of the 16 largest crops and voted the page over 8 to 3; of its 48
largest crops all vote 6 more upright, the narrower ones 11. The page's digit width
(`touching.typical_width`) as the yardstick instead stopped two crowded pages of 24 turned
worksheets (seed 17) from turning: their single digits were up to 1.7 times that wide."""

CLEARLY_UPRIGHT_CONFIDENCE = 0.95
"""Mean confidence (geometric) upright above which, if sideways is clearly worse, no other turn
is tried."""


@dataclass
class TurnReadings:
    """How well a page's digits read in each quarter-turn."""

    log_confidence: np.ndarray  # (4, N): crop n read after t counter-clockwise quarter-turns
    widths: np.ndarray | None = None  # (N,): each crop's width as the page stands (px)

    @property
    def count(self) -> int:
        return int(self.log_confidence.shape[1])

    @property
    def mean(self) -> np.ndarray:
        """Mean log-confidence per quarter-turn, (4,)."""
        return self.log_confidence.mean(axis=1)


def read_turns(crops: list[np.ndarray], confidence_of, turns=range(4),
               upright: np.ndarray | None = None) -> TurnReadings:
    """Read the crops in the given quarter-turns; `confidence_of(crops)` gives one per crop.

    Turns not read are left as NaN (`read_turn_over` fills in the half-turn when it is needed).
    `upright`, where given, is the crops' confidence as they stand (read already).
    """
    rows = np.full((4, len(crops)), np.nan)
    if upright is not None:
        rows[0] = np.log(np.maximum(upright, 1e-6))
    for turn in turns if crops else ():
        rows[turn] = np.log(np.maximum(confidence_of([np.rot90(c, turn) for c in crops]), 1e-6))
    return TurnReadings(rows, np.array([crop.shape[1] for crop in crops]))


def read_turn_over(readings: TurnReadings, crops: list[np.ndarray], confidence_of) -> TurnReadings:
    """`readings` with the half-turn read too, if it was not."""
    if not np.isnan(readings.log_confidence[2]).any():
        return readings
    log_confidence = readings.log_confidence.copy()
    log_confidence[2] = read_turns(crops, confidence_of, (2,)).log_confidence[2]
    return TurnReadings(log_confidence, readings.widths)


def is_clearly_upright(readings: TurnReadings) -> bool:
    """Upright beyond doubt: confident upright, and most digits read worse either way sideways."""
    sideways_best = np.maximum(readings.log_confidence[1], readings.log_confidence[3])
    return (readings.mean[0] >= np.log(CLEARLY_UPRIGHT_CONFIDENCE)
            and count_votes(readings.log_confidence[0], sideways_best) >= MIN_VOTES_TO_TURN)


def is_upside_down(readings: TurnReadings, digit_height: float | None = None) -> bool:
    """Whether clearly more digits read better upside down than as given.

    Digits vote one each, not by how much: 0, 1 and 8 read the same both ways and abstain, 6
    and 9 swap, and the asymmetric ones (2, 3, 4, 5, 7) decide. A page is turned over only
    when at least `MIN_VOTES_TO_TURN` more digits prefer it. Given the page's `digit_height`
    (`typical_height`), crops `PAIR_WIDTH_RATIO` times as wide or more abstain.
    """
    return upside_down_votes(readings, digit_height) >= MIN_VOTES_TO_TURN


def upside_down_votes(readings: TurnReadings, digit_height: float | None = None,
                      voters: np.ndarray | None = None) -> int:
    """How many more crops read clearly better upside down than as given (`is_upside_down`);
    `voters`, where given, a mask of the crops that may vote."""
    upright, over = readings.log_confidence[0], readings.log_confidence[2]
    voting = np.ones(readings.count, bool) if voters is None else np.asarray(voters, bool)
    if digit_height is not None and readings.widths is not None:
        voting = voting & (readings.widths < PAIR_WIDTH_RATIO * digit_height)
    return count_votes(over[voting], upright[voting])


def voting_order(boxes: list[BBox]) -> list[int]:
    """The boxes' indices in the order their crops vote on the page's orientation: largest
    first, but those `PAIR_WIDTH_RATIO` times as wide as the page's candidates are tall (their
    `typical_height`) after all the others.

    Such crops are mostly digits run together, which read badly in every turn; on a poor phone
    photo of 21 px digits blurred into one another they were most of the largest, joined in
    rows of two to five, and on a page stored sideways (turned worksheets, seed 303, page 23)
    the vote they made turned it upside down; with single digits first it was turned right."""
    height = typical_height(boxes)
    wide = [height is not None and box[2] >= PAIR_WIDTH_RATIO * height for box in boxes]
    return sorted(range(len(boxes)), key=lambda index: (wide[index], -boxes[index][2] * boxes[index][3]))


def typical_height(boxes: list[BBox]) -> float | None:
    """The median height of a page's candidate boxes; None when fewer than `MIN_HEIGHT_SAMPLE`."""
    if len(boxes) < MIN_HEIGHT_SAMPLE:
        return None
    return float(median([box[3] for box in boxes]))


def count_votes(preferred: np.ndarray, other: np.ndarray) -> int:
    """Digits reading clearly better in `preferred` minus those reading clearly better in `other`."""
    difference = preferred - other
    return int(np.sum(difference > VOTE_MARGIN) - np.sum(difference < -VOTE_MARGIN))


def quarter_turn_matrix(turns: int, shape: tuple[int, int]) -> np.ndarray:
    """The 2x3 affine map from page pixels to pixels of `np.rot90(page, turns)`."""
    height, width = shape
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    for _ in range(turns % 4):
        # np.rot90 (counter-clockwise): the pixel edge point (x, y) goes to (y, width - x).
        step = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, float(width)]])
        matrix = compose(step, matrix)
        height, width = width, height
    return matrix


def level_page(darkness: np.ndarray, tilt_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate an ink map by -tilt (so lines run level) on a canvas that keeps every pixel.

    The new corners are empty paper (no ink). Returns the levelled map and the 2x3 affine map
    from input to levelled pixels.
    """
    height, width = darkness.shape
    centre = (width / 2.0, height / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, -tilt_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos + 0.5), int(height * cos + width * sin + 0.5)
    matrix[0, 2] += new_width / 2.0 - centre[0]
    matrix[1, 2] += new_height / 2.0 - centre[1]
    levelled = cv2.warpAffine(darkness, matrix, (new_width, new_height), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return levelled, matrix


def compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The 2x3 affine map that applies `first`, then `second`."""
    full = lambda m: np.vstack([m, [0.0, 0.0, 1.0]])  # noqa: E731
    return (full(second) @ full(first))[:2]


def map_box_back(box: BBox, matrix: np.ndarray, shape: tuple[int, int]) -> BBox:
    """Map a box found in a transformed page back to the input page (`matrix`: input -> page)."""
    return map_boxes_back([box], matrix, shape)[0]


def map_boxes_back(boxes: list[BBox], matrix: np.ndarray, shape: tuple[int, int]) -> list[BBox]:
    """`map_box_back` for many boxes at once (one inversion, one product: a frame has dozens)."""
    inverse = cv2.invertAffineTransform(matrix)
    x, y, w, h = np.array(boxes, np.float64).reshape(-1, 4).T
    corners = np.stack([np.stack([x, y]), np.stack([x + w, y]), np.stack([x, y + h]),
                        np.stack([x + w, y + h])])  # (corner, xy, box)
    points = np.einsum("ij,cjb->cib", inverse[:, :2], corners) + inverse[:, 2:3]
    height, width = shape
    limit = np.array([[width], [height]], np.float64)
    low = np.clip(points.min(axis=0), 0, limit)
    high = np.clip(points.max(axis=0), 0, limit)
    return [(int(round(left)), int(round(top)), int(round(right - left)), int(round(bottom - top)))
            for left, top, right, bottom in zip(low[0], low[1], high[0], high[1])]
