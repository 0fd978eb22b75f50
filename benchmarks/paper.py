"""Blank paper and the printed parts of a form: ruled lines, grids, boxes and labels.

Everything here is "printed", i.e. drawn crisp before any handwriting; the layout decides
where (as a list of `PrintedMark`), this module only draws. Pages are float32 BGR in 0..255
so the ink and the camera effects can be blended without rounding at every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MARK_KINDS = ("line", "rect", "fill", "text")


@dataclass
class PrintedMark:
    """One printed element of a form."""

    kind: str  # one of MARK_KINDS
    points: tuple[float, ...]  # line: x0, y0, x1, y1; rect/fill: x, y, w, h; text: x, baseline y
    colour: tuple[float, float, float]  # BGR, 0..255
    thickness: int = 1  # stroke width in pixels (text: font weight)
    text: str = ""  # the words of a "text" mark
    text_height_px: float = 0.0  # cap height of a "text" mark


def blank_paper(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """An off-white sheet with faint low-frequency mottling, float32 (height, width, 3)."""
    base = np.array([rng.uniform(238, 252), rng.uniform(240, 253), rng.uniform(240, 254)], np.float32)
    # Mottling at 1/32 of the page, smoothly enlarged: paper fibre and uneven whiteness.
    coarse = rng.normal(0.0, rng.uniform(0.5, 2.5), size=(max(2, height // 32), max(2, width // 32)))
    mottle = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    page = np.empty((height, width, 3), np.float32)
    page[:] = base
    page += mottle[:, :, None]
    return page


def draw_marks(page: np.ndarray, marks: list[PrintedMark]) -> None:
    """Draw every mark on `page` in place."""
    for mark in marks:
        if mark.kind not in MARK_KINDS:
            raise ValueError(f"unknown printed mark {mark.kind!r}; use one of {', '.join(MARK_KINDS)}")
        colour = tuple(float(c) for c in mark.colour)
        if mark.kind == "line":
            x0, y0, x1, y1 = (int(round(v)) for v in mark.points)
            cv2.line(page, (x0, y0), (x1, y1), colour, mark.thickness)
        elif mark.kind in ("rect", "fill"):
            x, y, w, h = (int(round(v)) for v in mark.points)
            thickness = -1 if mark.kind == "fill" else mark.thickness
            cv2.rectangle(page, (x, y), (x + w, y + h), colour, thickness)
        else:
            _draw_text(page, mark, colour)


def _draw_text(page: np.ndarray, mark: PrintedMark, colour: tuple[float, float, float]) -> None:
    # OpenCV draws text on 8-bit images only: draw a coverage mask, then print it in colour.
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = _font_scale(mark.text_height_px)
    weight = max(1, mark.thickness)
    (width, height), baseline = cv2.getTextSize(mark.text, font, scale, weight)
    x, y = (int(round(v)) for v in mark.points)
    pad = weight + 2
    left, top = max(0, x - pad), max(0, y - height - pad)
    right = min(page.shape[1], x + width + pad)
    bottom = min(page.shape[0], y + baseline + pad)
    if left >= right or top >= bottom:
        return
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.putText(mask, mark.text, (x - left, y - top), font, scale, 255, weight, cv2.LINE_AA)
    coverage = (mask.astype(np.float32) / 255.0)[:, :, None]
    region = page[top:bottom, left:right]
    region *= 1.0 - coverage
    region += coverage * np.asarray(colour, np.float32)


def _font_scale(height_px: float) -> float:
    """Hershey fonts are sized by a factor; at 1.0 their capitals are about 22 px tall."""
    return max(0.3, height_px / 22.0)


def text_width(text: str, height_px: float, thickness: int) -> int:
    """Width in pixels that `_draw_text` will use for `text`."""
    (width, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, _font_scale(height_px), max(1, thickness))
    return int(width)
