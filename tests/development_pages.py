"""Development worksheets (MNIST *validation* digits, `benchmarks.worksheets --digits validation`)
for tests of the reader, and what was read at a place on them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def validation_bank():
    """The MNIST validation digits the development pages are drawn from (the test is skipped
    where MNIST is not there)."""
    from benchmarks.worksheets import _validation_bank
    from train.data import DatasetError

    try:
        return _validation_bank()
    except (DatasetError, OSError) as error:
        pytest.skip(f"MNIST validation digits not available: {error}")


def development_page(tmp_path, seed: int, index: int, degrade: str = "none",
                     size: tuple[int, int] | None = None,
                     styles: tuple[str, ...] | None = None,
                     turned_rate: float = 0.0) -> tuple[np.ndarray, object]:
    """Development worksheet `index` of `seed` (as `benchmarks.worksheets --digits validation
    --seed SEED --degrade DEGRADE [--size WxH] [--styles A,B] [--turned-rate R]` writes it),
    saved and loaded back: the picture and its truth."""
    from benchmarks.layout import LayoutOptions
    from benchmarks.worksheets import WorksheetOptions, make_worksheet, save_image

    options = WorksheetOptions(degrade=degrade, turned_rate=turned_rate)
    if size is not None:
        options.size = size
    if styles is not None:
        options.layout = LayoutOptions(styles=styles)
    sheet = make_worksheet(validation_bank(), np.random.default_rng([seed, index]), options)
    path = tmp_path / ("page.png" if sheet.jpeg_quality is None else "page.jpg")
    save_image(path, sheet.image, sheet.jpeg_quality)
    return cv2.imread(str(path)), sheet.truth


def read_at(digits, truth, point: tuple[int, int]) -> tuple[str, str]:
    """The true digit whose box holds `point`, and every digit read whose centre lies in its box,
    left to right."""
    held = [(d.bbox, d.digit) for line in truth.lines for d in line.digits
            if d.bbox[0] <= point[0] <= d.bbox[0] + d.bbox[2] and d.bbox[1] <= point[1] <= d.bbox[1] + d.bbox[3]]
    assert len(held) == 1, f"no single true digit at {point}: {held}"
    (x, y, w, h), label = held[0]
    read = sorted((d for d in digits if x <= d.bbox[0] + d.bbox[2] / 2 <= x + w
                   and y <= d.bbox[1] + d.bbox[3] / 2 <= y + h), key=lambda d: d.bbox[0])
    return label, "".join(d.digit for d in read)


def scored(classifier, picture, truth) -> tuple[int, int]:
    """Digits read right on `picture` by the default reader, and digits read where none was
    written (or read wrong)."""
    from benchmarks.metrics import match_boxes
    from runtime.reading.reader import PageReader

    read, true = PageReader(classifier).read(picture).digits, truth.digits
    pairs = match_boxes([d.bbox for d in true], [d.bbox for d in read])
    right = sum(true[t].digit == read[r].digit for t, r in pairs)
    return right, len(read) - right
