"""Synthetic worksheets: reproducible, truthful boxes, sane layout, geometry-true degradation."""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest
from worksheet_fixtures import font_digit_bank

from benchmarks import worksheets
from benchmarks.degrade import PROFILES, degrade_page, keep_inside, random_homography, transform_points
from benchmarks.handwriting import write_glyph
from benchmarks.layout import STYLES, LayoutOptions, digit_height_range
from benchmarks.worksheets import WorksheetOptions, make_worksheet, write_worksheets

SMALL = (360, 270)


@pytest.fixture(scope="module")
def bank():
    return font_digit_bank()


def _pages(bank, degrade: str, count: int, seed: int = 0, size=SMALL, **layout):
    options = WorksheetOptions(size=size, degrade=degrade, layout=LayoutOptions(**layout))
    return [make_worksheet(bank, np.random.default_rng([seed, index]), options) for index in range(count)]


def test_same_seed_gives_byte_identical_truth_and_pages(bank, tmp_path):
    options = WorksheetOptions(size=SMALL, degrade="mixed")
    write_worksheets(tmp_path / "a", 4, 7, options, bank, progress=False)
    write_worksheets(tmp_path / "b", 4, 7, options, bank, progress=False)
    truth_a = (tmp_path / "a" / "truth.json").read_bytes()
    assert truth_a == (tmp_path / "b" / "truth.json").read_bytes()
    for entry in json.loads(truth_a)["files"]:
        assert (tmp_path / "a" / entry["path"]).read_bytes() == (tmp_path / "b" / entry["path"]).read_bytes()


def test_different_seed_gives_different_pages(bank, tmp_path):
    options = WorksheetOptions(size=SMALL, degrade="light")
    first = write_worksheets(tmp_path / "a", 2, 1, options, bank, progress=False)
    second = write_worksheets(tmp_path / "b", 2, 2, options, bank, progress=False)
    assert first["files"] != second["files"]


def test_page_depends_only_on_seed_and_index(bank, tmp_path):
    options = WorksheetOptions(size=SMALL, degrade="mixed")
    short = write_worksheets(tmp_path / "short", 2, 5, options, bank, progress=False)
    long = write_worksheets(tmp_path / "long", 3, 5, options, bank, progress=False)
    assert long["files"][:2] == short["files"]


def test_rewriting_a_folder_removes_the_pages_of_the_previous_set(bank, tmp_path):
    write_worksheets(tmp_path, 3, 0, WorksheetOptions(size=SMALL), bank, progress=False)
    write_worksheets(tmp_path, 1, 0, WorksheetOptions(size=SMALL), bank, progress=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page_0000.png", "truth.json"]


def test_truth_names_the_digits_the_pages_were_made_from(bank, tmp_path):
    # Pages made from the validation split to tune on must not claim to be test pages.
    truth = write_worksheets(tmp_path, 1, 0, WorksheetOptions(size=SMALL), bank, progress=False)
    assert truth["generator"]["source"] == "printed Hershey digits"
    assert json.loads((tmp_path / "truth.json").read_text())["generator"]["source"] == bank.source


@pytest.mark.parametrize("degrade", ["none", "light", "photo", "heavy"])
def test_truth_boxes_lie_inside_the_page_and_hold_ink(bank, degrade):
    for sheet in _pages(bank, degrade, count=3):
        grey = cv2.cvtColor(sheet.image, cv2.COLOR_BGR2GRAY)
        height, width = grey.shape
        paper = float(np.median(grey))
        assert sheet.truth.digits, "every page has digits"
        for digit in sheet.truth.digits:
            x, y, w, h = digit.bbox
            assert 0 <= x and 0 <= y and x + w <= width and y + h <= height
            assert w >= 2 and h >= 8
            crop = grey[y : y + h, x : x + w]
            assert crop.min() < paper - 50, f"no ink in the box of {digit.digit} on a {degrade} page"
            # A box holds one digit, not a blank strip beside it: ink reaches its ends.
            dark = crop < paper - 0.25 * (paper - float(crop.min()))
            assert dark[:, : max(1, w // 3)].any() and dark[:, -max(1, w // 3) :].any()


def test_truth_has_the_scanner_json_shape_and_consistent_text(bank):
    for sheet in _pages(bank, "none", count=4):
        page = sheet.truth.to_dict()
        for line in page["lines"]:
            assert line["text"] == " ".join(number["text"] for number in line["numbers"])
            assert "".join(number["text"] for number in line["numbers"]) == "".join(
                digit["digit"] for digit in line["digits"])
            for number in line["numbers"]:
                assert 1 <= len(number["text"]) <= 6 and number["confidence"] == 1.0
            for digit in line["digits"]:
                assert digit["digit"] in "0123456789" and len(digit["bbox"]) == 4


@pytest.mark.parametrize("style", STYLES)
def test_numbers_are_spaced_wider_than_their_digits(bank, style):
    """Digits of a number are apart but close; numbers on a line are clearly further apart."""
    for sheet in _pages(bank, "none", count=3, size=(640, 480), styles=(style,), close_gap_rate=0.0):
        assert sheet.style == style
        for line in sheet.truth.lines:
            inner = [b.bbox[0] - (a.bbox[0] + a.bbox[2]) for number in line.numbers
                     for a, b in zip(number.digits, number.digits[1:], strict=False)]
            between = [second.bbox[0] - (first.bbox[0] + first.bbox[2])
                       for first, second in zip(line.numbers, line.numbers[1:], strict=False)]
            assert all(gap >= 0 for gap in inner), f"digits overlap on a {style} page"
            if inner and between:
                assert max(inner) < min(between)


def test_touch_rate_makes_digits_of_a_number_touch_and_zero_changes_nothing(bank):
    plain = _pages(bank, "none", count=3, size=(640, 480), close_gap_rate=0.0)
    unchanged = _pages(bank, "none", count=3, size=(640, 480), close_gap_rate=0.0, touch_rate=0.0)
    assert [s.truth.to_dict() for s in plain] == [s.truth.to_dict() for s in unchanged]
    touching = _pages(bank, "none", count=3, size=(640, 480), close_gap_rate=0.0, touch_rate=1.0,
                      styles=("blank", "ruled"))  # free-hand lines: a form's boxes set their own spacing
    inner = [b.bbox[0] - (a.bbox[0] + a.bbox[2]) for sheet in touching for line in sheet.truth.lines
             for number in line.numbers for a, b in zip(number.digits, number.digits[1:], strict=False)]
    # Every pair of neighbours touches or overlaps: their truth boxes, drawn where the ink is
    # dense, lie at most 2 px apart (the faint edge of the pen line lies outside them).
    assert inner and max(inner) <= 2 and min(inner) < 0
    with pytest.raises(ValueError, match="touch rate"):
        LayoutOptions(touch_rate=1.5).validate()


def test_pages_without_printed_marks_are_the_same_pages_on_bare_paper(bank):
    """`printed_marks=False` (`--no-printed-marks`) leaves the rules out and nothing else: the
    twin of a ruled page, to measure what its rules cost the reader (docs/results/reading.md, issue 15)."""
    options = WorksheetOptions(size=(640, 480), layout=LayoutOptions(styles=("ruled",)))
    bare = dataclasses.replace(options, printed_marks=False)
    for index in range(2):
        ruled = make_worksheet(bank, np.random.default_rng([3, index]), options)
        unruled = make_worksheet(bank, np.random.default_rng([3, index]), bare)
        assert unruled.truth.to_dict() == ruled.truth.to_dict()
        grey_ruled = cv2.cvtColor(ruled.image, cv2.COLOR_BGR2GRAY).astype(np.int16)
        grey_bare = cv2.cvtColor(unruled.image, cv2.COLOR_BGR2GRAY).astype(np.int16)
        changed_rows = np.flatnonzero((grey_ruled < grey_bare - 20).mean(axis=1) > 0.5)
        # Only the rules differ: a few rows darkened across most of the page, each a rule 1-2 px thick.
        assert 3 <= len(changed_rows) <= 2 * 20
        assert (np.abs(grey_ruled - grey_bare) > 20).mean() < 0.05


def test_lines_run_top_to_bottom_without_overlapping(bank):
    for sheet in _pages(bank, "none", count=4, styles=("blank", "ruled")):
        bottoms = [max(d.bbox[1] + d.bbox[3] for d in line.digits) for line in sheet.truth.lines]
        tops = [min(d.bbox[1] for d in line.digits) for line in sheet.truth.lines]
        assert all(bottom < top for bottom, top in zip(bottoms, tops[1:], strict=False))


def test_handwriting_height_follows_the_request(bank):
    rng = np.random.default_rng(0)
    for wanted in (20.0, 60.0, 120.0):
        heights = [write_glyph(bank, digit, wanted, rng).height for digit in range(10)]
        assert wanted * 0.75 <= np.median(heights) <= wanted * 1.25


def test_digit_heights_scale_with_the_page():
    assert digit_height_range(1240, 1754, LayoutOptions()) == (20.0, 120.0)
    low, high = digit_height_range(400, 300, LayoutOptions())
    assert 14.0 <= low <= high <= 300 / 5


def test_warp_moves_ink_exactly_where_the_truth_transform_says():
    """A dot drawn on the clean page lands where transform_points maps its centre."""
    sharp = dataclasses.replace(PROFILES["heavy"], blur_sigma=(0.0, 0.0), resolution=(1.0, 1.0),
                                noise_sigma=(0.0, 0.0), max_gradient=0.0, shadow_probability=0.0,
                                max_vignette=0.0, colour_cast=0.0, background_grey=(255.0, 255.0))
    page = np.full((240, 320, 3), 255.0, np.float32)
    page[100:104, 200:204] = 0.0  # centre at (202, 102)
    for seed in range(5):
        captured = degrade_page(page, sharp, np.random.default_rng(seed))
        grey = captured.image.min(axis=2).astype(np.float32)
        weights = 255.0 - grey
        ys, xs = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]]
        found = np.array([(weights * xs).sum(), (weights * ys).sum()]) / weights.sum()
        expected = transform_points(np.array([[202.0, 102.0]]), captured.homography)[0]
        assert np.abs(found - expected).max() < 1.0


@pytest.mark.parametrize("name", list(PROFILES))
def test_degradation_keeps_size_type_and_dark_ink(name):
    page = np.full((200, 300, 3), 240.0, np.float32)
    page[80:120, 140:150] = 30.0
    captured = degrade_page(page, PROFILES[name], np.random.default_rng(3),
                            keep_visible=np.array([[140.0, 80.0], [150.0, 120.0]]))
    assert captured.image.shape == (200, 300, 3) and captured.image.dtype == np.uint8
    corners = transform_points(np.array([[142.0, 85.0], [148.0, 115.0]]), captured.homography)
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    inside = captured.image[y0:y1, x0:x1].mean()
    # An underexposed capture (dim) keeps the ink dark, but every contrast shrinks with the light.
    assert inside < np.median(captured.image) - 80 * PROFILES[name].exposure[0]
    assert (captured.jpeg_quality is None) == (PROFILES[name].jpeg_quality is None)


def test_keep_inside_shrinks_the_warp_until_the_points_fit():
    far = np.array([[0.0, 0.0], [400.0, 300.0]])
    homography = random_homography(400, 300, dataclasses.replace(PROFILES["heavy"], page_scale=(1.2, 1.2)),
                                   np.random.default_rng(0))
    fitted = transform_points(far, keep_inside(homography, far, 400, 300, margin_px=2.0))
    assert fitted.min() >= 2.0 - 1e-6
    assert fitted[:, 0].max() <= 398.0 + 1e-6 and fitted[:, 1].max() <= 298.0 + 1e-6


def test_options_reject_bad_values_with_a_named_fix():
    with pytest.raises(ValueError, match="too small"):
        WorksheetOptions(size=(50, 50)).validate()
    with pytest.raises(ValueError, match="unknown degradation 'blurry'"):
        WorksheetOptions(degrade="blurry").validate()
    with pytest.raises(ValueError, match="unknown page style"):
        WorksheetOptions(layout=LayoutOptions(styles=("lined",))).validate()


def test_cli_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    assert worksheets.main(["--out", str(tmp_path), "--size", "60x60"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: page size 60x60 is too small")
    with pytest.raises(SystemExit) as exit_info:
        worksheets.main(["--out", str(tmp_path), "--size", "big"])
    assert exit_info.value.code == 2


def test_cli_writes_a_reproducible_set_from_mnist_test_digits(mnist_test_digits, tmp_path, capsys):
    arguments = ["--count", "2", "--seed", "3", "--size", "400x300", "--degrade", "mixed", "--json"]
    assert worksheets.main(["--out", str(tmp_path / "a"), *arguments]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pages"] == 2 and summary["digits"] > 0
    assert worksheets.main(["--out", str(tmp_path / "b"), *arguments]) == 0
    truth = (tmp_path / "a" / "truth.json").read_bytes()
    assert truth == (tmp_path / "b" / "truth.json").read_bytes()
    for entry in json.loads(truth)["files"]:
        image = cv2.imread(str(tmp_path / "a" / entry["path"]))
        assert image.shape == (300, 400, 3)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_pages_keep_boxes_on_their_ink_and_record_the_way_back(bank, turn):
    sheet = _pages(bank, "none", count=1)[0]
    image, truth = worksheets.turn_page(sheet.image, sheet.truth, turn)
    assert truth.rotation_deg == (360 - turn) % 360
    assert image.shape[:2] == (sheet.image.shape[:2] if turn == 180 else sheet.image.shape[1::-1])
    upright = cv2.rotate(image, {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                                 270: cv2.ROTATE_90_CLOCKWISE}[turn])
    assert np.array_equal(upright, sheet.image)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    for before, after in zip(sheet.truth.digits, truth.digits, strict=True):
        assert before.digit == after.digit and sorted(before.bbox[2:]) == sorted(after.bbox[2:])
        x, y, w, h = after.bbox
        original = cv2.cvtColor(sheet.image, cv2.COLOR_BGR2GRAY)
        bx, by, bw, bh = before.bbox
        assert grey[y : y + h, x : x + w].sum() == original[by : by + bh, bx : bx + bw].sum()


def test_turned_rate_turns_about_that_share_of_pages(bank):
    options = WorksheetOptions(size=(200, 150), turned_rate=0.5)
    turns = [make_worksheet(bank, np.random.default_rng([1, index]), options).truth.rotation_deg
             for index in range(40)]
    assert 8 <= sum(turn != 0 for turn in turns) <= 32 and set(turns) <= {0, 90, 180, 270}
