"""Which way round the writing is: dark strokes on light paper, or light strokes on a dark ground.

Paper and pen give dark on light; a chalkboard, a drawing app's screen capture, a photographic
negative and MNIST's own images (white digit on black) give light on dark. The reader works on
dark-on-light ink, so `runtime.reading.ink` turns light-on-dark images (or parts of them) over
first, by what this module decides:

- per page, from the *local contrast*: where the picture departs from its local background (a
  median over a few digits' width, which keeps the straight edges of a sheet or a desk sharp),
  do the thin departures go dark or light? Strokes are thin; holes inside digits and gaps
  between them are background to a median, so they add nothing. Wide departures (the rounded
  corner of a sheet on a desk, a shadow's edge) are not strokes and are left out;
- on a picture too small to judge that way (an MNIST-sized crop) or with no strokes to judge
  by, from the border: a crop is framed by its background;
- per region, where a page mixes both: a dark patch that does not touch the picture's edge (a
  sticker, a filled box on white paper) and whose thin departures are mostly light is read
  light-on-dark, the rest of the page as decided for the page.

A page is read as dark-on-light unless the evidence is clear, so ordinary paper reads exactly
as it did before polarity was decided at all. The price: light strokes so bold that they are
wider than the board between them (a close-up of fat chalk digits) can be taken for paper
showing through dark ones; `--polarity light-on-dark` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# The names are owned apart (the command lines import them without numpy and OpenCV) and
# offered here too, where the reader and the camera take them from.
from runtime.reading.polarity_names import AUTO as AUTO
from runtime.reading.polarity_names import DARK_ON_LIGHT, LIGHT_ON_DARK, POLARITIES
from runtime.reading.quantiles import percentile

SMALL_IMAGE_PX = 64
"""Pictures whose shorter side (of the working copy) is below this are judged by their border:
too few pixels for a local background, and such a crop holds one glyph framed by background."""

PAGE_RATIO = 1.5
"""A page is read light-on-dark when its light strokes outweigh its dark ones this many times
over. Measured light/dark ratios: at most 0.40 on 271 paper pages (the real photos, synthetic
clean, degraded, small and turned sets), at least 2.6 on 20 generated chalkboards (seed 21:
rubbed-out chalk leaves dark gaps between light haze) and far more on screens and negatives."""

AREA_RATIO = 0.85
"""... and when all its departures, thin or not, lean light at least this much. Measured: at most
0.58 on pages of big bold printed digits (whose paper-filled loops are the thin departures), at
least 1.36 on the generated chalkboards of seed 21. Thin departures alone keep a sheet's rounded
corners on a desk from counting (those reach 1.4 here on degraded paper)."""

BOARD_RATIO = 2.0
"""A light-on-dark page whose thin light departures outweigh its dark ones this many times over
(judged by its strokes, not its frame) is clearly a board, a screen or a negative: its ground is
then followed between the strokes and faint strokes are strengthened (`runtime.reading.board`).
Measured: generated boards of seeds 41-44, screens and negatives at least 1.9 (one board) and
mostly over 3; blank paper on a desk, in a hard shadow or on dotted paper, read light-on-dark by
a narrow margin or by its frame (no strokes to judge by), 1.6-1.9."""

CLEAR_RATIO = 3.0
"""A patch, or a small picture's frame, must show the light side this many times over: they
rest on fewer pixels than a page does."""

MIN_EVIDENCE_PER_PX = 0.2
"""Least stroke evidence (grey levels summed over thin departures, per pixel of the working
copy) to judge by local contrast; below it the picture has no strokes to speak of."""

MIN_FAINT_EVIDENCE_PER_PX = 0.02
"""Below MIN_EVIDENCE_PER_PX, a picture with at least this much is still judged by its strokes
when they are clearly light (a board of small, blurred chalk digits framed by a lighter wall: 0.03
to 0.12 on generated boards); paper measured there shows dark or mixed strokes, and blank paper
and noise none."""

MIN_STROKE_CONTRAST = 12.0
"""Least departure from the local background (grey levels) that can be a stroke, above noise."""

STROKE_OPENING_PX = 5
"""Departures that survive an opening of this size (working-copy pixels) are areas, not strokes."""

PATCH_DARKNESS = 0.55
"""A patch is background darker than this share of the page's paper brightness."""

MIN_PATCH_SHARE = 0.005
"""... and covers at least this share of the picture: room for a digit or two, not a speck."""

MIN_PATCH_GROUND_SHARE = 0.7
"""... and is mostly ground itself: at least this share of its pixels are dark."""


@dataclass
class Evidence:
    """Local-contrast evidence of one picture, on its working copy."""

    small: np.ndarray  # the working copy (uint8), as `working_copy` makes it
    background: np.ndarray  # its local background (median), uint8
    light: np.ndarray  # float32 per pixel: how far a thin stroke rises above the background
    dark: np.ndarray  # float32 per pixel: how far a thin stroke falls below it
    light_area: float = 0.0  # the same summed over all departures, thin or not
    dark_area: float = 0.0


def check_polarity(polarity: str) -> str:
    """`polarity` itself if it names a polarity; a ValueError naming the choices otherwise."""
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}; use one of {', '.join(POLARITIES)}")
    return polarity


def working_step(shape: tuple[int, ...]) -> int:
    """The shrink factor of the working copy: about 160 px on the shorter side, as the ink map
    estimates the paper on (shadows are low-frequency) and polarity is judged on."""
    return max(1, min(shape[0], shape[1]) // 160)


def shrunk_size(shape: tuple[int, int], step: int) -> tuple[int, int]:
    """The (width, height) of a picture of `shape` (rows, columns) shrunk `step` times per side,
    at least one pixel each."""
    height, width = shape
    return max(1, width // step), max(1, height // step)


def working_copy(gray: np.ndarray, shrunk: np.ndarray | None = None) -> np.ndarray:
    """The page shrunk by `working_step` (area averaging), uint8.

    `shrunk` is the same shrinking done on the page as float32, where the caller has it (the ink
    map needs it too). Unless the step divides the page's sides, OpenCV shrinks uint8 pixels by
    averaging them in float32 and rounding, so rounding `shrunk` gives the very same copy, for
    free (8 ms of an A4 page at 200 dpi). Where it divides them, OpenCV rounds its own way.
    """
    height, width = gray.shape
    step = working_step(gray.shape)
    if step == 1:
        return gray
    size = shrunk_size(gray.shape, step)
    if shrunk is not None and (width % size[0] or height % size[1]):
        return np.rint(shrunk).astype(np.uint8)
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def page_polarity(gray: np.ndarray, evidence: Evidence | None = None) -> str:
    """DARK_ON_LIGHT or LIGHT_ON_DARK for the picture as a whole (uint8 greyscale)."""
    small = working_copy(gray) if evidence is None else evidence.small
    if min(small.shape) < SMALL_IMAGE_PX:
        return border_polarity(small)
    evidence = evidence or measure(gray)
    light, dark = float(evidence.light.sum()), float(evidence.dark.sum())
    if light + dark < MIN_EVIDENCE_PER_PX * small.size:
        # Small chalk writing, blurred, on a board framed by a lighter wall: few strokes, but
        # clearly light ones, outweigh the frame. A sheet mostly in shadow with a corner lit is
        # the other way round: its frame (a dark desk, the lit corner the lightest) looks like a
        # board's, while its strokes, faint in the shadow, are clearly dark ones.
        if _faint_but_clearly_light(evidence):
            return LIGHT_ON_DARK
        return DARK_ON_LIGHT if _faint_but_clearly_dark(evidence) else border_polarity(small)
    # Bold strokes wider than STROKE_OPENING_PX are not thin, while the paper inside their loops
    # is: such a page looks light-on-dark by thin departures alone, but not by all of them.
    agrees = evidence.light_area > AREA_RATIO * evidence.dark_area
    return LIGHT_ON_DARK if light > PAGE_RATIO * dark and agrees else DARK_ON_LIGHT


def is_clearly_a_board(evidence: Evidence) -> bool:
    """Whether a picture that `page_polarity` reads light-on-dark is so beyond doubt (see
    BOARD_RATIO): judged by its strokes, which are there to judge by, and by a clear margin."""
    if min(evidence.small.shape) < SMALL_IMAGE_PX:
        return False
    light, dark = float(evidence.light.sum()), float(evidence.dark.sum())
    if light + dark < MIN_EVIDENCE_PER_PX * evidence.small.size:
        return _faint_but_clearly_light(evidence)
    return light > BOARD_RATIO * dark


def _faint_but_clearly_light(evidence: Evidence) -> bool:
    """Whether a picture with less stroke evidence than MIN_EVIDENCE_PER_PX still shows some
    (MIN_FAINT_EVIDENCE_PER_PX), and its light strokes outweigh the dark ones beyond doubt
    (CLEAR_RATIO), its wider departures agreeing (AREA_RATIO)."""
    light, dark = float(evidence.light.sum()), float(evidence.dark.sum())
    return (light + dark >= MIN_FAINT_EVIDENCE_PER_PX * evidence.small.size and light > CLEAR_RATIO * dark
            and evidence.light_area > AREA_RATIO * evidence.dark_area)


def _faint_but_clearly_dark(evidence: Evidence) -> bool:
    """Whether a picture with less stroke evidence than MIN_EVIDENCE_PER_PX still shows some
    (MIN_FAINT_EVIDENCE_PER_PX) and its thin dark strokes outweigh the light ones beyond doubt
    (CLEAR_RATIO). Wide departures are left out: a lit corner's glow is one, and leans light.
    Measured (thin dark/light): 5.5 on a sheet in shadow read light-on-dark by its frame before
    (worksheets seed 70 page 5, harsh light); no chalkboard, screen or negative of seed 41 has
    so little evidence, and of the blank pages of hard_pages seed 11 that do, only a tiled
    floor (4.6) shows dark strokes this clearly, and it was read dark-on-light already."""
    light, dark = float(evidence.light.sum()), float(evidence.dark.sum())
    return light + dark >= MIN_FAINT_EVIDENCE_PER_PX * evidence.small.size and dark > CLEAR_RATIO * light


def border_polarity(gray: np.ndarray) -> str:
    """Judge by the picture's frame: its typical tone is the background, the strokes are the
    tones farthest from it."""
    frame = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(frame))
    darkest, lightest = np.percentile(gray, [1, 99])
    return LIGHT_ON_DARK if lightest - background > CLEAR_RATIO * max(background - darkest, 1.0) \
        else DARK_ON_LIGHT


def measure(gray: np.ndarray, shrunk: np.ndarray | None = None) -> Evidence:
    """Thin departures from the local background, both ways, on the working copy (`shrunk`: see
    `working_copy`)."""
    small = working_copy(gray, shrunk)
    background = _local_background(small)
    residual = small.astype(np.float32) - background.astype(np.float32)
    # The median of |residual| on every 4th pixel (plenty), counted per grey level: the same value
    # as numpy's median of those whole numbers, in a third of the time.
    noise = 1.4826 * percentile(cv2.absdiff(small[::2, ::2], background[::2, ::2]), 50)
    threshold = max(MIN_STROKE_CONTRAST, 4.0 * noise)
    rising, falling = residual - threshold, -residual - threshold
    light, dark = _thin(rising), _thin(falling)
    light_area = float(np.clip(rising, 0.0, None).sum())
    dark_area = float(np.clip(falling, 0.0, None).sum())
    return Evidence(small, background, light, dark, light_area, dark_area)


def _local_background(small: np.ndarray) -> np.ndarray:
    """A median over a sixth of the picture's shorter side: the ground, with strokes gone and the
    straight edges of sheets and boards kept. Taken on a half-size copy when there is room (a
    quarter of the work; the ground is smooth) and enlarged back."""
    height, width = small.shape
    half = min(height, width) >= 2 * SMALL_IMAGE_PX
    source = cv2.resize(small, (width // 2, height // 2), interpolation=cv2.INTER_AREA) if half else small
    window = max(3, (min(source.shape) // 6) | 1)
    background = cv2.medianBlur(source, min(window, 255))
    if half:
        background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return background


def _thin(excess: np.ndarray) -> np.ndarray:
    """`excess` (float32) where it is positive and thin (a stroke), zero where it is an area."""
    present = (excess > 0).view(np.uint8)  # 0 or 1, without a copy
    kernel = np.ones((STROKE_OPENING_PX, STROKE_OPENING_PX), np.uint8)
    areas = cv2.morphologyEx(present, cv2.MORPH_OPEN, kernel)  # within `present`: an opening
    thin = np.zeros_like(excess)
    np.copyto(thin, excess, where=cv2.subtract(present, areas).view(bool))
    return thin


def reversed_patches(evidence: Evidence) -> np.ndarray | None:
    """Where a dark-on-light picture holds light-on-dark patches: a mask on the working copy
    (uint8 0/1), or None when there are none.

    A patch is a connected dark area of the background that stays clear of the picture's edge
    (beyond the edge lie a desk, a wall, the rest of a board: not something written on), is
    mostly dark itself (not a cluster of bold dark digits) and whose thin departures are
    clearly light ones.
    """
    background = evidence.background
    if min(background.shape) < SMALL_IMAGE_PX:
        return None
    paper = percentile(background, 90)
    dark_ground = (background < PATCH_DARKNESS * paper).astype(np.uint8)
    if not dark_ground.any():
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark_ground, 8, cv2.CV_32S)
    height, width = background.shape
    light_sums = np.bincount(labels.ravel(), evidence.light.ravel(), count)
    dark_sums = np.bincount(labels.ravel(), evidence.dark.ravel(), count)
    # How much of each area is itself dark: a sticker is mostly ground with a few light strokes,
    # while the median over big bold digits is "dark" too, but half of it is paper between them.
    dark_pixels = np.bincount(labels.ravel(), (evidence.small < PATCH_DARKNESS * paper).ravel(), count)
    patches = np.zeros(count, bool)
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if x == 0 or y == 0 or x + w == width or y + h == height or area < MIN_PATCH_SHARE * background.size:
            continue
        light, dark = light_sums[label], dark_sums[label]
        patches[label] = (light > CLEAR_RATIO * dark and light >= MIN_EVIDENCE_PER_PX * area
                          and dark_pixels[label] >= MIN_PATCH_GROUND_SHARE * area)
    if not patches.any():
        return None
    return patches[labels].astype(np.uint8)
