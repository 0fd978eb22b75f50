"""The ground under light strokes: a board's estimate between the strokes, and the strokes' contrast.

`runtime.reading.ink.lightness_map` measures light writing (chalk, a dark screen, a negative) as
lightness above its ground. Two things about a chalkboard photo make that measure too weak for
the rest of the reader, which was tuned on pen and paper:

- the board is not one smooth grey: rubbed-out chalk leaves haze and wiping arcs a few strokes
  wide, which an estimate of the ground at the scale of a page's shading (a dozenth of it) takes
  for writing. That haze then crosses the printed-rule search as long level "lines", which erase
  the tops of the digits they pass (measured on generated boards: most of the digits lost there).
  `board_between_strokes` estimates the ground at the scale of the strokes instead: the
  brightest a region stays over a square a few stroke widths wide, which no stroke fills;
- chalk covers the board in grains, and a poor phone's blur and low contrast leave the strokes
  at a third of the lightness that pen has in darkness on paper, close to the least contrast
  ink may have. `even_contrast` scales a faint page's strokes up to a standard level.
"""

from __future__ import annotations

import cv2
import numpy as np

BOARD_WINDOW_STROKES = 4.0
"""The ground is taken over squares this many stroke widths wide: wider than a stroke and its
blur (3 cut the loops and crossings of bold blurred digits, tuned on generated boards, seeds
41-44), narrower than the haze of rubbed-out chalk."""

STROKE_LEVEL = 0.6
"""Strokes are scaled so that their typical lightness (the 90th percentile of what the page's
own threshold calls stroke) reaches this, pen on paper's darkness in a phone photo."""

MAX_CONTRAST_GAIN = 2.5
"""... by at most this factor: a fainter page is mostly grain and haze, not writing."""

MIN_LIGHTNESS = 0.08
"""Lightness below this is ground (grain, the last haze) and plays no part in the strokes' level."""

MIN_STROKE_SAMPLES = 500
"""With fewer pixels than this above MIN_LIGHTNESS there is no writing to measure: no gain."""


def board_between_strokes(gray: np.ndarray, stroke_width_px: float) -> np.ndarray:
    """The ground (float32, as `gray`) estimated at the scale of the strokes: an opening over
    squares of BOARD_WINDOW_STROKES stroke widths (strokes narrower than the square vanish, the
    board and its haze stay)."""
    side = max(3, int(round(BOARD_WINDOW_STROKES * stroke_width_px)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    ground = cv2.morphologyEx(gray, cv2.MORPH_OPEN, kernel)
    # Smoothed where the opening's flat steps dip below their neighbours, never lowered: beside
    # a wide light area (a sheet's edge) a lowered ground would leave a thin light rim as "ink".
    return np.maximum(ground, cv2.GaussianBlur(ground, (0, 0), side / 4.0))


def even_contrast(lightness: np.ndarray) -> np.ndarray:
    """`lightness` (float32, 0..1) scaled up so its strokes reach STROKE_LEVEL (never down).

    The strokes are told from the ground by Otsu's threshold on what is lighter than
    MIN_LIGHTNESS: the page's own split, as the reader thresholds it later.
    """
    values_u8 = (lightness[lightness > MIN_LIGHTNESS] * 255.0).astype(np.uint8)
    if values_u8.size < MIN_STROKE_SAMPLES:
        return lightness
    threshold, _ = cv2.threshold(values_u8.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    strokes = values_u8[values_u8 > threshold]
    if strokes.size < MIN_STROKE_SAMPLES // 5:
        return lightness
    level = float(np.percentile(strokes, 90)) / 255.0
    gain = float(np.clip(STROKE_LEVEL / max(level, 1e-3), 1.0, MAX_CONTRAST_GAIN))
    if gain == 1.0:
        return lightness
    return np.clip(lightness * gain, 0.0, 1.0)
