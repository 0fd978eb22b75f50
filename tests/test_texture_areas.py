"""A sheet running off the frame on a surface is read: the floor's texture judged block by block,
and a desk's grain, broken by the erasing of rules, not taken for the writing's height.

The sheet finder (`runtime.reading.sheet`) takes no sheet that runs off the frame, and the
floor's speckle around it put the whole picture over `SegmentOptions.max_specks_per_mp`: such
photos read nothing (6 of 24 development pages of `benchmarks.sheet_on_surface --off-frame 1`).
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks import surfaces
from benchmarks.metrics import match_boxes
from benchmarks.sheet_on_surface import write_sheets
from benchmarks.worksheets import WorksheetOptions
from runtime.reading.ink import ink_map
from runtime.reading.segment import SegmentOptions, find_digits, look_at
from runtime.reading.texture_areas import texture_blocks
from tests.worksheet_fixtures import font_digit_bank

FLOOR = (900, 700)  # height, width of the bare floor


def _floor(seed: int) -> np.ndarray:
    return np.clip(surfaces.tiles(FLOOR[1], FLOOR[0], np.random.default_rng(seed)), 0, 255).astype(np.uint8)


def _sheet_off_the_frame(tmp_path) -> tuple[np.ndarray, list]:
    """A worksheet of 105 digits (font digits) on tiles, cut by one side of the picture, which the
    whole picture's speck count called texture; and its truth boxes."""
    truth = write_sheets(tmp_path, 1, 6, "tiles", (0.7, 0.5), WorksheetOptions(size=(620, 877)),
                         font_digit_bank(), off_frame=1)
    entry = truth["files"][0]
    boxes = [digit["bbox"] for line in entry["lines"] for digit in line["digits"]]
    return cv2.imread(str(tmp_path / entry["path"])), boxes


def _stats(picture: np.ndarray) -> np.ndarray:
    return look_at(ink_map(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)), SegmentOptions()).stats


def test_the_floor_around_a_sheet_is_texture_and_the_writing_is_not(tmp_path):
    picture, boxes = _sheet_off_the_frame(tmp_path)
    areas = texture_blocks(_stats(picture), picture.shape[:2], 6, 3000)
    assert areas is not None
    assert areas.mean() > 0.2  # the floor
    centres_on_texture = [areas[y + h // 2, x + w // 2] for x, y, w, h in boxes]
    assert sum(centres_on_texture) <= 0.05 * len(boxes)


def test_a_bare_floor_is_texture_as_a_whole():
    assert texture_blocks(_stats(_floor(4)), FLOOR, 6, 3000) is None
    assert find_digits(_floor(4)) == []


def test_a_sheet_running_off_the_frame_on_tiles_is_read(tmp_path):
    """Main found no candidate at all on this picture."""
    picture, boxes = _sheet_off_the_frame(tmp_path)
    assert len(boxes) == 105
    found = [candidate.bbox for candidate in find_digits(picture)]
    pairs = match_boxes(boxes, found)
    assert len(pairs) >= 0.95 * len(boxes)
    assert len(found) - len(pairs) <= 0.05 * len(boxes)  # few regions besides the digits


def test_a_desk_s_grain_is_not_taken_for_the_digits_height(tmp_path):
    """A sheet of 116 font digits running off the frame on a desk: its grain, erased as rules, left
    pieces measured many times taller than the digits, which were all merged into them (main: no
    candidate; `segment.RULES_MEASURED_AT_MOST`)."""
    truth = write_sheets(tmp_path, 2, 5, "desk", (0.5,), WorksheetOptions(size=(620, 877)),
                         font_digit_bank(), off_frame=1)
    entry = truth["files"][1]
    boxes = [digit["bbox"] for line in entry["lines"] for digit in line["digits"]]
    assert len(boxes) == 116
    found = [candidate.bbox for candidate in find_digits(cv2.imread(str(tmp_path / entry["path"])))]
    pairs = match_boxes(boxes, found)
    assert len(pairs) >= 0.95 * len(boxes)
    assert len(found) - len(pairs) <= 0.05 * len(boxes)
