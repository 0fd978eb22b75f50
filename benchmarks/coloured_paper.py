"""Coloured paper and highlighter for the worksheet conditions (`benchmarks.conditions`).

- `legal-pad`: a yellow legal pad, thin blue rules about 7 mm apart and a double red margin;
- `sticky-note`: a pink, green or yellow sticky-note sheet, unruled, strongly coloured;
- `kraft`: brown kraft paper, darker and fibrous (fine streaks along one direction, mottling);
- `highlighter`: two to five translucent swaths (yellow, green or pink) laid over rows of
  written digits after the writing, as a student marks answers; ink under a swath stays dark
  (the marker's dye filters the light, it does not cover the ink).

Paper colours are multiplicative on the blank sheet (its whiteness times the dye's
reflectance), so the paper's own mottling survives.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.surfaces import pixels_per_mm

COLOURED_PAPERS = ("legal-pad", "sticky-note", "kraft")

_STICKY_DYES = {  # BGR reflectance ranges of the common pastel notes
    "pink": ((0.78, 0.88), (0.62, 0.74), (0.98, 1.0)),
    "green": ((0.55, 0.68), (0.95, 1.0), (0.72, 0.84)),
    "yellow": ((0.45, 0.58), (0.93, 1.0), (0.98, 1.0)),
}
_HIGHLIGHTER_DYES = {  # share of each BGR channel a swath passes
    "yellow": ((0.15, 0.35), (0.95, 1.0), (0.97, 1.0)),
    "green": ((0.35, 0.55), (0.92, 1.0), (0.45, 0.65)),
    "pink": ((0.7, 0.85), (0.35, 0.55), (0.97, 1.0)),
}


def paint_coloured_paper(page: np.ndarray, name: str, rng: np.random.Generator) -> None:
    """Dye the blank sheet (float32 BGR) the colour `name` says, with its ruling, in place."""
    {"legal-pad": _legal_pad, "sticky-note": _sticky_note, "kraft": _kraft}[name](page, rng)


def _dye(page: np.ndarray, ranges, rng: np.random.Generator) -> None:
    page *= np.array([rng.uniform(*channel) for channel in ranges], np.float32)


def _line_coverage(page: np.ndarray, ends: list[tuple[tuple[int, int], tuple[int, int]]], thickness: int) -> np.ndarray:
    coverage = np.zeros(page.shape[:2], np.float32)
    for start, end in ends:
        cv2.line(coverage, start, end, 1.0, thickness, cv2.LINE_AA)
    return coverage


def _print(page: np.ndarray, coverage: np.ndarray, colour) -> None:
    absorbed = 1.0 - np.asarray(colour, np.float32) / 255.0
    page *= 1.0 - coverage[:, :, None] * absorbed[None, None, :]


def _legal_pad(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    _dye(page, ((0.52, 0.66), (0.90, 0.97), (0.97, 1.0)), rng)
    mm = pixels_per_mm(page)
    spacing = rng.uniform(6.8, 7.4) * mm
    rows = np.arange(rng.uniform(25, 35) * mm, height, spacing)
    rules = _line_coverage(page, [((0, int(y)), (width, int(y))) for y in rows], 1)
    _print(page, rules * rng.uniform(0.6, 0.9), (rng.uniform(170, 210), rng.uniform(130, 170), rng.uniform(60, 100)))
    x = int(rng.uniform(30, 34) * mm)
    gap = max(2, int(round(rng.uniform(0.8, 1.2) * mm)))
    margin = _line_coverage(page, [((x, 0), (x, height)), ((x + gap, 0), (x + gap, height))], 1)
    _print(page, margin, (rng.uniform(60, 100), rng.uniform(60, 100), rng.uniform(190, 225)))


def _sticky_note(page: np.ndarray, rng: np.random.Generator) -> None:
    names = sorted(_STICKY_DYES)
    _dye(page, _STICKY_DYES[names[int(rng.integers(len(names)))]], rng)


def _kraft(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    _dye(page, ((0.38, 0.48), (0.55, 0.65), (0.70, 0.80)), rng)
    # Fibres: fine noise smeared along one direction, a few percent of the light either way.
    fibres = rng.normal(0.0, 1.0, size=(height, width)).astype(np.float32)
    length = int(rng.integers(9, 17))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    turn = cv2.getRotationMatrix2D(((length - 1) / 2.0, (length - 1) / 2.0), float(rng.uniform(0, 180)), 1.0)
    fibres = cv2.filter2D(fibres, -1, cv2.warpAffine(kernel, turn, (length, length)))
    fibres *= np.float32(rng.uniform(0.04, 0.08) / max(1e-6, float(fibres.std())))
    coarse = rng.normal(0.0, rng.uniform(0.01, 0.02), size=(max(2, height // 48), max(2, width // 48)))
    mottle = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    page *= np.clip(1.0 + fibres + mottle, 0.7, 1.3)[:, :, None]


def highlight(page: np.ndarray, outlines: list[np.ndarray], rng: np.random.Generator) -> None:
    """Lay translucent swaths over rows of written digits (`outlines`: each digit's ink points)."""
    if not outlines:
        return
    names = sorted(_HIGHLIGHTER_DYES)
    passed = np.array([rng.uniform(*c) for c in _HIGHLIGHTER_DYES[names[int(rng.integers(len(names)))]]], np.float32)
    coverage = np.zeros(page.shape[:2], np.float32)
    for index in rng.choice(len(outlines), size=min(len(outlines), int(rng.integers(2, 6))), replace=False):
        _swath(coverage, outlines[int(index)], rng)
    coverage = cv2.GaussianBlur(coverage, (0, 0), 1.2)  # the felt tip's soft edge
    strength = np.clip(coverage, 0.0, 1.0) * np.float32(rng.uniform(0.8, 1.0))
    page *= (1.0 - strength[:, :, None] * (1.0 - passed)[None, None, :])


def _swath(coverage: np.ndarray, outline: np.ndarray, rng: np.random.Generator) -> None:
    """One stroke of the marker through a digit: as tall as the digit or a little more, a few
    digits long, slightly slanted, a little uneven along its length (the tip dries and presses)."""
    (left, top), (right, bottom) = outline.min(axis=0), outline.max(axis=0)
    tall = (bottom - top) * rng.uniform(0.9, 1.3)
    centre = np.array([(left + right) / 2.0, (top + bottom) / 2.0]) + rng.normal(0.0, 0.08 * tall, size=2)
    half_length = (right - left + tall) * rng.uniform(1.0, 3.0)
    slant = np.deg2rad(rng.uniform(-4, 4))
    along = np.array([np.cos(slant), np.sin(slant)])
    stroke = np.zeros_like(coverage)
    start, end = centre - along * half_length, centre + along * half_length
    cv2.line(stroke, tuple(int(v) for v in start), tuple(int(v) for v in end), 1.0, max(2, int(tall)), cv2.LINE_8)
    unevenness = cv2.resize(rng.uniform(0.75, 1.0, size=(1, 8)).astype(np.float32), (coverage.shape[1], coverage.shape[0]))
    np.maximum(coverage, stroke * unevenness, out=coverage)
