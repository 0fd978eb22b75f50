"""Synthetic camera frames and A4 scans with an exact number of handwritten digits.

The pipeline benchmark needs inputs of a given size holding a given number of digits (about 20
in a 640x480 frame, about 100 on an A4 page at 200 dpi), so its cost per frame is comparable
run to run. Digits are MNIST *test* images drawn as pen strokes on off-white paper with the
worksheet generator's own handwriting and paper models (`benchmarks.handwriting`,
`benchmarks.paper`); lines of numbers are laid out evenly. Camera frames also get uneven
lighting, sensor noise and a little blur. The ground truth (label and box of every digit)
comes back with the image, so the benchmark can check the reader really read them.

Usage: imported by benchmarks.pipeline (not run directly).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.handwriting import INK_PRESENT, DigitBank, write_glyph
from benchmarks.paper import blank_paper

A4_200DPI_PX = (1654, 2339)
"""Width, height in pixels of an A4 sheet (210 x 297 mm) scanned at 200 dpi."""


@dataclass
class FrameSpec:
    """One kind of synthetic input."""

    width: int  # pixels
    height: int  # pixels
    digit_count: int  # digits written on it, exactly
    camera: bool  # add lighting gradient, noise and blur (a webcam), else a clean scan
    digit_height_px: float | None = None  # handwriting height; None: as large as the lines allow


@dataclass
class SyntheticFrame:
    """A BGR uint8 image and what is written on it."""

    image: np.ndarray  # (height, width, 3) uint8, BGR as cv2.imread / a webcam gives it
    labels: list[int]  # digit written, one per digit
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h of each digit's ink, same order

    def truth(self, dx: float = 0.0, dy: float = 0.0) -> FrameTruth:
        """What is written on the frame, its boxes moved by (dx, dy) px (a card moved that far)."""
        return FrameTruth([str(label) for label in self.labels],
                          [(round(x + dx), round(y + dy), w, h) for x, y, w, h in self.boxes])


@dataclass
class FrameTruth:
    """What one frame of a generated video shows: a video stores no labels, so they come apart."""

    labels: list[str]  # digit written, one per digit
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h of each digit's ink in the frame, same order


def make_frame(spec: FrameSpec, bank: DigitBank, rng: np.random.Generator) -> SyntheticFrame:
    """Draw `spec.digit_count` digits in lines of numbers on paper of the spec's size."""
    if spec.digit_count < 1 or spec.width < 64 or spec.height < 64:
        raise ValueError(f"need at least one digit on a 64x64 image, got {spec}")
    lines = _split_into_lines(spec, rng)
    line_pitch = spec.height / (len(lines) + 1)
    longest = max(sum(lengths) + 0.6 * (len(lengths) - 1) for lengths in lines)
    # Digits about 45% of the line pitch, narrowed if the longest line would not fit.
    digit_height = min(0.45 * line_pitch, 0.8 * spec.width / (longest * 0.9 + 1))
    if spec.digit_height_px is not None:
        digit_height = min(digit_height, spec.digit_height_px)
    page = blank_paper(spec.width, spec.height, rng)
    ink = np.array(rng.choice([(90, 40, 20), (40, 35, 35), (140, 60, 30)]), np.float32)
    labels: list[int] = []
    boxes: list[tuple[int, int, int, int]] = []
    for line_index, lengths in enumerate(lines):
        baseline = line_pitch * (line_index + 1) + digit_height / 2
        glyph_rows = [[write_glyph(bank, int(rng.integers(10)), digit_height *
                                   rng.uniform(0.9, 1.1), rng) for _ in range(length)]
                      for length in lengths]
        digit_gap = 0.2 * digit_height
        number_gap = 1.0 * digit_height
        width = sum(g.width for row in glyph_rows for g in row) + digit_gap * sum(
            len(row) - 1 for row in glyph_rows) + number_gap * (len(glyph_rows) - 1)
        x = max(2.0, (spec.width - width) / 2 + rng.uniform(-0.05, 0.05) * spec.width)
        for row in glyph_rows:
            for glyph in row:
                top = round(baseline - glyph.height + rng.uniform(-0.05, 0.05) * digit_height)
                box = _paste(page, glyph.alpha, round(x), top, ink)
                if box is not None:
                    labels.append(glyph.label)
                    boxes.append(box)
                x += glyph.width + digit_gap
            x += number_gap - digit_gap
    if spec.camera:
        page = _camera_effects(page, rng)
    image = np.clip(page, 0, 255).astype(np.uint8)
    return SyntheticFrame(image=image, labels=labels, boxes=boxes)


def make_frames(spec: FrameSpec, count: int, seed: int) -> list[SyntheticFrame]:
    """`count` different frames of one spec, from MNIST test digits, reproducible by `seed`."""
    from train.data import load_mnist

    images, labels = load_mnist("test")
    bank = DigitBank(images, labels)
    rng = np.random.default_rng(seed)
    return [make_frame(spec, bank, rng) for _ in range(count)]


def _split_into_lines(spec: FrameSpec, rng: np.random.Generator) -> list[list[int]]:
    """Digits per number, per line: about sqrt(count / aspect) lines of 1-4 digit numbers."""
    aspect = spec.width / spec.height
    line_count = max(1, round(np.sqrt(spec.digit_count / (2.0 * aspect))))
    if spec.digit_height_px is not None:
        # Small handwriting on a big page: lines filled to about 60% of the width
        # (a digit plus its share of the gaps is about 1.1 digit heights wide).
        per_line = max(1, int(0.6 * spec.width / (1.1 * spec.digit_height_px)))
        line_count = max(line_count, -(-spec.digit_count // per_line))
    per_line = np.full(line_count, spec.digit_count // line_count)
    per_line[: spec.digit_count % line_count] += 1
    lines = []
    for digits in per_line:
        lengths = []
        while digits > 0:
            length = int(min(digits, rng.integers(1, 5)))
            lengths.append(length)
            digits -= length
        lines.append(lengths)
    return [lengths for lengths in lines if lengths]


def _paste(page: np.ndarray, alpha: np.ndarray, x: int, y: int,
           ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """Blend `alpha` in ink colour onto `page` at (x, y), clipped; the visible ink's box."""
    height, width = page.shape[:2]
    top, left = max(0, y), max(0, x)
    bottom, right = min(height, y + alpha.shape[0]), min(width, x + alpha.shape[1])
    if bottom <= top or right <= left:
        return None
    coverage = alpha[top - y : bottom - y, left - x : right - x, None]
    region = page[top:bottom, left:right]
    region *= 1.0 - coverage
    region += coverage * ink
    rows = np.flatnonzero(coverage[..., 0].max(axis=1) > INK_PRESENT)
    cols = np.flatnonzero(coverage[..., 0].max(axis=0) > INK_PRESENT)
    if rows.size == 0:
        return None
    return (left + int(cols[0]), top + int(rows[0]), int(cols[-1] - cols[0] + 1),
            int(rows[-1] - rows[0] + 1))


def _camera_effects(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven light (a bright spot and darker corners), slight blur, sensor noise."""
    height, width = page.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    centre_x, centre_y = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    distance = np.hypot((xs - centre_x) / width, (ys - centre_y) / height)
    light = (1.0 - rng.uniform(0.25, 0.45) * distance ** 2) * rng.uniform(0.75, 0.95)
    page = page * light[:, :, None]
    page = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.5, 1.0))
    return page + rng.normal(0.0, rng.uniform(2.0, 5.0), page.shape).astype(np.float32)
