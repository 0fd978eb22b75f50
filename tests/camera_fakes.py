"""Fake cameras for the capture and camera-loop tests (no tests here).

`FakeDevice` stands in for `cv2.VideoCapture` behind an `OpenCVSource`: it drops and comes back
on a plan, and with a `FrameGate` it makes exactly the frames a test allows, so how many frames
the grabber captured, handed over and dropped is decided by the test, not by thread scheduling.
`FakePicamera2` stands in for picamera2's camera class.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from runtime.camera.capture import FrameGrabber, OpenCVSource, ReconnectOptions

FAST_RECONNECT = ReconnectOptions(initial_backoff_s=0.01, max_backoff_s=0.04)

GATE_WAIT_S = 30.0
"""How long a test waits for the capture thread to reach a read before it fails (never a
condition of the result: a healthy run gets there in microseconds)."""


class FrameGate:
    """Lets a gated camera make only the frames a test allows, and tells when it has made them.

    The capture thread calls `pass_read` at the start of every read; the read goes on once a
    frame is allowed. The grabber delivers a frame before it starts the next read, so once the
    n-th read has started, every frame before it has been delivered (`wait_for_read(n)`).
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._allowed = 0
        self._reads_started = 0
        self._ended = False

    def allow(self, frames: int) -> None:
        """Let the camera make `frames` more frames."""
        with self._condition:
            self._allowed += frames
            self._condition.notify_all()

    def end(self) -> None:
        """From now on every read finds no frame (the camera is gone), so a grabber can stop."""
        with self._condition:
            self._ended = True
            self._condition.notify_all()

    def wait_for_read(self, number: int) -> None:
        """Block until the camera's `number`-th read (1-based) has started."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._reads_started >= number, GATE_WAIT_S):
                raise AssertionError(f"the capture thread never started read {number} "
                                     f"(it started {self._reads_started})")

    def pass_read(self) -> bool:
        """Called by the camera: wait for an allowed frame; False once the gate has ended."""
        with self._condition:
            self._reads_started += 1
            self._condition.notify_all()
            self._condition.wait_for(lambda: self._allowed > 0 or self._ended)
            if self._ended:
                return False
            self._allowed -= 1
            return True


class FakeDevice:
    """A camera that drops after a planned number of frames per connection, then comes back.

    `frames_per_connection[i]` frames are delivered on the i-th open (None = never drops);
    `failing_opens` opens fail before the device is back. `fail_by_raising` makes a dropping
    read raise like some backends do, instead of returning False. With a `gate`, each read
    waits for the frame the test allows.
    """

    def __init__(self, frames_per_connection, failing_opens=0, fail_by_raising=False,
                 gate: FrameGate | None = None):
        self.frames_per_connection = list(frames_per_connection)
        self.failing_opens = failing_opens
        self.fail_by_raising = fail_by_raising
        self.gate = gate
        self.opens = 0
        self.connection = -1
        self.frames_made = 0  # the number written into each frame, counting every frame made

    def capture(self, target):
        return FakeCapture(self)


class FakeCapture:
    """cv2.VideoCapture stand-in bound to one FakeDevice connection."""

    def __init__(self, device: FakeDevice):
        self.device = device
        device.opens += 1
        self.opened = True
        if device.opens > 1 and device.failing_opens > 0:
            device.failing_opens -= 1
            self.opened = False
            return
        device.connection += 1
        plan = device.frames_per_connection
        self.remaining = plan[device.connection] if device.connection < len(plan) else None
        self.properties = {}

    def isOpened(self):
        return self.opened

    def set(self, prop, value):
        self.properties[prop] = value
        return True

    def get(self, prop):
        return 25.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        if self.device.gate is not None and not self.device.gate.pass_read():
            return False, None
        if self.remaining is not None:
            if self.remaining <= 0:
                if self.device.fail_by_raising:
                    raise OSError("device unplugged")
                return False, None
            self.remaining -= 1
        image = np.full((24, 32, 3), self.device.frames_made % 256, np.uint8)
        self.device.frames_made += 1
        return True, image

    def release(self):
        self.opened = False


def live_source(device: FakeDevice) -> OpenCVSource:
    return OpenCVSource(0, live=True, description="camera 0", capture_factory=device.capture)


class GatedGrabber(FrameGrabber):
    """A grabber on a gated camera whose `stop()` ends the gate first, so the capture thread,
    waiting for a frame that will never be allowed, finishes at once."""

    def __init__(self, gate: FrameGate, source: OpenCVSource, **kwargs) -> None:
        super().__init__(source, **kwargs)
        self.gate = gate

    def stop(self) -> None:
        self.gate.end()
        super().stop()


class FakePicamera2:
    """Stand-in for picamera2.Picamera2 recording how the camera was driven."""

    instances: list[FakePicamera2] = []

    def __init__(self):
        self.calls = []
        self.frame_count = 0
        FakePicamera2.instances.append(self)

    def create_preview_configuration(self, main=None, **kwargs):
        self.calls.append(("create_preview_configuration", main))
        return {"main": main}

    def configure(self, config):
        self.calls.append(("configure", config))

    def start(self):
        self.calls.append(("start",))

    def capture_array(self, name="main"):
        self.frame_count += 1
        width, height = self.calls[0][1]["size"]
        return np.full((height, width, 3), self.frame_count % 256, np.uint8)

    def stop(self):
        self.calls.append(("stop",))

    def close(self):
        self.calls.append(("close",))
