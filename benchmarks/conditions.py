"""Paper, pen and capture conditions a user meets on a first day, for synthetic worksheets.

`benchmarks.worksheets --condition NAME` writes the same pages as without it (the same layout,
digits and camera draws: a condition draws its own random numbers from a child generator of the
page's, so the main stream is untouched) with one thing changed:

- paper: `legal-pad`, `sticky-note`, `kraft` (coloured paper, `benchmarks.coloured_paper`);
  `graph` (engineering paper: 5 mm squares, every fifth line bold, green, orange or
  blue); `notebook` (ruled paper, a red margin and two to four punched holes showing the dark
  desk through them down the left edge); `index-card` (a cream card, thin blue rules and a red
  head rule);
- pen: `red-ink`, `green-ink`, `pencil` (a pale grey, grainy, lighter stroke); `highlighter`
  (translucent yellow, green or pink swaths over some digits, `benchmarks.coloured_paper`);
- capture: `glare` (a lamp's or window's reflection: a bright spot that washes the ink out);
  `harsh-light` (strong uneven light: one side of the sheet down to a fifth of the light of
  the other, with the fall-off over a short stretch); `motion-blur` (the phone moved: a
  7-15 px streak in one direction); `low-jpeg` (saved at JPEG quality 12-30, a messaging app's
  recompression); `curl` (the sheet bends up near a spine on its left or right: the strip
  there is squeezed, magnified and shaded; truth boxes follow the bend); `steep` (the phone
  held at a steep angle: strong keystone) and `defocus` (an out-of-focus lens: a disk blur),
  both in `benchmarks.camera_conditions`.

Conditions are applied on top of any `--degrade`; measure them against the same command
without `--condition` (the reference pages, digit for digit the same).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.camera_conditions import defocus
from benchmarks.coloured_paper import COLOURED_PAPERS, paint_coloured_paper
from benchmarks.surfaces import pixels_per_mm

PAPER_CONDITIONS = ("graph", "notebook", "index-card", *COLOURED_PAPERS)
PEN_CONDITIONS = ("red-ink", "green-ink", "pencil", "highlighter")
CAPTURE_CONDITIONS = ("glare", "harsh-light", "motion-blur", "low-jpeg", "curl", "steep", "defocus")
MOVING_CONDITIONS = ("curl", "steep")
"""Conditions that move the ink on the page (truth boxes follow)."""
CONDITIONS = ("none", *PAPER_CONDITIONS, *PEN_CONDITIONS, *CAPTURE_CONDITIONS)

LOW_JPEG_QUALITY = (12, 30)
"""JPEG quality a chat app's recompression of a photo can reach."""


def check_condition(name: str) -> None:
    """Raise ValueError naming the choices unless `name` is one of CONDITIONS."""
    if name not in CONDITIONS:
        raise ValueError(f"unknown condition {name!r}; use one of {', '.join(CONDITIONS)}")


def condition_rng(rng: np.random.Generator) -> np.random.Generator:
    """A generator of its own for the condition, leaving the page's stream where it was."""
    return rng.spawn(1)[0]


def pen_colour(name: str, colour: tuple[float, float, float], rng: np.random.Generator) -> tuple[float, float, float]:
    """The pen's BGR colour under condition `name` (the planned one unless a pen is named)."""
    if name == "red-ink":
        return (rng.uniform(30, 70), rng.uniform(25, 60), rng.uniform(170, 215))
    if name == "green-ink":
        return (rng.uniform(50, 90), rng.uniform(110, 150), rng.uniform(20, 50))
    if name == "pencil":
        grey = rng.uniform(105, 145)
        return (grey, grey, grey + rng.uniform(0, 6))
    return colour


def pencil_grain(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pencil's stroke: lighter, and broken up by the paper's tooth (fine multiplicative grain)."""
    grain = rng.uniform(0.45, 1.0, size=alpha.shape).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.7)
    return alpha * grain * np.float32(rng.uniform(0.6, 0.85))


def paint_condition_paper(page: np.ndarray, name: str, rng: np.random.Generator) -> None:
    """Print the paper a paper condition names on a blank page, in place."""
    painters = {"graph": _graph, "notebook": _notebook, "index-card": _index_card}
    if name in COLOURED_PAPERS:
        paint_coloured_paper(page, name, rng)
    elif name in painters:
        painters[name](page, rng)


def _darken(page: np.ndarray, coverage: np.ndarray, colour: np.ndarray) -> None:
    absorbed = 1.0 - np.asarray(colour, np.float32) / 255.0
    page *= 1.0 - coverage[:, :, None] * absorbed[None, None, :]


def _graph(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    cell = 5.0 * pixels_per_mm(page) * rng.uniform(0.97, 1.03)
    colours = ((120.0, 190.0, 120.0), (90.0, 150.0, 235.0), (225.0, 170.0, 120.0))  # green, orange, blue
    colour = np.array(colours[int(rng.integers(len(colours)))], np.float32)
    fine, bold = np.zeros((height, width), np.float32), np.zeros((height, width), np.float32)
    origin = rng.uniform(0, cell, size=2)
    bold_width = int(rng.integers(2, 4))
    for index, x in enumerate(np.arange(origin[0], width, cell)):
        cv2.line(bold if index % 5 == 0 else fine, (int(x), 0), (int(x), height), 1.0,
                 bold_width if index % 5 == 0 else 1, cv2.LINE_AA)
    for index, y in enumerate(np.arange(origin[1], height, cell)):
        cv2.line(bold if index % 5 == 0 else fine, (0, int(y)), (width, int(y)), 1.0,
                 bold_width if index % 5 == 0 else 1, cv2.LINE_AA)
    _darken(page, np.maximum(fine * rng.uniform(0.6, 0.9), bold), colour)


def _notebook(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    coverage = np.zeros((height, width), np.float32)
    spacing = rng.uniform(7.0, 9.0) * pixels_per_mm(page)
    for y in np.arange(rng.uniform(20, 30) * pixels_per_mm(page), height, spacing):
        cv2.line(coverage, (0, int(y)), (width, int(y)), 1.0, 1, cv2.LINE_AA)
    _darken(page, coverage, np.array([rng.uniform(200, 230), rng.uniform(150, 190), rng.uniform(100, 150)]))
    margin = np.zeros((height, width), np.float32)
    x = int(rng.uniform(28, 35) * pixels_per_mm(page))
    cv2.line(margin, (x, 0), (x, height), 1.0, int(rng.integers(1, 3)), cv2.LINE_AA)
    _darken(page, margin, np.array([rng.uniform(60, 110), rng.uniform(60, 110), 225], np.float32))
    holes = int(rng.integers(2, 5))
    radius = int(round(rng.uniform(2.5, 3.2) * pixels_per_mm(page)))
    centre_x = int(round(rng.uniform(8, 12) * pixels_per_mm(page)))
    desk = np.array([rng.uniform(30, 90)] * 3, np.float32) * rng.uniform(0.8, 1.2, size=3).astype(np.float32)
    for y in np.linspace(height * 0.12, height * 0.88, holes):
        mask = np.zeros((height, width), np.float32)
        cv2.circle(mask, (centre_x, int(y)), radius, 1.0, -1, cv2.LINE_AA)
        page *= 1.0 - mask[:, :, None]
        page += mask[:, :, None] * desk[None, None, :]


def _index_card(page: np.ndarray, rng: np.random.Generator) -> None:
    height, width = page.shape[:2]
    page *= np.array([rng.uniform(0.86, 0.93), rng.uniform(0.95, 0.99), 1.0], np.float32)  # cream
    spacing = rng.uniform(6.5, 8.0) * pixels_per_mm(page)
    top = rng.uniform(25, 35) * pixels_per_mm(page)
    coverage = np.zeros((height, width), np.float32)
    for y in np.arange(top + spacing, height, spacing):
        cv2.line(coverage, (0, int(y)), (width, int(y)), 1.0, 1, cv2.LINE_AA)
    _darken(page, coverage * rng.uniform(0.6, 1.0), np.array([rng.uniform(200, 235), rng.uniform(160, 200), 140]))
    head = np.zeros((height, width), np.float32)
    cv2.line(head, (0, int(top)), (width, int(top)), 1.0, 2, cv2.LINE_AA)
    _darken(page, head, np.array([90.0, 90.0, 225.0], np.float32))


def curl_map(width: int, height: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The bend as a table: flat page column x -> image column, and the magnification there.

    The strip of width `strip` next to the spine rises on a cylinder: seen from above, arc
    length t past the fold line shows at R*sin(t/R), and the raised part is nearer the
    camera, so it is magnified about the page's middle row by up to `lift`.
    """
    strip = rng.uniform(0.12, 0.25) * width
    angle = rng.uniform(0.6, 1.2)  # radians the sheet turns by at its edge
    radius = strip / angle
    lift = rng.uniform(0.03, 0.08)
    columns = np.arange(width + 1, dtype=np.float64)
    toward_fold = 1.0 if rng.random() < 0.5 else -1.0  # spine on the left (+1) or the right (-1)
    from_spine = columns if toward_fold > 0 else width - columns
    t = np.clip(strip - from_spine, 0.0, None)  # arc length from the fold line toward the spine
    shown = radius * np.sin(t / radius)  # how far from the fold line it shows, seen from above
    moved = columns + toward_fold * (t - shown)
    height_share = (1.0 - np.cos(t / radius)) / max(1e-9, 1.0 - np.cos(angle))
    magnification = 1.0 + lift * height_share
    return moved, magnification


def curl_points(points: np.ndarray, table: tuple[np.ndarray, np.ndarray], height: int) -> np.ndarray:
    """Where flat-page points land once the sheet is bent (the forward map of `curl_page`)."""
    moved, magnification = table
    columns = np.arange(len(moved), dtype=np.float64)
    x = np.interp(points[:, 0], columns, moved)
    centre = height / 2.0
    y = centre + (points[:, 1] - centre) * np.interp(points[:, 0], columns, magnification)
    return np.stack([x, y], axis=1)


def curl_page(page: np.ndarray, table: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Bend the flat page (float32 BGR) as `table` says, shading the raised strip."""
    height, width = page.shape[:2]
    moved, magnification = table
    columns = np.arange(len(moved), dtype=np.float64)
    order = np.argsort(moved)
    image_columns = np.arange(width, dtype=np.float64)
    source_x = np.interp(image_columns, moved[order], columns[order])  # the bend keeps columns in order
    source_mag = np.interp(source_x, columns, magnification)
    rows = np.arange(height, dtype=np.float64)[:, None]
    centre = height / 2.0
    map_y = (centre + (rows - centre) / source_mag[None, :]).astype(np.float32)
    map_x = np.broadcast_to(source_x[None, :], (height, width)).astype(np.float32)
    paper_edge = tuple(float(v) for v in page[height // 2, width // 2] * 0.35)
    bent = cv2.remap(page, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=paper_edge)
    rise = (source_mag - 1.0) / max(1e-9, float(magnification.max() - 1.0))
    shade = 1.0 - rng.uniform(0.25, 0.5) * rise  # the turned strip faces away from the light
    return bent * shade[None, :, None].astype(np.float32)


def capture_condition(image: np.ndarray, name: str, rng: np.random.Generator) -> np.ndarray:
    """Apply a capture condition that moves no pixel to a captured page (uint8 BGR)."""
    if name == "glare":
        return _glare(image, rng)
    if name == "harsh-light":
        return _harsh_light(image, rng)
    if name == "motion-blur":
        return _motion_blur(image, rng)
    if name == "defocus":
        return defocus(image, rng)
    return image


def _glare(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    small = np.zeros((max(2, height // 4), max(2, width // 4)), np.float32)
    centre = (int(rng.uniform(0.2, 0.8) * small.shape[1]), int(rng.uniform(0.2, 0.8) * small.shape[0]))
    axes = (int(rng.uniform(0.08, 0.2) * small.shape[1]), int(rng.uniform(0.05, 0.15) * small.shape[0]))
    cv2.ellipse(small, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    small = cv2.GaussianBlur(small, (0, 0), max(axes) * rng.uniform(0.3, 0.6))
    small /= max(1e-6, float(small.max()))
    spot = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)[:, :, None]
    strength = np.float32(rng.uniform(0.75, 1.0))
    washed = image.astype(np.float32) + (255.0 - image.astype(np.float32)) * spot * strength
    return np.clip(washed, 0, 255).astype(np.uint8)


def _harsh_light(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    direction = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = (np.cos(direction) * (xs / width - 0.5) + np.sin(direction) * (ys / height - 0.5))
    edge = rng.uniform(-0.2, 0.2)
    steepness = rng.uniform(6.0, 14.0)
    dark = rng.uniform(0.18, 0.3)
    light = dark + (1.0 - dark) / (1.0 + np.exp(-steepness * (along - edge)))
    return np.clip(image.astype(np.float32) * light[:, :, None], 0, 255).astype(np.uint8)


def _motion_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    length = int(rng.integers(7, 16))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D(((length - 1) / 2.0, (length - 1) / 2.0), float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    kernel /= max(1e-6, float(kernel.sum()))
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def jpeg_quality(name: str, quality: int | None, rng: np.random.Generator) -> int | None:
    """The JPEG quality to save with: a low one under `low-jpeg`, else the capture's own."""
    if name == "low-jpeg":
        return int(rng.integers(LOW_JPEG_QUALITY[0], LOW_JPEG_QUALITY[1] + 1))
    return quality
