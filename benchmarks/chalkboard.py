"""Light-on-dark surfaces for synthetic pages: chalkboards, screen captures and negatives.

`benchmarks.worksheets --surface S` writes the same planned lines of MNIST test digits as on
paper, on another surface:

- `chalkboard`: a dark green, black or slate board, unevenly lit, with the haze and wiping
  arcs of chalk that was rubbed out, dust, and digits in chalk: light, grainy strokes with gaps
  where the chalk skipped. Then photographed like paper is (`--degrade`);
- `screen`: a drawing app's dark canvas with crisp light strokes in one colour, captured
  losslessly (no camera effects, whatever `--degrade` says);
- `negative`: a paper page, captured as asked, then stored with its tones reversed (a scanned
  photographic negative, an inverted scan);
- `mixed`: one of these or paper per page, so one set and one accuracy report hold them side
  by side (the report breaks digit scores down by surface).

Only the surface and the strokes differ from paper: the layout, the digits and the truth
(boxes of the strokes as drawn, after the camera's warp) are made the same way.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from benchmarks.layout import MIN_DIGIT_HEIGHT_PX, LayoutOptions, PagePlan

PAPER, CHALKBOARD, SCREEN, NEGATIVE = "paper", "chalkboard", "screen", "negative"
SURFACES = (PAPER, CHALKBOARD, SCREEN, NEGATIVE)
MIXED = "mixed"
"""One surface per page, drawn at random: paper beside the others in one set and one report."""
CHOICES = (*SURFACES, MIXED)

BOARD_COLOURS_BGR = ((52.0, 78.0, 42.0), (38.0, 40.0, 40.0), (62.0, 60.0, 55.0))
"""Dark green, black and slate grey boards, before uneven light."""

CHALK_COLOURS_BGR = ((240.0, 242.0, 242.0), (170.0, 235.0, 245.0), (235.0, 230.0, 205.0))
"""White, yellow and pale blue chalk."""

SCREEN_GROUNDS_BGR = ((30.0, 30.0, 30.0), (46.0, 36.0, 30.0), (0.0, 0.0, 0.0))
"""Dark-theme canvases: charcoal, dark blue-grey, black."""

SCREEN_INKS_BGR = ((255.0, 255.0, 255.0), (255.0, 230.0, 120.0), (90.0, 230.0, 255.0), (140.0, 255.0, 140.0))
"""White, light blue, yellow and green strokes."""


BOARD_DIGIT_HEIGHT_SHARE = (0.03, 0.09)
"""Chalk digits are this share of the photo's shorter side tall: written big, to be read from the
back of the room (a whole 3 m board in the frame gives about the lower end)."""


def layout_for(surface: str, layout: LayoutOptions, width: int, height: int) -> LayoutOptions:
    """The layout to plan a page with: on a board, bigger writing unless heights were given."""
    if surface != CHALKBOARD or layout.digit_height_px is not None:
        return layout
    low, high = BOARD_DIGIT_HEIGHT_SHARE
    side = min(width, height)
    return replace(layout, digit_height_px=(max(MIN_DIGIT_HEIGHT_PX, low * side), max(MIN_DIGIT_HEIGHT_PX, high * side)))


def check_surface(surface: str) -> str:
    """`surface` if known; a ValueError naming the choices otherwise."""
    if surface not in CHOICES:
        raise ValueError(f"unknown surface {surface!r}; use one of {', '.join(CHOICES)}")
    return surface


def resolve_surface(surface: str, rng: np.random.Generator) -> str:
    """The surface of one page: `surface` itself, or for MIXED one drawn at random (only then is
    `rng` used, so sets of one surface are drawn exactly as before)."""
    if check_surface(surface) == MIXED:
        return SURFACES[int(rng.integers(len(SURFACES)))]
    return surface


def capture_for(surface: str, degrade: str) -> str:
    """The capture profile a page gets: a screen capture is lossless whatever was asked."""
    return "none" if surface == SCREEN else degrade


def write_on_surface(plan: PagePlan, surface: str, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """A board or a screen with the plan's digits in chalk or light strokes (no printed marks);
    returns the page (float32 BGR) and each glyph's ink outline in page pixels."""
    page = blank_surface(surface, plan.width, plan.height, rng)
    colour = stroke_colour(surface, rng)
    outlines = []
    for line in plan.lines:
        for number in line.numbers:
            for placed in number.glyphs:
                lay_stroke(page, placed.glyph.alpha, placed.x, placed.y, colour, surface, rng)
                outlines.append(placed.glyph.ink_points() + (placed.x, placed.y))
    return page, outlines


def is_drawn_here(surface: str) -> bool:
    """Whether this module draws the surface and its strokes (paper and negatives are paper)."""
    return surface in (CHALKBOARD, SCREEN)


def blank_surface(surface: str, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """An empty board or canvas, float32 BGR (height, width, 3) in 0..255."""
    if surface == SCREEN:
        page = np.empty((height, width, 3), np.float32)
        page[:] = SCREEN_GROUNDS_BGR[rng.integers(len(SCREEN_GROUNDS_BGR))]
        return page
    return _board(width, height, rng)


def stroke_colour(surface: str, rng: np.random.Generator) -> tuple[float, float, float]:
    colours = SCREEN_INKS_BGR if surface == SCREEN else CHALK_COLOURS_BGR
    return colours[rng.integers(len(colours))]


def lay_stroke(page: np.ndarray, alpha: np.ndarray, x: int, y: int, colour: tuple[float, float, float],
               surface: str, rng: np.random.Generator) -> None:
    """Draw one glyph's coverage at (x, y): chalk grain and gaps on a board, crisp on a screen."""
    if surface == CHALKBOARD:
        alpha = chalk_coverage(alpha, rng)
    height, width = page.shape[:2]
    top, left = max(0, y), max(0, x)
    bottom, right = min(height, y + alpha.shape[0]), min(width, x + alpha.shape[1])
    if top >= bottom or left >= right:
        return
    alpha = alpha[top - y : bottom - y, left - x : right - x, None]
    region = page[top:bottom, left:right]
    region *= 1.0 - alpha
    region += alpha * np.asarray(colour, np.float32)


def chalk_coverage(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A pen stroke's coverage turned into chalk: grainy, partly transparent, with gaps."""
    height, width = alpha.shape
    stroke_px = max(1.0, 2.0 * float(alpha.sum()) / max(1.0, _outline_length(alpha)))
    # Grain: chalk leaves pigment on the board's high points only, pixel by pixel.
    grain = rng.uniform(0.45, 1.0, size=alpha.shape).astype(np.float32)
    # Gaps: now and then the chalk lifts off the board for up to about a stroke's width.
    coarse_shape = (max(2, int(height / stroke_px) + 2), max(2, int(width / stroke_px) + 2))
    skips = cv2.resize(rng.random(coarse_shape).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    gap_share = rng.uniform(0.02, 0.08)
    gaps = (skips > np.quantile(skips, gap_share)).astype(np.float32)
    density = rng.uniform(0.65, 0.95)
    return np.clip(alpha * grain * gaps * density, 0.0, 1.0)


def smudge(page: np.ndarray, rng: np.random.Generator) -> None:
    """Rubbed-out chalk on a board: broad haze, wiping arcs and specks of dust, in place."""
    height, width = page.shape[:2]
    haze_small = rng.random((max(2, height // 96), max(2, width // 96))).astype(np.float32)
    haze = cv2.resize(haze_small, (width, height), interpolation=cv2.INTER_CUBIC)
    haze = np.clip(haze - rng.uniform(0.3, 0.6), 0.0, 1.0) * rng.uniform(0.1, 0.3)
    for _ in range(int(rng.integers(2, 7))):  # a wiping arc of the eraser
        wipe = np.zeros((height, width), np.float32)
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        axes = (int(rng.uniform(0.1, 0.5) * width), int(rng.uniform(0.05, 0.3) * height))
        start = rng.uniform(0, 360)
        cv2.ellipse(wipe, centre, axes, 0.0, start, start + rng.uniform(40, 160), 1.0,
                    max(4, int(rng.uniform(0.02, 0.06) * min(width, height))))
        wipe = cv2.GaussianBlur(wipe, (0, 0), max(2.0, 0.01 * min(width, height)))
        haze += wipe * rng.uniform(0.05, 0.15)
    # Dust: fine and faint, a grain or two across, and a few brighter crumbs.
    dust = (rng.random((height, width)) < rng.uniform(0.0002, 0.001)).astype(np.float32)
    haze += cv2.dilate(dust, np.ones((2, 2), np.uint8)) * rng.uniform(0.08, 0.25)
    crumbs = (rng.random((height, width)) < rng.uniform(0.00001, 0.00005)).astype(np.float32)
    haze += cv2.dilate(crumbs, np.ones((2, 2), np.uint8)) * 0.5
    haze = np.clip(haze, 0.0, 0.6)[:, :, None]
    page *= 1.0 - haze
    page += haze * np.float32(225.0)


def reverse_tones(image: np.ndarray) -> np.ndarray:
    """A negative of a captured page (uint8)."""
    return 255 - image


def _board(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    base = np.asarray(BOARD_COLOURS_BGR[rng.integers(len(BOARD_COLOURS_BGR))], np.float32)
    # The board is not one flat colour: worn areas and old chalk lighten it in broad patches.
    patches = rng.normal(1.0, rng.uniform(0.04, 0.12), size=(max(2, height // 64), max(2, width // 64)))
    light = cv2.resize(patches.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    texture = rng.normal(0.0, rng.uniform(2.0, 5.0), size=(height, width)).astype(np.float32)
    page = base[None, None, :] * light[:, :, None] + texture[:, :, None]
    page = np.clip(page, 0.0, 255.0).astype(np.float32)
    smudge(page, rng)
    return page


def _outline_length(alpha: np.ndarray) -> float:
    """Length of the stroke's edge (pixels), to tell its width from its area."""
    mask = (alpha > 0.3).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    return float(sum(cv2.arcLength(contour, True) for contour in contours))
