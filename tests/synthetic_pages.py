"""Build small test pages from MNIST test digits: dark ink on paper, with known ground truth.

Runtime tests use these instead of the benchmark generator so they stay fast and need nothing
beyond numpy and OpenCV (they also run on a runtime-only install).
"""

from __future__ import annotations

import cv2
import numpy as np


def ink_page(lines: list[list[np.ndarray]], digit_height: int = 40, gap: int = 8,
             number_gap: int | None = None, margin: int = 30,
             line_spacing: float = 1.8) -> tuple[np.ndarray, list[list[tuple[int, int, int, int]]]]:
    """Draw lines of MNIST digits (28x28, white on black) as black ink on white paper.

    Each line is a list of digit images; `None` in a line leaves a number gap. Returns the
    greyscale page and, per line, the box (x, y, w, h) of every drawn digit's ink.
    """
    number_gap = number_gap if number_gap is not None else 2 * digit_height
    scale = digit_height / 20.0  # MNIST digits are 20 px tall inside their 28 px image
    side = int(round(28 * scale))
    width = margin * 2 + max(sum(side if d is not None else number_gap for d in line) + gap * len(line)
                             for line in lines)
    height = margin * 2 + int(len(lines) * side * line_spacing)
    page = np.full((height, width), 235, np.float32)
    boxes = []
    for row, line in enumerate(lines):
        x, y = margin, margin + int(row * side * line_spacing)
        line_boxes = []
        for digit in line:
            if digit is None:
                x += number_gap
                continue
            big = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            region = page[y:y + side, x:x + side]
            region[:] = np.minimum(region, 235 - big * (215 / 255.0))
            ys, xs = np.nonzero(big > 60)
            line_boxes.append((x + int(xs.min()), y + int(ys.min()),
                               int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)))
            x += side + gap - int(side * 0.3)  # MNIST's empty margins would space digits too far
        boxes.append(line_boxes)
    return np.clip(page, 0, 255).astype(np.uint8), boxes


def add_shadow(page: np.ndarray, strength: float = 0.5) -> np.ndarray:
    """Darken the page with a smooth diagonal gradient, as a phone's shadow does."""
    height, width = page.shape
    ramp = np.linspace(1.0, 1.0 - strength, width)[None, :] * np.linspace(1.0, 0.85, height)[:, None]
    return (page.astype(np.float32) * ramp).astype(np.uint8)


def add_rules(page: np.ndarray, spacing: int, colour: int = 150) -> np.ndarray:
    """Rule the page with horizontal lines every `spacing` pixels."""
    ruled = page.copy()
    ruled[spacing // 2 :: spacing, :] = np.minimum(ruled[spacing // 2 :: spacing, :], colour)
    return ruled


def blurred_row_of_zeros(count: int, first_x: int, pitch: int, radii: tuple[int, int], stroke: int,
                         blur: float, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The ink and faint masks (uint8, 255 = ink) of a row of `count` 0s centred from `first_x`
    on, `pitch` px apart (ellipses of `radii`, strokes `stroke` px wide), blurred by a camera
    (`blur` sigma) into one another on a picture of `size` (height, width): the masks the
    segmenter thresholds them into (at 0.35 and, faint, 0.12 of the darkest)."""
    height, width = size
    ink = np.zeros((height, width), np.float32)
    for index in range(count):
        cv2.ellipse(ink, (first_x + pitch * index, height // 2), radii, 0, 0, 360, 1.0, stroke)
    ink = cv2.GaussianBlur(ink, (0, 0), blur)
    ink /= ink.max()
    return (ink > 0.35).astype(np.uint8) * 255, (ink > 0.12).astype(np.uint8) * 255
