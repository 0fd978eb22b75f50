"""Seeded "not a digit" crops: what the reader cuts out of a page that is not a digit.

On real and synthetic pages the reader hands the model crops of letters and words, strokes of
other scripts, pieces of ruled and squared paper, the edges and corners of hard shadows,
texture and noise, and (when it tries cutting a wide region) halves of digits and pairs of
touching digits. A 10-way model must call each of them some digit, often with 0.99
confidence. These crops teach the `edge` model's 11th output (class 10, "not a digit").

Every crop is drawn white on black on a working canvas, distorted like handwriting (affine,
smooth elastic bend, pen width), then passed through `runtime.normalize.normalize_digit`, the
function the reader applies to every crop, so training sees exactly what the reader feeds.

Halves and pairs are cut from MNIST *training* digits passed in by the caller (never the test
set). Halves are kept only where they are obviously incomplete: no straight stem (it would be
a 1), no side of a digit that still reads as a digit (the right side of a 3, the top of a 9).

numpy + OpenCV only, well under a millisecond per crop.

Usage:
    images, kinds = draw_negatives(6000, seed=(1234, epoch), digits=(train_images, train_labels))
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from runtime.normalize import normalize_digit
from runtime.spec import IMAGE_SIDE_PX

NOT_DIGIT_CLASS = 10
"""The label of a negative: the model's 11th output."""

_CANVAS_PX = 64
"""Side of the square working canvas (wider ones for words and pairs)."""

_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)

SAFE_LETTERS = "CEFHKMNPRVWXYcefhkmnprtvwx"
"""Single letters that no way of writing a digit resembles. Left out: O o D Q U u (0), I l i j
J T L (1, 7), Z z (2), S s (5), B (8), G b (6), g q y a d (9: a loop with a stem), A (a
closed 4)."""

WORD_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Fragments of two or more letters may use any letter: together they are no digit."""

HALF_SIDES = {
    # digit -> the sides whose part (25-50% of the ink) is clearly incomplete.
    0: ("left", "right", "top", "bottom"),
    2: ("left", "right", "bottom"),
    3: ("left", "top"),
    5: ("right",),
    6: ("right", "top"),
    8: ("left", "right"),
}
"""Cut parts that are not a digit. Left out: 1 (any part is a 1), 4, 7, 9 (their stems read
as 1s; the top of a 9 is a 0), the right of a 3 and the top of a 5 (still a 3, a 5: seen in a
contact sheet of 60% parts), the bottom of a 6 or an 8 (a 0). No part is over half the ink."""

KINDS = ("letters", "words", "script", "rules", "grid", "dots", "shadows", "texture",
         "halves", "pairs")
"""The kinds of negative, drawn in equal shares (halves and pairs need MNIST digits)."""


def draw_negatives(
    count: int,
    seed: int | tuple[int, ...],
    digits: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(count, 28, 28) uint8 not-a-digit crops and the kind of each; same seed, same result.

    `digits` are MNIST training (images, labels) for the halves and pairs; without them those
    two kinds are not drawn.
    """
    seed_words = (seed,) if isinstance(seed, int) else tuple(seed)
    rng = np.random.default_rng((*seed_words, 7))
    kinds = [kind for kind in KINDS if digits is not None or kind not in ("halves", "pairs")]
    chosen = [kinds[i] for i in rng.integers(0, len(kinds), count)]
    images = np.zeros((count, IMAGE_SIDE_PX, IMAGE_SIDE_PX), np.uint8)
    for index, kind in enumerate(chosen):
        images[index] = draw_negative(kind, rng, digits)
    return images, chosen


def draw_negative(kind: str, rng: np.random.Generator, digits=None) -> np.ndarray:
    """One normalized 28x28 crop of `kind` (one of KINDS)."""
    for _ in range(8):  # a draw whose ink vanished (erosion, a cut) is drawn again
        canvas = _PAINTERS[kind](rng, digits)
        if kind not in ("shadows", "texture", "dots"):
            canvas = _hand_distort(canvas, rng)
        if (canvas > 40).sum() >= 6:
            return normalize_digit(canvas)
    return normalize_digit(canvas)


def _letters(rng: np.random.Generator, digits=None) -> np.ndarray:
    return _text(str(rng.choice(list(SAFE_LETTERS))), rng)


def _words(rng: np.random.Generator, digits=None) -> np.ndarray:
    length = int(rng.integers(2, 6))
    return _text("".join(rng.choice(list(WORD_LETTERS), length)), rng)


def _text(text: str, rng: np.random.Generator) -> np.ndarray:
    font = int(rng.choice(_FONTS))
    if rng.random() < 0.3:
        font |= cv2.FONT_ITALIC
    scale = rng.uniform(1.0, 1.6)
    thickness = int(rng.integers(1, 5))
    (width, height), baseline = cv2.getTextSize(text, font, scale, thickness)
    pad = 6 + thickness
    canvas = np.zeros((height + baseline + 2 * pad, width + 2 * pad), np.uint8)
    cv2.putText(canvas, text, (pad, pad + height), font, scale, 255, thickness, cv2.LINE_AA)
    return canvas


def _script(rng: np.random.Generator, digits=None) -> np.ndarray:
    """Two to four glyphs of a made-up cursive script: loops, hooks and tails on a line."""
    glyphs = int(rng.integers(2, 5))
    advance = rng.uniform(14, 22)
    height = 64
    canvas = np.zeros((height, int(glyphs * advance + 40)), np.uint8)
    thickness = int(rng.integers(1, 4))
    line_y = rng.uniform(18, 40)
    headline = rng.random() < 0.5
    if headline:
        cv2.line(canvas, (10, int(line_y)), (int(10 + glyphs * advance), int(line_y)), 255, thickness,
                 cv2.LINE_AA)
    x = 12.0
    points = []
    for _ in range(glyphs):
        points.extend(_loop_points(x, line_y, advance, rng, hanging=headline))
        x += advance
        if not headline:
            _polyline(canvas, points, thickness)
            points = points[-1:]
        else:
            _polyline(canvas, points, thickness)
            points = []
    if rng.random() < 0.4:  # a dot or a short mark above or below the word
        cx, cy = rng.uniform(12, x), line_y + rng.choice([-1, 1]) * rng.uniform(12, 20)
        cv2.circle(canvas, (int(cx), int(np.clip(cy, 3, height - 3))), thickness + 1, 255, -1, cv2.LINE_AA)
    return canvas


def _loop_points(x: float, line_y: float, advance: float, rng: np.random.Generator, hanging: bool):
    """Pen points of one script glyph: an arc or loop swinging off the line, with a tail."""
    turns = rng.uniform(0.6, 1.6)
    radius_x, radius_y = advance * rng.uniform(0.3, 0.6), rng.uniform(5, 12)
    centre_y = line_y + (radius_y if hanging else -radius_y) * rng.uniform(0.6, 1.2)
    start = rng.uniform(0, 2 * math.pi)
    angles = start + np.linspace(0, turns * 2 * math.pi, 24)
    drift = np.linspace(0, advance * 0.8, 24)
    points = [(x + drift[i] + radius_x * math.cos(a), centre_y + radius_y * math.sin(a))
              for i, a in enumerate(angles)]
    tail = rng.uniform(-14, 14)
    points.append((points[-1][0] + rng.uniform(2, 6), points[-1][1] + tail))
    return points


def _rules(rng: np.random.Generator, digits=None) -> np.ndarray:
    """A piece of a ruled line or an underline, sometimes with a pen hook at one end."""
    width = int(rng.integers(60, 160))
    canvas = np.zeros((40, width + 20), np.uint8)
    y = 20 + rng.uniform(-3, 3)
    thickness = int(rng.integers(1, 4))
    wobble = rng.uniform(-4, 4)
    _polyline(canvas, [(10, y), (10 + width / 2, y + wobble / 2), (10 + width, y + wobble)], thickness,
              shade=int(rng.integers(90, 256)))
    if rng.random() < 0.3:  # an underline's flick at its end
        end_x = 10 + width
        _polyline(canvas, [(end_x, y + wobble), (end_x + rng.uniform(3, 8), y + wobble - rng.uniform(4, 10))],
                  thickness)
    # Never upright: a lone upright stroke is a 1, whatever drew it.
    return _rotate(canvas, rng.uniform(-30, 30))


def _grid(rng: np.random.Generator, digits=None) -> np.ndarray:
    """Crossings of squared paper: two or more lines in each direction, or a cross, a T, a corner."""
    canvas = np.zeros((_CANVAS_PX, _CANVAS_PX), np.uint8)
    spacing = rng.uniform(14, 30)
    thickness = int(rng.integers(1, 3))
    shade = int(rng.integers(90, 256))
    style = rng.integers(3)
    offset = rng.uniform(2, spacing)
    if style == 0:  # a patch of full grid
        for position in np.arange(offset, _CANVAS_PX, spacing):
            _polyline(canvas, [(position, 0), (position, _CANVAS_PX)], thickness, shade)
            _polyline(canvas, [(0, position), (_CANVAS_PX, position)], thickness, shade)
    elif style == 1:  # a cross whose arms all reach the crop's edge (a "+" of long arms)
        middle = _CANVAS_PX / 2 + rng.uniform(-8, 8, 2)
        _polyline(canvas, [(middle[0], 0), (middle[0], _CANVAS_PX)], thickness, shade)
        _polyline(canvas, [(0, middle[1]), (_CANVAS_PX, middle[1])], thickness, shade)
    else:  # two parallel lines crossed by a third (a tile's grout, a table's rule)
        for position in (offset, offset + spacing):
            _polyline(canvas, [(0, position), (_CANVAS_PX, position)], thickness, shade)
        x = rng.uniform(10, 54)
        _polyline(canvas, [(x, 0), (x, _CANVAS_PX)], thickness, shade)
    return _rotate(canvas, rng.uniform(-10, 10))


def _dots(rng: np.random.Generator, digits=None) -> np.ndarray:
    """One dot, a few dots of a dotted grid, or specks."""
    canvas = np.zeros((_CANVAS_PX, _CANVAS_PX), np.uint8)
    style = rng.integers(3)
    if style == 0:
        radius = rng.uniform(2, 6)
        axes = (max(1, round(radius)), max(1, round(radius * rng.uniform(0.6, 1.4))))
        cv2.ellipse(canvas, (32, 32), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
    elif style == 1:
        spacing = rng.uniform(10, 24)
        radius = int(rng.integers(1, 4))
        for y in np.arange(rng.uniform(2, spacing), _CANVAS_PX, spacing):
            for x in np.arange(rng.uniform(2, spacing), _CANVAS_PX, spacing):
                cv2.circle(canvas, (int(x), int(y)), radius, int(rng.integers(120, 256)), -1, cv2.LINE_AA)
    else:
        for _ in range(int(rng.integers(2, 9))):
            centre = tuple(int(v) for v in rng.uniform(8, 56, 2))
            cv2.circle(canvas, centre, int(rng.integers(1, 4)), int(rng.integers(100, 256)), -1, cv2.LINE_AA)
    return canvas


def _shadows(rng: np.random.Generator, digits=None) -> np.ndarray:
    """The edge or corner of a hard shadow: a filled half-plane, wedge or L, soft or hard edged."""
    size = _CANVAS_PX
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    distance = (xx - size / 2) * math.cos(angle) + (yy - size / 2) * math.sin(angle) + rng.uniform(-12, 12)
    inside = distance > 0
    style = rng.integers(3)
    if style == 1:  # a wedge: two half-planes
        second = angle + rng.uniform(0.4, 1.4) * rng.choice([-1, 1])
        other = (xx - size / 2) * math.cos(second) + (yy - size / 2) * math.sin(second)
        inside &= other > rng.uniform(-8, 8)
    elif style == 2:  # only the rim of the shadow survives thresholding: a band along the edge
        # Only lying bands (within 40 degrees of level): a standing band is a bold 1.
        angle = math.pi / 2 + rng.uniform(-0.7, 0.7)
        distance = (xx - size / 2) * math.cos(angle) + (yy - size / 2) * math.sin(angle)
        inside = np.abs(distance) < rng.uniform(2, 8)
    canvas = inside.astype(np.float32) * rng.uniform(120, 255)
    if rng.random() < 0.5:
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.8, 3.0))
    if rng.random() < 0.5:  # a shadow is not flat: grain and fall-off
        canvas *= rng.uniform(0.6, 1.0, canvas.shape).astype(np.float32)
    return np.clip(canvas, 0, 255).astype(np.uint8)


def _texture(rng: np.random.Generator, digits=None) -> np.ndarray:
    """Thresholded, smoothed noise: paper grain, wood, stains, a dim sensor's speckle."""
    size = _CANVAS_PX
    noise = rng.normal(0, 1, (size, size)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), rng.uniform(0.7, 4.0))
    if rng.random() < 0.3:  # grain along one direction: wood, fabric
        smooth = cv2.GaussianBlur(smooth, (0, 0), sigmaX=rng.uniform(3, 10), sigmaY=0.5)
        smooth = _rotate(smooth, rng.uniform(0, 180))
    threshold = np.quantile(smooth, rng.uniform(0.7, 0.95))
    canvas = np.clip((smooth - threshold) / max(1e-6, float(smooth.std())) * 400, 0, 255)
    return canvas.astype(np.uint8)


def _halves(rng: np.random.Generator, digits) -> np.ndarray:
    """A part (25-50%) of an MNIST training digit on a side where it is clearly incomplete."""
    images, labels = digits
    while True:
        index = int(rng.integers(len(images)))
        label = int(labels[index])
        if label in HALF_SIDES:
            break
    image = cv2.resize(images[index], None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
    rows = np.flatnonzero(image.max(axis=1) > 40)
    cols = np.flatnonzero(image.max(axis=0) > 40)
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    side = str(rng.choice(HALF_SIDES[label]))
    share = rng.uniform(0.25, 0.5)
    part = image.copy()
    if side == "left":
        part[:, left + int(share * (right - left)):] = 0
    elif side == "right":
        part[:, : right - int(share * (right - left))] = 0
    elif side == "top":
        part[top + int(share * (bottom - top)):] = 0
    else:
        part[: bottom - int(share * (bottom - top))] = 0
    if _looks_like_a_stem(part):
        return _words(rng)
    return part


def _looks_like_a_stem(part: np.ndarray) -> bool:
    """A part that is one narrow stroke standing (upright or slanted) reads rightly as a 1."""
    points = cv2.findNonZero((part > 40).astype(np.uint8))
    if points is None or len(points) < 6:
        return True
    (_, _), (side_a, side_b), angle = cv2.minAreaRect(points)
    long_side, short_side = max(side_a, side_b), min(side_a, side_b)
    if short_side >= 0.35 * long_side:
        return False
    # The long axis's direction: standing if it is nearer vertical than horizontal.
    vx, vy = cv2.fitLine(points, cv2.DIST_L2, 0, 0.01, 0.01)[:2, 0]
    return abs(vy) > abs(vx)


def _pairs(rng: np.random.Generator, digits) -> np.ndarray:
    """Two or three MNIST training digits side by side, touching or overlapping a little."""
    images, _ = digits
    count = 2 if rng.random() < 0.8 else 3
    canvas = np.zeros((40, 28 * count + 8), np.uint8)
    x = 4
    for _ in range(count):
        image = images[int(rng.integers(len(images)))]
        cols = np.flatnonzero(image.max(axis=0) > 40)
        if cols.size == 0:
            continue
        glyph = image[:, cols[0] : cols[-1] + 1]
        y = 6 + int(rng.integers(-3, 4))
        region = canvas[y : y + 28, x : x + glyph.shape[1]]
        np.maximum(region, glyph[:, : region.shape[1]], out=region)
        x += glyph.shape[1] - int(rng.integers(0, 5))
    return canvas


_PAINTERS = {
    "letters": _letters, "words": _words, "script": _script, "rules": _rules, "grid": _grid,
    "dots": _dots, "shadows": _shadows, "texture": _texture, "halves": _halves, "pairs": _pairs,
}


def _hand_distort(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slant, rotate, stretch, bend smoothly and change the pen width, like a hand would."""
    height, width = canvas.shape
    pad = max(height, width) // 4 + 4
    canvas = cv2.copyMakeBorder(canvas, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    height, width = canvas.shape
    angle = math.radians(rng.uniform(-12, 12))
    shear = rng.uniform(-0.3, 0.3)
    stretch = rng.uniform(0.8, 1.25)
    linear = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    linear = linear @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0 / stretch])
    centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    offset = centre - linear @ centre
    matrix = np.hstack([linear, offset[:, None]]).astype(np.float32)
    canvas = cv2.warpAffine(canvas, matrix, (width, height), flags=cv2.INTER_LINEAR)
    if rng.random() < 0.6:
        canvas = _elastic(canvas, rng)
    draw = rng.random()
    if draw < 0.2:
        canvas = cv2.dilate(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    elif draw < 0.3:
        thinner = cv2.erode(canvas, np.ones((2, 2), np.uint8))
        if (thinner > 100).sum() > 0.3 * (canvas > 100).sum():
            canvas = thinner
    return canvas


def _elastic(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A smooth random displacement field (Simard et al.'s elastic distortion), mild."""
    height, width = canvas.shape
    sigma = rng.uniform(4, 8)
    # Blurred unit noise has a standard deviation of about 0.16 / sigma: this gives 1-3 px.
    strength = rng.uniform(1.0, 2.5) * sigma**2
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (height, width)).astype(np.float32), (0, 0), sigma) * strength
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (height, width)).astype(np.float32), (0, 0), sigma) * strength
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(canvas, xx + dx, yy + dy, cv2.INTER_LINEAR, borderValue=0)


def _rotate(canvas: np.ndarray, angle_deg: float) -> np.ndarray:
    height, width = canvas.shape
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle_deg, 1.0)
    return cv2.warpAffine(canvas, matrix, (width, height), flags=cv2.INTER_LINEAR)


def _polyline(canvas: np.ndarray, points, thickness: int, shade: int = 255) -> None:
    """Anti-aliased polyline with sub-pixel points (OpenCV's fixed-point `shift`)."""
    factor = 16
    pts = np.round(np.asarray(points, np.float64) * factor).astype(np.int32)
    cv2.polylines(canvas, [pts], False, int(shade), max(1, int(thickness)), cv2.LINE_AA, 4)
