"""The tilt of squared paper from its grid's lines (`runtime.reading.grid_tilt`)."""

import cv2
import numpy as np
import pytest

from runtime.reading.grid_tilt import grid_tilt_deg

SIDE_PX = 1000
CELL_PX = 40


def paper(level: bool = True, upright: bool = True, dots: bool = False) -> np.ndarray:
    """A 0/255 mask of a sheet's printed lines: level ones, upright ones, or dots where they cross."""
    mask = np.zeros((SIDE_PX, SIDE_PX), np.uint8)
    for at in range(20, SIDE_PX, CELL_PX):
        if dots:
            mask[at : at + 3, 20::CELL_PX] = 255
            mask[at : at + 3, 21::CELL_PX] = 255
            continue
        if level:
            mask[at : at + 2, :] = 255
        if upright:
            mask[:, at : at + 2] = 255
    return mask


def turned(mask: np.ndarray, angle_deg: float) -> np.ndarray:
    """`mask` turned counter-clockwise about its centre, as `benchmarks.tilt.rotate` turns a page."""
    matrix = cv2.getRotationMatrix2D((SIDE_PX / 2, SIDE_PX / 2), angle_deg, 1.0)
    return (cv2.warpAffine(mask, matrix, (SIDE_PX, SIDE_PX)) > 100).astype(np.uint8) * 255


@pytest.mark.parametrize("angle", [-12.0, -8.0, 0.0, 3.0, 8.0, 12.0])
def test_a_grid_turned_measures_its_angle(angle):
    assert grid_tilt_deg(turned(paper(), angle)) == pytest.approx(angle, abs=0.3)


def test_a_grid_with_digits_and_a_dark_desk_beside_it_measures_its_angle():
    mask = turned(paper(), 9.0)
    cv2.putText(mask, "4071 29", (150, 400), cv2.FONT_HERSHEY_SIMPLEX, 3, 255, 6)
    mask[:, 900:] = 255  # the desk beyond the sheet's edge: solid ink
    assert grid_tilt_deg(mask) == pytest.approx(9.0, abs=0.3)


@pytest.mark.parametrize("kind", ["ruled", "dotted", "empty"])
def test_paper_without_a_grid_measures_none(kind):
    mask = {"ruled": paper(upright=False), "dotted": paper(dots=True), "empty": np.zeros((SIDE_PX, SIDE_PX), np.uint8)}[kind]
    assert grid_tilt_deg(turned(mask, 8.0)) is None
