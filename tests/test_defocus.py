"""An out-of-focus lens (`runtime/reading/defocus.py`): its blur disk measured on a page and undone."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from development_pages import validation_bank

from benchmarks.accuracy import score_result
from benchmarks.camera_conditions import defocus_kernel
from benchmarks.datasets import Sample
from benchmarks.worksheets import WorksheetOptions, make_worksheet
from runtime.reading.defocus import MIN_BLURRED_SHARE, MIN_CROPS, defocus_radius, looks_defocused, refocused
from runtime.reading.reader import PageReader, ReaderOptions


def _strokes() -> np.ndarray:
    """A pale page of dark pen arcs scattered every way, as sharp as drawn (scattered: a regular
    grid of marks would put ripples of its own in the spectrum)."""
    rng = np.random.default_rng(5)
    page = np.full((600, 800), 235, np.uint8)
    for _ in range(120):
        centre = (int(rng.integers(20, 780)), int(rng.integers(20, 580)))
        axes = (int(rng.integers(5, 12)), int(rng.integers(8, 16)))
        cv2.ellipse(page, centre, axes, float(rng.uniform(0, 180)), 0, float(rng.uniform(180, 360)), 40, 2)
    return page


def _defocused(page: np.ndarray, radius: float) -> np.ndarray:
    """`page` blurred by a lens's disk, with a sensor's grain after it."""
    blurred = cv2.filter2D(page.astype(np.float32), -1, defocus_kernel(radius), borderType=cv2.BORDER_REPLICATE)
    grain = np.random.default_rng(0).standard_normal(page.shape).astype(np.float32) * 3.0
    return np.clip(np.rint(blurred + grain), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("radius", [2.5, 3.0, 4.0])
def test_the_disk_is_measured_from_the_spectrum(radius):
    measured = defocus_radius(_defocused(_strokes(), radius))
    assert measured is not None and abs(measured - radius) < 0.3


def test_refocusing_brings_the_strokes_back():
    page = _strokes()
    blurred = _defocused(page, 3.0)
    inner = (slice(20, -20), slice(20, -20))

    def likeness(picture: np.ndarray) -> float:
        return float(np.corrcoef(picture[inner].ravel(), page[inner].ravel())[0, 1])

    assert likeness(refocused(blurred, 3.0)) > likeness(blurred) + 0.02


@pytest.mark.parametrize("undo", [True, False])
def test_an_out_of_focus_form_is_read(default_classifier, undo):
    """Development page 8 of `benchmarks.worksheets --seed 351 --degrade photo --digits validation
    --condition defocus` (a form of small writing, a disk of about 4 px): the model called its
    blurred digits "not a digit", the word context took the page for text, and it read 6 of 184;
    refocused, 156 and none false."""
    options = WorksheetOptions(degrade="photo", condition="defocus")
    sheet = make_worksheet(validation_bank(), np.random.default_rng([351, 8]), options)
    lines = ["".join(digit.digit for digit in line.digits) for line in sheet.truth.lines]
    sample = Sample(image_path=Path("defocused.jpg"), lines=lines, truth=sheet.truth)
    reader = PageReader(default_classifier, ReaderOptions(undo_defocus=undo))
    counts = score_result(sample, reader.read(sheet.image), use_boxes=True).counts
    assert counts.true_positives + counts.false_negatives > 150
    if undo:
        assert counts.recall >= 0.8 and counts.false_positives <= 3
    else:  # the page as photographed: what the blur costs
        assert counts.recall < 0.2


def test_only_a_page_of_soft_crops_is_measured():
    """Pages of words and script keep crisp crops (at most 0.53 soft); a lens blurs every one."""
    assert looks_defocused(MIN_CROPS, MIN_BLURRED_SHARE)
    assert not looks_defocused(MIN_CROPS, 0.53)
    assert not looks_defocused(MIN_CROPS - 1, 1.0)  # a shadow's one soft crop is no page
