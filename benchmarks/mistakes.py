"""Annotated copies of misread pages, to see at a glance what the reader got wrong.

For pages with boxed truth: a red box and "true>read" over a digit read wrongly, a red box
and the true label over a digit missed, an orange box and the read label over something read
where no digit is. For pages with label strings only: every read digit boxed in blue with its
label, and a banner above the page with the true and the read digits.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from benchmarks.accuracy import PageScore, Report
from benchmarks.datasets import Dataset, Sample

RED = (40, 40, 220)
ORANGE = (0, 140, 255)
BLUE = (200, 90, 20)


def save_mistakes(report: Report, dataset: Dataset, out_dir: Path) -> int:
    """Write `<name>.mistakes.png` for every imperfect page; return how many were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = {sample.name: sample for sample in dataset.samples}
    written = 0
    for page in report.pages:
        counts = page.counts
        if counts.false_positives == 0 and counts.false_negatives == 0 and page.error is None:
            continue
        sample = samples.get(page.path)
        image = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR) if sample else None
        if image is None:
            continue
        annotated = annotate(image, page, sample)
        if not cv2.imwrite(str(out_dir / f"{Path(page.path).stem}.mistakes.png"), annotated):
            raise OSError(f"could not write into {out_dir}; check the folder is writable")
        written += 1
    return written


MIN_SIDE_PX = 800
"""Smaller images are enlarged (by a whole factor, at most 4) so the labels stay legible."""


def annotate(image: np.ndarray, page: PageScore, sample: Sample) -> np.ndarray:
    """The page with its mistakes drawn on it (an enlarged copy for small images)."""
    zoom = int(min(4, max(1, np.ceil(MIN_SIDE_PX / max(1, min(image.shape[:2]))))))
    canvas = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR) if zoom > 1 else image.copy()
    scale = max(0.5, min(canvas.shape[:2]) / 1200.0)
    if page.method == "boxes" and sample.truth is not None:
        _draw_box_mistakes(canvas, page, sample, scale, zoom)
        return canvas
    for digit in page.predicted_digits:
        _mark(canvas, digit.bbox, digit.digit, BLUE, scale, zoom)
    return _with_banner(canvas, [f"true: {page.truth_text}", f"read: {page.predicted_text}"], scale)


def _draw_box_mistakes(canvas: np.ndarray, page: PageScore, sample: Sample, scale: float, zoom: int) -> None:
    true_digits = sample.truth.digits
    predicted_for = dict(page.pairs)
    for truth_index, digit in enumerate(true_digits):
        predicted_index = predicted_for.get(truth_index)
        if predicted_index is None:
            _mark(canvas, digit.bbox, digit.digit, RED, scale, zoom)
        elif page.predicted_digits[predicted_index].digit != digit.digit:
            read_as = page.predicted_digits[predicted_index].digit
            _mark(canvas, digit.bbox, f"{digit.digit}>{read_as}", RED, scale, zoom)
    paired = set(predicted_for.values())
    for predicted_index, digit in enumerate(page.predicted_digits):
        if predicted_index not in paired:
            _mark(canvas, digit.bbox, digit.digit, ORANGE, scale, zoom)


def _mark(canvas: np.ndarray, box, label: str, colour: tuple[int, int, int], scale: float, zoom: int) -> None:
    x, y, w, h = (int(v) * zoom for v in box)
    thickness = max(1, int(round(2 * scale)))
    cv2.rectangle(canvas, (x - 2, y - 2), (x + w + 2, y + h + 2), colour, thickness)
    cv2.putText(canvas, label, (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, colour,
                thickness, cv2.LINE_AA)


def _with_banner(canvas: np.ndarray, texts: list[str], scale: float) -> np.ndarray:
    line_height = int(30 * scale) + 6
    banner = np.full((line_height * len(texts) + 8, canvas.shape[1], 3), 255, np.uint8)
    for index, text in enumerate(texts):
        cv2.putText(banner, text, (6, line_height * (index + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale,
                    (0, 0, 0), max(1, int(round(scale))), cv2.LINE_AA)
    return np.vstack([banner, canvas])
