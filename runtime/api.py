"""Read the digits on a page from Python in one call: `runtime.read(source) -> PageResult`.

`source` is a path (image file or one-page PDF), the bytes of such a file, or an image array
(H x W grey or H x W x 3 BGR, as `cv2.imread` returns; uint8, uint16 or floats in [0, 1]).
Keyword options are the reader's (`ReaderOptions` fields: `min_confidence`,
`detect_orientation`, `deskew`, ...) plus `model` (a .tflite/.onnx/.ort file; default: the
packaged int8 model) and `threads`. The classifier is loaded once per (model, threads) and
reused by later calls in the same process; it is not safe to share between threads, so code
reading from several threads builds one `PageReader(Classifier.load())` per thread instead.

Errors are the ordinary Python ones with a one-line message: FileNotFoundError for a missing
file, TypeError for None (what `cv2.imread` returns for a file it cannot read) or an
unsupported type, ValueError for an array of the wrong shape, a file that is not an image or a
`min_confidence` outside 0-1,
`ModelError` for a model that cannot be loaded.

Usage:
    import runtime
    result = runtime.read("page.jpg")
    print(result.text)
"""

from __future__ import annotations

import difflib
import functools
import os
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np

from runtime.classifier import Classifier
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.results import PageResult
from runtime.scan.pages import PageError, open_pages

_LOADER_OPTIONS = ("model", "threads")
"""Keyword options of `read` that choose the classifier rather than how the page is read."""


def read(source, **options) -> PageResult:
    """Read the digits on one page; see the module docstring for `source` and `options`."""
    model = options.pop("model", None)
    threads = options.pop("threads", 1)
    reader = PageReader(_classifier(None if model is None else str(Path(model).expanduser()),
                                    threads), _reader_options(options))
    return reader.read(load_image(source))


def load_image(source) -> np.ndarray:
    """The page image held by `source` (path, file bytes or array), or a one-line error."""
    if source is None:
        raise TypeError("source is None: cv2.imread returns None when it cannot read a file; "
                        "pass the path itself to runtime.read, or check it")
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, (str, os.PathLike)):
        return _load_path(Path(source).expanduser())
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _load_bytes(bytes(source))
    raise TypeError(f"source must be a path, the bytes of an image file or a numpy image, "
                    f"not {type(source).__name__}")


def _load_path(path: Path, shown: str | None = None) -> np.ndarray:
    shown = shown or str(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {shown}")
    try:
        with open_pages(path) as pages:
            if pages.page_count != 1:
                raise ValueError(f"{shown} has {pages.page_count} pages; runtime.read takes one "
                                 "page: use `python -m runtime.scan` for the whole file")
            return pages.load(0)
    except PageError as error:
        raise ValueError(f"{shown}: {error}") from None


def _load_bytes(data: bytes) -> np.ndarray:
    """Decode through a temporary file, so bytes take every format a path does (PDF, TIFF)."""
    if not data:
        raise ValueError("source is empty bytes, not an image")
    with tempfile.TemporaryDirectory(prefix="edgedigits-") as folder:
        path = Path(folder) / "page"
        path.write_bytes(data)
        return _load_path(path, shown="the bytes given")


@functools.lru_cache(maxsize=4)
def _classifier(model: str | None, threads: int) -> Classifier:
    return Classifier.load(model, threads=threads)


def _reader_options(options: dict) -> ReaderOptions:
    """ReaderOptions from keyword options; an unknown name says which ones exist."""
    known = [field.name for field in fields(ReaderOptions)]
    for name in options:
        if name not in known:
            close = difflib.get_close_matches(name, known + list(_LOADER_OPTIONS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(f"runtime.read got an unknown option {name!r}; {hint}options: "
                            f"{', '.join(list(_LOADER_OPTIONS) + known)}")
    # A confidence given in percent (50 for 0.5) would silently turn every digit into "?".
    min_confidence = options.get("min_confidence", 0.0)
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence is a probability from 0 to 1, not {min_confidence!r} "
                         f"(for 50% write 0.5)")
    return ReaderOptions(**options)
