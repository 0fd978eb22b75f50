"""A sheet photographed lying on a desk or a tiled floor: found, and read inside it only.

Around the sheet, a floor's speckle made the whole picture texture (a page of 111 digits on
tiles read nothing) and a desk's grain stretched the writing's extent to the picture
(`runtime.reading.sheet`). The pages are development worksheets of seeds of their own
(`benchmarks.sheet_on_surface`), never a benchmark seed.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from development_pages import validation_bank

from benchmarks import surfaces
from benchmarks.sheet_on_surface import lay_on_surface, write_sheets
from benchmarks.worksheets import WorksheetOptions
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.reading.sheet import find_sheet
from runtime.results import Digit, Line, Number, PageResult
from tests.worksheet_fixtures import font_digit_bank

SHEET = (480, 640)  # height, width of the bare sheet in the unit tests


def _written_sheet(rng: np.random.Generator) -> np.ndarray:
    """A bright sheet (uint8 BGR) with a few dark strokes on it."""
    sheet = np.full((*SHEET, 3), 240, np.uint8)
    for _ in range(12):
        x, y = int(rng.integers(40, SHEET[1] - 80)), int(rng.integers(40, SHEET[0] - 80))
        cv2.putText(sheet, str(int(rng.integers(10, 99))), (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (40, 30, 30), 3)
    return sheet


@pytest.mark.parametrize("surface", ["desk", "tiles"])
def test_a_sheet_on_a_surface_is_found_where_it_lies(surface):
    rng = np.random.default_rng(5)
    picture, _, _ = lay_on_surface(_written_sheet(rng), PageResult(lines=[]), surface, 0.5, rng)
    sheet = find_sheet(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))
    assert sheet is not None
    # Where it lies: the generator put it in the middle 30-70% of the spare room.
    spare_height, spare_width = picture.shape[0] - SHEET[0], picture.shape[1] - SHEET[1]
    assert 0.3 * spare_width - 1 <= sheet.left <= 0.7 * spare_width + 30
    assert 0.3 * spare_height - 1 <= sheet.top <= 0.7 * spare_height + 30
    # Nearly all of it, and no more than it.
    assert 0.93 * SHEET[0] <= sheet.mask.shape[0] <= SHEET[0]
    assert 0.93 * SHEET[1] <= sheet.mask.shape[1] <= SHEET[1]


def test_a_picture_that_is_all_sheet_has_no_sheet_to_find():
    picture = _written_sheet(np.random.default_rng(6))
    assert find_sheet(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)) is None


def test_a_sheet_running_off_the_frame_is_found_to_the_border():
    """Cut by the picture's bottom edge, the sheet is still the region to read, its box reaching
    the border (it was read whole with the desk's grain before)."""
    rng = np.random.default_rng(7)
    floor = np.clip(surfaces.wood(900, 700, rng), 0, 255).astype(np.uint8)
    floor[250:, 200:700] = _written_sheet(rng)[:450, :500]  # cut by the bottom edge
    sheet = find_sheet(cv2.cvtColor(floor, cv2.COLOR_BGR2GRAY))
    assert sheet is not None
    assert sheet.sides_cut == {"bottom"}
    assert sheet.top + sheet.mask.shape[0] == 700  # to the border
    assert 200 <= sheet.left <= 215 and 250 <= sheet.top <= 265
    assert 485 <= sheet.mask.shape[1] <= 500


def test_paper_running_off_three_sides_is_read_whole():
    """A region cut by three of the picture's sides is the picture's paper, not a sheet on it."""
    rng = np.random.default_rng(7)
    floor = np.clip(surfaces.wood(900, 700, rng), 0, 255).astype(np.uint8)
    floor[150:, :] = 240  # paper from the left edge to the right, down to the bottom
    assert find_sheet(cv2.cvtColor(floor, cv2.COLOR_BGR2GRAY)) is None


@pytest.mark.parametrize("light_at", [(0, 0), (0, 300), (800, 600)])
def test_a_lit_part_of_paper_filling_the_frame_is_no_sheet(light_at):
    """Paper to the picture's rim, lit at a corner or a side: the bright part is convex and cut by
    the border like a sheet running off the frame, but fades into the dimmer paper around it
    instead of ending at a surface (taken for a sheet, it cost a real photo of a scan digits)."""
    rows, columns = np.mgrid[0:600, 0:800]
    distance = np.hypot(columns - light_at[0], rows - light_at[1]) / 500
    paper = np.clip(250 - 100 * np.clip(distance, 0, 1) ** 2, 0, 255).astype(np.uint8)
    assert find_sheet(paper) is None


def test_a_sheet_on_tiles_nearly_as_light_as_its_paper_is_found():
    """Tiles a median 210 under paper of 240, their grout dark: the floor's median is under 15%
    below the sheet's, which alone is no sheet, but every side of it steps down to the floor
    (`runtime.reading.sheet_edges`); it was read whole before."""
    rng = np.random.default_rng(3)
    floor = cv2.cvtColor(surfaces.tiles(960, 1280, rng), cv2.COLOR_BGR2GRAY)
    floor *= 210 / np.median(floor)
    picture = np.clip(floor, 0, 255).astype(np.uint8)
    picture[240:720, 320:960] = cv2.cvtColor(_written_sheet(rng), cv2.COLOR_BGR2GRAY)
    sheet = find_sheet(picture)
    assert sheet is not None
    assert 320 <= sheet.left <= 340 and 240 <= sheet.top <= 260
    assert 0.95 * SHEET[0] <= sheet.mask.shape[0] <= SHEET[0]
    assert 0.95 * SHEET[1] <= sheet.mask.shape[1] <= SHEET[1]


def test_a_sheet_on_pale_pink_tiles_is_found_and_read(default_classifier):
    """Development page 3 of seed 303 (`sheet_on_surface --digits validation --seed 303`, 75
    digits) on pale pink tiles, their grey 5% under the paper's: not found, the picture was read
    whole (70 right); the sheet found, 73 are, with no more phantoms."""
    from benchmarks.sheet_on_surface import make_sheet_photo

    bank = validation_bank()
    _, picture, truth, surface, _, _ = make_sheet_photo(bank, 303, 3, "mixed", (0.5, 0.7), WorksheetOptions())
    true = truth.digits
    assert surface == "tiles" and len(true) == 75
    gray = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    sheet = find_sheet(gray)
    assert sheet is not None
    assert sheet.mask.size < 0.6 * gray.size  # the sheet (half the picture), not the floor
    for x, y, w, h in (digit.bbox for digit in true):  # every digit on it
        assert sheet.left <= x and x + w <= sheet.left + sheet.mask.shape[1]
        assert sheet.top <= y and y + h <= sheet.top + sheet.mask.shape[0]
    read = PageReader(default_classifier).read(picture).digits
    right = _read_right(true, read)
    assert right >= 73
    assert len(read) - right <= 3


def test_a_bare_floor_has_no_sheet():
    floor = np.clip(surfaces.tiles(900, 700, np.random.default_rng(8)), 0, 255).astype(np.uint8)
    assert find_sheet(cv2.cvtColor(floor, cv2.COLOR_BGR2GRAY)) is None


def test_the_generator_moves_the_truth_with_the_sheet(tmp_path):
    """Each truth box holds in the photo what it held on the worksheet: the same pixels."""
    options = WorksheetOptions(size=(400, 560))
    truth = write_sheets(tmp_path, 2, 3, "mixed", (0.5,), options, font_digit_bank())
    written = json.loads((tmp_path / "truth.json").read_text())
    assert written == json.loads(json.dumps(truth))
    for entry in truth["files"]:
        picture = cv2.imread(str(tmp_path / entry["path"]))
        assert picture.shape[0] * picture.shape[1] == pytest.approx(400 * 560 / 0.5, rel=0.01)
        boxes = [digit["bbox"] for line in entry["lines"] for digit in line["digits"]]
        assert boxes
        for x, y, w, h in boxes:  # ink on paper: darker than the paper around the sheet's digits
            assert picture[y:y + h, x:x + w].min() < 150


@pytest.mark.parametrize("off_frame", [1, 2])
def test_the_generator_runs_the_sheet_off_the_frame(tmp_path, off_frame):
    """With --off-frame the sheet's paper reaches the sides named cut and no other; every digit
    kept lies wholly in the picture on its ink, and digits the border cuts are dropped."""
    options = WorksheetOptions(size=(400, 560))
    bank = font_digit_bank()
    whole = write_sheets(tmp_path / "whole", 4, 3, "desk", (0.7,), options, bank)
    cut = write_sheets(tmp_path / "cut", 4, 3, "desk", (0.7,), options, bank, off_frame)
    assert cut["generator"]["off_frame"] == off_frame
    dropped = 0
    for whole_entry, entry in zip(whole["files"], cut["files"], strict=True):
        sides = entry["off_frame"]
        assert len(sides) == off_frame
        picture = cv2.imread(str(tmp_path / "cut" / entry["path"]))
        bright = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY) > 200  # the sheet's paper; wood is darker
        height, width = bright.shape
        rims = {"left": bright[:, 0], "right": bright[:, -1], "top": bright[0], "bottom": bright[-1]}
        for side, rim in rims.items():
            assert (rim.mean() > 0.3) == (side in sides), side
        boxes = [digit["bbox"] for line in entry["lines"] for digit in line["digits"]]
        for x, y, w, h in boxes:
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
            assert picture[y:y + h, x:x + w].min() < 150
        dropped += sum(len(line["digits"]) for line in whole_entry["lines"]) - len(boxes)
    assert dropped > 0


def test_digits_on_a_sheet_on_tiles_are_read(default_classifier):
    """Development page 0 of seed 301 (620x877, 111 digits) on a tiled floor covering half the
    picture: the floor's speckle, 3,000 and more specks per megapixel, made the whole picture
    texture and nothing was read. Read inside the sheet: its digits, as on the sheet alone."""
    picture, true, _ = _development_sheet_on_tiles(off_frame=0)
    read = PageReader(default_classifier).read(picture).digits
    right = _read_right(true, read)
    assert len(true) == 111
    assert right >= 105
    assert len(read) - right <= 3
    # The finder off reads the picture whole: it read nothing until the floor's blocks were
    # judged texture apart from the sheet's (`runtime.reading.texture_areas`); now the sheet is
    # read there too (105 right, 6 misread), the finder still reading more.
    whole = PageReader(default_classifier, ReaderOptions(find_sheet=False)).read(picture).digits
    whole_right = _read_right(true, whole)
    assert 100 <= whole_right <= right
    assert len(whole) - whole_right <= 8


@pytest.mark.parametrize("off_frame", [1, 2])
def test_digits_on_a_sheet_running_off_the_frame_are_read(default_classifier, off_frame):
    """Development page 0 of seed 301 on a tiled floor, run off one side of the picture or two:
    read whole with the floor's speckle it gave nothing; the sheet found to the border, its digits
    are read as on the sheet alone, and the strokes the border cuts give no phantoms."""
    picture, true, sides = _development_sheet_on_tiles(off_frame)
    read = PageReader(default_classifier).read(picture).digits
    right = _read_right(true, read)
    assert len(sides) == off_frame
    assert right >= 0.95 * len(true)
    assert len(read) - right <= 3


def test_boxes_are_given_in_the_photo_s_pixels(default_classifier):
    """A digit read inside the sheet is boxed where it lies in the whole photo."""
    rng = np.random.default_rng(9)
    sheet = np.full((*SHEET, 3), 242, np.uint8)
    cv2.putText(sheet, "7", (300, 280), cv2.FONT_HERSHEY_SIMPLEX, 3.0, (30, 30, 30), 9)
    mark = cv2.cvtColor(sheet, cv2.COLOR_BGR2GRAY) < 128
    ys, xs = np.nonzero(mark)
    true_box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    truth = PageResult(lines=[Line([Number([Digit("7", 1.0, true_box)])])])
    picture, moved, _ = lay_on_surface(sheet, truth, "desk", 0.5, rng)
    read = PageReader(default_classifier).read(picture).digits
    assert [digit.digit for digit in read] == ["7"]
    assert np.abs(np.array(read[0].bbox) - np.array(moved.digits[0].bbox)).max() <= 3


def _development_sheet_on_tiles(off_frame: int):
    """Development page 0 of seed 301 (620x877, 111 MNIST test digits) on a tiled floor covering
    half the picture, run off `off_frame` of its sides: the picture, its digits, the sides cut."""
    from benchmarks.worksheets import load_test_digits, make_worksheet
    from train.data import DatasetError

    try:
        bank = load_test_digits()
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")
    rng = np.random.default_rng([301, 0])
    sheet = make_worksheet(bank, rng, WorksheetOptions(size=(620, 877)))
    picture, truth, sides = lay_on_surface(sheet.image, sheet.truth, "tiles", 0.5, rng, off_frame)
    return picture, truth.digits, sides


def _read_right(true, read) -> int:
    """How many of the true digits were read, where they lie, as themselves."""
    from benchmarks.metrics import match_boxes

    pairs = match_boxes([d.bbox for d in true], [d.bbox for d in read])
    return sum(true[t].digit == read[r].digit for t, r in pairs)
