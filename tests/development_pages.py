"""Development worksheets (MNIST *validation* digits, `benchmarks.worksheets --digits validation`)
for tests of the reader, and what was read at a place on them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def development_page(tmp_path, seed: int, index: int, degrade: str = "none",
                     size: tuple[int, int] | None = None,
                     styles: tuple[str, ...] | None = None) -> tuple[np.ndarray, object]:
    """Development worksheet `index` of `seed` (as `benchmarks.worksheets --digits validation
    --seed SEED --degrade DEGRADE [--size WxH] [--styles A,B]` writes it), saved and loaded back:
    the picture and its truth."""
    from benchmarks.layout import LayoutOptions
    from benchmarks.worksheets import WorksheetOptions, _validation_bank, make_worksheet, save_image
    from train.data import DatasetError

    try:
        bank = _validation_bank()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    options = WorksheetOptions(degrade=degrade) if size is None else WorksheetOptions(degrade=degrade, size=size)
    if styles is not None:
        options.layout = LayoutOptions(styles=styles)
    sheet = make_worksheet(bank, np.random.default_rng([seed, index]), options)
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
