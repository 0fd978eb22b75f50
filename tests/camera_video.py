"""A moving worksheet video for the camera tests, and a stand-in reader that needs no model.

The video: handwritten numbers built from MNIST *test* digits, dark ink on white 640x480
frames, drifting a few pixels per frame under sensor-like noise, written as MJPG .avi (so
compression artefacts are part of the input).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from runtime.results import Digit, Line, Number, PageResult

FRAME_WIDTH, FRAME_HEIGHT = 640, 480
DIGIT_HEIGHT_PX = 36  # handwriting seen from a webcam at arm's length
DIGIT_GAP_PX = 8  # between the digits of one number: well under the reader's number gap
DRIFT_PX_PER_FRAME = (2, 1)  # the sheet moves this much right and down every frame
DRIFT_TURN_FRAMES = 20  # ... for this many frames, then back the same way (long videos)
NOISE_SIGMA = 6.0  # grey levels of per-pixel sensor noise

# About 20 digits in view, in the layout of a worksheet: numbers in rows, apart from each other.
NUMBERS_IN_VIEW = [
    ("307", (40, 40)), ("52", (260, 40)), ("4189", (420, 40)),
    ("60", (40, 170)), ("913", (220, 170)), ("2746", (400, 170)),
    ("85", (60, 300)), ("1", (250, 300)), ("39", (420, 300)),
]


@dataclass
class DrawnNumber:
    text: str
    bbox_at_start: tuple[int, int, int, int]  # x, y, w, h in the first frame

    def bbox_at(self, frame_index: int) -> tuple[int, int, int, int]:
        x, y, w, h = self.bbox_at_start
        dx, dy = drift_at(frame_index)
        return (x + dx, y + dy, w, h)


def drift_at(frame_index: int) -> tuple[int, int]:
    """How far the sheet has moved by `frame_index`: steadily one way, then back."""
    phase = frame_index % (2 * DRIFT_TURN_FRAMES)
    steps = phase if phase <= DRIFT_TURN_FRAMES else 2 * DRIFT_TURN_FRAMES - phase
    return (DRIFT_PX_PER_FRAME[0] * steps, DRIFT_PX_PER_FRAME[1] * steps)


def is_written_in_one_piece(digit: np.ndarray) -> bool:
    """An MNIST digit whose ink is one connected stroke and not much wider than tall.

    Some MNIST digits are drawn with a gap (a 0 open at the top) or a long sweeping tail; a
    segmenter rightly sees those as two marks, and no camera code can fix that. The camera
    test draws the digits a person writes with a pen in one go.
    """
    count, _ = cv2.connectedComponents((digit > 100).astype(np.uint8), connectivity=8)
    rows = np.flatnonzero(digit.max(axis=1) > 30)
    cols = np.flatnonzero(digit.max(axis=0) > 30)
    return count == 2 and len(cols) <= 1.1 * len(rows)


def handwritten_number(text: str, images: np.ndarray, labels: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Ink strength (0..1 float) of `text` written with randomly chosen digits from `images`."""
    pieces = []
    for character in text:
        digit = images[rng.choice(np.flatnonzero(labels == int(character)))]
        rows = np.flatnonzero(digit.max(axis=1) > 30)
        cols = np.flatnonzero(digit.max(axis=0) > 30)
        digit = digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        width = max(4, round(digit.shape[1] * DIGIT_HEIGHT_PX / digit.shape[0]))
        pieces.append(cv2.resize(digit, (width, DIGIT_HEIGHT_PX), interpolation=cv2.INTER_LINEAR))
        pieces.append(np.zeros((DIGIT_HEIGHT_PX, DIGIT_GAP_PX), np.uint8))
    # A pen's line is dark all across; MNIST's grey edge pixels are anti-aliasing, so the
    # ink saturates well before the digit's brightest value.
    return np.clip(np.hstack(pieces[:-1]).astype(np.float32) / 160.0, 0.0, 1.0)


def make_digit_video(path: Path, images: np.ndarray, labels: np.ndarray, frames: int,
                     numbers=NUMBERS_IN_VIEW, seed: int = 0) -> list[DrawnNumber]:
    """Write the moving worksheet video to `path`; return what was drawn where."""
    rng = np.random.default_rng(seed)
    inks = [(text, handwritten_number(text, images, labels, rng), origin)
            for text, origin in numbers]
    # Paper a little brighter on the right, as under a desk lamp.
    paper = np.tile(np.linspace(215, 245, FRAME_WIDTH, dtype=np.float32), (FRAME_HEIGHT, 1))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0,
                             (FRAME_WIDTH, FRAME_HEIGHT))
    for frame_index in range(frames):
        darkness = np.zeros((FRAME_HEIGHT, FRAME_WIDTH), np.float32)
        dx, dy = drift_at(frame_index)
        for _, ink, (x, y) in inks:
            x, y = x + dx, y + dy
            darkness[y:y + ink.shape[0], x:x + ink.shape[1]] = ink
        gray = paper * (1.0 - 0.85 * darkness) + rng.normal(0, NOISE_SIGMA, paper.shape)
        gray = np.clip(gray, 0, 255).astype(np.uint8)
        writer.write(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    writer.release()
    return [DrawnNumber(text, (x, y, ink.shape[1], ink.shape[0])) for text, ink, (x, y) in inks]


class BlobReader:
    """Stand-in PageReader: every dark blob is a digit "1", each its own number on one line."""

    def __init__(self):
        self.shapes_seen = []

    def read(self, gray: np.ndarray) -> PageResult:
        self.shapes_seen.append(gray.shape)
        count, _, stats, _ = cv2.connectedComponentsWithStats((gray < 100).astype(np.uint8))
        numbers = [Number([Digit("1", 0.95, tuple(int(v) for v in stats[i, :4]))])
                   for i in range(1, count)]
        return PageResult([Line(numbers)] if numbers else [])


def page_with_blocks(blocks) -> np.ndarray:
    image = np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 255, np.uint8)
    for x, y, w, h in blocks:
        image[y:y + h, x:x + w] = 0
    return image
