"""Frame sources and the capture thread: newest frame only, files in order, reconnects, Pi cam."""

from __future__ import annotations

import sys
import time
import types

import cv2
import numpy as np
import pytest
from camera_fakes import FAST_RECONNECT, FakeDevice, FakePicamera2, FrameGate, live_source

from runtime.camera.capture import (
    FrameGrabber,
    ImageSource,
    OpenCVSource,
    Picamera2Source,
    ReconnectOptions,
    SourceError,
    open_source,
)


def take_frames(grabber: FrameGrabber, count: int, timeout_s: float = 5.0) -> list:
    frames, deadline = [], time.monotonic() + timeout_s
    while len(frames) < count and time.monotonic() < deadline and not grabber.finished:
        frame = grabber.next_frame(timeout_s=0.05)
        if frame is not None:
            frames.append(frame)
    return frames


@pytest.mark.parametrize("fail_by_raising", [False, True],
                         ids=["read-returns-false", "read-raises"])
def test_a_dropped_camera_is_reopened_and_frames_continue(fail_by_raising):
    device = FakeDevice([3, None], failing_opens=2, fail_by_raising=fail_by_raising)
    events = []
    grabber = FrameGrabber(live_source(device), reconnect=FAST_RECONNECT,
                           on_event=events.append).start()
    try:
        frames = take_frames(grabber, 8)
    finally:
        grabber.stop()
    assert len(frames) == 8, f"frames stopped after the drop; events: {events}"
    assert [f.index for f in frames] == sorted({f.index for f in frames})  # only forward
    assert device.connection == 1  # it came back on a second connection
    assert grabber.reconnects == 3  # two failed reopens, then one that worked
    assert grabber.failure is None
    assert any("reconnecting" in event for event in events)
    assert any("reopen failed" in event for event in events)


def test_backoff_doubles_up_to_its_limit():
    device = FakeDevice([1, 0, None], failing_opens=3)
    events = []
    options = ReconnectOptions(initial_backoff_s=0.01, max_backoff_s=0.04)
    grabber = FrameGrabber(live_source(device), reconnect=options, on_event=events.append).start()
    try:
        take_frames(grabber, 3)
    finally:
        grabber.stop()
    waits = [event.split("reconnecting in ")[1].split(" s")[0] for event in events
             if "reconnecting in" in event]
    assert waits == ["0.01", "0.02", "0.04", "0.04", "0.04"]  # doubling, capped
    assert grabber.reconnects == 5


def test_a_camera_that_never_comes_back_gives_up_after_max_reconnects():
    device = FakeDevice([2], failing_opens=100)
    grabber = FrameGrabber(live_source(device),
                           reconnect=ReconnectOptions(max_reconnects=3, initial_backoff_s=0.01,
                                                      max_backoff_s=0.01)).start()
    try:
        frames = take_frames(grabber, 10)
    finally:
        grabber.stop()
    assert len(frames) <= 2
    assert grabber.finished
    assert "camera 0 stopped delivering frames" in grabber.failure
    assert "3 reconnect attempts" in grabber.failure


def test_a_live_source_hands_over_the_newest_frame_not_a_stale_one():
    gate = FrameGate()
    source = live_source(FakeDevice([None], gate=gate))
    grabber = FrameGrabber(source).start()
    try:
        taken = []
        for step in range(1, 6):
            gate.allow(4)  # the camera makes four frames while the reader is busy elsewhere
            gate.wait_for_read(4 * step + 1)  # ... and all four have been handed over
            taken.append(grabber.next_frame(timeout_s=1.0).index)
        dropped, captured = grabber.frames_dropped, grabber.frames_captured
    finally:
        gate.end()
        grabber.stop()
    assert captured == 20
    assert taken == [3, 7, 11, 15, 19]  # always the newest, however long the reader took
    assert dropped == 15  # the three older frames of each four were let go, never queued
    assert source._capture is None  # stop() released the device


def test_buffer_size_is_set_to_one_on_cameras():
    device = FakeDevice([None])
    source = live_source(device)
    source.open()
    try:
        assert source._capture.properties[cv2.CAP_PROP_BUFFERSIZE] == 1
    finally:
        source.close()


def test_a_video_file_is_read_in_full_and_in_order(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for value in range(0, 250, 10):
        writer.write(np.full((48, 64, 3), value, np.uint8))
    writer.release()
    source = open_source(str(path))
    assert not source.live
    grabber = FrameGrabber(source).start()
    frames = []
    try:
        while not grabber.finished:
            time.sleep(0.01)  # a reader slower than the decoder must still see every frame
            frame = grabber.next_frame(timeout_s=0.5)
            if frame is not None:
                frames.append(frame)
    finally:
        grabber.stop()
    assert [f.index for f in frames] == list(range(25))
    brightness = [int(f.image.mean()) for f in frames]
    assert all(abs(b - v) <= 3 for b, v in zip(brightness, range(0, 250, 10), strict=True))
    assert grabber.frames_dropped == 0


def test_an_image_source_repeats_the_image(tmp_path):
    path = tmp_path / "page with spaces.png"
    cv2.imwrite(str(path), np.full((30, 40, 3), 200, np.uint8))
    source = open_source(str(path), image_repeat=3)
    assert isinstance(source, ImageSource)
    grabber = FrameGrabber(source).start()
    try:
        frames = take_frames(grabber, 10)
    finally:
        grabber.stop()
    assert [f.index for f in frames] == [0, 1, 2]
    assert frames[0].image.shape == (30, 40, 3)


@pytest.mark.parametrize("text, kind, live, description", [
    ("0", OpenCVSource, True, "camera 0"),
    ("2", OpenCVSource, True, "camera 2"),
    ("/dev/video7", OpenCVSource, True, "camera device /dev/video7"),
    ("rtsp://user:secret@cam.local/stream", OpenCVSource, True,
     "stream rtsp://user:***@cam.local/stream"),
    ("http://cam.local:8080/video", OpenCVSource, True, "stream http://cam.local:8080/video"),
    ("picamera2", Picamera2Source, True, "Raspberry Pi camera (picamera2)"),
])
def test_open_source_understands_every_kind_of_source(text, kind, live, description):
    source = open_source(text)
    assert isinstance(source, kind)
    assert source.live is live
    assert source.description == description


def test_open_source_on_a_missing_file_names_it_and_the_fix(tmp_path):
    missing = tmp_path / "nope.mp4"
    with pytest.raises(SourceError) as caught:
        open_source(str(missing))
    message = str(caught.value)
    assert str(missing) in message and "camera index" in message and "\n" not in message


def test_a_file_that_is_not_a_video_cannot_open(tmp_path):
    path = tmp_path / "notes.avi"
    path.write_bytes(b"\x00\x01 this is not a video \xff" * 8)  # binary: not refused as text
    source = open_source(str(path))
    with pytest.raises(SourceError, match="cannot open video file"):
        source.open()


@pytest.fixture
def fake_picamera2(monkeypatch):
    FakePicamera2.instances = []
    module = types.ModuleType("picamera2")
    module.Picamera2 = FakePicamera2
    monkeypatch.setitem(sys.modules, "picamera2", module)
    return module


def test_picamera2_is_driven_for_bgr_frames_and_closed(fake_picamera2):
    source = open_source("picamera2", capture_size=(320, 240))
    grabber = FrameGrabber(source).start()
    try:
        frames = take_frames(grabber, 3)
    finally:
        grabber.stop()
    camera = FakePicamera2.instances[0]
    assert camera.calls[0] == ("create_preview_configuration",
                               {"size": (320, 240), "format": "RGB888"})
    assert ("start",) in camera.calls
    assert camera.calls[-2:] == [("stop",), ("close",)]
    assert len(frames) == 3 and frames[0].image.shape == (240, 320, 3)


def test_picamera2_is_only_imported_when_asked_for(monkeypatch):
    monkeypatch.delitem(sys.modules, "picamera2", raising=False)
    open_source("0")
    open_source("picamera2")  # building the source must not import it either
    assert "picamera2" not in sys.modules


def test_missing_picamera2_is_a_one_line_error_with_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)  # makes `import picamera2` fail
    with pytest.raises(SourceError) as caught:
        open_source("picamera2").open()
    message = str(caught.value)
    assert "apt install python3-picamera2" in message and "\n" not in message


def test_an_unexpected_capture_error_is_reported_not_swallowed():
    class BrokenSource(OpenCVSource):
        def read(self):
            raise ValueError("driver returned a frame of shape (0,)")

    grabber = FrameGrabber(BrokenSource(0, live=True, description="camera 0",
                                        capture_factory=FakeDevice([None]).capture)).start()
    try:
        assert take_frames(grabber, 1) == []
    finally:
        grabber.stop()
    assert grabber.finished
    assert grabber.failure == ("camera 0: capture stopped (ValueError: driver returned a frame "
                               "of shape (0,))")


def test_picamera2_without_a_camera_attached_is_a_source_error(fake_picamera2, monkeypatch):
    def no_camera(self):
        raise IndexError("list index out of range")

    monkeypatch.setattr(FakePicamera2, "__init__", no_camera)
    with pytest.raises(SourceError, match="cannot open the Raspberry Pi camera"):
        Picamera2Source().open()


def _write_video(path, fourcc: str, frames: int = 6):
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10.0, (64, 48))
    for _ in range(frames):  # paper under a warm light, with dark marks: a camera's colours
        page = rng.integers(30, 230, (48, 64, 1)) + np.array([-6, 0, 8])
        writer.write(page.clip(0, 255).astype(np.uint8))
    writer.release()


def _read_all(source) -> list[np.ndarray]:
    source.open()
    frames = []
    try:
        while (frame := source.read()) is not None:
            frames.append(frame)
        return frames
    finally:
        source.close()


def test_a_grey_source_decodes_motion_jpeg_straight_to_its_grey(tmp_path):
    path = tmp_path / "clip.avi"
    _write_video(path, "MJPG")
    colour = _read_all(open_source(str(path)))
    grey_source = open_source(str(path))
    grey_source.grey = True  # nothing will draw the frames
    grey = _read_all(grey_source)
    assert len(grey) == len(colour) == 6
    assert all(frame.ndim == 3 for frame in colour)
    for frame, image in zip(grey, colour, strict=True):
        assert frame.shape == (48, 64) and frame.dtype == np.uint8
        # The JPEG's own luma: the colour frame's grey but for rounding (1-2 levels).
        made_grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(int)
        assert np.abs(frame.astype(int) - made_grey).max() <= 2


def test_a_grey_source_of_another_codec_keeps_colour_frames(tmp_path):
    path = tmp_path / "clip.mp4"
    _write_video(path, "mp4v")
    source = open_source(str(path))
    source.grey = True  # asked for, but only motion JPEG is decoded to grey
    frames = _read_all(source)
    assert frames and all(frame.ndim == 3 for frame in frames)


class StoredJpegs:
    """A stand-in for a motion-JPEG file's capture, giving its packets as stored: two frames,
    an empty packet (AVI's repeated frame), a broken one, a third frame."""

    def __init__(self, target):
        encode = lambda value: cv2.imencode(".jpg", np.full((48, 64), value, np.uint8))[1]  # noqa: E731
        self.packets = [encode(40), encode(120), np.zeros((1, 0), np.uint8),
                        np.frombuffer(b"not a jpeg", np.uint8).reshape(1, -1), encode(200)]
        self.raw = False

    def isOpened(self):
        return True

    def get(self, prop):
        return float(cv2.VideoWriter_fourcc(*"MJPG")) if prop == cv2.CAP_PROP_FOURCC else 0.0

    def set(self, prop, value):
        self.raw = self.raw or (prop == cv2.CAP_PROP_FORMAT and value == -1)
        return True

    def read(self):
        if not self.raw or not self.packets:
            return False, None
        return True, self.packets.pop(0)

    def release(self):
        pass


def test_a_stored_frame_without_a_picture_shows_the_frame_before_it():
    source = OpenCVSource("clip.avi", live=False, description="video file clip.avi",
                          capture_factory=StoredJpegs)
    source.grey = True
    means = [round(float(frame.mean())) for frame in _read_all(source)]
    assert len(means) == 5  # the file is read to its end, not stopped at the broken packet
    assert all(abs(mean - value) <= 2 for mean, value in zip(means, [40, 120, 120, 120, 200], strict=True))
