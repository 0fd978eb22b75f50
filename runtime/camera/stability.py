"""Steady readings from a flickering per-frame reader: a number counts once it holds still.

One frame's reading of a handwritten number can flip between frames (a 7 read as 1 in one of
them, a digit missed in another). `ReadingStabilizer` follows each number from frame to frame
by where it is (box overlap, else a small centre shift) and reports its text as *stable* once
the same text has been read at about the same place in `stable_frames` frames in a row. A
stable reading is held until a different text has become stable in its place, and is kept
through a few frames in which the number is not found at all, so what a user sees does not
flicker. Memory is bounded: tracks die when their number leaves the view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.boxes import greedy_pairs, iou_matrix
from runtime.results import BBox, Number

UNREADABLE_MARK = "?"
"""The reader writes this for a digit below its confidence threshold; such a text never
becomes stable."""


@dataclass
class StabilityOptions:
    """When a reading counts as stable and how numbers are matched between frames."""

    stable_frames: int = 3  # frames in a row the same text must be read in the same place
    min_overlap_iou: float = 0.3  # boxes overlapping at least this much are the same number
    max_centre_shift: float = 0.5  # else: centres closer than this times the box height match
    max_missing_frames: int = 2  # frames a number may go unseen before its track is dropped
    max_tracks: int = 256  # hard cap, so a view full of noise cannot grow memory without end

    def __post_init__(self) -> None:
        if self.stable_frames < 1:
            raise ValueError(f"stable_frames must be at least 1, got {self.stable_frames}")
        if self.max_missing_frames < 0:
            raise ValueError(f"max_missing_frames must be 0 or more, got {self.max_missing_frames}")


@dataclass
class StableReading:
    """A number whose text has held still for enough frames."""

    text: str
    confidence: float  # mean over the frames that made the text stable, 0..1
    bbox: BBox  # where the number was last seen, in frame pixels
    track_id: int  # the same id while the number stays in view
    frames: int  # frames in a row this text has been read

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": round(float(self.confidence), 4),
                "bbox": [int(v) for v in self.bbox]}


@dataclass
class _Track:
    track_id: int
    bbox: BBox
    candidate_text: str  # the text read in the latest frames
    candidate_frames: int  # frames in a row `candidate_text` was read
    candidate_confidence_sum: float
    stable_text: str | None = None  # the last text that became stable here
    stable_confidence: float = 0.0
    missing_frames: int = 0  # frames since the number was last found


class ReadingStabilizer:
    """Follows numbers across frames and tells which readings are stable."""

    def __init__(self, options: StabilityOptions | None = None) -> None:
        self.options = options or StabilityOptions()
        self._tracks: list[_Track] = []
        self._next_id = 0

    def update(self, numbers: list[Number]) -> list[StableReading]:
        """Take one frame's numbers; return the stable readings in view, top-left first."""
        # A Number's box is computed from its digits on every access: take each once.
        readings = [(number.text, float(number.confidence), number.bbox) for number in numbers]
        matches = self._match([bbox for _, _, bbox in readings])
        matched_tracks = {track_index for track_index, _ in matches}
        matched_readings = {reading_index for _, reading_index in matches}
        for track_index, reading_index in matches:
            self._observe(self._tracks[track_index], *readings[reading_index])
        for track_index, track in enumerate(self._tracks):
            if track_index not in matched_tracks:
                track.missing_frames += 1
        self._tracks = [t for t in self._tracks
                        if t.missing_frames <= self.options.max_missing_frames]
        for reading_index, reading in enumerate(readings):
            if (reading_index not in matched_readings
                    and len(self._tracks) < self.options.max_tracks):
                self._tracks.append(self._new_track(*reading))
        return self.stable_readings()

    def stable_readings(self) -> list[StableReading]:
        readings = [
            StableReading(track.stable_text, track.stable_confidence, track.bbox,
                          track.track_id, track.candidate_frames
                          if track.candidate_text == track.stable_text else 0)
            for track in self._tracks if track.stable_text is not None
        ]
        return sorted(readings, key=lambda r: (r.bbox[1], r.bbox[0]))

    def reset(self) -> None:
        self._tracks.clear()

    def _new_track(self, text: str, confidence: float, bbox: BBox) -> _Track:
        track = _Track(self._next_id, bbox, text, 0, 0.0)
        self._next_id += 1
        self._observe(track, text, confidence, bbox, first=True)
        return track

    def _observe(self, track: _Track, text: str, confidence: float, bbox: BBox,
                 first: bool = False) -> None:
        track.bbox = bbox
        track.missing_frames = 0
        if first or text != track.candidate_text:
            track.candidate_text = text
            track.candidate_frames = 0
            track.candidate_confidence_sum = 0.0
        track.candidate_frames += 1
        track.candidate_confidence_sum += confidence
        if (track.candidate_frames >= self.options.stable_frames
                and UNREADABLE_MARK not in text and text):
            track.stable_text = text
            track.stable_confidence = track.candidate_confidence_sum / track.candidate_frames

    def _match(self, boxes: list[BBox]) -> list[tuple[int, int]]:
        """Pair tracks with this frame's boxes, best overlap first, each used once."""
        if not self._tracks or not boxes:
            return []
        # All pairs at once: with 20 numbers in view a Python double loop costs more than
        # the rest of the camera's own work per frame.
        tracks = np.array([track.bbox for track in self._tracks], np.float64)[:, None, :]
        found = np.array(boxes, np.float64)[None, :, :]
        overlap = iou_matrix(tracks, found)
        centre_shift = np.hypot(
            (tracks[..., 0] + tracks[..., 2] / 2) - (found[..., 0] + found[..., 2] / 2),
            (tracks[..., 1] + tracks[..., 3] / 2) - (found[..., 1] + found[..., 3] / 2))
        height = np.maximum(np.maximum(tracks[..., 3], found[..., 3]), 1.0)
        close = ((overlap >= self.options.min_overlap_iou)
                 | (centre_shift <= self.options.max_centre_shift * height))
        # Best overlap first, then the smallest shift.
        return greedy_pairs(close, centre_shift, -overlap)

