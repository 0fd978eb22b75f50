"""Page loading: every supported layout comes out as BGR uint8; every bad input as one PageError."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_scan_fakes import png_bytes, write_empty_pdf, write_image, write_pdf

from runtime.scan.pages import PageError, is_pdf, iter_pages, open_pages, pdf_page_count, to_bgr_uint8

QUICK = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def sample_page() -> np.ndarray:
    page = np.full((60, 90, 3), 255, np.uint8)
    cv2.putText(page, "42", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
    page[0:5, 0:5] = (255, 0, 0)  # a blue corner: proves channel order survives
    return page


def only_page(path, **options) -> np.ndarray:
    pages = list(iter_pages(path, **options))
    assert [index for index, _ in pages] == [0]
    return pages[0][1]


def assert_bgr_uint8(image: np.ndarray, height: int, width: int, tolerance_px: int = 0) -> None:
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3
    assert abs(image.shape[0] - height) <= tolerance_px
    assert abs(image.shape[1] - width) <= tolerance_px
    assert image.flags.c_contiguous


PDF_ROUNDING_PX = 1
"""pdfium rounds a rendered page's size up: a 90 px page can come back 91 px wide."""


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".bmp", ".webp"])
def test_each_format_loads_as_bgr_with_channel_order_kept(tmp_path, suffix):
    path = write_image(tmp_path / f"page{suffix}", sample_page())
    image = only_page(path)
    assert_bgr_uint8(image, 60, 90)
    blue, green, red = (int(v) for v in image[2, 2])
    assert blue > 200 and green < 60 and red < 60
    assert image[30:40, 10:80].min() < 80  # the ink is still there


def test_greyscale_becomes_three_equal_channels(tmp_path):
    grey = cv2.cvtColor(sample_page(), cv2.COLOR_BGR2GRAY)
    image = only_page(write_image(tmp_path / "grey.png", grey))
    assert_bgr_uint8(image, 60, 90)
    assert np.array_equal(image[:, :, 0], grey) and np.array_equal(image[:, :, 2], grey)


def test_16_bit_png_is_scaled_not_clipped(tmp_path):
    sixteen = np.array([[0, 256, 32768, 65535]], np.uint16)
    image = only_page(write_image(tmp_path / "deep.png", sixteen))
    assert image[0, :, 0].tolist() == [0, 1, 128, 255]


def test_float_tiff_in_unit_range_is_scaled(tmp_path):
    floats = np.array([[0.0, 0.5, 1.0]], np.float32)
    image = only_page(write_image(tmp_path / "float.tif", floats))
    assert image[0, :, 0].tolist() == [0, 127, 255]


def test_transparent_background_becomes_white_paper(tmp_path):
    bgra = np.zeros((10, 10, 4), np.uint8)  # black, fully transparent ...
    bgra[4:6, 4:6] = (0, 0, 0, 255)  # ... except an opaque black mark
    image = only_page(write_image(tmp_path / "alpha.png", bgra))
    assert image[0, 0].tolist() == [255, 255, 255]
    assert image[5, 5].tolist() == [0, 0, 0]


def test_palette_png_expands_to_its_colours(tmp_path):
    palette = bytes([255, 255, 255, 0, 0, 0, 255, 0, 0])  # white, black, red (RGB)
    rows = b"".join(b"\x00" + bytes([0, 1, 2, 0]) for _ in range(3))  # filter byte + indices
    path = tmp_path / "palette.png"
    path.write_bytes(png_bytes(4, 3, 3, rows, palette=palette))
    image = only_page(path)
    assert image[0].tolist() == [[255, 255, 255], [0, 0, 0], [0, 0, 255], [255, 255, 255]]


def test_grey_alpha_png_is_composited_on_white(tmp_path):
    rows = b"\x00" + bytes([0, 0, 0, 255, 128, 128])  # (grey, alpha): clear, opaque black, half grey
    path = tmp_path / "grey-alpha.png"
    path.write_bytes(png_bytes(3, 1, 4, rows))
    image = only_page(path)
    assert image[0, :, 0].tolist()[:2] == [255, 0]
    assert 180 <= image[0, 2, 0] <= 200  # 128 at half opacity over white


def grey_of_every_layout(tmp_path) -> dict:
    """One file per layout the loader meets: colour, grey, 16-bit, alpha, palette-free PDF."""
    bgra = np.zeros((10, 10, 4), np.uint8)
    bgra[4:6, 4:6] = (0, 0, 0, 255)
    return {
        "colour.png": write_image(tmp_path / "colour.png", sample_page()),
        "grey.png": write_image(tmp_path / "grey.png", cv2.cvtColor(sample_page(), cv2.COLOR_BGR2GRAY)),
        "deep.png": write_image(tmp_path / "deep.png", np.array([[0, 256, 32768, 65535]], np.uint16)),
        "alpha.png": write_image(tmp_path / "alpha.png", bgra),
        "float.tif": write_image(tmp_path / "float.tif", np.array([[0.0, 0.5, 1.0]], np.float32)),
        "page.pdf": write_pdf(tmp_path / "page.pdf", [sample_page()]),
    }


def test_grey_load_is_the_grey_of_the_colour_load(tmp_path):
    # The scanner loads pages grey unless it draws them: what the reader sees must not change.
    for name, path in grey_of_every_layout(tmp_path).items():
        with open_pages(path) as source:
            colour, grey = source.load(0), source.load(0, grey=True)
        assert grey.dtype == np.uint8 and grey.ndim == 2 and grey.flags.c_contiguous, name
        assert np.array_equal(grey, cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)), name


def test_a_page_loaded_for_reading_keeps_the_colour_the_file_has(tmp_path):
    # Grey files stay grey (no colour copy); colour files keep their colour, which the reader
    # needs for a highlighter's dye, and is what `load` gives.
    layouts = {**grey_of_every_layout(tmp_path),
               "colour.jpg": write_image(tmp_path / "colour.jpg", sample_page()),
               "grey.jpg": write_image(tmp_path / "grey.jpg",
                                       cv2.cvtColor(sample_page(), cv2.COLOR_BGR2GRAY))}
    for name, path in layouts.items():
        with open_pages(path) as source:
            colour, for_reading = source.load(0), source.load_for_reading(0)
        if name in ("colour.png", "colour.jpg", "alpha.png", "page.pdf"):  # stored in colour
            assert np.array_equal(for_reading, colour), name
        else:
            assert for_reading.ndim == 2, name
            assert np.array_equal(for_reading, cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)), name


def test_grey_jpeg_is_decoded_straight_to_grey_within_rounding(tmp_path):
    # The JPEG's own luma, not a re-mix of decoded RGB: the same up to rounding on pen and paper;
    # saturated colour (the blue corner) may differ by a few levels where RGB was clipped.
    path = write_image(tmp_path / "page.jpg", sample_page())
    with open_pages(path) as source:
        colour, grey = source.load(0), source.load(0, grey=True)
    difference = np.abs(grey.astype(int) - cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY).astype(int))
    assert difference.shape == (60, 90)
    assert difference[8:, 8:].max() <= 2
    assert difference.mean() < 0.5


def test_multi_page_tiff_gives_every_page(tmp_path):
    pages = [sample_page(), sample_page()[:40], cv2.cvtColor(sample_page(), cv2.COLOR_BGR2GRAY)]
    ok, encoded = cv2.imencodemulti(".tif", pages)
    path = tmp_path / "stack.tiff"
    path.write_bytes(encoded.tobytes())
    loaded = list(iter_pages(path))
    assert [index for index, _ in loaded] == [0, 1, 2]
    assert [image.shape for _, image in loaded] == [(60, 90, 3), (40, 90, 3), (60, 90, 3)]


def test_paths_with_spaces_and_unicode(tmp_path):
    folder = tmp_path / "scans élève 数字"
    image_path = write_image(folder / "feuille 1 ✓.png", sample_page())
    pdf_path = write_pdf(folder / "cahier ü.pdf", [sample_page()])
    assert_bgr_uint8(only_page(image_path), 60, 90)
    assert_bgr_uint8(only_page(pdf_path), 60, 90, PDF_ROUNDING_PX)


def test_pdf_pages_render_at_200_dpi(tmp_path):
    pages = [sample_page(), np.full((100, 50, 3), 255, np.uint8), sample_page()]
    path = write_pdf(tmp_path / "three.pdf", pages, dpi=200)
    assert is_pdf(path) and pdf_page_count(path) == 3
    loaded = list(iter_pages(path))
    assert [index for index, _ in loaded] == [0, 1, 2]
    for (_, image), original in zip(loaded, pages, strict=True):
        assert_bgr_uint8(image, *original.shape[:2], PDF_ROUNDING_PX)
    assert loaded[0][1][30:40, 10:80].min() < 100  # the ink survived rendering


def test_pdf_page_over_the_pixel_budget_renders_smaller(tmp_path):
    path = write_pdf(tmp_path / "big.pdf", [sample_page()], dpi=200)
    image = only_page(path, max_pixels=1500)
    assert image.shape[0] * image.shape[1] <= 1500
    assert image.shape[1] > image.shape[0]  # aspect ratio kept


def test_pdf_recognised_by_content_without_suffix(tmp_path):
    path = write_pdf(tmp_path / "scan.pdf", [sample_page()])
    renamed = path.rename(tmp_path / "scan-download")
    assert is_pdf(renamed)
    assert_bgr_uint8(only_page(renamed), 60, 90, PDF_ROUNDING_PX)


def test_content_decides_over_a_misleading_suffix(tmp_path):
    png_named_pdf = write_image(tmp_path / "scan.png", sample_page()).rename(tmp_path / "scan.pdf")
    assert not is_pdf(png_named_pdf)
    assert_bgr_uint8(only_page(png_named_pdf), 60, 90)


def huge_png_header() -> bytes:
    """A tiny PNG that declares 20000 x 20000 pixels: 1.2 GB if decoded."""
    return png_bytes(20000, 20000, 0, b"\x00" * 100)


def huge_bmp_header() -> bytes:
    ok, encoded = cv2.imencode(".bmp", np.zeros((4, 4, 3), np.uint8))
    data = bytearray(encoded.tobytes())
    data[18:26] = (20000).to_bytes(4, "little") + (20000).to_bytes(4, "little")
    return bytes(data)


def huge_jpeg_header() -> bytes:
    ok, encoded = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    data = bytearray(encoded.tobytes())
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = (20000).to_bytes(2, "big") + (20000).to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize("make_bytes", [huge_png_header, huge_bmp_header, huge_jpeg_header])
def test_decompression_bomb_rejected_from_its_header(tmp_path, make_bytes):
    path = tmp_path / "bomb.img"
    path.write_bytes(make_bytes())
    with pytest.raises(PageError, match=r"20000x20000 = 400 MP, over the 100 MP limit"):
        only_page(path)


def test_image_just_over_a_small_budget_is_rejected(tmp_path):
    path = write_image(tmp_path / "page.png", sample_page())
    with pytest.raises(PageError, match="over the"):
        only_page(path, max_pixels=60 * 90 - 1)
    assert_bgr_uint8(only_page(path, max_pixels=60 * 90), 60, 90)


def write_truncated(suffix):
    def make(tmp_path):
        ok, encoded = cv2.imencode(suffix, sample_page())
        path = tmp_path / f"cut{suffix}"
        path.write_bytes(encoded.tobytes()[: len(encoded) // 2])
        return path
    return make


def write_bytes(name, data):
    def make(tmp_path):
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return make


BAD_INPUTS = {
    "missing": (lambda tmp_path: tmp_path / "absent.png", "no such file"),
    "empty file": (write_bytes("empty.png", b""), "empty file"),
    "folder": (lambda tmp_path: tmp_path, "folder"),
    "text file": (write_bytes("notes.png", b"hello, not an image\n"), "not a PNG, JPEG"),
    "truncated PNG": (write_truncated(".png"), "corrupt or truncated PNG"),
    "truncated JPEG": (write_truncated(".jpg"), "corrupt or truncated JPEG"),
    "truncated TIFF": (write_truncated(".tif"), "corrupt or truncated TIFF"),
    "PNG signature only": (write_bytes("sig.png", b"\x89PNG\r\n\x1a\n"), "corrupt or truncated PNG"),
    "empty PDF": (lambda tmp_path: write_empty_pdf(tmp_path / "empty.pdf"), "no pages"),
    "garbage PDF": (write_bytes("junk.pdf", b"%PDF-1.4\ngarbage"), "PDF"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_clear_page_error(tmp_path, case):
    make_path, expected = BAD_INPUTS[case]
    with pytest.raises(PageError) as caught:
        list(iter_pages(make_path(tmp_path)))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and len(message) < 200


def test_empty_pdf_is_named_as_such_even_after_another_pdf_failed(tmp_path):
    # PDFium leaves its error code unset for an empty page tree, so a stale code could show.
    garbage = tmp_path / "junk.pdf"
    garbage.write_bytes(b"%PDF-1.4\ngarbage")
    with pytest.raises(PageError, match="not a valid PDF"):
        open_pages(garbage)
    with pytest.raises(PageError, match="no pages"):
        open_pages(write_empty_pdf(tmp_path / "empty.pdf"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert not is_pdf(tmp_path / "pipe.png")
    with pytest.raises(PageError, match="not a regular file"):
        open_pages(fifo)


def test_unreadable_file_is_a_page_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = write_image(tmp_path / "locked.png", sample_page())
    path.chmod(0)
    with pytest.raises(PageError, match="permission denied"):
        list(iter_pages(path))


def test_one_bad_pdf_page_index_does_not_close_the_source(tmp_path):
    path = write_pdf(tmp_path / "two.pdf", [sample_page(), sample_page()])
    with open_pages(path) as source:
        with pytest.raises(PageError, match="no page 3"):
            source.load(2)
        assert_bgr_uint8(source.load(1), 60, 90, PDF_ROUNDING_PX)


# -- property-based: whatever comes in, an image or a PageError comes out ------------------------

ODD_DTYPES = st.sampled_from([np.uint8, np.uint16, np.int8, np.int16, np.int32, np.uint32,
                              np.int64, np.float16, np.float32, np.float64, np.bool_,
                              np.complex64])


@QUICK
@given(hnp.arrays(ODD_DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)))
def test_any_array_converts_or_raises_page_error(array):
    try:
        image = to_bgr_uint8(array)
    except PageError as error:
        assert "\n" not in str(error)
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[:2] == array.shape[:2]


@QUICK
@given(st.binary(min_size=0, max_size=2048), st.sampled_from([".png", ".jpg", ".tif", ".pdf", ".bmp"]))
def test_random_bytes_give_pages_or_a_page_error(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        for _, image in iter_pages(path):
            assert image.dtype == np.uint8 and image.ndim == 3
    except PageError as error:
        assert "\n" not in str(error)


@QUICK
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 255)), min_size=1, max_size=8),
       st.sampled_from([".png", ".jpg", ".tif", ".bmp", ".webp"]))
def test_damaged_real_images_give_pages_or_a_page_error(tmp_path, damage, suffix):
    ok, encoded = cv2.imencode(suffix, sample_page())
    data = bytearray(encoded.tobytes())
    for position, value in damage:
        data[position % len(data)] = value
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    try:
        for _, image in iter_pages(path):
            assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    except PageError as error:
        assert "\n" not in str(error)
