"""The newest annotated frame, JSON line and camera state, shared by every viewer of the live page.

The reading loop `publish`es each annotated frame with its JSON line; an encoder thread of its
own compresses the frame to JPEG once (only while someone watches the stream), and every HTTP
client waits on a `threading.Condition` for a newer frame or line than the one it sent last,
as in picamera2's `examples/mjpeg_server.py` (one lock; a condition per kind of news, so a
stream viewer wakes once per encoded frame, not for every line and state change too). Nothing here ever waits on a client: a viewer that
reads slowly simply finds a newer frame when it comes back (frames are dropped for it, never
queued), so no viewer can slow the camera or the reader.

Usage: feed = LiveFeed(); feed.publish(annotated_bgr, json_line); ...; feed.close()
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from runtime.camera.capture import SourceState

JPEG_QUALITY = 80
"""Quality of the streamed JPEGs: digits stay crisp at about 40 kB per 640x480 frame."""


@dataclass
class FeedUpdate:
    """What changed for one events client since it last looked."""

    line_seq: int  # sequence number of `line`; 0 while no frame has been read
    line: str | None  # the newest JSON line, or None before the first frame
    state_seq: int  # sequence number of `state`
    state: str  # a SourceState value


class LiveFeed:
    """Newest frame (raw and JPEG), JSON line and source state, behind one Condition."""

    def __init__(self, jpeg_quality: int = JPEG_QUALITY) -> None:
        self.jpeg_quality = jpeg_quality
        self._lock = threading.Lock()  # guards every field below
        self._changed = threading.Condition(self._lock)  # a new frame, line or state; closing
        self._new_jpeg = threading.Condition(self._lock)  # a newly encoded frame; closing
        self._image: np.ndarray | None = None  # newest annotated frame
        self._frame_seq = 0  # counts published frames; the JSON line has the same number
        self._line: str | None = None
        self._jpeg: bytes | None = None
        self._jpeg_seq = 0  # which frame `_jpeg` is
        self._state = SourceState.CONNECTING
        self._state_seq = 1
        self._viewers = 0  # stream clients connected: encoding is wasted work without any
        self.closed = False
        self.frames_encoded = 0
        self._encoder = threading.Thread(target=self._encode_loop, name="live-encoder",
                                         daemon=True)
        self._encoder.start()

    # ---- the reading loop's side -------------------------------------------------------

    def publish(self, annotated: np.ndarray, line: str) -> None:
        """Hand over one frame's drawing and JSON line; returns at once (never waits on viewers).

        `annotated` must not be drawn on afterwards: it is encoded on another thread.
        """
        with self._changed:
            self._image, self._line = annotated, line
            self._frame_seq += 1
            self._changed.notify_all()

    def set_state(self, state: str) -> None:
        with self._changed:
            if state != self._state:
                self._state = state
                self._state_seq += 1
                self._changed.notify_all()

    def close(self) -> None:
        """Wake every waiting client (they end their responses) and stop the encoder."""
        with self._lock:
            self.closed = True
            self._changed.notify_all()
            self._new_jpeg.notify_all()
        self._encoder.join(timeout=1.0)

    # ---- the HTTP clients' side --------------------------------------------------------

    @property
    def latest_line(self) -> str | None:
        with self._changed:
            return self._line

    @property
    def state(self) -> str:
        with self._changed:
            return self._state

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Count a stream viewer while inside (frames are encoded only while there is one)."""
        with self._changed:
            self._viewers += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._viewers -= 1

    def next_jpeg(self, after_seq: int, timeout_s: float) -> tuple[int, bytes] | None:
        """The newest encoded frame if it is newer than `after_seq`, waiting up to `timeout_s`."""
        with self._lock:
            self._new_jpeg.wait_for(lambda: self.closed or self._jpeg_seq > after_seq, timeout_s)
            if self.closed or self._jpeg_seq <= after_seq:
                return None
            return self._jpeg_seq, self._jpeg

    def snapshot_jpeg(self) -> bytes | None:
        """The newest annotated frame as JPEG (encoded here if the encoder has not), or None."""
        with self._changed:
            if self._image is None:
                return None
            if self._jpeg_seq == self._frame_seq:
                return self._jpeg
            image = self._image
        return self._encode(image)

    def next_update(self, line_seq: int, state_seq: int, timeout_s: float) -> FeedUpdate | None:
        """The newest line and state once either is newer than given; None on timeout or close."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self._frame_seq > line_seq
                                   or self._state_seq > state_seq, timeout_s)
            if self.closed or (self._frame_seq <= line_seq and self._state_seq <= state_seq):
                return None
            return FeedUpdate(self._frame_seq, self._line, self._state_seq, self._state)

    # ---- the encoder thread ------------------------------------------------------------

    def _encode_loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self.closed or (
                    self._viewers > 0 and self._frame_seq > self._jpeg_seq))
                if self.closed:
                    return
                image, seq = self._image, self._frame_seq
            jpeg = self._encode(image)  # outside the lock: OpenCV releases the GIL here
            with self._changed:
                if seq > self._jpeg_seq:
                    self._jpeg, self._jpeg_seq = jpeg, seq
                    self.frames_encoded += 1
                    self._new_jpeg.notify_all()

    def _encode(self, image: np.ndarray) -> bytes:
        ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:  # cannot happen for a BGR uint8 frame; never send a broken part
            raise ValueError(f"JPEG encoding failed for a frame of shape {image.shape}")
        return buffer.tobytes()
