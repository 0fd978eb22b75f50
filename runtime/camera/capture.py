"""Where the live camera's frames come from, and the thread that keeps only the newest one.

A source is a webcam (by index or V4L2 device path), an RTSP/HTTP stream, a video file, a still
image, or the Raspberry Pi camera through picamera2 (OpenCV cannot open those on current
Raspberry Pi OS). `open_source(text)` turns the `--source` argument into one of them.

`FrameGrabber` reads a source on a background thread. For a camera or stream it keeps only
the newest frame, so the reading loop never works on a stale buffered image and never waits
on the camera for longer than the next frame takes to arrive; a read failure closes the source
and reopens it with exponential backoff while the process keeps running. For a file it hands
over every frame in order through a small bounded queue (decoding overlaps reading, nothing is
dropped, so runs are repeatable), and the end of the file ends the stream.
"""

from __future__ import annotations

import contextlib
import importlib
import queue
import re
import stat
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from runtime.camera.guards import SourceFileError, check_source_file, load_still_image, open_within
from runtime.cli import native_stderr_silenced
from runtime.images import IMAGE_SUFFIXES

PICAMERA2_SOURCE = "picamera2"
"""The `--source` value that selects the Raspberry Pi camera through the picamera2 library."""

DEFAULT_PICAMERA2_SIZE = (640, 480)
"""Width, height in pixels asked of the Pi camera when no capture size is given."""

_SOURCE_HELP = ("give a camera index (0), a device path (/dev/video0), a video or image file, "
                "a stream URL (rtsp://...) or picamera2")

DEFAULT_FILE_FPS = 30.0
"""Frame rate assumed for a video file that does not state its own."""

_ORDERED_QUEUE_FRAMES = 4
"""Frames a file source may decode ahead of the reader: enough to overlap decoding with
reading, few enough that memory stays flat however long the file is."""

_JOIN_TIMEOUT_S = 2.0
"""How long stopping waits for the capture thread; a read stuck in a driver is left behind
(the thread is a daemon) rather than hanging the exit."""


_END_OF_STREAM = object()
"""Put on a file's queue after its last frame."""

DEFAULT_OPEN_TIMEOUT_S = 20.0
"""Longest wait for a source to open: a stream that never answers is an error, not a hang."""


class SourceState:
    """What the capture thread is doing, as a viewer of the live page is told."""

    CONNECTING = "connecting"  # opened, no frame yet
    CONNECTED = "connected"  # frames are arriving
    RECONNECTING = "reconnecting"  # a live source dropped; reopening with backoff
    ENDED = "ended"  # the file ended, or the source was given up or stopped


class SourceError(Exception):
    """A source cannot be opened or has stopped for good; the message is one line naming it."""


CAPTURE_ERRORS: tuple[type[BaseException], ...] = (cv2.error, OSError, RuntimeError, SourceError)
"""What a capture backend raises when a device or stream drops: these trigger a reconnect."""


@dataclass
class Frame:
    """One captured frame."""

    index: int  # position in the source's stream from 0; a gap means frames were dropped
    time: float  # wall-clock seconds since the epoch when the frame was captured
    # H x W x 3 BGR uint8, as OpenCV draws and writes it; H x W grey from a source asked for
    # grey frames (`FrameSource.grey`).
    image: np.ndarray


class FrameSource(ABC):
    """A camera, stream or file that gives BGR frames one at a time."""

    description: str = "source"  # words naming the source in messages, e.g. "camera 0"
    live: bool = True  # True: newest frame wins and read failures reconnect; False: a file
    # Set before `open` when nothing will draw the frames (headless, not recording or serving):
    # the source may then give H x W grey frames where it decodes them cheaper that way.
    grey: bool = False

    @abstractmethod
    def open(self) -> None:
        """Start delivering frames; raises SourceError naming the source when it cannot."""

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame, or None when there is none (end of a file, a dropped stream)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; safe to call twice or before `open`."""

    @property
    def nominal_fps(self) -> float | None:
        """Frames per second the source says it delivers, when it says (for recording)."""
        return None


class OpenCVSource(FrameSource):
    """A webcam, V4L2 device, network stream or video file read through cv2.VideoCapture."""

    def __init__(self, target: int | str, *, live: bool, description: str,
                 capture_size: tuple[int, int] | None = None,
                 capture_factory: Callable[..., cv2.VideoCapture] = cv2.VideoCapture) -> None:
        self.target = target
        self.live = live
        self.description = description
        self.capture_size = capture_size
        # Tests pass a stand-in that fails on purpose; everyone else gets cv2.VideoCapture.
        self._capture_factory = capture_factory
        self._capture: cv2.VideoCapture | None = None
        self._jpeg_packets = False  # read() gets each frame's JPEG and decodes it to grey
        self._last_grey: np.ndarray | None = None

    def open(self) -> None:
        if isinstance(self.target, str) and self.target.startswith("/dev/") and not Path(
                self.target).exists():
            # Also what a reconnect finds while a USB camera is unplugged.
            raise SourceError(f"camera device not found: {self.target}; plug the camera in, or "
                              "list cameras with `v4l2-ctl --list-devices`")
        # OpenCV's own AVI reader writes "Unexpected element. Expected: LIST. Got: <raw bytes>"
        # straight to fd 2 on a cut-off file, before our one-line error. Only a file's open is
        # muted: it cannot block (FIFOs are refused), while a stream's may outlast --open-timeout
        # and leave fd 2 muted under the error that reports it.
        with contextlib.nullcontext() if self.live else native_stderr_silenced():
            capture = self._capture_factory(self.target)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot open {self.description}; {_SOURCE_HELP}")
        if self.live:
            # A camera queues several frames by default; reading would lag reality by that
            # many. Not every backend supports the property, and that is fine: the grabber
            # thread drains the queue anyway.
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            if self.capture_size is not None:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.capture_size[0])
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.capture_size[1])
        self._jpeg_packets = self.grey and not self.live and _raw_jpeg_frames(capture)
        self._last_grey = None
        self._capture = capture

    def read(self) -> np.ndarray | None:
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        if not ok or image is None:
            return None
        if self._jpeg_packets:
            return self._grey_from_jpeg(image)
        return _as_bgr(image)

    def _grey_from_jpeg(self, packet: np.ndarray) -> np.ndarray | None:
        """A stored frame decoded to grey. A packet that holds no picture (an empty one, which
        AVI uses for a repeated frame, or a broken one) shows the frame before it, as a player
        does; before any frame it ends the file."""
        grey = cv2.imdecode(packet, cv2.IMREAD_GRAYSCALE) if packet.size else None
        if grey is not None:
            self._last_grey = grey
        return self._last_grey

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    @property
    def nominal_fps(self) -> float | None:
        if self._capture is None:
            return None
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        return fps if 1.0 <= fps <= 1000.0 else None


class ImageSource(FrameSource):
    """A still image shown as a stream of identical frames (to try the reader on a photo)."""

    live = False

    def __init__(self, path: Path, repeat: int | None) -> None:
        self.path = path
        self.repeat = repeat  # frames to give before ending; None = until stopped
        self.description = f"image {path}"
        self._image: np.ndarray | None = None
        self._given = 0

    def open(self) -> None:
        try:
            self._image, page_count = load_still_image(self.path)
        except SourceFileError as error:
            raise SourceError(str(error)) from None
        if page_count > 1:  # say so: the other pages are not silently left unread
            self.description = (f"image {self.path}, page 1 of {page_count} "
                                "(`python -m runtime.scan` reads every page)")
        self._given = 0

    def read(self) -> np.ndarray | None:
        if self._image is None or (self.repeat is not None and self._given >= self.repeat):
            return None
        self._given += 1
        return self._image

    def close(self) -> None:
        self._image = None


class Picamera2Source(FrameSource):
    """The Raspberry Pi camera through the picamera2 library, imported only when asked for."""

    live = True
    description = "Raspberry Pi camera (picamera2)"

    def __init__(self, capture_size: tuple[int, int] | None = None) -> None:
        self.capture_size = capture_size or DEFAULT_PICAMERA2_SIZE
        self._camera = None

    def open(self) -> None:
        try:
            picamera2 = importlib.import_module("picamera2")
        except ImportError as error:
            raise SourceError(
                f"cannot use the Raspberry Pi camera: picamera2 is not importable ({error}); "
                "on Raspberry Pi OS run `sudo apt install python3-picamera2` and create the "
                "virtualenv with --system-site-packages") from error
        try:
            camera = picamera2.Picamera2()
            # libcamera's "RGB888" stores each pixel as B, G, R: exactly OpenCV's order.
            config = camera.create_preview_configuration(
                main={"size": tuple(self.capture_size), "format": "RGB888"})
            camera.configure(config)
            camera.start()
        except (RuntimeError, IndexError, OSError, ValueError) as error:
            # picamera2 raises IndexError when no camera is attached at all.
            raise SourceError(f"cannot open the {self.description}: {error}") from error
        self._camera = camera

    def read(self) -> np.ndarray | None:
        if self._camera is None:
            return None
        image = self._camera.capture_array()
        return None if image is None else _as_bgr(np.asarray(image))

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is None:
            return
        try:
            camera.stop()
        finally:
            camera.close()


def open_source(text: str, *, capture_size: tuple[int, int] | None = None,
                image_repeat: int | None = None) -> FrameSource:
    """Turn a `--source` argument into a (not yet opened) FrameSource.

    `text` is a camera index ("0"), a device path ("/dev/video0"), a stream URL
    ("rtsp://host/stream"), a video or image file, or "picamera2". `image_repeat` is how many
    frames a still image gives (None: until stopped). Raises SourceError when a path does not
    exist.
    """
    text = text.strip()
    if text.lower() == PICAMERA2_SOURCE:
        return Picamera2Source(capture_size)
    if re.fullmatch(r"\d+", text):
        index = int(text)
        return OpenCVSource(index, live=True, description=f"camera {index}",
                            capture_size=capture_size)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        return OpenCVSource(text, live=True, description=f"stream {_redact_password(text)}",
                            capture_size=capture_size)
    path = Path(text).expanduser()
    if path.exists() and stat.S_ISCHR(path.stat().st_mode) or (
            text.startswith("/dev/") and not path.exists()):
        return OpenCVSource(str(path), live=True, description=f"camera device {path}",
                            capture_size=capture_size)
    if not path.exists():
        raise SourceError(f"source not found: {text}; {_SOURCE_HELP}")
    if path.is_dir():
        raise SourceError(f"source is a directory: {text}; {_SOURCE_HELP}")
    try:
        # A FIFO would block the open forever; a text file would "play" as rendered characters.
        check_source_file(path)
    except SourceFileError as error:
        raise SourceError(str(error)) from None
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path, image_repeat)
    return OpenCVSource(str(path), live=False, description=f"video file {path}")


@dataclass
class ReconnectOptions:
    """How a live source that drops is brought back."""

    # Reopen attempts in a row without a frame before giving up; None = keep trying forever.
    max_reconnects: int | None = None
    initial_backoff_s: float = 0.5  # wait before the first reopen; doubles on each failure
    max_backoff_s: float = 8.0  # longest wait between reopen attempts


class FrameGrabber:
    """Reads a source on a daemon thread and hands the newest (or, for files, next) frame over.

    `open()` (or `start()`) opens the source on the calling thread, so a camera that cannot
    open is an immediate SourceError; once started, the thread owns the source and closes it
    when it stops. With `loop`, a file that ends is reopened and played again, forever.
    """

    def __init__(self, source: FrameSource, *, realtime: bool = False,
                 reconnect: ReconnectOptions | None = None,
                 on_event: Callable[[str], None] | None = None, loop: bool = False,
                 on_state: Callable[[str], None] | None = None) -> None:
        self.source = source
        self.loop = loop  # replay a file from the start when it ends (demos, tests)
        self.state = SourceState.CONNECTING  # a SourceState value, for the live page
        # Called on the capture thread at every change of `state`, so even a reconnect shorter
        # than a frame's wait is seen (the live page's badge).
        self._on_state = on_state or (lambda state: None)
        # A file is read in full and in order unless `realtime` asks it to play like a camera:
        # at its own frame rate, newest frame only. Cameras and streams are always newest-only.
        self.keep_every_frame = not (source.live or realtime)
        self.realtime = realtime
        self.pace_fps: float | None = None  # files in realtime: frames per second to deliver
        self.reconnect = reconnect or ReconnectOptions()
        self._on_event = on_event or (lambda message: None)
        self.frames_captured = 0
        self.frames_dropped = 0  # newest-only mode: frames replaced before anyone took them
        self.reconnects = 0
        self.failure: str | None = None  # why the stream stopped, when it was not a clean end
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._queue: queue.Queue[Frame | object] = queue.Queue(maxsize=_ORDERED_QUEUE_FRAMES)
        self._newest: Frame | None = None
        self._newest_ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._opened = False
        self._end_taken = False  # the reader has taken the end-of-stream mark off the queue

    def open(self, timeout_s: float | None = None,
             should_stop: Callable[[], bool] | None = None) -> FrameGrabber:
        """Open the source now (SourceError if it cannot), without reading frames yet.

        With `timeout_s` or `should_stop`, the open is bounded: SourceError after `timeout_s`,
        KeyboardInterrupt as soon as `should_stop()` is true (see `guards.open_within`).
        """
        if self._opened:
            return self
        if timeout_s is None and should_stop is None:
            self.source.open()
        else:
            try:
                open_within(self.source.open, timeout_s, should_stop or (lambda: False),
                            self.source.description)
            except TimeoutError as error:
                raise SourceError(str(error)) from None
        self._opened = True
        return self

    def start(self) -> FrameGrabber:
        """Open the source if not yet open, and start reading frames on the capture thread."""
        self.open()
        if self.realtime and not self.source.live:
            self.pace_fps = self.source.nominal_fps or DEFAULT_FILE_FPS
        self._thread = threading.Thread(target=self._capture_loop, name="frame-grabber",
                                        daemon=True)
        self._thread.start()
        return self

    def next_frame(self, timeout_s: float = 0.1) -> Frame | None:
        """The next frame to read, or None when none arrived within `timeout_s`."""
        if self.keep_every_frame:
            try:
                frame = self._queue.get(timeout=timeout_s)
            except queue.Empty:
                return None
            if frame is _END_OF_STREAM:
                self._end_taken = True
                return None
            return frame
        with self._newest_ready:
            self._newest_ready.wait_for(
                lambda: self._newest is not None or self._ended.is_set(), timeout_s)
            frame, self._newest = self._newest, None
            return frame

    @property
    def finished(self) -> bool:
        """True once the source has ended (or given up) and every frame has been taken."""
        if not self._ended.is_set():
            return False
        if self.keep_every_frame:
            return self._end_taken or self._queue.empty()
        with self._newest_ready:
            return self._newest is None

    def stop(self) -> None:
        self._stop.set()
        with self._newest_ready:
            self._newest_ready.notify_all()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT_S)
        else:
            self.source.close()

    def _capture_loop(self) -> None:
        failures_in_a_row = 0
        backoff_s = self.reconnect.initial_backoff_s
        started = time.perf_counter()
        frames_before_replay = 0
        try:
            while not self._stop.is_set():
                try:
                    image = self.source.read()
                    reason = "no frame"
                except CAPTURE_ERRORS as error:
                    image, reason = None, f"read failed ({_one_line(error)})"
                if image is None:
                    if not self.source.live:
                        if self._replay(frames_before_replay):
                            frames_before_replay = self.frames_captured
                            continue
                        break  # the end of a file is the end of the run
                    if not self._reopen(reason, failures_in_a_row, backoff_s):
                        break
                    failures_in_a_row += 1
                    backoff_s = min(backoff_s * 2.0, self.reconnect.max_backoff_s)
                    continue
                failures_in_a_row = 0
                backoff_s = self.reconnect.initial_backoff_s
                self._set_state(SourceState.CONNECTED)
                frame = Frame(self.frames_captured, time.time(), image)
                self.frames_captured += 1
                self._deliver(frame)
                if self.pace_fps:
                    due = started + self.frames_captured / self.pace_fps
                    self._stop.wait(max(0.0, due - time.perf_counter()))
        except Exception as error:  # noqa: BLE001 - the thread's boundary: report, don't vanish
            # Anything a backend raises beyond CAPTURE_ERRORS would otherwise die with the
            # thread and look like a clean end of stream; hand it to the reading loop instead.
            self.failure = (f"{self.source.description}: capture stopped "
                            f"({type(error).__name__}: {_one_line(error)})")
        finally:
            self._set_state(SourceState.ENDED)
            self.source.close()
            if self.keep_every_frame:
                # Wakes a reader waiting on the queue at once, instead of at its timeout.
                self._deliver(_END_OF_STREAM)
            self._ended.set()
            with self._newest_ready:
                self._newest_ready.notify_all()

    def _reopen(self, reason: str, failures_in_a_row: int, backoff_s: float) -> bool:
        """Close and reopen a dropped live source after `backoff_s`; False means give up."""
        limit = self.reconnect.max_reconnects
        if limit is not None and failures_in_a_row >= limit:
            self.failure = (f"{self.source.description} stopped delivering frames ({reason}); "
                            f"gave up after {failures_in_a_row} reconnect attempts "
                            "(raise --max-reconnects to keep trying longer)")
            return False
        self._set_state(SourceState.RECONNECTING)
        self._on_event(f"{self.source.description}: {reason}; reconnecting in {backoff_s:g} s "
                       f"(attempt {failures_in_a_row + 1})")
        self.source.close()
        if self._stop.wait(backoff_s):
            return False
        self.reconnects += 1
        try:
            self.source.open()
        except CAPTURE_ERRORS as error:
            # Still down: the next read finds no frame and the loop tries again, waiting longer.
            self._on_event(f"{self.source.description}: reopen failed ({_one_line(error)})")
        return True

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._on_state(state)

    def _replay(self, frames_before: int) -> bool:
        """With `loop`, reopen a file that ended; False to end (no loop, or an empty pass)."""
        if not self.loop or self.frames_captured == frames_before or self._stop.is_set():
            return False  # a pass without a single frame would spin forever
        self.source.close()
        try:
            self.source.open()
        except CAPTURE_ERRORS as error:
            self.failure = f"{self.source.description}: cannot replay ({_one_line(error)})"
            return False
        return True

    def _deliver(self, frame: Frame | object) -> None:
        if self.keep_every_frame:
            # Block (in short steps, so stop() is honoured) rather than drop: files are read
            # in full and in order.
            while not self._stop.is_set():
                try:
                    self._queue.put(frame, timeout=0.1)
                    return
                except queue.Full:
                    continue
            return
        with self._newest_ready:
            if self._newest is not None:
                self.frames_dropped += 1
            self._newest = frame
            self._newest_ready.notify_all()


def _raw_jpeg_frames(capture: cv2.VideoCapture) -> bool:
    """Switch a motion-JPEG file's capture to giving each frame's JPEG as it is stored, when it
    can: decoded straight to grey (`cv2.imdecode`) a 640x480 frame costs 0.35-0.44 ms of CPU,
    against 0.74-0.99 for FFmpeg's colour frame made grey. The grey is the JPEG's own luma: on
    the camera benchmark's 1,200 frames it differs from the colour frame's grey by rounding, at
    most 2 levels (more only where strong colours clip in the colour frame). Other codecs keep
    the colour path."""
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little")
    return fourcc.upper() == b"MJPG" and bool(capture.set(cv2.CAP_PROP_FORMAT, -1))


def _as_bgr(image: np.ndarray) -> np.ndarray:
    """Frames from any backend as H x W x 3 BGR uint8 (grey and BGRA cameras exist)."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def _redact_password(url: str) -> str:
    """Stream URLs carry credentials (rtsp://user:pass@host); keep them out of messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
