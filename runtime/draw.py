"""Draw what was read on a page: a box per digit with the digit and its confidence, a box per number.

The one drawing module: `draw_result` is used by `python -m runtime.scan --annotate` and by the
camera preview, and never changes the image it is given; `draw_label` writes any text on a tab
(the camera's readings, FPS and banners too), so both commands look alike. Colours say how sure the reader was, so a person checking a
scanned sheet looks at the orange and red boxes first.

Usage: `cv2.imwrite("checked.png", draw_result(page_bgr, reader.read(page_bgr)))`
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.results import PageResult

SURE_CONFIDENCE = 0.9
"""At or above this a digit's box is green."""

UNSURE_CONFIDENCE = 0.5
"""Below this (or when the digit is written "?") a box is red; in between, orange."""

SURE_BGR = (40, 160, 40)  # green: a sure digit, and the camera's settled readings
UNSURE_BGR = (0, 140, 255)  # orange
DOUBTFUL_BGR = (30, 30, 220)  # red: a doubtful digit, and the camera's "paused" banner
NUMBER_BGR = (200, 90, 20)  # numbers get a blue frame around their digits
STATUS_BGR = (60, 60, 60)  # dark grey: the camera's FPS line
LABEL_TEXT_BGR = (255, 255, 255)

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_NUMBER_MARGIN_PX = 3  # the number frame sits this far outside its digit boxes


def draw_result(image_bgr: np.ndarray, page_result: PageResult, *,
                show_confidence: bool = True, show_numbers: bool = True) -> np.ndarray:
    """Return a copy of `image_bgr` with `page_result` drawn on it.

    `image_bgr` may be grey (H x W) or BGR (H x W x 3) uint8; the result is always BGR so the
    colours show. Boxes are in the coordinates of the image as given (as `PageResult` keeps
    them), whatever rotation the reader applied. `show_confidence` adds the percentage after
    each digit; `show_numbers` frames each number.
    """
    canvas = _bgr_copy(image_bgr)
    height, width = canvas.shape[:2]
    thickness = max(1, round(min(height, width) / 600))
    if show_numbers:
        for line in page_result.lines:
            for number in line.numbers:
                x, y, w, h = number.bbox
                cv2.rectangle(canvas, (x - _NUMBER_MARGIN_PX, y - _NUMBER_MARGIN_PX),
                              (x + w + _NUMBER_MARGIN_PX, y + h + _NUMBER_MARGIN_PX),
                              NUMBER_BGR, thickness)
    for digit in page_result.digits:
        colour = _confidence_colour(digit.digit, digit.confidence)
        x, y, w, h = digit.bbox
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        # Digit above the box, confidence below: side by side they overlap on tight handwriting.
        font_scale = float(np.clip(h / 50.0, 0.35, 1.5))  # legible on 300 dpi scans and frames
        draw_label(canvas, digit.digit, (x, y), colour, font_scale=font_scale)
        if show_confidence:
            draw_label(canvas, f"{round(100 * digit.confidence)}%", (x, y + h), colour,
                       above=False, font_scale=max(0.3, 0.6 * font_scale))
    return canvas


def _bgr_copy(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"draw_result needs a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"draw_result needs a grey or BGR image, got shape {image.shape}")


def _confidence_colour(digit: str, confidence: float) -> tuple[int, int, int]:
    if digit == "?" or confidence < UNSURE_CONFIDENCE:
        return DOUBTFUL_BGR
    if confidence < SURE_CONFIDENCE:
        return UNSURE_BGR
    return SURE_BGR


def draw_label(canvas: np.ndarray, text: str, anchor: tuple[int, int], colour: tuple[int, int, int],
               *, above: bool = True, font_scale: float = 0.6) -> None:
    """Write `text` in place on a filled tab of `colour` just above (or below) `anchor`, kept
    inside the image: readable on any background."""
    text_thickness = 1 if font_scale < 0.8 else 2
    (text_width, text_height), baseline = cv2.getTextSize(text, _FONT, font_scale, text_thickness)
    tab_height = text_height + baseline + 2
    x, y = anchor
    top = y - tab_height if above else y + 1
    top = min(max(top, 0), max(canvas.shape[0] - tab_height, 0))
    cv2.rectangle(canvas, (x, top), (x + text_width + 2, top + tab_height), colour, cv2.FILLED)
    cv2.putText(canvas, text, (x + 1, top + text_height + 1), _FONT, font_scale, LABEL_TEXT_BGR,
                text_thickness, cv2.LINE_AA)
