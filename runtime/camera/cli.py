"""Read handwritten digits live from a webcam, the Raspberry Pi camera, a stream or a video.

Each frame goes through the same page reader as the scanner, optionally cropped to a region of
interest and shrunk to a processing width; boxes are reported in the original frame's pixels. A
number counts as *read* once it has been read the same at the same place over several frames,
so the reading does not flicker. Frames come from a capture thread that keeps only the newest
one, so the loop never works on a stale frame; a dropped stream is reopened with exponential
backoff while the process keeps running.

With a display it opens a window showing boxes, digits, numbers, confidence and FPS (keys:
q or Esc quits, s saves a snapshot PNG, space pauses). Without one (`--headless`, or no
DISPLAY/WAYLAND_DISPLAY, or an OpenCV built without windows) it prints one JSON line per frame:
`{"time", "frame", "fps", "lines": [...as the scanner's --json...], "stable": [{"text",
"confidence", "bbox"}]}`. `--serve [HOST:]PORT` also shows the annotated stream, the numbers
read, FPS and camera state in any browser (for a Raspberry Pi without a screen: `--serve
0.0.0.0:8000`, then open http://raspberrypi.local:8000), with /readings.json and /events
carrying the same JSON lines for scripts. `--record FILE` saves the annotated video (.avi
MJPG, .mp4 mp4v). Ctrl+C stops cleanly, closing the recording and the server (exit 130).

Usage: python -m runtime.camera [--source 0|/dev/video0|clip.mp4|rtsp://...|picamera2] [--headless]
       [--serve [HOST:]PORT]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2

from runtime.camera.capture import (
    DEFAULT_OPEN_TIMEOUT_S,
    FrameGrabber,
    ImageSource,
    ReconnectOptions,
    SourceError,
    open_source,
)
from runtime.camera.loop import CameraLoop, CameraOptions, RegionError, RunSummary
from runtime.camera.output import (
    DEFAULT_RECORD_FPS,
    Recorder,
    RecordError,
    Window,
    check_recording_target,
)
from runtime.camera.stability import StabilityOptions
from runtime.camera.stream import StreamOptions
from runtime.cli import (
    EXIT_CODES_HELP,
    ExitCode,
    OneLineParser,
    StopRequest,
    discard_standard_output,
    fail,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
)
from runtime.memory import keep_freed_memory_for_reuse
from runtime.models import ModelError
from runtime.reading.polarity import AUTO, POLARITIES
from runtime.results import BBox

if TYPE_CHECKING:
    from runtime.camera.server import LiveServer


def display_available() -> bool:
    """False where a window cannot possibly open (Linux without an X or Wayland display)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def build_page_reader(model: str | None, threads: int, min_confidence: float,
                      deskew: bool = True, polarity: str = AUTO, scale_to_digits: bool = True):
    """Load the model and build the reader once, before the first frame."""
    # Imported here so that --help and a source that cannot open answer without loading an
    # interpreter.
    from runtime.classifier import Classifier
    from runtime.reading.reader import PageReader, ReaderOptions

    classifier = Classifier.load(model, threads=threads)
    # A camera is held upright: trying four rotations would cost four times the work per frame.
    # scale_to_digits matters only for frames 1,000 px or more on their shorter side (--width).
    # A shaken or defocused frame is not read a second time restored: the next one is steady,
    # and a second reading of every frame the model doubts would halve the frame rate.
    return PageReader(classifier, ReaderOptions(detect_orientation=False, deskew=deskew,
                                                min_confidence=min_confidence, polarity=polarity,
                                                scale_to_digits=scale_to_digits, undo_motion_blur=False,
                                                undo_defocus=False))


def parse_serve_address(text: str) -> tuple[str, int]:
    """`--serve [HOST:]PORT`; the HTTP server's modules load only when it is asked for (they cost
    a run that does not serve a tenth of its start-up)."""
    from runtime.camera.server import parse_address

    return parse_address(text)


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


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m runtime.camera", description=__doc__.split("Usage:")[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_CODES_HELP)
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
    source.add_argument("--max-reconnects", type=non_negative_int, metavar="N",
                        help="give up (exit 1) after N failed reconnects in a row to a dropped "
                             "camera or stream (default: keep trying, backing off up to 8 s)")
    source.add_argument("--open-timeout", type=positive_float, default=DEFAULT_OPEN_TIMEOUT_S,
                        metavar="S", help="give up (exit 1) on a source that has not opened "
                                          f"after S seconds (default {DEFAULT_OPEN_TIMEOUT_S:g})")
    source.add_argument("--loop", action="store_true",
                        help="replay a video file from the start when it ends, forever (demos)")
    reading = parser.add_argument_group("reading")
    reading.add_argument("--model", help="model file (.tflite/.onnx/.ort); default: the shipped "
                                         "int8 model")
    reading.add_argument("--threads", type=positive_int, default=1, metavar="N",
                         help="interpreter threads (default 1)")
    reading.add_argument("--min-confidence", type=probability, default=0.5, metavar="P",
                         help="digits below this probability are shown as '?' and never count "
                              "as read (default 0.5)")
    reading.add_argument("--roi", type=parse_roi, metavar="X,Y,W,H",
                         help="read only this rectangle of the frame (pixels)")
    reading.add_argument("--width", type=positive_int, default=640, metavar="PX",
                         help="shrink frames (after --roi) wider than this before reading; "
                              "boxes stay in frame pixels (default 640)")
    reading.add_argument("--full-size", action="store_true",
                         help="read every frame at the processing width, even when its digits "
                              "are large (by default frames whose digits are 44 px or taller "
                              "are read at half size: about a third less work, a reading "
                              "that can differ from the full-size one, equally accurate)")
    reading.add_argument("--no-deskew", action="store_true",
                         help="skip levelling tilted lines: for a camera held square to the "
                              "sheet; about a third less work per frame")
    reading.add_argument("--polarity", choices=POLARITIES, default=AUTO,
                         help="dark-on-light (pen on paper), light-on-dark (a chalkboard, a dark "
                              "screen) or auto: decided from the frames, checked about once a "
                              "second and whenever the picture's tone changes (default auto)")
    reading.add_argument("--every-frame", action="store_true",
                         help="read every frame from scratch and at full size: decide polarity "
                              "on each, and re-read a frame that has not changed or has only "
                              "moved (slower; by default such a frame keeps the last reading, "
                              "moved, and frames with large digits are read at half size)")
    reading.add_argument("--stable-frames", type=positive_int, default=3, metavar="N",
                         help="a number counts as read after the same reading at the same place "
                              "in N frames in a row (default 3)")
    output = parser.add_argument_group("output")
    output.add_argument("--headless", action="store_true",
                        help="no window: print one JSON line per frame (automatic without a "
                             "display)")
    output.add_argument("--json", action="store_true",
                        help="print the JSON lines also when a window is shown")
    output.add_argument("--serve", type=parse_serve_address, metavar="[HOST:]PORT",
                        help="serve the live view to browsers: the annotated stream, the numbers "
                             "read, FPS and camera state at http://HOST:PORT/, the readings at "
                             "/readings.json and /events. HOST defaults to 127.0.0.1 (this "
                             "machine only); 0.0.0.0 lets other machines in, e.g. a Raspberry "
                             "Pi without a screen: --serve 0.0.0.0:8000")
    output.add_argument("--record", type=Path, metavar="FILE",
                        help="save the annotated video (.avi MJPG or .mp4 mp4v)")
    output.add_argument("--overwrite", action="store_true",
                        help="let --record replace a file that exists (never the source)")
    output.add_argument("--snapshot-dir", type=Path, default=Path("."), metavar="DIR",
                        help="where the s key saves snapshot PNGs (default: here)")
    output.add_argument("--max-frames", type=positive_int, metavar="N",
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
        if args.record:
            check_recording_target(args.record, args.source, args.overwrite)
        recorder = Recorder(args.record, DEFAULT_RECORD_FPS) if args.record else None
        if not args.snapshot_dir.is_dir():
            raise ValueError(f"--snapshot-dir {args.snapshot_dir} is not a folder; create it")
    except ValueError as error:
        return fail(error, ExitCode.USAGE)
    try:
        server = _start_server(args.serve, log) if args.serve else None
    except OSError as error:
        host, port = args.serve
        return fail(f"cannot serve on {host}:{port} ({error.strerror or error}); choose another "
                    "port or host", ExitCode.FAILED)
    window = _open_window(args.headless, log)
    stop = StopRequest().install()
    try:
        return _run(args, window, recorder, stop, log, server)
    except KeyboardInterrupt:  # Ctrl+C while the source opened, or a second Ctrl+C
        if recorder is not None:
            recorder.close()
        log("interrupted")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # Whoever read our JSON (`| head`) has gone: stop quietly.
        discard_standard_output()
        return int(ExitCode.OK)
    except RegionError as error:  # an --roi outside the frame, known only once frames arrive
        return fail(error, ExitCode.USAGE)
    except (SourceError, ModelError, RecordError) as error:
        return fail(error, ExitCode.FAILED)
    finally:
        if server is not None:
            server.close()
        stop.restore()
        if window is not None:
            cv2.destroyAllWindows()


def _start_server(address: tuple[str, int], log: Callable[[str], None]) -> LiveServer:
    """Bind and start the live view before anything slow, so a taken port fails at once."""
    from runtime.camera.live import LiveFeed
    from runtime.camera.server import LiveServer, ServeOptions

    host, port = address
    server = LiveServer(LiveFeed(), ServeOptions(host=host, port=port)).start()
    where = server.url
    if host == "0.0.0.0":
        where += f" (from another machine: http://{socket.gethostname()}.local:{server.port}/)"
    log(f"live view: {where}")
    return server


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
         stop: StopRequest, log: Callable[[str], None], server: LiveServer | None = None) -> int:
    """Open the source, load the reader, read until done; the exit status."""
    watched = window is not None or server is not None
    # A still image nobody watches is read just often enough for its numbers to settle.
    image_repeat = None if (watched or args.max_frames) else args.stable_frames
    source = open_source(args.source, capture_size=args.capture_size, image_repeat=image_repeat)
    source.grey = not watched and recorder is None  # nothing draws the frames: grey is all the reader needs
    # A still image on screen is re-read at a video's pace, not as fast as the CPU allows.
    realtime = args.realtime or (isinstance(source, ImageSource) and watched)
    grabber = FrameGrabber(source, realtime=realtime,
                           reconnect=ReconnectOptions(max_reconnects=args.max_reconnects),
                           on_event=log, loop=args.loop,
                           on_state=server.feed.set_state if server is not None else None)
    # Open first, so a camera that is not there fails before the model loads; read only once
    # the reader is ready, so no frames go by while the interpreter starts. The open is
    # bounded and Ctrl+C ends it at once (KeyboardInterrupt, exit 130).
    grabber.open(timeout_s=args.open_timeout, should_stop=stop)
    try:
        page_reader = build_page_reader(args.model, args.threads, args.min_confidence,
                                        deskew=not args.no_deskew, polarity=args.polarity,
                                        scale_to_digits=not (args.every_frame or args.full_size))
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
                            stream=StreamOptions(fixed_polarity=not args.every_frame,
                                                 reuse_unchanged=not args.every_frame,
                                                 track_shift=not args.every_frame,
                                                 half_scale=not (args.every_frame or args.full_size)),
                            print_json=window is None or args.json,
                            snapshot_dir=args.snapshot_dir)
    log(f"reading {source.description}" + ("" if window else " (headless)"))
    grabber.start()
    summary = CameraLoop(grabber, page_reader, options, window=window, recorder=recorder,
                         log=log, should_stop=stop,
                         live=server.feed if server is not None else None).run()
    _log_summary(summary, args.record, log)
    if summary.record_failure:
        return fail(summary.record_failure, ExitCode.FAILED)
    if summary.interrupted:
        log("interrupted")
        return int(ExitCode.INTERRUPTED)
    if summary.failure:
        return fail(summary.failure, ExitCode.FAILED)
    if summary.frames_read == 0 and not source.live:
        # A file that opened but held no frame (a recording that never got one) read nothing.
        return fail(f"no frame could be read from {source.description}", ExitCode.FAILED)
    return int(ExitCode.OK)


def _log_summary(summary: RunSummary, record_path: Path | None,
                 log: Callable[[str], None]) -> None:
    readings = ", ".join(reading.text for reading in summary.stable) or "none"
    log(f"read {summary.frames_read} frames in {summary.seconds:.1f} s ({summary.fps:.1f} fps); "
        f"dropped {summary.frames_dropped}, reconnects {summary.reconnects}; "
        f"numbers in view: {readings}")
    if record_path is not None and summary.recorded_frames and not summary.record_failure:
        size_mb = record_path.stat().st_size / 1e6 if record_path.exists() else 0.0
        log(f"recording saved: {record_path} ({summary.recorded_frames} frames, {size_mb:.1f} MB)")
