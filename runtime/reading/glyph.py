"""A small picture of one digit (an MNIST image as stored, an icon-sized crop) read as that digit.

Such a picture is already a crop: its frame is background and its ink is one glyph. Cutting it
up like a page does (flat-fielding with a filter wider than the strokes allow, thresholds,
speck and edge rules) loses what a 28x28 picture cannot spare. So the whole ink is taken as it
is, relative to the background seen on the frame: an MNIST image gives its own pixels back and
is normalized to itself, so the reader reads it at the model's own accuracy.

Usage:
    candidate = single_glyph(gray)  # None unless the picture is one small centred glyph
"""

from __future__ import annotations

import numpy as np

from runtime.reading.polarity import AUTO, DARK_ON_LIGHT, border_polarity, check_polarity
from runtime.reading.segment import DigitCandidate

MAX_SIDE_PX = 64
"""Pictures up to this size on their longer side can be one glyph; anything larger is a page or
a frame and is segmented (a line of digits this small would be unreadable anyway)."""

MAX_ASPECT = 1.5
"""... and no more elongated than this: a one-line strip of digits is wider."""

MIN_INK_SHARE = 0.3
"""The glyph's box is at least this share of the picture's height or width (else: specks)."""

MAX_OFF_CENTRE = 0.3
"""The glyph's box centre lies within this share of the picture's size from its middle."""

NOISE_SIGMAS = 3.0
"""Ink must stand this many noise deviations (measured on the frame) off the background."""


def single_glyph(gray: np.ndarray, polarity: str = AUTO) -> DigitCandidate | None:
    """The one glyph of a small picture (uint8 greyscale), or None when it is not one."""
    height, width = gray.shape
    if max(height, width) > MAX_SIDE_PX or max(height, width) > MAX_ASPECT * min(height, width):
        return None
    if check_polarity(polarity) == AUTO:
        polarity = border_polarity(gray)
    strokes_dark = polarity == DARK_ON_LIGHT
    values = gray.astype(np.float32) if not strokes_dark else 255.0 - gray.astype(np.float32)
    # Now strokes are bright on a dark ground in `values` (as MNIST stores them).
    frame = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    ground = float(np.median(frame))
    noise = 1.4826 * float(np.median(np.abs(frame - ground)))
    strength = values - ground
    strength[strength <= NOISE_SIGMAS * noise] = 0.0
    # Scaled as the ink map scales darkness: relative to the ground's distance from full ink.
    ink = np.clip(np.rint(strength * (255.0 / max(255.0 - ground, 1.0))), 0, 255).astype(np.uint8)
    rows, cols = np.flatnonzero(ink.max(axis=1)), np.flatnonzero(ink.max(axis=0))
    if rows.size == 0:
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if max((bottom - top) / height, (right - left) / width) < MIN_INK_SHARE:
        return None
    off_x = abs((left + right) / 2.0 - width / 2.0) / width
    off_y = abs((top + bottom) / 2.0 - height / 2.0) / height
    if max(off_x, off_y) > MAX_OFF_CENTRE:
        return None
    bbox = (int(left), int(top), int(right - left), int(bottom - top))
    return DigitCandidate(bbox=bbox, ink=ink[top:bottom, left:right])
