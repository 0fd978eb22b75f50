"""The live camera end to end: what it reads from a moving video, its JSON, its errors, Ctrl+C.

The video is made here: handwritten numbers built from MNIST *test* digits, dark ink on white
640x480 frames, drifting a few pixels per frame under sensor-like noise, written as MJPG .avi
(so compression artefacts are part of the input). The tests that need the real reader and the
shipped model skip with a reason when the model has not been built.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import types

import cv2
import numpy as np
import pytest
from camera_fakes import FAST_RECONNECT, FakeDevice, FakePicamera2, FrameGate, GatedGrabber, live_source
from camera_video import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    BlobReader,
    DrawnNumber,
    is_written_in_one_piece,
    make_digit_video,
    page_with_blocks,
)

from runtime.camera.capture import FrameGrabber, ImageSource, ReconnectOptions
from runtime.camera.cli import main
from runtime.camera.loop import CameraLoop, CameraOptions, FrameReader, RegionError
from runtime.camera.output import Recorder
from runtime.camera.stability import StabilityOptions
from runtime.camera.stream import StreamOptions
from runtime.paths import REPO_ROOT
from runtime.results import PageResult


@pytest.fixture(scope="module")
def real_model():
    """The shipped default model's path, or a skip saying how to build it."""
    from runtime.models import ModelError, default_model_path

    try:
        return default_model_path()
    except ModelError as error:
        pytest.skip(f"no real model to read with: {error}")


@pytest.fixture(scope="module")
def worksheet_video(tmp_path_factory, mnist_test_digits, real_model):
    """The moving worksheet, written with digits the model itself reads right.

    What is under test is the camera's path from frame to stable reading (scale, noise, JPEG,
    motion, segmentation, grouping, stabilizing), not the classifier's error rate on MNIST,
    which the classifier's own tests measure. So the digits drawn are those written in one
    piece that the model reads right, with confidence, as the plain 28x28 MNIST image.
    """
    from runtime.classifier import Classifier

    images, labels = mnist_test_digits
    predictions = Classifier.load(real_model).predict(images)
    usable = np.array([is_written_in_one_piece(image) for image in images])
    usable &= (predictions.labels == labels) & (predictions.confidences >= 0.9)
    path = tmp_path_factory.mktemp("camera video") / "moving worksheet.avi"
    drawn = make_digit_video(path, images[usable], labels[usable], frames=10)
    return path, drawn


def run_camera(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runtime.camera", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def centre(box) -> tuple[float, float]:
    return (box[0] + box[2] / 2, box[1] + box[3] / 2)


def assert_stable_readings_match(stable: list[dict], drawn: list[DrawnNumber], frame_index: int,
                                 tolerance_px: float) -> None:
    assert sorted(s["text"] for s in stable) == sorted(d.text for d in drawn)
    for reading in stable:
        truth = next(d for d in drawn if d.text == reading["text"])
        (x, y), (true_x, true_y) = centre(reading["bbox"]), centre(truth.bbox_at(frame_index))
        assert abs(x - true_x) <= tolerance_px and abs(y - true_y) <= tolerance_px, (
            f"{reading['text']} reported at {reading['bbox']}, drawn at "
            f"{truth.bbox_at(frame_index)}")


@pytest.mark.parametrize("extra", [[], ["--no-deskew"]], ids=["default", "no-deskew"])
def test_reads_the_numbers_in_a_moving_video(extra, worksheet_video, real_model):
    path, drawn = worksheet_video
    completed = run_camera("--source", str(path), "--headless", "--max-frames", "8",
                           "--stable-frames", "3", "--quiet", *extra)
    assert completed.returncode == 0, completed.stderr
    # --quiet: none of the camera's own status lines (the interpreter may log its own).
    assert "frames in" not in completed.stderr and "reading" not in completed.stderr
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [r["frame"] for r in records] == list(range(8))  # a file: every frame, in order
    assert records[0]["stable"] == []  # nothing is trusted from a single frame
    assert_stable_readings_match(records[-1]["stable"], drawn, 7, tolerance_px=4)
    last_digits = [d for line in records[-1]["lines"] for d in line["digits"]]
    assert len(last_digits) == sum(len(d.text) for d in drawn)


def test_roi_and_processing_width_keep_boxes_in_frame_pixels(worksheet_video, real_model):
    path, drawn = worksheet_video
    # The left 400 px, read at 300 px wide: only the numbers wholly inside it are read.
    completed = run_camera("--source", str(path), "--headless", "--max-frames", "5",
                           "--roi", "0,0,400,480", "--width", "300", "--quiet")
    assert completed.returncode == 0, completed.stderr
    last = json.loads(completed.stdout.splitlines()[-1])
    inside = [d for d in drawn if d.bbox_at(4)[0] + d.bbox_at(4)[2] < 400]
    assert_stable_readings_match(last["stable"], inside, 4, tolerance_px=4)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_closes_the_recording_cleanly(stop_signal, tmp_path, worksheet_video, real_model):
    video, _ = worksheet_video
    playback = cv2.VideoCapture(str(video))
    _, first_frame = playback.read()
    playback.release()
    still = tmp_path / "sheet.png"
    cv2.imwrite(str(still), first_frame)
    recording = tmp_path / "run.avi"
    # A still image read for up to 100000 frames: the run is still going when Ctrl+C comes.
    process = subprocess.Popen(
        [sys.executable, "-m", "runtime.camera", "--source", str(still), "--max-frames",
         "100000", "--headless", "--record", str(recording)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        for _ in range(3):  # a few frames in, so there is something recorded
            assert "frame" in json.loads(process.stdout.readline())
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"recording saved: {recording}" in stderr
    playback = cv2.VideoCapture(str(recording))
    ok, image = playback.read()
    frames = int(playback.get(cv2.CAP_PROP_FRAME_COUNT))
    playback.release()
    # Every frame whose JSON line came out before the last one was written.
    assert ok and image.shape == (FRAME_HEIGHT, FRAME_WIDTH, 3) and frames >= 2


@pytest.mark.parametrize("source, words", [
    ("missing clip.mp4", ["source not found", "missing clip.mp4"]),
    ("99", ["cannot open camera 99"]),
    ("/dev/video63", ["camera device not found: /dev/video63"]),
    ("rtsp://viewer:secret@127.0.0.1:9/stream", ["cannot open stream", "viewer:***@"]),
])
def test_a_source_that_cannot_open_is_a_one_line_error(source, words):
    completed = run_camera("--source", source, "--headless", "--max-frames", "1")
    assert completed.returncode == 1
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), completed.stderr
    assert all(word in lines[0] for word in words)
    assert "secret" not in completed.stderr  # stream passwords stay out of messages


@pytest.mark.parametrize("args, words", [
    (["--roi", "1,2,3"], ["--roi", "x,y,w,h"]),
    (["--record", "out.gif"], ["--record", ".avi"]),
    (["--min-confidence", "2"], ["0..1"]),
    (["--serve", "0.0.0.0:http"], ["--serve", "[HOST:]PORT"]),
    (["--serve", "70000"], ["--serve", "0..65535"]),
])
def test_bad_arguments_exit_2_naming_the_value(args, words, capsys):
    with pytest.raises(SystemExit) as exited:
        code = main(["--source", "0", "--headless", *args])
        raise SystemExit(code)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert all(word in error for word in words), error


@pytest.mark.parametrize("args, loaded", [(["--headless"], False), (["--serve", "8000"], True)])
def test_the_http_server_is_loaded_only_to_serve(args, loaded):
    """A run that serves nothing does not pay for importing the HTTP server (a tenth of the
    command's start-up); `--serve` still gets it, with its address parsed."""
    check = ("import sys; from runtime.camera.cli import build_parser; "
             f"parsed = build_parser().parse_args({args!r}); "
             "print('runtime.camera.server' in sys.modules, 'http.server' in sys.modules, parsed.serve)")
    completed = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60,
                               cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stderr
    expected_address = "('127.0.0.1', 8000)" if loaded else "None"
    assert completed.stdout.strip().split(maxsplit=2) == [str(loaded), str(loaded), expected_address]


# ---- The loop with a stand-in reader: no model needed ------------------------------------

def test_roi_and_width_map_boxes_back_to_frame_pixels():
    blocks = [(150, 100, 40, 60), (420, 300, 60, 40), (10, 10, 20, 20)]
    reader = BlobReader()
    frame_reader = FrameReader(reader, roi=(100, 50, 500, 400), processing_width_px=250)
    result = frame_reader.read(page_with_blocks(blocks))
    assert reader.shapes_seen == [(200, 250)]  # the ROI, halved
    boxes = sorted(d.bbox for d in result.digits)
    # The block outside the ROI is not read; the others come back within a pixel or two.
    assert len(boxes) == 2
    for found, truth in zip(boxes, sorted(blocks[:2]), strict=True):
        assert np.abs(np.subtract(found, truth)).max() <= 2, (found, truth)


def test_a_roi_outside_the_frame_says_so():
    frame_reader = FrameReader(BlobReader(), roi=(700, 0, 50, 50))
    with pytest.raises(RegionError, match="outside the 640x480 frame"):
        frame_reader.read(page_with_blocks([]))


def test_headless_json_lines_have_the_scanner_shape(tmp_path):
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), page_with_blocks([(100, 100, 30, 50), (300, 200, 30, 50)]))
    output = io.StringIO()
    grabber = FrameGrabber(ImageSource(path, repeat=4)).start()
    summary = CameraLoop(grabber, BlobReader(),
                         CameraOptions(stability=StabilityOptions(stable_frames=3)),
                         output=output).run()
    records = [json.loads(line) for line in output.getvalue().splitlines()]
    assert summary.frames_read == 4 and len(records) == 4
    for record in records:
        assert set(record) == {"time", "frame", "fps", "lines", "stable"}
        assert isinstance(record["time"], float) and isinstance(record["fps"], float)
        for line in record["lines"]:
            assert set(line) == {"text", "numbers", "digits"}
            for number in line["numbers"]:
                assert set(number) == {"text", "confidence", "bbox"} and len(number["bbox"]) == 4
            for digit in line["digits"]:
                assert set(digit) == {"digit", "confidence", "bbox"}
    assert [len(r["stable"]) for r in records] == [0, 0, 2, 2]
    assert records[-1]["stable"][0] == {"text": "1", "confidence": 0.95,
                                        "bbox": [100, 100, 30, 50]}


def test_recording_a_camera_follows_capture_times(tmp_path):
    path = tmp_path / "live.avi"
    recorder = Recorder(path, fps=10.0)
    recorder.follow_capture_time = True
    image = page_with_blocks([(10, 10, 20, 20)])
    start = 1000.0
    # Read at 0 s, 0.05 s (before its slot: held), 0.3 s (slots 1 and 2 were skipped: the
    # held frame fills them), 0.4 s, then a 5 s stall (kept to 1 s of still frames), 5.5 s.
    for offset in (0.0, 0.05, 0.3, 0.4, 5.4, 5.5):
        recorder.write(image, start + offset)
    recorder.close()
    assert recorder.frames_written == 5 + 11 + 1
    playback = cv2.VideoCapture(str(path))
    assert int(playback.get(cv2.CAP_PROP_FRAME_COUNT)) == 17
    playback.release()


def test_picamera2_through_the_command_line(monkeypatch, capsys):
    module = types.ModuleType("picamera2")
    module.Picamera2 = FakePicamera2
    monkeypatch.setitem(sys.modules, "picamera2", module)
    monkeypatch.setattr("runtime.camera.cli.build_page_reader", lambda *args, **kwargs: BlobReader())
    code = main(["--source", "picamera2", "--headless", "--max-frames", "3", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert len(records) == 3
    assert records[-1]["frame"] >= 2  # newest-only: a camera may skip frames, never repeat them
    assert [r["frame"] for r in records] == sorted({r["frame"] for r in records})


def test_a_long_run_does_not_pile_up_frames():
    """The reader is slower than the camera; the frames waiting stay at one."""
    gate = FrameGate()
    grabber = GatedGrabber(gate, live_source(FakeDevice([None], gate=gate))).start()

    class SlowReader(BlobReader):
        """While it reads one frame, the camera makes three more."""

        calls = 0

        def read(self, gray):
            self.calls += 1
            gate.allow(3)
            gate.wait_for_read(1 + 3 * self.calls + 1)  # the three have been handed over
            return super().read(gray)

    gate.allow(1)
    output = io.StringIO()
    # The fake camera's frames are all alike: each must still reach the reader, which lets
    # the camera go on (an unchanged frame would otherwise keep the last reading unread).
    options = CameraOptions(max_frames=20, stream=StreamOptions(reuse_unchanged=False))
    summary = CameraLoop(grabber, SlowReader(), options, output=output).run()
    frames = [json.loads(line)["frame"] for line in output.getvalue().splitlines()]
    assert summary.frames_read == 20
    assert frames == list(range(0, 60, 3))  # each read takes the newest frame ...
    assert summary.frames_dropped == 40  # ... and the two older ones were let go, not queued
    assert grabber._newest.index == 60  # the one frame still waiting is the newest


def test_the_loop_keeps_reading_through_a_camera_drop():
    device = FakeDevice([3, None], fail_by_raising=True)
    events = []
    grabber = FrameGrabber(live_source(device), reconnect=FAST_RECONNECT,
                           on_event=events.append).start()
    output = io.StringIO()
    summary = CameraLoop(grabber, BlobReader(), CameraOptions(max_frames=8), output=output).run()
    indices = [json.loads(line)["frame"] for line in output.getvalue().splitlines()]
    assert summary.frames_read == 8 and len(indices) == 8
    assert indices == sorted(set(indices))  # never backwards, never repeated
    assert summary.reconnects == 1 and summary.failure is None
    assert any("device unplugged" in event for event in events)


def test_a_camera_that_stays_away_ends_the_command_with_exit_1(monkeypatch, capsys):
    device = FakeDevice([2], failing_opens=100)
    monkeypatch.setattr("runtime.camera.cli.open_source", lambda *args, **kwargs: live_source(device))
    monkeypatch.setattr("runtime.camera.cli.build_page_reader", lambda *args, **kwargs: BlobReader())
    monkeypatch.setattr("runtime.camera.cli.ReconnectOptions", lambda max_reconnects: ReconnectOptions(
        max_reconnects=max_reconnects, initial_backoff_s=0.01, max_backoff_s=0.01))
    code = main(["--source", "0", "--headless", "--max-reconnects", "2"])
    captured = capsys.readouterr()
    assert code == 1
    # The frames before the drop were still read (newest-only: one may have been overtaken).
    assert 1 <= len(captured.out.splitlines()) <= 2
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert errors == ["error: camera 0 stopped delivering frames (no frame); gave up after 2 "
                      "reconnect attempts (raise --max-reconnects to keep trying longer)"]


class ScriptedWindow:
    """Stand-in for the preview window: presses the given keys, one per poll."""

    def __init__(self, keys: list[int]):
        self.keys = list(keys)  # key codes, -1 for a poll without a key
        self.shown = []
        self.closed = False
        self.was_closed = False

    def show(self, image):
        self.shown.append(image)

    def poll_key(self, wait_ms=1):
        return self.keys.pop(0) if self.keys else -1

    def close(self):
        self.was_closed = True


def test_window_keys_snapshot_pause_and_quit(tmp_path):
    image_path = tmp_path / "page.png"
    cv2.imwrite(str(image_path), page_with_blocks([(100, 100, 30, 50)]))
    # Frame 0: no key; frame 1: s (snapshot); frame 2: space (pause); while paused: nothing,
    # then space (resume); frame 3: q.
    window = ScriptedWindow([-1, ord("s"), ord(" "), -1, ord(" "), ord("q")])
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    grabber = FrameGrabber(ImageSource(image_path, repeat=None)).start()
    output = io.StringIO()
    summary = CameraLoop(grabber, BlobReader(), CameraOptions(print_json=False,
                                                              snapshot_dir=snapshots),
                         window=window, output=output).run()
    assert summary.frames_read == 4  # q on the fourth frame ends the run
    assert window.was_closed and output.getvalue() == ""
    saved = list(snapshots.glob("edgedigits-*-frame000001.png"))
    assert len(saved) == 1
    snapshot = cv2.imread(str(saved[0]))
    assert snapshot.shape == (FRAME_HEIGHT, FRAME_WIDTH, 3)
    assert (snapshot != cv2.imread(str(image_path))).any()  # the overlay is in the snapshot
    # Frames shown: 0, 1, 2, the paused banner, the resumed view, 3.
    assert len(window.shown) == 6


def test_a_stop_request_ends_the_loop_between_frames(tmp_path):
    image_path = tmp_path / "page.png"
    cv2.imwrite(str(image_path), page_with_blocks([(100, 100, 30, 50)]))
    recorder = Recorder(tmp_path / "stopped.avi", fps=30.0)
    polls = []

    def stop_after_three_frames() -> bool:
        polls.append(True)
        return len(polls) > 3

    grabber = FrameGrabber(ImageSource(image_path, repeat=None)).start()
    summary = CameraLoop(grabber, BlobReader(), CameraOptions(), recorder=recorder,
                         output=io.StringIO(), should_stop=stop_after_three_frames).run()
    assert summary.interrupted and summary.frames_read == 3
    assert summary.recorded_frames == 3
    assert grabber.finished or grabber._stop.is_set()
    playback = cv2.VideoCapture(str(tmp_path / "stopped.avi"))
    assert int(playback.get(cv2.CAP_PROP_FRAME_COUNT)) == 3  # the file was closed properly
    playback.release()


def test_freed_frame_buffers_are_kept_for_reuse_on_glibc(monkeypatch):
    import platform

    from runtime.memory import keep_freed_memory_for_reuse

    if platform.libc_ver()[0] == "glibc":
        assert keep_freed_memory_for_reuse() is True
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    assert keep_freed_memory_for_reuse() is False  # the user's own setting wins


def test_a_grey_frame_reads_as_its_colour_frame_does():
    """A grey source's frame (`FrameSource.grey`) reaches the reader as the colour frame's grey."""
    class Recording:  # a page reader that keeps what it was given
        def __init__(self):
            self.seen = []

        def read(self, gray):
            self.seen.append(gray.copy())
            return PageResult(lines=[])

    image = np.random.default_rng(1).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    readers = {kind: Recording() for kind in ("colour", "grey")}
    for kind, frame in (("colour", image), ("grey", cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))):
        FrameReader(readers[kind], roi=(10, 5, 50, 40), stream=StreamOptions(reuse_unchanged=False)).read(frame)
    colour, grey = readers["colour"].seen[0], readers["grey"].seen[0]
    assert grey.shape == (40, 50) and grey.flags["C_CONTIGUOUS"]
    assert np.array_equal(colour, grey)
