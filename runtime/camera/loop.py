"""Read handwritten digits live from a webcam, the Raspberry Pi camera, a stream or a video.

Each frame goes through the same page reader as the scanner (no orientation search: a camera
is held upright), optionally cropped to a region of interest and shrunk to a processing
width; boxes are reported in the original frame's pixels. A number counts as *read* once it
has been read the same at the same place over several frames (`runtime.camera.stability`), so the
reading does not flicker. Frames come from a capture thread that keeps only the newest one
(`runtime.camera.capture`), so the loop never works on a stale frame; a dropped stream is reopened
with exponential backoff while the process keeps running.

With a display it opens a window showing boxes, digits, numbers, confidence and FPS (keys:
q or Esc quits, s saves a snapshot PNG, space pauses). Without one (`--headless`, or no
DISPLAY/WAYLAND_DISPLAY, or an OpenCV built without windows) it prints one JSON line per frame:
`{"time", "frame", "fps", "lines": [...as the scanner's --json...], "stable": [{"text",
"confidence", "bbox"}]}`. `--record FILE` saves the annotated video (.avi MJPG, .mp4 mp4v).
Ctrl+C stops cleanly, closing the recording (exit 130).

Usage: python -m runtime.camera [--source 0|/dev/video0|clip.mp4|rtsp://...|picamera2] [--headless]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from runtime.camera.capture import (
    FrameGrabber,
    ImageSource,
    ReconnectOptions,
    SourceError,
    open_source,
)
from runtime.camera.output import (
    DEFAULT_RECORD_FPS,
    PAUSED_COLOUR,
    Recorder,
    RecordError,
    Window,
    draw_label,
    draw_overlay,
)
from runtime.camera.stability import ReadingStabilizer, StabilityOptions, StableReading
from runtime.memory import keep_freed_memory_for_reuse
from runtime.models import ModelError
from runtime.read.polarity import AUTO, POLARITIES
from runtime.results import BBox, Digit, Line, Number, PageResult

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

FPS_WINDOW_FRAMES = 30
"""The FPS shown is measured over this many latest frames: steady, yet quick to follow."""


_KEY_QUIT = (ord("q"), ord("Q"), 27)  # 27 = Esc
_KEY_SNAPSHOT = (ord("s"), ord("S"))
_KEY_PAUSE = (ord(" "),)


class RegionError(ValueError):
    """The --roi does not overlap the frames the source delivers."""


class StopRequest:
    """Ctrl+C and SIGTERM ask the loop to stop between frames; a second Ctrl+C stops at once.

    Raising KeyboardInterrupt wherever the main thread happens to be can leave a queue or the
    video writer half-way through an operation (and the encoder thread waiting forever); a
    flag checked once per frame closes everything in order. Signals can only be caught on the
    main thread; elsewhere (a test calling main() from a thread) nothing is installed.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def install(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt  # asked twice: the user wants out now
        self.requested = True


@dataclass
class CameraOptions:
    """What the live loop does with each frame."""

    roi: BBox | None = None  # x, y, w, h of the frame region to read; None = the whole frame
    # Regions wider than this are shrunk to it before reading (fewer pixels to segment);
    # None = never shrink.
    processing_width_px: int | None = 640
    max_frames: int | None = None  # stop after reading this many frames; None = until the end or q
    stability: StabilityOptions = field(default_factory=StabilityOptions)
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
    interrupted: bool = False  # stopped by Ctrl+C or SIGTERM

    @property
    def fps(self) -> float:
        return self.frames_read / self.seconds if self.seconds > 0 else 0.0


class FrameReader:
    """Reads one frame: crop to the ROI, shrink to the processing width, read, map boxes back."""

    def __init__(self, page_reader, roi: BBox | None = None,
                 processing_width_px: int | None = None) -> None:
        self.page_reader = page_reader  # anything with .read(gray image) -> PageResult
        self.roi = roi
        self.processing_width_px = processing_width_px

    def read(self, image: np.ndarray) -> PageResult:
        left, top, width, height = self._region(image.shape[1], image.shape[0])
        gray = cv2.cvtColor(image[top:top + height, left:left + width], cv2.COLOR_BGR2GRAY)
        scale_x = scale_y = 1.0
        if self.processing_width_px and width > self.processing_width_px:
            new_height = max(1, round(height * self.processing_width_px / width))
            gray = cv2.resize(gray, (self.processing_width_px, new_height),
                              interpolation=cv2.INTER_AREA)
            scale_x, scale_y = width / self.processing_width_px, height / new_height
        result = self.page_reader.read(gray)
        if (left, top, scale_x, scale_y) == (0, 0, 1.0, 1.0):
            return result
        return _moved_result(result, left, top, scale_x, scale_y)

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


def _moved_result(result: PageResult, left: int, top: int, scale_x: float,
                  scale_y: float) -> PageResult:
    """The same reading with every box in the coordinates of the full-size frame."""
    def moved(box: BBox) -> BBox:
        x, y, w, h = box
        return (round(left + x * scale_x), round(top + y * scale_y),
                max(1, round(w * scale_x)), max(1, round(h * scale_y)))

    lines = [Line([Number([Digit(d.digit, d.confidence, moved(d.bbox)) for d in number.digits])
                   for number in line.numbers]) for line in result.lines]
    return PageResult(lines, result.rotation_deg)


class CameraLoop:
    """Pulls frames from a grabber, reads them, and shows, prints and records the result."""

    def __init__(self, grabber: FrameGrabber, page_reader, options: CameraOptions | None = None,
                 *, window: Window | None = None, recorder: Recorder | None = None,
                 output: TextIO | None = None, log: Callable[[str], None] = lambda text: None,
                 should_stop: Callable[[], bool] = lambda: False) -> None:
        options = options or CameraOptions()
        self.should_stop = should_stop  # polled once per frame (see StopRequest)
        self.grabber = grabber
        # `page_reader` is anything with .read(gray image) -> PageResult, built once.
        self.frame_reader = FrameReader(page_reader, options.roi, options.processing_width_px)
        self.options = options
        self.window = window
        self.recorder = recorder
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
                if self._read_one(frame):
                    summary.frames_read += 1
                    break
                summary.frames_read += 1
        finally:
            self.grabber.stop()
            if self.recorder is not None:
                self.recorder.close()
                summary.recorded_frames = self.recorder.frames_written
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
        result = self.frame_reader.read(frame.image)
        numbers = [number for line in result.lines for number in line.numbers]
        stable = self.stabilizer.update(numbers)
        self._frame_times.append(time.perf_counter())
        fps = self._fps()
        self._last_index = frame.index
        if self.options.print_json:
            record = {"time": round(frame.time, 3), "frame": frame.index, "fps": round(fps, 1),
                      "lines": [line.to_dict() for line in result.lines],
                      "stable": [reading.to_dict() for reading in stable]}
            print(json.dumps(record, separators=(",", ":")), file=self.output, flush=True)
        if self.window is None and self.recorder is None:
            return False  # headless and not recording: drawing would be wasted work
        annotated = draw_overlay(frame.image, result, stable, fps)
        self._last_annotated = annotated
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
                draw_label(shown, "PAUSED (space resumes)", (8, shown.shape[0] - 40), PAUSED_COLOUR)
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


def display_available() -> bool:
    """False where a window cannot possibly open (Linux without an X or Wayland display)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def build_page_reader(model: str | None, threads: int, min_confidence: float,
                      deskew: bool = True, polarity: str = AUTO):
    """Load the model and build the reader once, before the first frame."""
    # Imported here so that --help and a source that cannot open answer without loading an
    # interpreter.
    from runtime.classifier import Classifier
    from runtime.read.reader import PageReader, ReaderOptions

    classifier = Classifier.load(model, threads=threads)
    # A camera is held upright: trying four rotations would cost four times the work per frame.
    return PageReader(classifier, ReaderOptions(detect_orientation=False, deskew=deskew,
                                                min_confidence=min_confidence, polarity=polarity))


def parse_roi(text: str) -> BBox:
    parts = text.replace(" ", "").split(",")
    try:
        x, y, w, h = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--roi {text!r}: expected four integers x,y,w,h, e.g. 100,50,320,240") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise argparse.ArgumentTypeError(
            f"--roi {text!r}: x and y must be 0 or more and w, h positive")
    return (x, y, w, h)


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--capture-size {text!r}: expected WIDTHxHEIGHT, e.g. 640x480") from None
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f"--capture-size {text!r}: sides must be positive")
    return (width, height)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in 0..1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in 0..1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runtime.camera", description=__doc__.split("Usage:")[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 done, 1 source/model/recording failure, 2 bad arguments, "
               "130 interrupted (the recording is closed properly first).")
    source = parser.add_argument_group("source")
    source.add_argument("--source", default="0",
                        help="camera index (default 0), V4L2 device path, video file, image, "
                             "RTSP/HTTP stream URL, or 'picamera2' for the Raspberry Pi camera")
    source.add_argument("--capture-size", type=parse_size, metavar="WxH",
                        help="resolution to ask of a camera, e.g. 640x480 (default: its own; "
                             "picamera2: 640x480)")
    source.add_argument("--realtime", action="store_true",
                        help="play a video file at its own frame rate and drop frames the "
                             "reader cannot keep up with, like a camera (default: read every "
                             "frame in order)")
    source.add_argument("--max-reconnects", type=_non_negative_int, metavar="N",
                        help="give up (exit 1) after N failed reconnects in a row to a dropped "
                             "camera or stream (default: keep trying, backing off up to 8 s)")
    reading = parser.add_argument_group("reading")
    reading.add_argument("--model", help="model file (.tflite/.onnx/.ort); default: the shipped "
                                         "int8 model")
    reading.add_argument("--threads", type=_positive_int, default=1, metavar="N",
                         help="interpreter threads (default 1)")
    reading.add_argument("--min-confidence", type=_probability, default=0.5, metavar="P",
                         help="digits below this probability are shown as '?' and never count "
                              "as read (default 0.5)")
    reading.add_argument("--roi", type=parse_roi, metavar="X,Y,W,H",
                         help="read only this rectangle of the frame (pixels)")
    reading.add_argument("--width", type=_positive_int, default=640, metavar="PX",
                         help="shrink frames (after --roi) wider than this before reading; "
                              "boxes stay in frame pixels (default 640)")
    reading.add_argument("--no-deskew", action="store_true",
                         help="skip levelling tilted lines: for a camera held square to the "
                              "sheet; about a third less work per frame")
    reading.add_argument("--polarity", choices=POLARITIES, default=AUTO,
                         help="dark-on-light (pen on paper), light-on-dark (a chalkboard, a dark "
                              "screen) or auto: decided per frame (default auto)")
    reading.add_argument("--stable-frames", type=_positive_int, default=3, metavar="N",
                         help="a number counts as read after the same reading at the same place "
                              "in N frames in a row (default 3)")
    output = parser.add_argument_group("output")
    output.add_argument("--headless", action="store_true",
                        help="no window: print one JSON line per frame (automatic without a "
                             "display)")
    output.add_argument("--json", action="store_true",
                        help="print the JSON lines also when a window is shown")
    output.add_argument("--record", type=Path, metavar="FILE",
                        help="save the annotated video (.avi MJPG or .mp4 mp4v)")
    output.add_argument("--snapshot-dir", type=Path, default=Path("."), metavar="DIR",
                        help="where the s key saves snapshot PNGs (default: here)")
    output.add_argument("--max-frames", type=_positive_int, metavar="N",
                        help="stop after reading N frames")
    output.add_argument("--quiet", action="store_true",
                        help="no status messages on stderr (errors still print)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    log = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    if "OPENCV_LOG_LEVEL" not in os.environ:
        # OpenCV's own warnings ("can't open camera by index") would bury our one-line errors.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    # Likewise FFmpeg's ("Connection refused" from a stream); read when a capture is opened.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    keep_freed_memory_for_reuse()
    try:
        recorder = Recorder(args.record, DEFAULT_RECORD_FPS) if args.record else None
        if not args.snapshot_dir.is_dir():
            raise ValueError(f"--snapshot-dir {args.snapshot_dir} is not a folder; create it")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    window = _open_window(args.headless, log)
    stop = StopRequest().install()
    try:
        return _run(args, window, recorder, stop, log)
    except KeyboardInterrupt:  # a second Ctrl+C, or one before the handlers were in place
        if recorder is not None:
            recorder.close()
        log("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Whoever read our JSON (`| head`) has gone: stop quietly, and point stdout at
        # /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except RegionError as error:  # an --roi outside the frame, known only once frames arrive
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (SourceError, ModelError, RecordError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        stop.restore()
        if window is not None:
            cv2.destroyAllWindows()


def _open_window(headless: bool, log: Callable[[str], None]) -> Window | None:
    """The preview window, or None to run headless (asked for, or no display to show it on)."""
    if headless or not display_available():
        return None
    try:
        return Window()
    except cv2.error:
        log("no window available (OpenCV built without a GUI); running headless")
        return None


def _run(args: argparse.Namespace, window: Window | None, recorder: Recorder | None,
         stop: StopRequest, log: Callable[[str], None]) -> int:
    """Open the source, load the reader, read until done; the exit status."""
    # A still image without a window is read just often enough for its numbers to settle.
    image_repeat = None if (window is not None or args.max_frames) else args.stable_frames
    source = open_source(args.source, capture_size=args.capture_size, image_repeat=image_repeat)
    # A still image on screen is re-read at a video's pace, not as fast as the CPU allows.
    realtime = args.realtime or (isinstance(source, ImageSource) and window is not None)
    grabber = FrameGrabber(source, realtime=realtime,
                           reconnect=ReconnectOptions(max_reconnects=args.max_reconnects),
                           on_event=log)
    # Open first, so a camera that is not there fails before the model loads; read only once
    # the reader is ready, so no frames go by while the interpreter starts.
    grabber.open()
    try:
        page_reader = build_page_reader(args.model, args.threads, args.min_confidence,
                                        deskew=not args.no_deskew, polarity=args.polarity)
    except BaseException:
        grabber.stop()
        raise
    if recorder is not None:
        recorder.fps = source.nominal_fps or DEFAULT_RECORD_FPS
        # A camera's frames are written at their capture times, so the video plays at the
        # speed things happened however fast the reader kept up.
        recorder.follow_capture_time = not grabber.keep_every_frame
    options = CameraOptions(roi=args.roi, processing_width_px=args.width,
                            max_frames=args.max_frames,
                            stability=StabilityOptions(stable_frames=args.stable_frames),
                            print_json=window is None or args.json,
                            snapshot_dir=args.snapshot_dir)
    log(f"reading {source.description}" + ("" if window else " (headless)"))
    grabber.start()
    summary = CameraLoop(grabber, page_reader, options, window=window, recorder=recorder,
                         log=log, should_stop=stop).run()
    _log_summary(summary, args.record, log)
    if summary.interrupted:
        log("interrupted")
        return EXIT_INTERRUPTED
    if summary.failure:
        print(f"error: {summary.failure}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _log_summary(summary: RunSummary, record_path: Path | None,
                 log: Callable[[str], None]) -> None:
    readings = ", ".join(reading.text for reading in summary.stable) or "none"
    log(f"read {summary.frames_read} frames in {summary.seconds:.1f} s ({summary.fps:.1f} fps); "
        f"dropped {summary.frames_dropped}, reconnects {summary.reconnects}; "
        f"numbers in view: {readings}")
    if record_path is not None and summary.recorded_frames:
        size_mb = record_path.stat().st_size / 1e6 if record_path.exists() else 0.0
        log(f"recording saved: {record_path} ({summary.recorded_frames} frames, {size_mb:.1f} MB)")

