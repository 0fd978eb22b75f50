"""Where the live camera's annotated frames go: the overlay, the window and the recording.

`draw_overlay` draws one frame's digits (with the scanner's `runtime.draw`), the stable
numbers and the FPS. `Window` shows frames and returns key presses; it raises cv2.error where
OpenCV was built without a GUI, which is how the camera notices it must run headless.
`Recorder` writes the annotated video on an encoder thread of its own, placing a camera's
frames by their capture times so the video plays at the speed things happened. OpenCV's
writers never report a failed write, so the recorder checks for itself: the disk's free space
while it records, and at the end that the file plays back with every frame it was given.
`check_recording_target` refuses, before anything is opened, a recording over the source
video itself, or over any existing file unless --overwrite (as the scanner does its outputs).
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from runtime.camera.stability import StableReading
from runtime.draw import STATUS_BGR, SURE_BGR, draw_label, draw_result
from runtime.results import PageResult

WINDOW_TITLE = "edgedigits camera"

RECORD_CODECS = {".avi": "MJPG", ".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "MJPG"}
"""Recording file suffix -> FourCC; both codecs ship with every OpenCV build."""

DEFAULT_RECORD_FPS = 30.0
"""Frame rate written to a recording when the source does not say its own."""

_PENDING_FRAMES = 8
"""Frames waiting for the recording's encoder: bounded, so a slow disk slows the loop down
instead of filling memory."""

_DISK_CHECK_INTERVAL_S = 1.0
"""How often the encoder looks at the disk's free space: a full disk stops the run within it."""


class RecordError(Exception):
    """The recording cannot be written; the message is one line naming the file."""


def check_recording_target(path: Path, source: str, overwrite: bool) -> None:
    """Raise ValueError (one line) when recording to `path` would destroy a file not meant to
    go: the source video being read (always), or any other existing file without `overwrite`.
    Something that is not a regular file (a symlink to /dev/full) is left to the recorder."""
    if not path.is_file():
        return
    if os.path.isfile(source) and os.path.samefile(path, source):
        raise ValueError(f"--record {path}: that is the source being read; choose another file")
    if not overwrite:
        raise ValueError(f"--record {path}: the file exists; choose another name or add "
                         "--overwrite to replace it")


class Recorder:
    """Writes annotated frames to a video file, opened at the first frame (its size known)."""

    def __init__(self, path: Path, fps: float) -> None:
        suffix = path.suffix.lower()
        if suffix not in RECORD_CODECS:
            raise ValueError(f"--record {path}: unsupported suffix {suffix or '(none)'}; use one "
                             f"of {', '.join(sorted(RECORD_CODECS))}")
        if not path.parent.is_dir():
            raise ValueError(f"--record {path}: folder {path.parent} does not exist; create it "
                             "first")
        self.path = path
        self.fps = fps  # frame rate written into the file
        self.follow_capture_time = False  # repeat or skip frames so playback is real time
        self.frames_written = 0
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._first_time: float | None = None  # capture time of the recording's first frame
        self._held: np.ndarray | None = None  # the frame on screen, repeated to fill gaps
        self._pending: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=_PENDING_FRAMES)
        self._encoder: threading.Thread | None = None
        # Why the recording is broken (disk full, encoder error, short file), or None: set by
        # the encoder thread or by close(); write() raises it so the run stops.
        self.failure: str | None = None

    def write(self, image: np.ndarray, capture_time: float | None = None) -> None:
        """Append `image`; with follow_capture_time, at the frame slot of its capture time.

        A slot the reader skipped (it was slower than the recording's frame rate) repeats the
        frame shown before, as a viewer would have seen it; a frame arriving before its slot
        is due is not written but held for the next gap. Raises RecordError once the
        recording has failed (a full disk), so the run stops instead of recording into nothing.
        """
        if self.failure is not None:
            raise RecordError(self.failure)
        if self.follow_capture_time and capture_time is not None:
            if self._first_time is None:
                self._first_time = capture_time
            slot = round((capture_time - self._first_time) * self.fps)
            if slot < self.frames_written:
                self._held = image
                return
            gap = slot - self.frames_written
            longest_gap = max(1, round(self.fps))
            if gap > longest_gap:
                # A long stall (a reconnect) becomes one second of still frames, and the
                # clock moves on so later frames are not owed the rest of it.
                self._first_time += (gap - longest_gap) / self.fps
                gap = longest_gap
            for _ in range(gap if self._held is not None else 0):
                self._write_one(self._held)
        self._write_one(image)
        self._held = image

    def _write_one(self, image: np.ndarray) -> None:
        size = (image.shape[1], image.shape[0])
        if self._writer is None:
            fourcc = cv2.VideoWriter_fourcc(*RECORD_CODECS[self.path.suffix.lower()])
            self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, size)
            if not self._writer.isOpened():
                self._writer = None
                self.failure = (f"cannot write video {self.path}; check the folder is writable "
                                "and the disk not full")
                raise RecordError(self.failure)
            self._size = size
            self._encoder = threading.Thread(target=self._encode, name="recorder", daemon=True)
            self._encoder.start()
        if size != self._size:
            # A reconnected camera may come back at another resolution; a video file cannot
            # change frame size mid-way.
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        self._pending.put(image)  # waits only when the encoder is a whole queue behind
        self.frames_written += 1

    def _encode(self) -> None:
        """Encoder thread: compressing a frame costs about as much as reading one, and OpenCV
        releases the GIL while it does, so it overlaps the reading of the next frame.

        After a failure it keeps taking frames off the queue (without writing them), so the
        reading loop never blocks on a queue nobody empties.
        """
        next_disk_check = time.monotonic() + _DISK_CHECK_INTERVAL_S
        while (image := self._pending.get()) is not None:
            if self.failure is not None:
                continue
            try:
                self._writer.write(image)
            except cv2.error as error:
                self.failure = f"cannot write video {self.path}: {' '.join(str(error).split())}"
            if time.monotonic() >= next_disk_check:
                next_disk_check = time.monotonic() + _DISK_CHECK_INTERVAL_S
                self._check_disk()

    def _check_disk(self) -> None:
        try:
            free_bytes = shutil.disk_usage(self.path.parent).free
        except OSError:
            return  # the check is a courtesy; close() verifies the file itself
        if free_bytes == 0:
            self.failure = (f"the disk holding {self.path} is full; the recording stopped "
                            f"after {self.frames_written} frames; free some space")

    def close(self) -> None:
        """Write out what is queued, finish the file (its index, for MJPG .avi) and check it.

        Sets `failure` when the file does not play back every frame written (a full disk).
        """
        if self._writer is None:
            return
        self._pending.put(None)
        self._encoder.join()
        self._writer.release()
        self._writer = None
        if self.failure is None:
            self.failure = self._verify()

    def _verify(self) -> str | None:
        """Why the finished file is not a playable video of every frame written, or None."""
        if not self.path.is_file() or os.path.getsize(self.path) == 0:
            return (f"recording {self.path} is empty or not a regular file; the disk may be "
                    "full or the target not writable")
        # The frame count alone is not proof: the AVI writer patches it into the header, which
        # fits on a disk that filled up long before the frames did. The last frame must decode.
        playback = cv2.VideoCapture(str(self.path))
        try:
            frames = int(playback.get(cv2.CAP_PROP_FRAME_COUNT)) if playback.isOpened() else 0
            last_readable = False
            if frames >= self.frames_written:
                playback.set(cv2.CAP_PROP_POS_FRAMES, self.frames_written - 1)
                last_readable = playback.read()[0]
        finally:
            playback.release()
        if not last_readable:
            return (f"recording {self.path} is incomplete: of the {self.frames_written} frames "
                    "written, the last cannot be read back; the disk may be full")
        return None


class Window:
    """The on-screen view; raises cv2.error on construction where OpenCV has no GUI."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        self._shown = False

    def show(self, image: np.ndarray) -> None:
        """Put `image` on screen (it appears at the next `poll_key`)."""
        cv2.imshow(self.title, image)
        self._shown = True

    def poll_key(self, wait_ms: int = 1) -> int:
        """Let the GUI draw and return the key pressed within `wait_ms`, or -1 for none."""
        if not self._shown:
            return -1
        key = cv2.waitKey(wait_ms)
        return -1 if key < 0 else key & 0xFF

    @property
    def closed(self) -> bool:
        """True once the user has closed the window with its title-bar button."""
        return self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)  # lets the GUI thread actually take the window down


def draw_overlay(image: np.ndarray, result: PageResult, stable: list[StableReading],
                 fps: float) -> np.ndarray:
    """A copy of `image` with this frame's digits, the stable numbers and the FPS drawn on it.

    The digits and number frames are the scanner's drawing (`runtime.draw`); the camera adds
    a green box with the text under each stable reading, the one a user should trust.
    """
    canvas = draw_result(image, result, show_confidence=False)
    for reading in stable:
        x, y, w, h = reading.bbox
        margin = 6  # outside the scanner's number frame, so both stay visible
        cv2.rectangle(canvas, (x - margin, y - margin), (x + w + margin, y + h + margin),
                      SURE_BGR, 2)
        draw_label(canvas, f"{reading.text} {reading.confidence:.0%}", (x - margin, y + h + margin),
                   SURE_BGR, above=False)
    # Bottom left: the top edge is where a sheet's first line of digits usually is.
    draw_label(canvas, f"{fps:.1f} fps  {len(stable)} read", (8, canvas.shape[0] - 6), STATUS_BGR)
    return canvas

