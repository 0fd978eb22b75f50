"""Load what a user hands the scanner as page images: BGR uint8 arrays, one per page.

Raster files (PNG, JPEG, TIFF with every page, BMP, WebP) are decoded with OpenCV from bytes
read in Python, so paths with spaces or non-ASCII characters work everywhere. PDFs are rendered
page by page with pypdfium2 (imported only when a PDF turns up) at `PDF_DPI`.

Whatever the file holds (16-bit, greyscale, palette, alpha, float TIFF), a page comes out as a
3-channel BGR uint8 image; transparent areas become white paper, not black.

Anything that cannot be read raises `PageError` with a one-line reason meant for the user.
Policy for oversized inputs (decompression bombs):
- a raster page over `MAX_PAGE_PIXELS` is rejected from its header, before any pixel is decoded;
  a header the decoder could read differently (a TIFF naming its width or height twice) is
  rejected outright, and OpenCV's own decoder limit is set to the same budget as a backstop;
- a PDF page larger than `MAX_PDF_PAGE_SIDE_PT` is rejected; a smaller one is vector data, so
  it is rendered at a lower resolution when needed to fit `MAX_PDF_PAGE_PIXELS`.
`check_image_file(path)` applies the raster guards alone, for any caller about to decode a file.

Usage: `with open_pages(path) as source: image = source.load(0)`, or `for index, image in
iter_pages(path): ...`, or `check_image_file(path)` before `cv2.imread(path)`
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.images import IMAGE_SUFFIXES

if TYPE_CHECKING:
    import numpy as np

# numpy and OpenCV are imported where pages are decoded, not here: the scan's main process
# imports this module for its names and checks, and with worker processes it decodes nothing
# (0.15 s of CPU a run; the workers' fork server imports them with the reader).

MAX_PAGE_PIXELS = 100_000_000
"""Largest page accepted, in pixels (100 MP: an A4 scan at 1000 dpi is 97 MP, at 200 dpi 3.9 MP).
OpenCV's own decoder limit is set to this too, in `runtime/scan/__init__.py` (before cv2 loads)."""

MAX_PDF_PAGE_SIDE_PT = 72 * 100
"""Longest PDF page side accepted, in points (100 inches: twice an A0 sheet's long side). PDF
allows 200 inches; such a page holds no worksheet, and rendering it costs gigabytes."""

MAX_PDF_PAGE_PIXELS = 40_000_000
"""PDF pages are rendered at `pdf_dpi`, lowered when needed to stay within this many pixels
(A4 at 200 dpi is 3.9 MP, A0 at 200 dpi 62 MP)."""

MAX_IMAGE_FILE_BYTES = 512 * 1024 * 1024
"""Raster files are read whole into memory; refuse anything bigger than this."""

PDF_DPI = 200.0
"""Resolution PDF pages are rendered at: digits a few mm high come out 20-40 px tall."""

POINTS_PER_INCH = 72.0
"""PDF page sizes are in points."""

PDF_SUFFIXES = (".pdf",)
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES + PDF_SUFFIXES
"""File name endings a folder scan picks up (compared case-insensitively)."""

_SUPPORTED_KINDS = "PNG, JPEG, TIFF, BMP, WebP or PDF"
_TIFF_SIZE_TAGS = {256: "ImageWidth", 257: "ImageLength"}
_MAX_TIFF_PAGES = 10_000  # guards the IFD walk against loops in a corrupt file
_PDF_HEADER_SEARCH_BYTES = 1024  # PDF readers accept the %PDF- header anywhere in the first kB
_PDF_SNIFF_BYTES = 1 << 20  # how much of a PDF that failed to open is searched for its page count


class PageError(Exception):
    """A file or page that cannot be read. The message is one line saying why."""


def is_pdf(path: str | Path) -> bool:
    """True when `path` holds a PDF: judged by its first bytes, else by its suffix.

    Content wins, so a PNG saved as "scan.pdf" (or a PDF without suffix) is read for what it is.
    """
    if os.path.isfile(path):  # never open a FIFO or device: reading it could block forever
        try:
            with open(path, "rb") as stream:
                head = stream.read(_PDF_HEADER_SEARCH_BYTES)
        except OSError:
            head = b""
        if b"%PDF-" in head:  # the header may follow some junk, within the first 1 kB
            return True
        if _sniff_raster_kind(head) is not None:
            return False
    return Path(path).suffix.lower() in PDF_SUFFIXES


def open_pages(path: str | Path, *, max_pixels: int = MAX_PAGE_PIXELS,
               pdf_dpi: float = PDF_DPI, mute_codec_messages: bool = False) -> PageSource:
    """Open a raster image or PDF for reading page by page.

    `mute_codec_messages=True` is for commands, which report one line per bad file: what the
    codecs' libraries print to file descriptor 2 themselves ("libpng error: ...") is muted while
    a page decodes. A library caller keeps its process's stderr untouched (muting the
    descriptor would also swallow other threads' output in that window).

    Raises `PageError` when the file itself is unusable: missing, unreadable, empty, not a
    supported format, corrupt, or a PDF without pages. Problems with one page of a file that
    opened are raised by `PageSource.load` for that page only.
    """
    path = Path(path)
    _check_readable_file(path)
    if is_pdf(path):
        return _PdfSource(path, max_pixels=max_pixels, dpi=pdf_dpi)
    return _RasterSource(path, _read_image_bytes(path), max_pixels=max_pixels,
                         mute_codec_messages=mute_codec_messages)


def iter_pages(path: str | Path, **options) -> Iterator[tuple[int, np.ndarray]]:
    """Yield `(page_index, image)` for every page, `page_index` counting from 0.

    Stops with `PageError` at the first page that cannot be read; use `open_pages` to carry
    on past a bad page.
    """
    with open_pages(path, **options) as source:
        for index in range(source.page_count):
            yield index, source.load(index)


def pdf_page_count(path: str | Path) -> int:
    """Number of pages in a PDF without rendering any; raises `PageError` like `open_pages`."""
    with _PdfSource(Path(path), max_pixels=MAX_PAGE_PIXELS, dpi=PDF_DPI) as source:
        return source.page_count


def check_image_file(path: str | Path, *, max_pixels: int = MAX_PAGE_PIXELS) -> int:
    """The raster guards alone: raise `PageError` (one line) unless `path` is an image file whose
    every page, as the decoder will see it, fits `max_pixels`; return its page count.

    For callers that decode a file themselves (the camera's still-image source): reads the
    header only, so it costs a file read, never a decode.
    """
    path = Path(path)
    return _RasterSource(path, _read_image_bytes(path), max_pixels=max_pixels).check_all()


class PageSource:
    """An opened input: `page_count` pages, each loaded on demand with `load(index)`."""

    page_count: int = 0

    def load(self, index: int, grey: bool = False) -> np.ndarray:
        """Return page `index` (from 0) as a BGR uint8 image, or raise `PageError`.

        `grey=True` returns it as grey uint8: a JPEG is then decoded straight to grey (its luma
        plane: ~40% less decoding, and no colour page to convert), a grey PNG stays grey."""
        raise NotImplementedError

    def load_for_reading(self, index: int) -> np.ndarray:
        """Page `index` as the reader takes it: grey uint8 where the file stores grey (no colour
        copy made), BGR uint8 where it stores colour, which the reader needs to undo a
        highlighter's dye (`runtime.reading.highlighter`). It reads as `load(index)` does."""
        return self.load(index)

    def close(self) -> None:
        """Release the file; pages cannot be loaded afterwards."""

    def __enter__(self) -> PageSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _RasterSource(PageSource):
    """A PNG/JPEG/BMP/WebP (one page) or TIFF (one page per directory) held as file bytes."""

    def __init__(self, path: Path, data: bytes, *, max_pixels: int,
                 mute_codec_messages: bool = False):
        import numpy as np

        self._data = np.frombuffer(data, np.uint8)
        self._max_pixels = max_pixels
        self._mute_codec_messages = mute_codec_messages
        self._kind = _sniff_raster_kind(data)
        if self._kind is None:
            raise PageError(f"not a {_SUPPORTED_KINDS} file (unrecognised content)")
        self._page_sizes = _declared_page_sizes(self._kind, data)
        if not self._page_sizes:
            raise PageError(f"corrupt or truncated {self._kind} (no readable image header)")
        self.page_count = len(self._page_sizes)

    def check_all(self) -> int:
        for width, height in self._page_sizes:
            _check_pixel_budget(width, height, self._max_pixels)
        return self.page_count

    def load(self, index: int, grey: bool = False) -> np.ndarray:
        return self._load(index, "grey" if grey else "colour")

    def load_for_reading(self, index: int) -> np.ndarray:
        return self._load(index, "as stored")

    def _load(self, index: int, layout: str) -> np.ndarray:
        if not 0 <= index < self.page_count:
            raise PageError(f"no page {index + 1}; the file has {self.page_count}")
        width, height = self._page_sizes[index]
        _check_pixel_budget(width, height, self._max_pixels)
        decoded = self._decode(index, layout)
        if decoded is None or decoded.size == 0:
            raise PageError(f"corrupt or truncated {self._kind} (OpenCV could not decode it)")
        _check_pixel_budget(decoded.shape[1], decoded.shape[0], self._max_pixels)
        stored_grey = decoded.ndim == 2 or decoded.shape[2] <= 2  # grey, or grey and alpha
        if layout == "grey" or (layout == "as stored" and stored_grey):
            return to_grey_uint8(decoded)
        return to_bgr_uint8(decoded)

    def _decode(self, index: int, layout: str) -> np.ndarray | None:
        import cv2

        with _quiet_opencv(self._mute_codec_messages):
            try:
                if self._kind == "TIFF":
                    ok, pages = cv2.imdecodemulti(self._data, cv2.IMREAD_UNCHANGED,
                                                  range=(index, index + 1))
                    return pages[0] if ok and pages else None
                # A JPEG has no alpha and is almost always 8-bit; IMREAD_COLOR / _GRAYSCALE /
                # _ANYCOLOR apply its EXIF orientation (phone photos depend on it), which
                # IMREAD_UNCHANGED skips.
                jpeg_flags = {"grey": cv2.IMREAD_GRAYSCALE, "colour": cv2.IMREAD_COLOR,
                              "as stored": cv2.IMREAD_ANYCOLOR}[layout]
                flags = jpeg_flags if self._kind == "JPEG" else cv2.IMREAD_UNCHANGED
                return cv2.imdecode(self._data, flags)
            except cv2.error:
                return None


class _PdfSource(PageSource):
    """A PDF opened with pypdfium2; pages are rendered when loaded."""

    def __init__(self, path: Path, *, max_pixels: int, dpi: float):
        try:
            import pypdfium2 as pdfium
        except ImportError as error:
            raise PageError("reading PDFs needs pypdfium2: pip install pypdfium2") from error
        self._pdfium = pdfium
        self._max_pixels = max_pixels
        self._dpi = dpi
        _check_readable_file(path)
        try:
            self._document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            raise PageError(_describe_pdf_error(error, path)) from None
        self.page_count = len(self._document)
        if self.page_count == 0:
            self.close()
            raise PageError("the PDF has no pages")

    def load(self, index: int, grey: bool = False) -> np.ndarray:
        if not 0 <= index < self.page_count:
            raise PageError(f"no page {index + 1}; the PDF has {self.page_count}")
        try:
            page = self._document[index]
            try:
                width_pt, height_pt = page.get_size()
                _check_pdf_page_size(width_pt, height_pt)
                bitmap = page.render(scale=self._render_scale(width_pt, height_pt))
                image = bitmap.to_numpy().copy()  # copy: the bitmap's buffer dies with it
            finally:
                page.close()
        except self._pdfium.PdfiumError as error:
            raise PageError(f"page {index + 1} could not be rendered ({error})") from None
        if image.size == 0:
            raise PageError(f"page {index + 1} is empty (zero size)")
        # pdfium renders BGR (or BGRA/grey for some pages)
        return to_grey_uint8(image) if grey else to_bgr_uint8(image)

    def _render_scale(self, width_pt: float, height_pt: float) -> float:
        """Pixels per point: `dpi`, lowered so that the page fits the pixel budget."""
        scale = self._dpi / POINTS_PER_INCH
        area_pt = max(width_pt * height_pt, 1e-6)
        budget = min(self._max_pixels, MAX_PDF_PAGE_PIXELS)
        scale = min(scale, math.sqrt(budget / area_pt))
        # pdfium rounds the bitmap size up, so a scale right at the budget can pass it by a row.
        while scale > 1e-3 and (math.ceil(width_pt * scale) * math.ceil(height_pt * scale)
                                > budget):
            scale *= 0.99
        return scale

    def close(self) -> None:
        document = getattr(self, "_document", None)
        if document is not None:
            document.close()
            self._document = None


def to_bgr_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a decoded image of any depth and channel layout to 3-channel BGR uint8.

    Depths as `runtime.images.to_uint8`. Channels: grey and grey+alpha are expanded, alpha is
    composited onto white (onto black when what is drawn on the transparent ground is light).
    Raises `PageError` for shapes or dtypes that are not an image.
    """
    import cv2
    import numpy as np

    from runtime.images import to_uint8

    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or image.size == 0:
        raise PageError(f"not an image: array of shape {image.shape}")
    channels = 1 if image.ndim == 2 else image.shape[2]
    if channels not in (1, 2, 3, 4):
        raise PageError(f"unsupported image with {channels} channels")
    try:
        image = to_uint8(image)
    except ValueError as error:
        raise PageError(str(error)) from None
    if channels == 1:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_GRAY2BGR)
    if channels == 2:
        grey = _composite_on_white(image[:, :, :1], image[:, :, 1])
        return cv2.cvtColor(np.ascontiguousarray(grey[:, :, 0]), cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return _composite_on_white(image[:, :, :3], image[:, :, 3])
    return np.ascontiguousarray(image)


def to_grey_uint8(image: np.ndarray) -> np.ndarray:
    """Grey uint8 of a decoded image, as `to_gray(to_bgr_uint8(image))` gives it, without
    making a colour copy of a page that is grey already."""
    import numpy as np

    from runtime.images import to_gray, to_uint8

    image = np.asarray(image)
    if image.ndim == 2 and image.size:
        try:
            return np.ascontiguousarray(to_uint8(image))
        except ValueError as error:
            raise PageError(str(error)) from None
    return to_gray(to_bgr_uint8(image))


def _composite_on_white(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend over white paper: a transparent background must read as paper, not as ink.

    Unless what is drawn is light (white strokes exported from a dark-themed drawing app): on
    white it would vanish, so it is blended over black instead and read light-on-dark.
    """
    import numpy as np

    weight = alpha.astype(np.float32)[:, :, None] / 255.0
    drawn = alpha > 127
    ground = 255.0
    if drawn.any() and not drawn.all() and float(np.median(colour[drawn])) > 127:
        ground = 0.0
    blended = colour.astype(np.float32) * weight + ground * (1.0 - weight)
    return np.ascontiguousarray(np.clip(blended + 0.5, 0, 255).astype(np.uint8))


def _check_readable_file(path: Path) -> int:
    """Return the file's size in bytes, or raise `PageError` saying why it cannot be read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PageError("no such file") from None
    except OSError as error:
        raise PageError(f"cannot read file ({error.strerror or error})") from None
    if path.is_dir():
        raise PageError("is a folder, not a file")
    if not path.is_file():
        raise PageError("not a regular file (a device, pipe or socket)")
    if size == 0:
        raise PageError("empty file (0 bytes)")
    return size


def _read_image_bytes(path: Path) -> bytes:
    size = _check_readable_file(path)
    if size > MAX_IMAGE_FILE_BYTES:
        raise PageError(f"file is {size / 2**20:.0f} MiB, over the "
                        f"{MAX_IMAGE_FILE_BYTES / 2**20:.0f} MiB limit for one image")
    try:
        return path.read_bytes()
    except PermissionError:
        raise PageError("permission denied") from None
    except OSError as error:
        raise PageError(f"cannot read file ({error.strerror or error})") from None


def _check_pdf_page_size(width_pt: float, height_pt: float) -> None:
    if max(width_pt, height_pt) > MAX_PDF_PAGE_SIDE_PT:
        raise PageError(f"page is {width_pt:.0f} x {height_pt:.0f} pt "
                        f"({width_pt / POINTS_PER_INCH:.0f} x {height_pt / POINTS_PER_INCH:.0f} in), "
                        f"over the {MAX_PDF_PAGE_SIDE_PT:.0f} pt limit for one side")


def _check_pixel_budget(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise PageError(f"image is {width}x{height} = {width * height / 1e6:.0f} MP, over the "
                        f"{max_pixels / 1e6:.0f} MP limit; scan at a lower resolution "
                        f"(200-300 dpi is plenty)")


@contextlib.contextmanager
def _quiet_opencv(mute_descriptor: bool):
    """Silence OpenCV's own log lines while decoding: the caller reports one line per file.
    The codecs' libraries write to file descriptor 2 themselves ("libpng error: PNG input
    buffer is incomplete" for a cut-off PNG); `mute_descriptor` mutes that for the decode too."""
    import cv2

    from runtime.cli import native_stderr_silenced

    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        with native_stderr_silenced() if mute_descriptor else contextlib.nullcontext():
            yield
    finally:
        logging.setLogLevel(previous)


def _sniff_raster_kind(data: bytes) -> str | None:
    """Name of the raster format from its magic bytes, or None if it is not one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def _declared_page_sizes(kind: str, data: bytes) -> list[tuple[int, int]]:
    """(width, height) of each page as the file's header declares it, read without decoding.

    Checking these against the pixel budget first is what stops a 50 kB PNG that declares
    100,000 x 100,000 pixels from allocating 30 GB. An empty list means the header is broken.
    """
    try:
        if kind == "PNG":
            return _png_size(data)
        if kind == "JPEG":
            return _jpeg_size(data)
        if kind == "TIFF":
            return _tiff_sizes(data)
        if kind == "BMP":
            return _bmp_size(data)
        if kind == "WebP":
            return _webp_size(data)
    except (struct.error, IndexError):
        return []
    return []


def _png_size(data: bytes) -> list[tuple[int, int]]:
    if data[12:16] != b"IHDR":
        return []
    width, height = struct.unpack(">II", data[16:24])
    return [(width, height)] if width and height else []


def _jpeg_size(data: bytes) -> list[tuple[int, int]]:
    # Walk the marker segments up to the first start-of-frame, which holds the size.
    start_of_frame = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                      0xCF}
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return []
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # markers without a length field
            position += 2
            continue
        if marker == 0xDA:  # start of scan before any frame header: broken file
            return []
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in start_of_frame:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return [(width, height)] if width and height else []
        position += 2 + length
    return []


def _tiff_sizes(data: bytes) -> list[tuple[int, int]]:
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", data[4:8])
    sizes: list[tuple[int, int]] = []
    seen: set[int] = set()
    while offset and offset not in seen and len(sizes) < _MAX_TIFF_PAGES:
        seen.add(offset)
        (entry_count,) = struct.unpack(order + "H", data[offset : offset + 2])
        size: dict[int, int] = {}
        for entry in range(entry_count):
            base = offset + 2 + 12 * entry
            tag, value_type = struct.unpack(order + "HH", data[base : base + 4])
            if tag in _TIFF_SIZE_TAGS:  # SHORT or LONG
                if tag in size:
                    # Which one a decoder believes is up to the decoder (libtiff takes the
                    # first): a size check on the other would let a bomb through.
                    raise PageError(f"corrupt TIFF: {_TIFF_SIZE_TAGS[tag]} is given twice in "
                                    f"image {len(sizes) + 1}")
                value_format, value_bytes = ("H", 2) if value_type == 3 else ("I", 4)
                (size[tag],) = struct.unpack(order + value_format,
                                             data[base + 8 : base + 8 + value_bytes])
        width, height = size.get(256, 0), size.get(257, 0)
        if not (width and height):
            break
        sizes.append((width, height))
        next_at = offset + 2 + 12 * entry_count
        (offset,) = struct.unpack(order + "I", data[next_at : next_at + 4])
    return sizes


def _bmp_size(data: bytes) -> list[tuple[int, int]]:
    (header_size,) = struct.unpack("<I", data[14:18])
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])
    width, height = abs(width), abs(height)  # negative height means rows stored top-down
    return [(width, height)] if width and height else []


def _webp_size(data: bytes) -> list[tuple[int, int]]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        width, height = width & 0x3FFF, height & 0x3FFF
    elif chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    else:
        return []
    return [(width, height)] if width and height else []


def _describe_pdf_error(error: Exception, path: Path) -> str:
    """One line for a PDF pdfium refused to open."""
    import pypdfium2.raw as pdfium_raw

    # PDFium refuses a PDF whose page tree is empty without setting its error code, so the code
    # is whatever the previous failure left; look at the page tree's /Count in the file instead.
    try:
        with open(path, "rb") as stream:
            head = stream.read(_PDF_SNIFF_BYTES)
    except OSError:
        head = b""
    if re.search(rb"/Count\s+0\b", head) and not re.search(rb"/Count\s+[1-9]", head):
        return "the PDF has no pages"
    code = getattr(error, "err_code", None)
    reasons = {
        pdfium_raw.FPDF_ERR_SUCCESS: "cannot open the PDF (no pages or an unreadable page tree)",
        pdfium_raw.FPDF_ERR_FILE: "cannot open the PDF file",
        pdfium_raw.FPDF_ERR_FORMAT: "not a valid PDF (corrupt or truncated)",
        pdfium_raw.FPDF_ERR_PASSWORD: "the PDF is password-protected; save an unlocked copy",
        pdfium_raw.FPDF_ERR_SECURITY: "the PDF uses an unsupported security handler",
    }
    return reasons.get(code, f"cannot open the PDF ({error})")
