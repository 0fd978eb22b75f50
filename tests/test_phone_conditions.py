"""The coloured paper, highlighter, steep-angle and defocus conditions do what they say."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from worksheet_fixtures import font_digit_bank

from benchmarks import camera_conditions
from benchmarks.degrade import transform_points
from benchmarks.worksheets import WorksheetOptions, make_worksheet

SIZE = (640, 480)


@pytest.fixture(scope="module")
def bank():
    return font_digit_bank()


def _sheet(bank, condition: str, index: int = 0):
    options = WorksheetOptions(size=SIZE, degrade="none", condition=condition)
    return make_worksheet(bank, np.random.default_rng([5, index]), options)


def _paper_colour(sheet) -> np.ndarray:
    """The median BGR of the sheet away from the ink and its edges."""
    height, width = sheet.image.shape[:2]
    middle = sheet.image[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4].reshape(-1, 3)
    return np.median(middle, axis=0)


def test_a_legal_pad_is_yellow_and_ruled(bank):
    sheet = _sheet(bank, "legal-pad")
    blue, green, red = _paper_colour(sheet)
    assert red > 230 and green > 210 and blue < 175  # yellow: little blue reflected
    grey = cv2.cvtColor(sheet.image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    column = grey[:, SIZE[0] - 5]  # right edge: rules and nothing written
    dips = np.flatnonzero((column[1:-1] < column[:-2] - 8) & (column[1:-1] <= column[2:]))
    assert len(dips) >= SIZE[1] // 60  # a rule every 7 mm (~21 px at this width)


@pytest.mark.parametrize("index", range(4))
def test_a_sticky_note_is_strongly_coloured(bank, index):
    colour = _paper_colour(_sheet(bank, "sticky-note", index))
    assert colour.max() - colour.min() > 40


def test_kraft_is_brown_darker_and_fibrous(bank):
    sheet = _sheet(bank, "kraft")
    blue, green, red = _paper_colour(sheet)
    assert red > green > blue and red < 215 and blue < 130
    patch = cv2.cvtColor(sheet.image, cv2.COLOR_BGR2GRAY)[200:260, 300:360].astype(np.float32)
    assert patch.std() > 2.0  # fibres, not a flat fill


def test_highlighter_colours_some_digits_and_leaves_their_ink_dark(bank):
    plain = make_worksheet(bank, np.random.default_rng([5, 0]), WorksheetOptions(size=SIZE, degrade="none"))
    marked = _sheet(bank, "highlighter")
    assert marked.truth.to_dict() == plain.truth.to_dict()
    changed = np.abs(marked.image.astype(np.int16) - plain.image.astype(np.int16)).max(axis=2) > 30
    boxes = [digit.bbox for line in plain.truth.lines for digit in line.digits]
    covered = [changed[y : y + h, x : x + w].mean() > 0.3 for x, y, w, h in boxes]
    assert 2 <= sum(covered) < len(boxes) // 2
    ink = cv2.cvtColor(plain.image, cv2.COLOR_BGR2GRAY) < 90
    under = ink & changed
    assert under.any()
    assert np.median(cv2.cvtColor(marked.image, cv2.COLOR_BGR2GRAY)[under]) < 110


def test_steep_pulls_the_far_corners_in_by_twelve_to_twenty_percent():
    width, height = 1240, 1754
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    for seed in range(8):
        moved = transform_points(corners, camera_conditions.steep_homography(width, height, np.random.default_rng(seed)))
        shift = np.linalg.norm(moved - corners, axis=1) / min(width, height)
        assert np.count_nonzero(shift > 1e-6) == 2  # the near edge stays put
        pulled = shift[shift > 1e-6] / np.sqrt(1.25)  # in along the edge by p, toward the near edge by p/2
        assert np.all((pulled >= 0.12) & (pulled <= 0.20))
        assert np.all((moved >= -1e-6) & (moved <= np.array([width, height]) + 1e-6))  # the sheet stays in the frame


def test_defocus_spreads_a_point_into_a_disk():
    kernel = camera_conditions.defocus_kernel(3.0)
    assert kernel.sum() == pytest.approx(1.0)
    centre = kernel.shape[0] // 2
    assert kernel[centre, centre] == pytest.approx(kernel[centre, centre + 2], rel=0.05)  # flat, not a bell
    assert kernel[0, 0] == 0.0  # the corners are outside the disk
    dot = np.full((41, 41, 3), 255, np.uint8)
    dot[20, 20] = 0
    blurred = camera_conditions.defocus(dot, np.random.default_rng(0))
    radius = 2.0 * 41 / 1240  # the blur scales with the page: a 41 px image blurs by almost nothing
    assert radius < 1 and blurred[20, 20].mean() < 200


def test_defocus_blurs_an_a4_page_by_two_to_four_pixels(bank):
    plain = make_worksheet(bank, np.random.default_rng([5, 1]), WorksheetOptions(degrade="none"))
    blurred = make_worksheet(bank, np.random.default_rng([5, 1]),
                             dataclasses.replace(WorksheetOptions(degrade="none"), condition="defocus"))
    def sharpness(image):
        return cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F).var()
    assert sharpness(blurred.image) < 0.5 * sharpness(plain.image)
    assert blurred.truth.to_dict() == plain.truth.to_dict()
