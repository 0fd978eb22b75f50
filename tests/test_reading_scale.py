"""Big pages read on a smaller working copy: the same digits in the same places as at full size,
and no phantom digits where a texture (a desk's grain) would look like big writing when shrunk."""

import cv2
import numpy as np
import pytest
from synthetic_pages import add_shadow, ink_page

from runtime.images import to_gray
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.reading.scale import MIN_SIDE_TO_SCALE_PX, WORKING_DIGIT_PX, halve, scale_factor, working_ink

PAPER = 235


def _on_sheet(page: np.ndarray, side: int) -> np.ndarray:
    """`page` pasted at the top left of a blank sheet at least `side` px on both sides."""
    height, width = page.shape
    sheet = np.full((max(height, side), max(width, side)), PAPER, np.uint8)
    sheet[:height, :width] = page
    return sheet


@pytest.fixture(scope="module")
def big_digits(mnist_test_digits):
    """Two lines of 100 px MNIST test digits on a 1.1-megapixel sheet, their text and boxes."""
    images, labels = mnist_test_digits
    lines = [list(images[:4]) + [None] + list(images[4:6]), list(images[7:12])]
    text = ["".join(map(str, labels[:4])) + " " + "".join(map(str, labels[4:6])),
            "".join(map(str, labels[7:12]))]
    page, boxes = ink_page(lines, digit_height=100, gap=16)
    return _on_sheet(add_shadow(page, 0.3), 1100), text, [box for line in boxes for box in line]


@pytest.fixture(scope="module")
def reader(default_classifier):
    return PageReader(default_classifier, ReaderOptions(scale_to_digits=True))


@pytest.fixture(scope="module")
def full_size_reader(default_classifier):
    return PageReader(default_classifier, ReaderOptions(scale_to_digits=False))


@pytest.fixture(scope="module")
def desk_pages():
    """Blank A4 sheets (150 dpi) on a wooden desk, as `benchmarks.hard_pages --seed 1` writes its
    pages 20 and 34 (JPEG included): shrunk, their grain and plank seams measured as 150-240 px
    "digits", and read there, pieces of seams came out as confident 1s (page 34: 2 of them, at
    either working height, 32 or 48 px; page 20: 1 at 32 px)."""
    from benchmarks.hard_pages import make_hard_page

    pages = []
    for index in (20, 34):
        page = make_hard_page("desk", np.random.default_rng([1, index]), (1240, 1754))
        encoded = cv2.imencode(".jpg", page.image, [cv2.IMWRITE_JPEG_QUALITY, page.jpeg_quality])[1]
        pages.append(to_gray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)))
    return pages


def _close(found, expected, tolerance_px: float) -> bool:
    return all(abs(a - b) <= tolerance_px for a, b in zip(found, expected))


@pytest.mark.parametrize("height, factor", [(20, 1), (95, 1), (96, 2), (191, 2), (192, 4), (384, 8), (900, 8)])
def test_the_working_copy_keeps_digits_at_least_the_working_height(height, factor):
    assert scale_factor(height) == factor
    assert factor == 1 or height / factor >= WORKING_DIGIT_PX


def test_a_page_of_big_digits_is_read_smaller_with_the_same_digits_and_boxes(
        reader, full_size_reader, big_digits):
    page, text, drawn = big_digits
    assert working_ink(page, "auto").factor == 2
    scaled, full = reader.read(page), full_size_reader.read(page)
    assert [line.text for line in scaled.lines] == [line.text for line in full.lines] == text
    # Boxes in the picture's own pixels: within a working pixel or two of the full-size ones.
    for a, b in zip(scaled.digits, full.digits):
        assert _close(a.bbox, b.bbox, tolerance_px=2 * 2)
    assert len(scaled.digits) == len(drawn)


def test_scaling_is_the_default(default_classifier):
    assert ReaderOptions().scale_to_digits
    assert PageReader(default_classifier).options.scale_to_digits


def test_a_desk_texture_is_read_at_full_size_with_no_phantom_digits(reader, full_size_reader, desk_pages):
    assert [reader.read(page).digits for page in desk_pages] == [[], []]
    assert [full_size_reader.read(page).digits for page in desk_pages] == [[], []]
    # The texture guard: no shrunk copy (without it, 2 and 4 times smaller).
    assert [working_ink(page, "auto").factor for page in desk_pages] == [1, 1]


def test_the_texture_guard_keeps_big_digits_scaled(big_digits):
    """Writing measures the same height at half and quarter size, so the guard lets it be shrunk;
    the desk's grain measures 9 times taller at a quarter than at half size."""
    from runtime.reading.ink import ink_map
    from runtime.reading.scale import is_texture
    from runtime.reading.segment import digit_height_px

    page, _, _ = big_digits
    half = halve(ink_map(page))
    assert not is_texture(4 * digit_height_px(halve(half)), digit_height_px(half))


def test_the_same_page_at_two_resolutions_gives_the_same_boxes(reader, big_digits):
    page, text, _ = big_digits
    double = cv2.resize(page, (page.shape[1] * 2, page.shape[0] * 2), interpolation=cv2.INTER_LINEAR)
    assert working_ink(double, "auto").factor == 4  # 200 px digits, read at 50 px
    once, twice = reader.read(page), reader.read(double)
    assert [line.text for line in twice.lines] == [line.text for line in once.lines] == text
    for a, b in zip(once.digits, twice.digits):
        assert _close([value * 2 for value in a.bbox], b.bbox, tolerance_px=2 * 4)


def test_a_turned_page_of_big_digits_is_turned_back_with_boxes_in_its_pixels(reader, big_digits):
    page, text, _ = big_digits
    turned = np.ascontiguousarray(np.rot90(page, 1))
    result = reader.read(turned)
    assert [line.text for line in result.lines] == text and result.rotation_deg == 90
    height, width = turned.shape
    for digit in result.digits:
        x, y, w, h = digit.bbox
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height


def test_small_writing_and_small_pictures_are_read_at_their_own_size(
        reader, full_size_reader, mnist_test_digits):
    images, _ = mnist_test_digits
    small_digits, _ = ink_page([list(images[:6]), list(images[6:12])], digit_height=30)
    for picture in (_on_sheet(small_digits, MIN_SIDE_TO_SCALE_PX + 100), small_digits):
        assert working_ink(picture, "auto").factor == 1
        scaled, full = reader.read(picture), full_size_reader.read(picture)
        assert [(d.digit, d.confidence, d.bbox) for d in scaled.digits] == \
            [(d.digit, d.confidence, d.bbox) for d in full.digits]


def test_a_tilted_page_of_big_digits_is_levelled_and_read(reader, big_digits):
    page, text, _ = big_digits
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 6.0, 1.0)
    tilted = cv2.warpAffine(page, matrix, (width, height), borderValue=PAPER)
    assert working_ink(tilted, "auto").factor == 2
    result = reader.read(tilted)
    assert [line.text for line in result.lines] == text
    for digit in result.digits:
        x, y, w, h = digit.bbox
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height


def test_crops_are_cut_from_the_picture_at_its_own_resolution(big_digits):
    from runtime.reading.segment import find_digits_in

    page, _, _ = big_digits
    working = working_ink(page, "auto")
    fine = find_digits_in(working.darkness, fine=working.fine)
    coarse = find_digits_in(working.darkness)
    assert len(fine) == len(coarse) > 0
    for sharp, small in zip(fine, coarse):
        assert sharp.bbox == tuple(working.factor * value for value in small.bbox)
        assert sharp.ink.shape == (sharp.bbox[3], sharp.bbox[2])


@pytest.mark.parametrize("digit_height, factor", [(100, 2), (200, 4)])
def test_the_working_copy_is_segmented_from_the_look_that_chose_its_scale(mnist_test_digits, digit_height,
                                                                          factor):
    """Choosing the scale labels the ink at half and a quarter size; the copy read is one of
    those, segmented from that labelling: the same copy, and the same digits, as shrinking
    the page's ink map and segmenting it afresh."""
    from runtime.reading.ink import ink_map
    from runtime.reading.scale import shrink_by
    from runtime.reading.segment import find_digits_in

    images, _ = mnist_test_digits
    page, _ = ink_page([list(images[:6])], digit_height=digit_height, gap=16)
    page = _on_sheet(page, 1100)
    working = working_ink(page, "auto")
    assert working.factor == factor and working.look.source is working.darkness
    fine, darkness = shrink_by(ink_map(page), factor)
    assert np.array_equal(working.darkness, darkness) and np.array_equal(working.fine, fine)
    reused = find_digits_in(working.darkness, fine=working.fine, look=working.look)
    afresh = find_digits_in(darkness, fine=fine)
    assert len(reused) == len(afresh) == 6
    for one, other in zip(reused, afresh):
        assert one.bbox == other.bbox and np.array_equal(one.ink, other.ink)


def test_the_scan_command_reads_big_digits_the_same_at_full_size(big_digits, tmp_path, monkeypatch):
    import json

    from runtime.scan.cli import main

    page, text, _ = big_digits
    cv2.imwrite(str(tmp_path / "big digits.png"), page)
    monkeypatch.chdir(tmp_path)
    readings = []
    for run, flags in enumerate(([], ["--full-size"], ["--scale-to-digits"])):  # the old flag still works
        out = tmp_path / f"out{run}.json"
        assert main(["big digits.png", "--json", str(out), "--quiet", *flags]) == 0
        lines = json.loads(out.read_text())["files"][0]["lines"]
        readings.append([line["text"] for line in lines])
    assert readings[0] == readings[1] == readings[2] == text
