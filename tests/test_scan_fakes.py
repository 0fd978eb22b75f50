"""Fake page readers and sample inputs for the scanner and page-loader tests (no tests here).

Sample makers write images (by bytes, so any path works), multi-page PDFs (pypdfium2), an empty
PDF and hand-built PNGs in layouts OpenCV cannot write (palette, grey+alpha).

The scanner only needs an object with `read(image) -> PageResult`. These fakes find dark blobs
with OpenCV and call each one a "7", so the scan tests check the batch machinery (inputs,
workers, journal, JSON/CSV, resume, crashes) fast and independently of the model and the
segmenter's quality. They are module-level functions so spawned worker processes can unpickle
them; each appends a line to the file named by $SCAN_FAKE_LOG (if set) so tests can count how
often readers are built and pages read, across processes.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np

from runtime.results import Digit, Line, Number, PageResult
from runtime.scan.cli import main as scan_main

LOG_ENV_VAR = "SCAN_FAKE_LOG"
GATE_ENV_VAR = "SCAN_FAKE_GATE"
GATE_AFTER_ENV_VAR = "SCAN_FAKE_GATE_AFTER"
CRASH_MARK_BGR = (0, 0, 255)
"""A page whose top-left pixel is pure red makes `crashing_reader_factory`'s reader die."""
CRASH_MARK_GREY = int(cv2.cvtColor(np.uint8([[CRASH_MARK_BGR]]), cv2.COLOR_BGR2GRAY)[0, 0])
"""The same mark on a page the scanner loaded grey (it does unless it annotates)."""


def has_crash_mark(image: np.ndarray) -> bool:
    """Whether the page's top-left pixel is the crash mark, in colour or in grey."""
    if image.ndim == 3:
        return tuple(int(v) for v in image[0, 0]) == CRASH_MARK_BGR
    return int(image[0, 0]) == CRASH_MARK_GREY


def _log(event: str) -> None:
    log_path = os.environ.get(LOG_ENV_VAR)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as stream:
            stream.write(f"{event} {os.getpid()}\n")


class BlobReader:
    """Reads every dark blob as a "7"; blobs on one row are one number per blob, one line."""

    def __init__(self, min_confidence: float = 0.0, confidence: float = 0.9):
        self.min_confidence = min_confidence
        self.confidence = confidence

    def read(self, image: np.ndarray) -> PageResult:
        _log("read")
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        ink = (grey < 128).astype(np.uint8)
        count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
        boxes = sorted((tuple(int(v) for v in stats[i, :4]) for i in range(1, count)
                        if stats[i, cv2.CC_STAT_AREA] >= 4), key=lambda box: box[0])
        if not boxes:
            return PageResult()
        label = "7" if self.confidence >= self.min_confidence else "?"
        numbers = [Number([Digit(label, self.confidence, box)]) for box in boxes]
        return PageResult(lines=[Line(numbers)])


class CrashingReader(BlobReader):
    """Kills its own process on a page marked with `CRASH_MARK_BGR`, like a native crash."""

    def read(self, image: np.ndarray) -> PageResult:
        if has_crash_mark(image):
            os._exit(3)
        return super().read(image)


class RaisingReader(BlobReader):
    """Raises on pages whose first pixel is pure red (an exception, not a crash)."""

    def read(self, image: np.ndarray) -> PageResult:
        if has_crash_mark(image):
            raise RuntimeError("simulated reader bug")
        return super().read(image)


def blob_reader_factory(options) -> BlobReader:
    _log("build")
    return BlobReader(min_confidence=options.min_confidence)


def crashing_reader_factory(options) -> CrashingReader:
    _log("build")
    return CrashingReader(min_confidence=options.min_confidence)


def raising_reader_factory(options) -> RaisingReader:
    _log("build")
    return RaisingReader(min_confidence=options.min_confidence)


class ThreadCountingReader(BlobReader):
    """Logs "opencv-threads N PID" for every page: the OpenCV threads of the process reading it."""

    def read(self, image: np.ndarray) -> PageResult:
        _log(f"opencv-threads {cv2.getNumThreads()}")
        return super().read(image)


def thread_counting_reader_factory(options) -> ThreadCountingReader:
    _log("build")
    return ThreadCountingReader(min_confidence=options.min_confidence)


class GatedReader(BlobReader):
    """Reads $SCAN_FAKE_GATE_AFTER pages, then waits while the file $SCAN_FAKE_GATE exists,
    having made `<gate>.waiting` to say a page is in progress at the gate.

    A test stopping a run half-way knows exactly how many pages were read before it stopped,
    and that the next one has begun: no sleeping and hoping. Without the variables it reads
    like `BlobReader`.
    """

    def __init__(self, min_confidence: float = 0.0):
        super().__init__(min_confidence)
        self.pages_read = 0

    def read(self, image: np.ndarray) -> PageResult:
        gate, after = os.environ.get(GATE_ENV_VAR), int(os.environ.get(GATE_AFTER_ENV_VAR, "0"))
        if gate and self.pages_read >= after:
            Path(gate + ".waiting").touch()
            while os.path.exists(gate):
                time.sleep(0.01)
        self.pages_read += 1
        return super().read(image)


def gated_reader_factory(options) -> GatedReader:
    _log("build")
    return GatedReader(min_confidence=options.min_confidence)


class HangingReader(BlobReader):
    """Never finishes a page whose first pixel is pure red (a reader stuck in a loop)."""

    def read(self, image: np.ndarray) -> PageResult:
        while has_crash_mark(image):
            time.sleep(0.01)
        return super().read(image)


def hanging_reader_factory(options) -> HangingReader:
    _log("build")
    return HangingReader(min_confidence=options.min_confidence)


class BusyReader(BlobReader):
    """Spends `BUSY_SECONDS_PER_PAGE` of CPU on every page before reading it, like a real reader
    (tests that the command's CPU time holds its workers')."""

    def read(self, image: np.ndarray) -> PageResult:
        started = time.thread_time()
        while time.thread_time() - started < BUSY_SECONDS_PER_PAGE:
            pass
        return super().read(image)


BUSY_SECONDS_PER_PAGE = 0.1


def busy_reader_factory(options) -> BusyReader:
    _log("build")
    return BusyReader(min_confidence=options.min_confidence)


# -- sample inputs ----------------------------------------------------------------------------


def blob_page(blob_count: int, *, height: int = 80, width: int | None = None,
              crash_mark: bool = False) -> np.ndarray:
    """A white BGR page with `blob_count` black discs in a row (what `BlobReader` reads)."""
    width = width or 40 + 40 * max(blob_count, 1)
    page = np.full((height, width, 3), 255, np.uint8)
    for index in range(blob_count):
        cv2.circle(page, (30 + 40 * index, height // 2), 10, (0, 0, 0), -1)
    if crash_mark:
        page[0, 0] = CRASH_MARK_BGR
    return page


def write_image(path, image: np.ndarray) -> Path:
    """Encode by suffix and write bytes (cv2.imwrite cannot take every non-ASCII path)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(path.suffix if path.suffix.lower() != ".pdf" else ".png", image)
    if not ok:
        raise ValueError(f"cannot encode {path.suffix}")
    path.write_bytes(encoded.tobytes())
    return path


def write_pdf(path, pages: list[np.ndarray], dpi: float = 200.0) -> Path:
    """A PDF with one page per image, each page sized so that `dpi` renders it at its size."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for image in pages:
        height, width = image.shape[:2]
        width_pt, height_pt = width * 72.0 / dpi, height * 72.0 / dpi
        page = document.new_page(width_pt, height_pt)
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        picture = pdfium.PdfImage.new(document)
        picture.load_jpeg(io.BytesIO(encoded.tobytes()), inline=True)
        picture.set_matrix(pdfium.PdfMatrix().scale(width_pt, height_pt))
        page.insert_obj(picture)
        page.gen_content()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return Path(path)


def write_empty_pdf(path) -> Path:
    """A well-formed PDF whose page tree is empty (hand-written: pdfium will not save one)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref_at)
    Path(path).write_bytes(bytes(out))
    return Path(path)


def png_bytes(width: int, height: int, colour_type: int, rows: bytes, *, bit_depth: int = 8,
              palette: bytes | None = None, transparency: bytes | None = None) -> bytes:
    """A PNG built chunk by chunk, for layouts OpenCV cannot write (palette, grey+alpha)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = chunk(b"IHDR", header)
    if palette is not None:
        body += chunk(b"PLTE", palette)
    if transparency is not None:
        body += chunk(b"tRNS", transparency)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class StubClassifier:
    """Stands in for the model behind the real `PageReader`: label = ink amount mod 10, p = 0.8."""

    def predict(self, batch: np.ndarray):
        from runtime.classifier import Predictions

        batch = np.asarray(batch, np.uint8).reshape(len(batch), -1)
        labels = (batch.astype(np.int64).sum(axis=1) // 1000) % 10
        probabilities = np.full((len(batch), 10), 0.2 / 9, np.float32)
        probabilities[np.arange(len(batch)), labels] = 0.8
        return Predictions(labels=labels, confidences=np.full(len(batch), 0.8, np.float32),
                           probabilities=probabilities)


def stub_model_reader_factory(options):
    """The real `PageReader` (segmentation, orientation, grouping) over `StubClassifier`."""
    from runtime.reading.reader import PageReader, ReaderOptions

    _log("build")
    return PageReader(StubClassifier(), ReaderOptions(min_confidence=options.min_confidence,
                                                      detect_orientation=options.detect_orientation))


def scan(*arguments, factory=blob_reader_factory) -> tuple[int, str, str]:
    """Run the scan CLI in this process; return (exit status, stdout, stderr). The reader is the
    blob fake unless `factory` says otherwise (None: the real reader)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = scan_main([str(a) for a in arguments], reader_factory=factory)
        except SystemExit as exit_:
            status = exit_.code
    return status, out.getvalue(), err.getvalue()
