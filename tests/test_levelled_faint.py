"""Small faint digits on a page tilted a few degrees are still found once it is levelled: the
levelling's interpolation takes a few percent off their strokes' darkest ink, and the test of
written ink allows for it there (`evidence.LEVELLED_PEAK_SHARE`)."""

from __future__ import annotations

import numpy as np
from development_pages import development_page, read_at

from runtime.reading.evidence import LEVELLED_PEAK_SHARE, SMALL_WRITING_PEAK_RATIO
from runtime.reading.reader import PageReader
from runtime.reading.segment import SegmentOptions, find_digits_in

# Faint digits of a grid page 700x990, poor phone photo, tilted 3 degrees (development worksheets
# seed 270, grid and form styles, page 3), read right as given and no candidates once levelled:
# the two 0s peak at 1.41-1.43 times the least ink contrast as given, 1.37 levelled.
FAINT_DIGITS = ((211, 192), (104, 426), (237, 539), (61, 596), (402, 615))


def test_faint_small_digits_are_read_on_a_levelled_page(tmp_path, default_classifier):
    page, truth = development_page(tmp_path, 270, 3, "heavy", (700, 990), ("form", "grid"))
    reader = PageReader(default_classifier)
    digits = reader.read(page).digits
    for point in FAINT_DIGITS:
        label, read = read_at(digits, truth, point)
        assert read == label, f"at {point}: {label} read {read!r}"


def _faint_ring(peak: float) -> np.ndarray:
    """A page with one small ring of ink (a 0, 16 px tall) whose strokes peak at `peak`."""
    darkness = np.zeros((120, 120), np.float32)
    ring = np.zeros_like(darkness)
    ring[52:68, 55:65] = 1.0
    ring[55:65, 58:62] = 0.0
    darkness[:] = ring * peak
    return darkness


def test_a_levelled_page_asks_its_strokes_a_lower_peak():
    options = SegmentOptions()
    floor = options.min_ink_contrast
    # Between the two bars: kept levelled, dropped as given.
    peak = floor * SMALL_WRITING_PEAK_RATIO * (1 + LEVELLED_PEAK_SHARE) / 2
    darkness = _faint_ring(peak)
    inside = np.ones(darkness.shape, np.uint8)
    assert find_digits_in(darkness, options) == []
    assert len(find_digits_in(darkness, options, inside)) == 1
