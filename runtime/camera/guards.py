"""What the camera refuses or bounds before it reads a frame, so no source can hang it or blow it up.

- `check_source_file`: a path given as `--source` must be a regular file that is not text: a
  FIFO or socket would block the open forever, and FFmpeg "plays" a text file as a video of
  rendered characters (a README read as 60 frames of nothing) and a PDF as a video of no frame.
- `load_still_image`: a still image goes through the scanner's page guards (header checked
  against the pixel budget before anything is decoded), so a 50 kB PNG declaring 100,000 x
  100,000 pixels is a one-line error, not a cv2.error or gigabytes of memory.
- `open_within`: opening a source runs on a helper thread while the caller waits in short steps,
  so the open is bounded by a timeout and Ctrl+C (a `should_stop` flag) ends the wait at once; a
  stream that never answers would otherwise hold the main thread for FFmpeg's own 30 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

_TEXT_SNIFF_BYTES = 4096
"""Bytes looked at to tell a text file: every video container has zero bytes in its header."""

_OPEN_POLL_S = 0.05
"""How often a waiting open looks at the stop flag: well under the second Ctrl+C may take."""


class SourceFileError(ValueError):
    """A `--source` path that cannot be a camera source; the message is one line naming it."""


def check_source_file(path: Path) -> None:
    """Raise SourceFileError unless `path` is a non-empty regular file that is not text."""
    try:
        status = path.stat()
    except OSError as error:
        raise SourceFileError(f"cannot read {path} ({error.strerror or error})") from None
    if not path.is_file():
        raise SourceFileError(f"{path} is not a regular file (a FIFO, socket or device); give a "
                              "video or image file, or a camera device path under /dev")
    if status.st_size == 0:
        raise SourceFileError(f"{path} is an empty file (0 bytes)")
    try:
        with open(path, "rb") as stream:
            head = stream.read(_TEXT_SNIFF_BYTES)
    except OSError as error:
        raise SourceFileError(f"cannot read {path} ({error.strerror or error})") from None
    if _looks_like_text(head):
        raise SourceFileError(f"{path} is a text file, not a video or image; give a video "
                              "(.mp4, .avi, ...) or an image (.png, .jpg, ...)")
    from runtime.scan.pages import is_pdf

    if is_pdf(path):  # FFmpeg opens one and "plays" it as a video of no frame
        raise SourceFileError(f"{path} is a PDF, not a video or image; read its pages with "
                              "`python -m runtime.scan` (edgedigits-scan)")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off by the sniff window is still text.
        return error.start >= len(head) - 3
    return True


def load_still_image(path: Path) -> tuple[np.ndarray, int]:
    """A still image's first page as BGR uint8 through the scanner's guards, and how many pages
    the file holds (a TIFF may hold several); SourceFileError when refused.

    The one place the camera calls into the scanner's page loading: the pixel budget, the
    header check before decoding and the file-size limit have a single owner there.
    """
    from runtime.scan.pages import PageError, open_pages

    try:
        with open_pages(path, mute_codec_messages=True) as pages:
            return pages.load(0), pages.page_count
    except PageError as error:
        raise SourceFileError(f"cannot use image {path}: {error}") from None


def open_within(open_source: Callable[[], None], timeout_s: float | None,
                should_stop: Callable[[], bool], description: str) -> None:
    """Run `open_source()` on a helper thread; wait at most `timeout_s`, and no longer than a stop.

    Raises what `open_source` raised; TimeoutError naming `description` when it took longer
    than `timeout_s` (None: no limit); KeyboardInterrupt when `should_stop()` became true. A
    helper still blocked in a driver is left behind as a daemon thread: the caller is about to
    exit, and nothing can cancel a blocked open(2) anyway.
    """
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            open_source()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread as is
            outcome.append(error)

    helper = threading.Thread(target=attempt, name="source-open", daemon=True)
    helper.start()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while helper.is_alive():
        if should_stop():
            raise KeyboardInterrupt(f"stopped while opening {description}")
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"{description} did not open within {timeout_s:g} s "
                               "(raise --open-timeout for a slow stream)")
        helper.join(_OPEN_POLL_S)
    if outcome and outcome[0] is not None:
        raise outcome[0]
