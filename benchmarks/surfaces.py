"""What a reader meets besides digits: printed paper patterns, floors and desks, noise, shadows,
and writing that is not digits.

Each painter is seeded through the `rng` it is given and draws on (or returns) a float32 BGR
page in 0..255, the representation `benchmarks.worksheets` composes pages in:

- paper patterns, printed before anything is written (`PAPERS`): ruled lines with a margin,
  squared paper (5 mm cells, lines solid or dotted) and dotted-grid paper;
- surfaces a sheet lies on: a tiled floor (grout, speckle, stains) and a wooden desk (grain,
  plank seams); a page of pure colour noise;
- a hard shadow (a hand or a phone held over the page);
- writing that is not digits: words in letters (OpenCV's Hershey fonts) and a made-up cursive
  script of loops, hooks and a headline (like Devanagari or Arabic handwriting), both bent by
  a smooth random displacement the way a hand does.
"""

from __future__ import annotations

import cv2
import numpy as np

A4_WIDTH_MM = 210.0

PAPERS = ("plain", "ruled", "squared", "dotted")
"""Paper patterns `paint_paper` knows, by name."""

WORDS = ("hello", "water", "maths", "name", "class", "answer", "table", "green", "house", "school",
         "sum", "total", "write", "read", "apple", "river", "bridge", "window", "garden", "yellow")
"""Words written in letters on the no-digit pages (no letters are excluded: a reader must cope)."""

_FONTS = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_HERSHEY_SIMPLEX,
          cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_ITALIC | cv2.FONT_HERSHEY_SIMPLEX)


def paint_paper(page: np.ndarray, paper: str, rng: np.random.Generator) -> None:
    """Print the pattern called `paper` (one of PAPERS) on a blank page, in place."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}")
    if paper == "ruled":
        _ruled(page, rng)
    elif paper == "squared":
        _squared(page, rng)
    elif paper == "dotted":
        _dotted(page, rng)


def pixels_per_mm(page: np.ndarray) -> float:
    """Pixels per millimetre if the page is as wide as an A4 sheet."""
    return page.shape[1] / A4_WIDTH_MM


def _print_colour(rng: np.random.Generator) -> np.ndarray:
    """Light or strong blue, or a light to mid grey print, BGR (school paper is printed boldly too)."""
    if rng.random() < 0.5:
        strength = rng.uniform(0.0, 1.0)  # 0: pale blue, 1: a strong blue grid
        return np.array([rng.uniform(200, 235), rng.uniform(160, 200) - 70 * strength,
                         rng.uniform(110, 160) - 80 * strength], np.float32)
    grey = rng.uniform(110, 205)
    return np.full(3, grey, np.float32)


def _darken(page: np.ndarray, coverage: np.ndarray, colour: np.ndarray) -> None:
    """Print `colour` with `coverage` (0..1) multiplicatively, as ink on paper."""
    absorbed = 1.0 - colour / 255.0
    page *= 1.0 - coverage[:, :, None] * absorbed[None, None, :]


def _ruled(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    spacing = rng.uniform(7.0, 10.0) * pixels_per_mm(page)
    coverage = np.zeros((height, width), np.float32)
    for y in np.arange(rng.uniform(15, 30) * pixels_per_mm(page), height, spacing):
        cv2.line(coverage, (0, int(y)), (width, int(y)), 1.0, 1, cv2.LINE_AA)
    _darken(page, coverage, _print_colour(rng))
    margin = np.zeros((height, width), np.float32)
    x = int(rng.uniform(20, 30) * pixels_per_mm(page))
    cv2.line(margin, (x, 0), (x, height), 1.0, 1, cv2.LINE_AA)
    _darken(page, margin, np.array([rng.uniform(120, 170), rng.uniform(120, 170), 235], np.float32))


def _squared(page: np.ndarray, rng: np.random.Generator) -> None:
    """5 mm squares (sometimes 4 or 10 mm), lines solid or dotted, sometimes every other bolder."""
    height, width = page.shape[:2]
    cell = float(rng.choice([4.0, 5.0, 5.0, 5.0, 10.0])) * pixels_per_mm(page) * rng.uniform(0.97, 1.03)
    dotted_lines = rng.random() < 0.4
    coverage = np.zeros((height, width), np.float32)
    origin = rng.uniform(0, cell, size=2)
    for x in np.arange(origin[0], width, cell):
        cv2.line(coverage, (int(x), 0), (int(x), height), 1.0, 1, cv2.LINE_AA)
    for y in np.arange(origin[1], height, cell):
        cv2.line(coverage, (0, int(y)), (width, int(y)), 1.0, 1, cv2.LINE_AA)
    if dotted_lines:
        # Dotted squares: the lines are rows of short dashes or dots about 1 mm apart.
        period = max(3, int(round(rng.uniform(0.6, 1.2) * pixels_per_mm(page))))
        ys, xs = np.mgrid[0:height, 0:width]
        keep = (((xs + ys) % period) < max(1, period // 2)).astype(np.float32)
        coverage *= keep
    _darken(page, coverage * rng.uniform(0.7, 1.0), _print_colour(rng))


def _dotted(page: np.ndarray, rng: np.random.Generator) -> None:
    """A dot grid (bullet-journal paper): a dot every 5 mm."""
    height, width = page.shape[:2]
    spacing = rng.uniform(4.5, 5.5) * pixels_per_mm(page)
    radius = max(0.6, rng.uniform(0.15, 0.3) * pixels_per_mm(page))
    coverage = np.zeros((height * 4, width * 4), np.uint8)
    origin = rng.uniform(0, spacing, size=2)
    for y in np.arange(origin[1], height, spacing):
        for x in np.arange(origin[0], width, spacing):
            cv2.circle(coverage, (int(x * 4), int(y * 4)), max(1, int(radius * 4)), 255, -1)
    small = cv2.resize(coverage, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    _darken(page, small, _print_colour(rng))


def colour_noise(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A frame of pure colour noise at a random grain size (1-4 px)."""
    grain = int(rng.integers(1, 5))
    small = rng.uniform(0, 255, size=(max(1, height // grain), max(1, width // grain), 3)).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)


def _smooth_noise(width: int, height: int, scale_px: float, rng: np.random.Generator) -> np.ndarray:
    """Noise of unit spread that varies over about `scale_px` pixels."""
    small = rng.standard_normal((max(2, int(height / scale_px) + 2), max(2, int(width / scale_px) + 2)))
    field = cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return field / max(float(field.std()), 1e-6)


def tiles(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A tiled floor: tiles with speckle and stains, grout lines between them."""
    size = rng.uniform(0.12, 0.3) * min(width, height)
    grout_px = max(2, int(rng.uniform(0.02, 0.06) * size))
    base = np.array([rng.uniform(120, 220)] * 3, np.float32) * (1 + rng.uniform(-0.15, 0.15, 3))
    floor = np.empty((height, width, 3), np.float32)
    floor[:] = base
    floor *= (1 + 0.06 * _smooth_noise(width, height, size / 2, rng))[:, :, None]
    speckle = rng.random((height, width)) < rng.uniform(0.002, 0.02)
    speckle = cv2.dilate(speckle.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    floor[speckle] *= rng.uniform(0.4, 0.8)
    for _ in range(int(rng.integers(2, 8))):  # stains: soft dark blobs of any shape
        stain = np.zeros((height, width), np.float32)
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        axes = (int(rng.uniform(5, 0.4 * size)), int(rng.uniform(5, 0.4 * size)))
        cv2.ellipse(stain, centre, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        stain = cv2.GaussianBlur(stain, (0, 0), rng.uniform(1, 6))
        floor *= (1 - rng.uniform(0.1, 0.4) * stain)[:, :, None]
    grout = np.zeros((height, width), np.float32)
    origin = rng.uniform(0, size, size=2)
    for x in np.arange(origin[0], width, size):
        cv2.line(grout, (int(x), 0), (int(x), height), 1.0, grout_px)
    for y in np.arange(origin[1], height, size):
        cv2.line(grout, (0, int(y)), (width, int(y)), 1.0, grout_px)
    grout = cv2.GaussianBlur(grout, (0, 0), 0.8)
    grout_grey = rng.uniform(50, 120) if rng.random() < 0.7 else rng.uniform(200, 240)
    return floor * (1 - grout[:, :, None]) + grout_grey * grout[:, :, None]


def wood(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A wooden desk: warped grain along the boards, fine streaks, darker plank seams."""
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    across = -xs * np.sin(angle) + ys * np.cos(angle)
    period = rng.uniform(0.01, 0.04) * min(width, height)
    warp = _smooth_noise(width, height, rng.uniform(0.1, 0.3) * min(width, height), rng) * period * 1.5
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (across + warp) / period)
    grain = rings ** rng.uniform(2, 6)
    streaks = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 0.7)
    plank = rng.uniform(0.15, 0.35) * min(width, height)
    seam = (np.abs(((across + 0.5 * plank) % plank) - 0.5 * plank) < 1.5).astype(np.float32)
    light = np.array([rng.uniform(60, 130), rng.uniform(110, 170), rng.uniform(160, 215)], np.float32)
    tone = 1.0 - rng.uniform(0.15, 0.35) * grain - 0.04 * streaks - 0.5 * seam
    return light[None, None, :] * tone[:, :, None]


def lay_sheet(surface: np.ndarray, sheet: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sheet (float BGR) lying on `surface`, smaller and turned, as photographed from above."""
    height, width = surface.shape[:2]
    scale = rng.uniform(0.45, 0.75)
    angle = np.deg2rad(rng.uniform(-20, 20))
    sheet_h, sheet_w = sheet.shape[:2]
    fit = scale * min(width / sheet_w, height / sheet_h)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) * fit
    centre = np.array([width, height]) / 2 + rng.uniform(-0.1, 0.1, size=2) * [width, height]
    offset = centre - rotation @ np.array([sheet_w, sheet_h]) / 2
    matrix = np.hstack([rotation, offset[:, None]]).astype(np.float32)
    placed = cv2.warpAffine(sheet, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpAffine(np.ones((sheet_h, sheet_w), np.float32), matrix, (width, height))
    return surface * (1 - mask[:, :, None]) + placed * mask[:, :, None]


def hard_shadow(page: np.ndarray, rng: np.random.Generator) -> None:
    """Darken the page, in place, under a hand or a phone held over it (a sharp-edged shadow)."""
    height, width = page.shape[:2]
    mask = np.zeros((height, width), np.float32)
    unit = min(width, height)
    side = int(rng.integers(4))
    entry = rng.uniform(0.2, 0.8) * (width if side < 2 else height)
    reach = rng.uniform(0.25, 0.6) * unit
    if rng.random() < 0.5:  # a phone: a rounded slab from the edge
        half = rng.uniform(0.12, 0.2) * unit
        box = np.array([[entry - half, -unit], [entry + half, -unit], [entry + half, reach],
                        [entry - half, reach]])
        cv2.fillPoly(mask, [_from_side(box, side, width, height)], 1.0)
    else:  # a hand: a palm and four fingers
        palm = rng.uniform(0.12, 0.18) * unit
        box = np.array([[entry - palm, -unit], [entry + palm, -unit], [entry + palm, reach - palm],
                        [entry - palm, reach - palm]])
        cv2.fillPoly(mask, [_from_side(box, side, width, height)], 1.0)
        finger = palm / 3.2
        for index in range(4):
            x = entry - palm + finger * (0.6 + 1.6 * index) * 1.05
            length = reach + rng.uniform(0.2, 0.7) * palm
            box = np.array([[x - finger / 2, reach - palm], [x + finger / 2, reach - palm],
                            [x + finger / 2, length], [x - finger / 2, length]])
            cv2.fillPoly(mask, [_from_side(box, side, width, height)], 1.0)
    angle = rng.uniform(-25, 25)
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    mask = cv2.warpAffine(mask, turn, (width, height))
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.8, 3.0))
    page *= (1 - rng.uniform(0.35, 0.65) * mask)[:, :, None]


def _from_side(points: np.ndarray, side: int, width: int, height: int) -> np.ndarray:
    """Points drawn as if entering from the top edge, moved to enter from `side` (0 top, 1 bottom,
    2 left, 3 right)."""
    points = points.copy()
    if side == 1:
        points[:, 1] = height - points[:, 1]
    elif side == 2:
        points = points[:, ::-1]
    elif side == 3:
        points = points[:, ::-1].copy()
        points[:, 0] = width - points[:, 0]
    return np.round(points).astype(np.int32)


def write_words(page: np.ndarray, rng: np.random.Generator, colour: tuple[float, float, float],
                script: bool) -> None:
    """Fill a page, in place, with lines of handwritten-looking words: letters or a made-up script."""
    height, width = page.shape[:2]
    letter_px = rng.uniform(0.018, 0.04) * height
    y = rng.uniform(0.08, 0.15) * height
    coverage = np.zeros((height, width), np.float32)
    while y + 2 * letter_px < 0.9 * height:
        x = rng.uniform(0.06, 0.12) * width
        while True:
            word = _script_word(letter_px, rng) if script else _letter_word(letter_px, rng)
            if x + word.shape[1] > 0.92 * width:
                break
            top = int(y - 0.6 * word.shape[0] + rng.uniform(-0.1, 0.1) * letter_px)
            top = min(max(0, top), height - word.shape[0])
            region = coverage[top : top + word.shape[0], int(x) : int(x) + word.shape[1]]
            np.maximum(region, word[: region.shape[0], : region.shape[1]], out=region)
            x += word.shape[1] + rng.uniform(0.8, 2.0) * letter_px
        y += rng.uniform(2.2, 3.2) * letter_px
    _darken(page, coverage * rng.uniform(0.85, 1.0), np.asarray(colour, np.float32))


def _letter_word(letter_px: float, rng: np.random.Generator) -> np.ndarray:
    word = str(rng.choice(WORDS))
    if rng.random() < 0.3:
        word = word.capitalize()
    return written_word(word, letter_px, rng)[0]


def written_word(text: str, letter_px: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """`text` in a random Hershey font, bent like handwriting: (ink coverage 0..1, baseline row).

    `letter_px` sets the size (a capital is about 1.4 of it tall); the coverage has a margin of
    about a letter on every side.
    """
    font = int(rng.choice(_FONTS))
    scale = letter_px / 16.0
    thickness = max(1, int(round(letter_px * rng.uniform(0.07, 0.14))))
    (text_w, text_h), baseline = cv2.getTextSize(text, font, scale, thickness)
    pad = thickness + int(letter_px)
    mask = np.zeros((text_h + baseline + 2 * pad, text_w + 2 * pad), np.uint8)
    cv2.putText(mask, text, (pad, pad + text_h), font, scale, 255, thickness, cv2.LINE_AA)
    return _hand_bend(mask.astype(np.float32) / 255.0, letter_px, rng), pad + text_h


def _script_word(letter_px: float, rng: np.random.Generator) -> np.ndarray:
    """A word of a cursive script: a headline or a baseline joining loops, hooks and tails."""
    glyphs = int(rng.integers(2, 6))
    advance = letter_px * rng.uniform(0.8, 1.2)
    pad = int(2 * letter_px)
    width, height = int(glyphs * advance + 2 * pad), int(3 * letter_px + 2 * pad)
    mask = np.zeros((height, width), np.uint8)
    thickness = max(1, int(round(letter_px * rng.uniform(0.07, 0.13))))
    line_y = pad + letter_px * 0.5
    headline = rng.random() < 0.5  # Devanagari-like: letters hang from a line; else Arabic-like
    if headline:
        cv2.line(mask, (pad, int(line_y)), (int(pad + glyphs * advance), int(line_y)), 255, thickness,
                 cv2.LINE_AA)
    else:
        line_y += letter_px
    for index in range(glyphs):
        x0 = pad + index * advance
        for stroke in _script_strokes(x0, line_y, advance, letter_px, headline, rng):
            cv2.polylines(mask, [np.round(stroke).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    return _hand_bend(mask.astype(np.float32) / 255.0, letter_px, rng)


def _script_strokes(x0: float, line_y: float, advance: float, letter_px: float, headline: bool,
                    rng: np.random.Generator) -> list[np.ndarray]:
    """One letter: a loop, an arc and a tail, or a stem; hanging from a headline or on a baseline."""
    strokes = []
    turn = np.linspace(0, 2 * np.pi, 40)
    radius = letter_px * rng.uniform(0.2, 0.4)
    centre_y = line_y + (radius + 0.1 * letter_px if headline else -radius)
    centre_x = x0 + advance * rng.uniform(0.3, 0.7)
    kind = rng.integers(4)
    if kind == 0:  # a loop with a tail
        strokes.append(np.column_stack([centre_x + radius * np.cos(turn), centre_y + radius * np.sin(turn)]))
        strokes.append(np.array([[centre_x + radius, centre_y], [x0 + advance, line_y]]))
    elif kind == 1:  # an open arc, like a cup or a hook
        half = np.linspace(0, np.pi, 20) + rng.uniform(0, np.pi)
        strokes.append(np.column_stack([centre_x + radius * 1.4 * np.cos(half),
                                        centre_y + radius * np.sin(half)]))
    elif kind == 2:  # a stem with a small loop at its foot
        depth = letter_px * rng.uniform(0.8, 1.3) * (1 if headline else -1)
        strokes.append(np.array([[centre_x, line_y], [centre_x, line_y + depth]]))
        small = radius * 0.5
        foot = line_y + depth
        strokes.append(np.column_stack([centre_x + small + small * np.cos(turn), foot + small * np.sin(turn)]))
    else:  # a wave along the line, with a dot above or below
        xs = np.linspace(x0, x0 + advance, 20)
        strokes.append(np.column_stack([xs, line_y + 0.25 * letter_px * np.sin((xs - x0) / advance * 2 * np.pi)]))
        dot_y = line_y + (1.0 if headline else -1.0) * letter_px * rng.uniform(0.6, 1.0)
        strokes.append(np.array([[centre_x, dot_y], [centre_x + 1, dot_y]]))
    return strokes


def _hand_bend(coverage: np.ndarray, letter_px: float, rng: np.random.Generator) -> np.ndarray:
    """Slant and smoothly bend drawn text so it looks written, not printed."""
    height, width = coverage.shape
    slant = rng.uniform(-0.25, 0.25)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    amount = letter_px * rng.uniform(0.04, 0.1)
    dx = _smooth_noise(width, height, max(4.0, letter_px * 0.6), rng) * amount
    dy = _smooth_noise(width, height, max(4.0, letter_px * 0.6), rng) * amount
    map_x = xs + dx + slant * (ys - height / 2)
    return cv2.remap(coverage, map_x, ys + dy, cv2.INTER_LINEAR, borderValue=0)
