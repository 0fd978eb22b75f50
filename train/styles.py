"""Synthetic digits in the styles MNIST lacks, drawn from pen-stroke templates.

MNIST's American writers rarely make an open-topped 4, a flagged (European) 1, a crossed 7,
blocky "printed-like" digits (square 3, 5, 9: what people write in boxes), digits in a bold
marker, or a 9 whose descender is longer than its loop, and the model misreads such digits on
real pages (4 -> 9, 1 -> 7, square 3 -> 7, long 9 -> 1). Each template below is one way of
writing a digit as pen strokes in a unit box (x right, y down). A digit is drawn by resampling
the strokes, bending them with smooth wobble (a hand, not a ruler), slanting, rotating and
stretching the box, choosing a pen from hair-thin to marker-bold, then passing the drawing
through `runtime.normalize.normalize_digit`, the function every runtime crop goes through.

numpy + OpenCV only, about 0.1 ms per digit: a fresh set is drawn for every epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from runtime.normalize import normalize_digit

Stroke = list[tuple[float, float]]
"""One pen stroke: points in the unit box, x to the right, y down."""

_CANVAS_PX = 96
_HEIGHT_PX = 60
"""Digit height on the drawing canvas, before normalisation shrinks it to 20 px."""
_FRACTION_BITS = 4
"""Sub-pixel precision of OpenCV's line drawing (coordinates times 16)."""


def _arc(cx: float, cy: float, rx: float, ry: float, start_deg: float, end_deg: float) -> Stroke:
    """Points of an elliptic arc; angles in degrees, 0 = right, 90 = down (y grows downward)."""
    count = max(4, int(abs(end_deg - start_deg) / 10))
    angles = np.radians(np.linspace(start_deg, end_deg, count))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _curve(start, control, end) -> Stroke:
    """Quadratic Bezier curve from `start` to `end` pulled towards `control`."""
    t = np.linspace(0.0, 1.0, 12)[:, None]
    points = (1 - t) ** 2 * np.array(start) + 2 * (1 - t) * t * np.array(control) + t**2 * np.array(end)
    return [tuple(point) for point in points]


TEMPLATES: dict[str, tuple[int, list[Stroke]]] = {
    "0 oval": (0, [_arc(0.5, 0.5, 0.3, 0.48, -90, 275)]),
    "0 box": (0, [[(0.2, 0.0), (0.8, 0.0), (0.8, 1.0), (0.2, 1.0), (0.2, 0.0)]]),
    "1 bar": (1, [[(0.5, 0.0), (0.5, 1.0)]]),
    "1 flagged": (1, [[(0.3, 0.28), (0.55, 0.0), (0.55, 1.0)]]),
    "1 flagged base": (1, [[(0.3, 0.25), (0.52, 0.0), (0.52, 1.0)], [(0.28, 1.0), (0.76, 1.0)]]),
    "2 curved": (2, [_arc(0.5, 0.28, 0.3, 0.27, 190, 395) + [(0.2, 1.0), (0.82, 1.0)]]),
    "2 boxy": (2, [[(0.2, 0.0), (0.8, 0.0), (0.8, 0.5), (0.2, 0.5), (0.2, 1.0), (0.8, 1.0)]]),
    "2 zed": (2, [[(0.2, 0.05), (0.45, 0.0), (0.8, 0.0), (0.2, 1.0), (0.8, 1.0)]]),
    "3 curved": (3, [_arc(0.5, 0.26, 0.28, 0.24, 200, 450) + _arc(0.5, 0.74, 0.3, 0.26, 270, 520)]),
    "3 boxy": (3, [[(0.2, 0.0), (0.8, 0.0), (0.8, 1.0), (0.2, 1.0)], [(0.3, 0.5), (0.8, 0.5)]]),
    "3 flat top": (3, [[(0.2, 0.0), (0.8, 0.0), (0.42, 0.42)] + _arc(0.5, 0.7, 0.3, 0.29, 250, 520)]),
    "4 closed": (4, [[(0.65, 1.0), (0.65, 0.0), (0.15, 0.65), (0.85, 0.65)]]),
    "4 open": (4, [[(0.25, 0.0), (0.2, 0.6), (0.85, 0.6)], [(0.7, 0.05), (0.7, 1.0)]]),
    "4 open low": (4, [[(0.3, 0.0), (0.22, 0.55), (0.85, 0.55)], [(0.7, 0.25), (0.7, 1.0)]]),
    # Descenders twice the body: the bar sits a third of the way down, the stem runs on below.
    "4 long stem": (4, [[(0.3, 0.0), (0.22, 0.33), (0.85, 0.33)], [(0.68, 0.0), (0.62, 1.0)]]),
    "5 curved": (5, [[(0.8, 0.0), (0.28, 0.0), (0.25, 0.45)] + _arc(0.5, 0.68, 0.3, 0.3, 215, 500)]),
    "5 boxy": (5, [[(0.8, 0.0), (0.2, 0.0), (0.2, 0.5), (0.8, 0.5), (0.8, 1.0), (0.2, 1.0)]]),
    "6 curved": (6, [_curve((0.75, 0.0), (0.2, 0.15), (0.22, 0.72)) + _arc(0.5, 0.72, 0.28, 0.27, 180, 540)]),
    "6 boxy": (6, [[(0.8, 0.0), (0.2, 0.0), (0.2, 1.0), (0.8, 1.0), (0.8, 0.5), (0.2, 0.5)]]),
    "7 plain": (7, [[(0.2, 0.0), (0.8, 0.0), (0.4, 1.0)]]),
    "7 crossed": (7, [[(0.2, 0.0), (0.8, 0.0), (0.45, 1.0)], [(0.4, 0.52), (0.82, 0.48)]]),
    "7 serif": (7, [[(0.2, 0.18), (0.2, 0.0), (0.8, 0.0), (0.5, 1.0)]]),
    "7 boxy": (7, [[(0.2, 0.0), (0.8, 0.0), (0.8, 1.0)]]),
    "7 long descender": (7, [[(0.12, 0.04), (0.85, 0.0), (0.55, 1.0)]]),
    "8 loops": (8, [_arc(0.5, 0.25, 0.24, 0.24, 0, 360), _arc(0.5, 0.72, 0.3, 0.28, 0, 360)]),
    "8 boxy": (8, [[(0.2, 0.0), (0.8, 0.0), (0.8, 1.0), (0.2, 1.0), (0.2, 0.0)], [(0.2, 0.5), (0.8, 0.5)]]),
    "9 straight": (9, [_arc(0.5, 0.3, 0.28, 0.28, 0, 360) + [(0.78, 0.3), (0.75, 1.0)]]),
    "9 long tail": (9, [_arc(0.5, 0.2, 0.26, 0.2, 0, 360) + [(0.76, 0.2), (0.7, 1.0)]]),
    "9 hooked": (9, [_arc(0.5, 0.25, 0.27, 0.24, 0, 360) + _curve((0.77, 0.25), (0.82, 1.0), (0.35, 0.95))]),
    # A small loop on a long descender (the loop a fifth of the height or less), closed or
    # left open like a hook: read as 1 on real pages.
    "9 small loop": (9, [_arc(0.5, 0.12, 0.2, 0.12, 0, 360) + [(0.7, 0.12), (0.6, 1.0)]]),
    "9 open loop": (9, [_arc(0.5, 0.13, 0.2, 0.13, 40, 360) + [(0.7, 0.13), (0.62, 1.0)]]),
    "9 boxy": (9, [[(0.8, 0.5), (0.2, 0.5), (0.2, 0.0), (0.8, 0.0), (0.8, 1.0), (0.2, 1.0)]]),
}
"""Template name -> (digit, strokes). Several per digit: the usual form and the styles MNIST lacks."""


@dataclass(frozen=True)
class StyleConfig:
    """How far a drawn digit may stray from its template (per digit, uniformly drawn)."""

    width_range: tuple[float, float] = (0.5, 1.1)
    """Box width as a share of its height (narrow handwriting to wide, blocky print)."""
    slant: float = 0.3
    """Horizontal shear within +-this (slanted handwriting)."""
    rotation_deg: float = 8.0
    wobble: float = 0.035
    """Amplitude of the smooth bend applied to every stroke, as a share of the height."""
    corner_jitter: float = 0.04
    """Independent shift of each template point (uneven proportions)."""
    pen_range: tuple[float, float] = (0.05, 0.24)
    """Pen width as a share of the height: a fine pen up to a bold marker."""
    faint_probability: float = 0.15
    """Draw in grey rather than full white (a light pencil)."""


def draw_digit(name: str, rng: np.random.Generator, config: StyleConfig = StyleConfig()) -> np.ndarray:
    """One 28x28 uint8 MNIST-style image of template `name`, randomly distorted."""
    _, strokes = TEMPLATES[name]
    canvas = np.zeros((_CANVAS_PX, _CANVAS_PX), np.uint8)
    transform = _random_transform(rng, config)
    pen = rng.uniform(*config.pen_range) * _HEIGHT_PX
    shade = int(rng.integers(110, 230)) if rng.random() < config.faint_probability else 255
    phase, frequency = rng.uniform(0, 2 * math.pi, 2), rng.uniform(2.0, 5.0)
    for stroke in strokes:
        points = np.array(stroke, dtype=np.float64)
        points = points + rng.uniform(-config.corner_jitter, config.corner_jitter, points.shape)
        points = _resample(points, spacing=0.03)
        along = np.cumsum(np.r_[0.0, np.linalg.norm(np.diff(points, axis=0), axis=1)])
        points[:, 0] += config.wobble * np.sin(frequency * along + phase[0])
        points[:, 1] += config.wobble * np.sin(frequency * 1.3 * along + phase[1])
        pixels = points @ transform[:, :2].T + transform[:, 2]
        fixed = np.round(pixels * (1 << _FRACTION_BITS)).astype(np.int32)
        cv2.polylines(canvas, [fixed], False, shade, max(1, round(pen)), cv2.LINE_AA, _FRACTION_BITS)
    return normalize_digit(canvas)


def draw_styles(
    count: int, seed: int | tuple[int, ...], config: StyleConfig = StyleConfig()
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`count` digits cycling through every template: (N, 28, 28) uint8, (N,) uint8 labels, names."""
    rng = np.random.default_rng(seed)
    names = list(TEMPLATES)
    chosen = [names[index % len(names)] for index in rng.permutation(count)]
    images = np.stack([draw_digit(name, rng, config) for name in chosen]) if count else np.zeros(
        (0, 28, 28), np.uint8
    )
    labels = np.array([TEMPLATES[name][0] for name in chosen], dtype=np.uint8)
    return images, labels, chosen


def _random_transform(rng: np.random.Generator, config: StyleConfig) -> np.ndarray:
    """2x3 matrix from the unit box to canvas pixels: width, slant, rotation, centred."""
    width = rng.uniform(*config.width_range)
    slant = rng.uniform(-config.slant, config.slant)
    angle = math.radians(rng.uniform(-config.rotation_deg, config.rotation_deg))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    # Slant leans the top to the right: x moves by -slant * y.
    linear = _HEIGHT_PX * rotation @ np.array([[width, -slant], [0.0, 1.0]])
    centre = linear @ np.array([0.5, 0.5])
    offset = np.full(2, _CANVAS_PX / 2.0) - centre
    return np.hstack([linear, offset[:, None]])


def _resample(points: np.ndarray, spacing: float) -> np.ndarray:
    """The polyline through `points` with a point every `spacing` units, corners kept."""
    pieces = [points[:1]]
    for start, end in zip(points[:-1], points[1:], strict=True):
        steps = max(1, int(np.ceil(np.linalg.norm(end - start) / spacing)))
        fractions = np.linspace(0.0, 1.0, steps + 1)[1:, None]
        pieces.append(start + fractions * (end - start))
    return np.vstack(pieces)
