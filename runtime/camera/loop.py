"""The live reading loop: pull the newest frame, read it, track stable numbers, show and record.

Each frame goes through the same page reader as the scanner (no orientation search: a camera
is held upright), optionally cropped to a region of interest and shrunk to a processing
width; boxes are reported in the original frame's pixels (`FrameReader`). The frames are read
as one stream (`runtime.camera.stream`): the polarity is kept between frames, an unchanged or
merely moved frame keeps the last reading (moved), and large digits are read at half size. A
number counts as
*read* once it has been read the same at the same place over several frames
(`runtime.camera.stability`), so the reading does not flicker. Each frame's reading becomes one
JSON line (`reading_line`: the one owner of its shape), printed with `--headless` and served
by the live view (`runtime.camera.live`) as it is. The loop polls a stop flag once per frame
(`runtime.cli.StopRequest`) and always closes the source, recording and window. The command
line around it is `runtime.camera.cli`.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from runtime.camera.capture import Frame, FrameGrabber
from runtime.camera.output import Recorder, RecordError, Window, draw_overlay
from runtime.camera.stability import ReadingStabilizer, StabilityOptions, StableReading
from runtime.camera.stream import StreamOptions, StreamShortcuts
from runtime.draw import DOUBTFUL_BGR, draw_label
from runtime.results import BBox, PageResult

FPS_WINDOW_FRAMES = 30
"""The FPS shown is measured over this many latest frames: steady, yet quick to follow."""


_KEY_QUIT = (ord("q"), ord("Q"), 27)  # 27 = Esc
_KEY_SNAPSHOT = (ord("s"), ord("S"))
_KEY_PAUSE = (ord(" "),)


class RegionError(ValueError):
    """The --roi does not overlap the frames the source delivers."""


@dataclass
class CameraOptions:
    """What the live loop does with each frame."""

    roi: BBox | None = None  # x, y, w, h of the frame region to read; None = the whole frame
    # Regions wider than this are shrunk to it before reading (fewer pixels to segment);
    # None = never shrink.
    processing_width_px: int | None = 640
    max_frames: int | None = None  # stop after reading this many frames; None = until the end or q
    stability: StabilityOptions = field(default_factory=StabilityOptions)
    # What the stream lets the reader skip (polarity kept between frames, unchanged frames).
    stream: StreamOptions = field(default_factory=StreamOptions)
    print_json: bool = True  # one JSON line per frame on the output stream
    snapshot_dir: Path = Path(".")  # where the s key saves annotated PNGs


@dataclass
class RunSummary:
    """What one run did, for the closing message and the exit code."""

    frames_read: int = 0
    seconds: float = 0.0
    frames_dropped: int = 0  # newest-only sources: frames the reader was too busy to take
    reconnects: int = 0
    stable: list[StableReading] = field(default_factory=list)  # readings in view at the end
    failure: str | None = None  # why the source stopped, when it did not end cleanly
    recorded_frames: int = 0
    record_failure: str | None = None  # why the recording is broken (a full disk), if it is
    interrupted: bool = False  # stopped by Ctrl+C or SIGTERM

    @property
    def fps(self) -> float:
        return self.frames_read / self.seconds if self.seconds > 0 else 0.0


def reading_line(frame: Frame, result: PageResult, stable: list[StableReading], fps: float) -> str:
    """One frame's reading as the compact JSON line that `--headless` prints and the live view
    serves: `{"time", "frame", "fps", "lines": [...as the scanner's --json...], "stable"}`."""
    record = {"time": round(frame.time, 3), "frame": frame.index, "fps": round(fps, 1),
              "lines": [line.to_dict() for line in result.lines],
              "stable": [reading.to_dict() for reading in stable]}
    return json.dumps(record, separators=(",", ":"))


class FrameReader:
    """Reads one frame: crop to the ROI, shrink to the processing width, read, map boxes back.

    Frames are read as one stream (`runtime.camera.stream`): the polarity is kept between
    frames, an unchanged or merely moved frame gets the reading of the frame before it (moved),
    and large digits are read at half size."""

    def __init__(self, page_reader, roi: BBox | None = None,
                 processing_width_px: int | None = None, stream: StreamOptions | None = None) -> None:
        self.page_reader = page_reader  # anything with .read(gray image) -> PageResult
        self.roi = roi
        self.processing_width_px = processing_width_px
        self.stream = StreamShortcuts(page_reader, stream)

    def read(self, image: np.ndarray, index: int | None = None) -> PageResult:
        """The reading of `image` (BGR, or grey from a grey source), the `index`-th frame of its
        source (None: the next)."""
        left, top, width, height = self._region(image.shape[1], image.shape[0])
        region = image[top:top + height, left:left + width]
        gray = np.ascontiguousarray(region) if region.ndim == 2 else cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)
        scale_x = scale_y = 1.0
        if self.processing_width_px and width > self.processing_width_px:
            new_height = max(1, round(height * self.processing_width_px / width))
            gray = cv2.resize(gray, (self.processing_width_px, new_height),
                              interpolation=cv2.INTER_AREA)
            scale_x, scale_y = width / self.processing_width_px, height / new_height
        result = self.stream.read(gray, index)
        if (left, top, scale_x, scale_y) == (0, 0, 1.0, 1.0):
            return result
        return result.moved(left, top, scale_x, scale_y)

    def _region(self, frame_width: int, frame_height: int) -> BBox:
        if self.roi is None:
            return (0, 0, frame_width, frame_height)
        x, y, w, h = self.roi
        left, top = max(0, x), max(0, y)
        right, bottom = min(frame_width, x + w), min(frame_height, y + h)
        if right <= left or bottom <= top:
            raise RegionError(f"--roi {x},{y},{w},{h} lies outside the {frame_width}x"
                             f"{frame_height} frame; give x,y,w,h inside it")
        return (left, top, right - left, bottom - top)


class CameraLoop:
    """Pulls frames from a grabber, reads them, and shows, prints and records the result."""

    def __init__(self, grabber: FrameGrabber, page_reader, options: CameraOptions | None = None,
                 *, window: Window | None = None, recorder: Recorder | None = None,
                 output: TextIO | None = None, log: Callable[[str], None] = lambda text: None,
                 should_stop: Callable[[], bool] = lambda: False, live=None) -> None:
        options = options or CameraOptions()
        self.should_stop = should_stop  # polled once per frame (see runtime.cli.StopRequest)
        self.grabber = grabber
        # `page_reader` is anything with .read(gray image) -> PageResult, built once.
        self.frame_reader = FrameReader(page_reader, options.roi, options.processing_width_px,
                                        options.stream)
        self.options = options
        self.window = window
        self.recorder = recorder
        # The browser view (`runtime.camera.live.LiveFeed`): anything with
        # publish(annotated image, JSON line); None = no server. (The camera state reaches it
        # from the grabber's on_state.)
        self.live = live
        self.output = output if output is not None else sys.stdout
        self.log = log
        self.stabilizer = ReadingStabilizer(options.stability)
        self._frame_times: deque[float] = deque(maxlen=FPS_WINDOW_FRAMES)
        self._paused = False
        self._last_annotated: np.ndarray | None = None
        self._last_index = -1

    def run(self) -> RunSummary:
        """Read until the source ends, max_frames, q, or should_stop(); always cleans up."""
        summary = RunSummary()
        started = time.perf_counter()
        try:
            while self.options.max_frames is None or summary.frames_read < self.options.max_frames:
                if self.should_stop():
                    summary.interrupted = True
                    break
                if self._paused:
                    if self._handle_key(self.window.poll_key(wait_ms=30)):
                        break
                    continue
                # With a window the wait is short so keys stay responsive while no frame comes.
                frame = self.grabber.next_frame(timeout_s=0.03 if self.window else 0.5)
                if frame is None:
                    if self.grabber.finished:
                        break
                    if self.window is not None and self._handle_key(self.window.poll_key()):
                        break
                    continue
                try:
                    quit_asked = self._read_one(frame)
                except RecordError as error:  # the disk filled up: stop, say so, exit 1
                    summary.record_failure = str(error)
                    quit_asked = True
                summary.frames_read += 1
                if quit_asked:
                    break
        finally:
            self.grabber.stop()
            if self.recorder is not None:
                self.recorder.close()
                summary.recorded_frames = self.recorder.frames_written
                summary.record_failure = summary.record_failure or self.recorder.failure
            if self.window is not None:
                self.window.close()
            summary.seconds = time.perf_counter() - started
            summary.frames_dropped = self.grabber.frames_dropped
            summary.reconnects = self.grabber.reconnects
            summary.failure = self.grabber.failure
            summary.stable = self.stabilizer.stable_readings()
        return summary

    def _read_one(self, frame) -> bool:
        """Read, report and show one frame; True when the user asked to quit."""
        result = self.frame_reader.read(frame.image, frame.index)
        numbers = [number for line in result.lines for number in line.numbers]
        stable = self.stabilizer.update(numbers)
        self._frame_times.append(time.perf_counter())
        fps = self._fps()
        self._last_index = frame.index
        line = reading_line(frame, result, stable, fps)
        if self.options.print_json:
            print(line, file=self.output, flush=True)
        if self.window is None and self.recorder is None and self.live is None:
            return False  # headless, not recording, not serving: drawing would be wasted work
        annotated = draw_overlay(frame.image, result, stable, fps)
        self._last_annotated = annotated
        if self.live is not None:
            self.live.publish(annotated, line)
        if self.recorder is not None:
            self.recorder.write(annotated, frame.time)
        if self.window is not None:
            self.window.show(annotated)
            return self._handle_key(self.window.poll_key())
        return False

    def _handle_key(self, key: int) -> bool:
        """Act on a key; True means quit."""
        if key in _KEY_QUIT or (self.window is not None and self.window.closed):
            return True
        if key in _KEY_SNAPSHOT and self._last_annotated is not None:
            self._save_snapshot()
        elif key in _KEY_PAUSE and self._last_annotated is not None:
            self._paused = not self._paused
            shown = self._last_annotated.copy()
            if self._paused:
                draw_label(shown, "PAUSED (space resumes)", (8, shown.shape[0] - 40), DOUBTFUL_BGR)
            else:
                self._frame_times.clear()  # the pause is not slow reading
            self.window.show(shown)
        return False

    def _save_snapshot(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.options.snapshot_dir / f"edgedigits-{stamp}-frame{self._last_index:06d}.png"
        if cv2.imwrite(str(path), self._last_annotated):
            self.log(f"snapshot saved: {path}")
        else:
            self.log(f"warning: cannot write snapshot {path}; check --snapshot-dir")

    def _fps(self) -> float:
        if len(self._frame_times) < 2:
            return 0.0
        elapsed = self._frame_times[-1] - self._frame_times[0]
        return (len(self._frame_times) - 1) / elapsed if elapsed > 0 else 0.0
