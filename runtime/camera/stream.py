"""What a stream of frames lets the camera skip: decisions that hold from one frame to the next.

A page read alone decides everything from scratch; a camera sees much the same picture thirty
times a second. `StreamShortcuts` keeps two things between frames, each with the way back to a
fresh decision:

- the polarity (dark strokes on light paper, or light on a dark board). Deciding it costs about
  1.5 ms of a 640x480 frame's 10 ms (`runtime.reading.polarity.measure`). It is decided on one
  frame, exactly as the reader's `auto` would decide it, and the frames after it are read with
  it, fixed, until the next check: at least every `polarity_recheck_frames` frames of the
  source (about a second of a camera's), and at once when the picture's tone changes (the
  camera turned from a sheet to a board, a large dark sticker held into view: `tone_signature`).
  A frame whose auto reading would mix polarities (a dark sticker on white paper, read
  light-on-dark by patch) keeps the reader's per-frame decision until a check finds the patch
  gone. Read with the polarity it decided, a frame gives what `auto` gives: `auto` reads the
  whole picture the decided way round when it finds no patch. What a check can miss for up to
  `polarity_recheck_frames` frames: a small sticker (under 5% of the frame) coming into view
  on a frame that had no dark ground at all.
- the last reading, for a frame that has not changed: when no pixel of a quarter-size copy
  (4x4 pixel means) differs by more than `unchanged_grey_levels` from the frame last read, the
  reading is that frame's. A moved card, a new stroke or a change of light re-reads at once
  (a 2 px pen stroke moves its 4x4 means by tens of grey levels; sensor noise, averaged over 16
  pixels, by a few). A still scene is read afresh at least every `max_reused_frames` frames. A
  card drifting by a pixel (its soft stroke edges move 4x4 means by less than the noise) keeps
  the boxes of the frame last read until the drift adds up or the fresh read comes.

Usage:
    shortcuts = StreamShortcuts(page_reader)
    result = shortcuts.read(gray, frame_index)   # instead of page_reader.read(gray)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from runtime.reading.glyph import MAX_SIDE_PX
from runtime.reading.polarity import (
    AUTO,
    LIGHT_ON_DARK,
    MIN_PATCH_SHARE,
    PATCH_DARKNESS,
    SMALL_IMAGE_PX,
    measure,
    page_polarity,
)
from runtime.results import PageResult

THUMBNAIL_STEP = 4
"""Frames are compared on copies shrunk this many times per side (area means): sensor noise
averages out, a pen stroke does not."""

_MIN_RANGE = 32
"""Grey levels the 1st-99th percentile range counts as at least in `tone_signature`."""


@dataclass
class StreamOptions:
    """Which per-frame work a stream may skip, and how soon it checks again."""

    fixed_polarity: bool = True  # decide polarity on one frame and re-check it now and then
    polarity_recheck_frames: int = 30  # source frames between checks (about 1 s of a camera)
    # A change of the tone signature this large re-checks at once: paper and boards lie 0.4 or
    # more apart, while 300 generated paper frames under different light moved it at most 0.22.
    tone_change: float = 0.3
    # ... and so does a dark share grown or shrunk by this much: a sticker of 5% of the frame.
    # The same 300 frames' dark shares lay between 0.005 and 0.043.
    dark_share_change: float = 0.05
    reuse_unchanged: bool = True  # give an unchanged frame the reading of the frame last read
    unchanged_grey_levels: float = 8.0  # largest change of a 4x4 pixel mean still "unchanged"
    max_reused_frames: int = 10  # a still scene is read afresh at least this often

    def __post_init__(self) -> None:
        if self.polarity_recheck_frames < 1 or self.max_reused_frames < 0:
            raise ValueError("polarity_recheck_frames must be 1 or more and max_reused_frames "
                             "0 or more")


def tone_signature(thumbnail: np.ndarray) -> np.ndarray:
    """Where the picture's typical tone lies and how much of it is dark ground, on 0-1 scales:
    (median, the median's place between the 1st and 99th percentiles, the share of 5x5 blocks
    darker than `PATCH_DARKNESS` of the bright paper). Paper gives a light median near the top of
    its range, a board a dark one near the bottom, whatever the digits on them; a dark sticker
    held into view raises the dark share (a pen stroke darkens a block's mean far less). The
    range counts as at least `_MIN_RANGE` grey levels, so noise on a blank picture is no change."""
    histogram = cv2.calcHist([thumbnail], [0], None, [256], [0, 256]).ravel()
    cumulative = np.cumsum(histogram) / max(float(histogram.sum()), 1.0)
    low, median, high = (int(np.searchsorted(cumulative, share)) for share in (0.01, 0.5, 0.99))
    blocks = cv2.resize(thumbnail, (max(1, thumbnail.shape[1] // 5), max(1, thumbnail.shape[0] // 5)),
                        interpolation=cv2.INTER_AREA)
    dark_share = float(np.mean(blocks < PATCH_DARKNESS * high))
    return np.array([median / 255.0, (median - low) / max(high - low, _MIN_RANGE), dark_share])


def stream_polarity(gray: np.ndarray) -> str:
    """The polarity `auto` gives this picture, when one holds for all of it and will on the next
    frames; AUTO (decide on every frame) when its ground has a dark area the size of a patch.

    Such an area is a patch (a dark sticker on paper, which `auto` reads turned over) or may
    become one a frame later: a sticker coming into view touches the frame's edge, and a patch
    touching the edge is not turned over, until it is wholly inside."""
    evidence = measure(gray)
    polarity = page_polarity(gray, evidence)
    background = evidence.background if polarity != LIGHT_ON_DARK else 255 - evidence.background
    if background.size and min(background.shape) >= SMALL_IMAGE_PX:
        dark_ground = background < PATCH_DARKNESS * float(np.percentile(background, 90))
        if dark_ground.mean() >= MIN_PATCH_SHARE:
            return AUTO
    return polarity


class StreamShortcuts:
    """Reads frames of one stream through `page_reader`, skipping what the stream allows."""

    def __init__(self, page_reader, options: StreamOptions | None = None) -> None:
        self.page_reader = page_reader  # anything with .read(gray) -> PageResult
        self.options = options or StreamOptions()
        # Fixed polarity needs a PageReader (its classifier and options) whose polarity is auto.
        reader_options = getattr(page_reader, "options", None)
        self._can_fix = (self.options.fixed_polarity and getattr(reader_options, "polarity", None) == AUTO
                         and hasattr(page_reader, "classifier"))
        self._readers = {AUTO: page_reader}
        self._polarity = AUTO
        self._checked_at: int | None = None  # source frame index of the last polarity check
        self._checked_tone: np.ndarray | None = None
        self._last: tuple[np.ndarray, PageResult] | None = None  # thumbnail and reading last read
        self._reused = 0  # frames in a row given the last reading
        self._frames = 0  # the index a frame given without one gets
        self.polarity_checks = 0  # counted for tests and the benchmark
        self.reused_frames = 0

    def read(self, gray: np.ndarray, index: int | None = None) -> PageResult:
        """The reading of `gray` (uint8 greyscale), the `index`-th frame of the source (None:
        the one after the last)."""
        index = self._frames if index is None else index
        self._frames = index + 1
        thumbnail = cv2.resize(gray, (max(1, gray.shape[1] // THUMBNAIL_STEP),
                                      max(1, gray.shape[0] // THUMBNAIL_STEP)), interpolation=cv2.INTER_AREA)
        if self._unchanged(thumbnail):
            self._reused += 1
            self.reused_frames += 1
            return self._last[1].moved(0, 0)
        result = self._reader_for(gray, thumbnail, index).read(gray)
        self._last, self._reused = (thumbnail, result), 0
        return result

    def _unchanged(self, thumbnail: np.ndarray) -> bool:
        if not self.options.reuse_unchanged or self._last is None:
            return False
        if self._reused >= self.options.max_reused_frames or thumbnail.shape != self._last[0].shape:
            return False
        change = cv2.absdiff(thumbnail, self._last[0])
        return float(change.max()) <= self.options.unchanged_grey_levels

    def _reader_for(self, gray: np.ndarray, thumbnail: np.ndarray, index: int):
        """The page reader for this frame: with the stream's polarity, checked when it is due."""
        # A small picture may be read as a single glyph, which judges polarity its own way.
        if not self._can_fix or max(gray.shape) <= MAX_SIDE_PX:
            return self.page_reader
        tone = tone_signature(thumbnail)
        due = (self._checked_at is None or index - self._checked_at >= self.options.polarity_recheck_frames
               or index < self._checked_at
               or self._tone_changed(tone))
        if due:
            self._polarity = stream_polarity(gray)
            self._checked_at, self._checked_tone = index, tone
            self.polarity_checks += 1
        if self._polarity not in self._readers:
            reader = self.page_reader
            self._readers[self._polarity] = type(reader)(reader.classifier,
                                                         replace(reader.options, polarity=self._polarity))
        return self._readers[self._polarity]

    def _tone_changed(self, tone: np.ndarray) -> bool:
        change = np.abs(tone - self._checked_tone)
        return bool(max(change[0], change[1]) >= self.options.tone_change
                    or change[2] >= self.options.dark_share_change)
