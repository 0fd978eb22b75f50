"""Highlighter swaths are turned back to paper before the page is read (`runtime.reading.highlighter`)."""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.highlighter import without_highlighter

PAPER = (236, 240, 242)


def _page(ground=PAPER) -> np.ndarray:
    page = np.empty((600, 800, 3), np.uint8)
    page[:] = ground
    return page


def _digits(page: np.ndarray, colour=(40, 40, 40), thickness: int = 4) -> None:
    for x in range(100, 700, 60):
        cv2.putText(page, "8", (x, 330), cv2.FONT_HERSHEY_SIMPLEX, 2.0, colour, thickness)


def _swath(page: np.ndarray, passed=(0.25, 1.0, 1.0)) -> None:
    band = page[270:345, 80:720].astype(np.float32) * np.array(passed, np.float32)
    page[270:345, 80:720] = band.astype(np.uint8)


def test_a_swath_over_digits_turns_back_to_paper_and_the_ink_stays_dark():
    for passed in ((0.25, 1.0, 1.0), (0.45, 1.0, 0.55), (0.8, 0.45, 1.0)):  # yellow, green, pink
        page = _page()
        _digits(page)
        _swath(page, passed)
        cleaned = without_highlighter(page)
        grey = cv2.cvtColor(cleaned, cv2.COLOR_BGR2GRAY)
        plain = _page()
        _digits(plain)
        ink = cv2.cvtColor(plain, cv2.COLOR_BGR2GRAY) < 100
        band = np.zeros(ink.shape, bool)
        band[275:340, 85:715] = True
        assert abs(np.median(grey[band & ~ink]) - np.median(cv2.cvtColor(plain, cv2.COLOR_BGR2GRAY)[band & ~ink])) < 12
        assert np.median(grey[band & ink]) < 100


def test_pictures_without_a_swath_come_back_as_they_were():
    plain = _page()
    _digits(plain)
    assert without_highlighter(plain) is plain
    marker = _page()
    _digits(marker, colour=(60, 50, 230), thickness=30)  # thick red marker: dye with no ink under it
    assert without_highlighter(marker) is marker
    yellow_pad = _page((140, 225, 245))  # a coloured sheet is the paper, not a swath
    _digits(yellow_pad)
    assert without_highlighter(yellow_pad) is yellow_pad
    shadow = _page()
    _digits(shadow)
    _swath(shadow, (0.6, 0.6, 0.6))  # a shadow takes every channel alike
    assert without_highlighter(shadow) is shadow
    grey = cv2.cvtColor(plain, cv2.COLOR_BGR2GRAY)
    assert without_highlighter(grey) is grey
