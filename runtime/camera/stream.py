"""What a stream of frames lets the camera skip: decisions that hold from one frame to the next.

A page read alone decides everything from scratch; a camera sees much the same picture thirty
times a second. `StreamShortcuts` keeps four things between frames, each with the way back to a
fresh decision or a full-size reading:

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
- the last reading, moved, for a frame that is the frame last read moved as a whole (a card
  slid or trembling in the hand): the shift is refined to a fraction of a pixel on the
  quarter-size copies (`runtime.camera.motion`) from the shift of the frame before, or else
  found there by phase correlation (and measured again at half size when the frame last read,
  moved that far, does not match), and taken only when the frame last
  read, moved that far at full size, passes the unchanged frame's test with the looser
  `moved_grey_levels` (interpolation follows a moved picture only roughly), the strips that
  came into view included (they must look as they did before: a digit coming into view there
  is a change). No digit of the last reading may touch the frame's edge, where a moved frame
  would show more of it, and every digit must be sure (`min_tracked_confidence`): a doubtful
  reading may read otherwise a few pixels on, as may a frame with a dark patch (its polarity
  decided frame by frame), so those are read afresh. And the reading must be confirmed: the
  fresh reading before it found the same digits, boxes of the same size (`confirm_box_px`). A
  faint digit may read otherwise a fraction of a pixel on: a digit 100 grey levels darker
  than the paper, 20 px tall, on a trembling card, splits at a thin joint on the frame it
  appears and reads as its lower part alone (a 2 at 0.96), while the next frame's fresh reading
  finds all of it; moved along unconfirmed, the part was reported on every frame after
  (tests/test_camera_tracking.py). A new digit therefore costs a second fresh reading. Such
  frames count towards `max_reused_frames` like unchanged ones. A moved frame's boxes are the last reading's,
  moved: a fresh reading of it may place them a pixel apart.
- the working scale: frames whose digits are large (a median height of `half_scale_digit_px`
  or more in the last full-size reading) are read at half size (2x2 pixel means), about a third
  less work, and their boxes mapped back. The scale is decided again on a full-size reading at
  least every `scale_recheck_frames` frames, and at once when a half-size reading finds no
  digits or smaller ones. On 600 generated 640x480 frames (12,000 MNIST test digits about 50 px
  tall) half size read P/R 98.80/98.82% against 98.87/98.81% at full size; frame by frame the
  two readings differ now and then (107 of 600 frames of a hand-held video).

Usage:
    shortcuts = StreamShortcuts(page_reader)
    result = shortcuts.read(gray, frame_index)   # instead of page_reader.read(gray)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from runtime.camera.motion import ShiftRefiner
from runtime.reading.glyph import MAX_SIDE_PX
from runtime.reading.ink import area_shrink
from runtime.reading.polarity import (
    AUTO,
    LIGHT_ON_DARK,
    MIN_PATCH_SHARE,
    PATCH_DARKNESS,
    SMALL_IMAGE_PX,
    measure,
    page_polarity,
)
from runtime.reading.quantiles import median, percentile
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
    # A still or moving scene is read afresh at least this often. On two hand-held videos of
    # MNIST *training* digits (`benchmarks.handheld_video`, seeds 11-12, 1,200 frames) 10 -> 20
    # read 198 -> 145 frames afresh (reader CPU -0.23 s), P/R 100.00/100.00 and 99.93/98.96% ->
    # 100.00/100.00 and 99.92/99.05%; 30 read 110 afresh, P/R alike. 20 keeps a change too faint
    # for the unchanged and moved checks (under 24 grey levels of a 4x4 mean) unread for at most
    # two thirds of a second at 30 frames/s.
    max_reused_frames: int = 20
    track_shift: bool = True  # give a frame that is the last one moved as a whole its reading, moved
    # Phase correlation peaks below this are no shift (a new scene peaks near 0, a moved one near 1).
    min_shift_response: float = 0.3
    max_shift_share: float = 0.25  # larger shifts (share of the frame's side) are read afresh
    # Largest change of a 4x4 pixel mean of a moved frame against the last one moved as far. A
    # hand-held card moves by fractions of a pixel, which interpolation follows only roughly. On
    # three hand-held videos of MNIST *training* digits (`benchmarks.handheld_video`, 2,700
    # frames) 16 levels moved 1,424 frames along, 24 moved 2,113, and they read better (P/R
    # 99.68/99.64% -> 99.73/99.68%): CPU 3.8 -> 2.4 ms a frame. A faint small digit written on
    # a trembling card (20 px tall, half as dark as the rest) changes some 4x4 mean by about 55
    # and is read on the frame it appears (tests/test_camera_tracking.py; it is missed from 64).
    moved_grey_levels: float = 24.0
    # Only a reading whose every digit is this sure is moved along: a doubtful one may read
    # differently a few pixels on (a fresh reading is the better bet). Since a moved reading
    # must also be confirmed (two fresh readings in a row found the same digits), a digit
    # read the same twice at 0.7 is sure enough. On three hand-held videos of MNIST *training*
    # digits (`benchmarks.handheld_video`, seeds 11-13, 2,700 frames) 0.9 -> 0.7 moved 1,849 ->
    # 2,113 frames along, and P/R went 99.93/99.93 -> 99.98/99.98%, 99.40/98.87 -> 99.42/98.85%
    # and 99.76/99.77 -> 99.74/99.74%; 0.5 read the third worse (99.67/99.66%). One doubtful
    # digit among twenty made every frame of its card a fresh reading.
    min_tracked_confidence: float = 0.7
    # ... and only one the fresh reading before it confirmed: the same digits in the same lines,
    # each box's width and height within this many px (a fresh reading of a moved frame places
    # a box's edges a pixel either way).
    confirm_box_px: int = 2
    half_scale: bool = True  # read frames whose digits are large at half size
    # Median digit height (px) from which frames are read at half size: digits stay 22 px or
    # taller there, above the model's 20 px digit box.
    half_scale_digit_px: float = 44.0
    scale_recheck_frames: int = 30  # source frames between full-size readings that decide the scale

    def __post_init__(self) -> None:
        if (self.polarity_recheck_frames < 1 or self.max_reused_frames < 0
                or self.scale_recheck_frames < 1):
            raise ValueError("polarity_recheck_frames and scale_recheck_frames must be 1 or more "
                             "and max_reused_frames 0 or more")


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
    blocks = area_shrink(thumbnail, 5)
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
        # numpy's value (`quantiles.percentile`: uint8 levels counted, not every pixel ordered).
        dark_ground = background < PATCH_DARKNESS * percentile(background, 90)
        if dark_ground.mean() >= MIN_PATCH_SHARE:
            return AUTO
    return polarity


@dataclass
class _LastRead:
    """The frame last read afresh, as the frames after it are compared with it."""

    gray: np.ndarray
    thumbnail: np.ndarray
    result: PageResult
    confirmed: bool = False  # the fresh reading before this one found the same digits
    # The thumbnail and the frame at half size in float32, as phase correlation takes them: each
    # made when first needed, kept for the frames after it (up to `max_reused_frames`).
    _thumbnail_float: np.ndarray | None = None
    _half_float: np.ndarray | None = None
    _refiner: ShiftRefiner | None = None
    # The shift (thumbnail px) of the latest frame moved along from this one, where the next
    # frame's measurement starts.
    matched: tuple[float, float] | None = None

    def thumbnail_float(self) -> np.ndarray:
        if self._thumbnail_float is None:
            self._thumbnail_float = self.thumbnail.astype(np.float32)
        return self._thumbnail_float

    def refiner(self) -> ShiftRefiner:
        if self._refiner is None:
            self._refiner = ShiftRefiner(self.thumbnail_float())
        return self._refiner

    def half_float(self) -> np.ndarray:
        if self._half_float is None:
            self._half_float = area_shrink(self.gray, 2).astype(np.float32)
        return self._half_float


def moved_frame(gray: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """`gray` moved by (dx, dy) px, fractions of a pixel interpolated (bilinear); the strips that
    come into view keep `gray`'s own pixels there, so a frame that shows anything new in them
    differs from this prediction."""
    # A fraction of a pixel is a 2x2 filter (each pixel a weighted mean of it and its
    # neighbours on the side the picture comes from), then whole pixels are a copy: 0.2 ms on a
    # 640x480 frame against 0.55 for `warpAffine`'s general interpolation.
    whole_x, whole_y = int(np.floor(dx)), int(np.floor(dy))
    part_x, part_y = dx - whole_x, dy - whole_y
    source = gray
    if part_x or part_y:
        weights = np.outer([part_y, 1.0 - part_y], [part_x, 1.0 - part_x]).astype(np.float32)
        # anchor (1, 1): pixel (x, y) takes (x-1..x, y-1..y), the pixels a move right and down brings.
        source = cv2.filter2D(gray, -1, weights, anchor=(1, 1), borderType=cv2.BORDER_REPLICATE)
    moved, (height, width) = gray.copy(), gray.shape
    moved[max(0, whole_y):height + min(0, whole_y), max(0, whole_x):width + min(0, whole_x)] = \
        source[max(0, -whole_y):height - max(0, whole_y), max(0, -whole_x):width - max(0, whole_x)]
    return moved


def largest_change(thumbnail: np.ndarray, other: np.ndarray) -> float:
    """The most any pixel of two thumbnails of the same size differs, in grey levels."""
    return float(cv2.absdiff(thumbnail, other).max())


def clear_of_edges(result: PageResult, width: int, height: int, dx: int = 0, dy: int = 0) -> bool:
    """Whether every digit's box, moved by (dx, dy), lies inside the frame without touching its
    edge (a digit at the edge may be cut off, and a moved frame would show more of it)."""
    for line in result.lines:
        for digit in line.digits:
            x, y, w, h = digit.bbox
            for left, top in ((x, y), (x + dx, y + dy)):
                if left < _EDGE_PX or top < _EDGE_PX or left + w > width - _EDGE_PX or top + h > height - _EDGE_PX:
                    return False
    return True


_EDGE_PX = 2
"""A digit box this close to the frame's edge counts as touching it."""


def same_digit_shapes(result: PageResult, other: PageResult, box_px: int) -> bool:
    """Whether two readings found the same digits in the same lines, each box the same size
    (width and height within `box_px`) wherever it lies (the frames may have moved)."""
    def shapes(reading: PageResult) -> list[list[tuple[str, int, int]]]:
        return [[(digit.digit, digit.bbox[2], digit.bbox[3]) for digit in line.digits] for line in reading.lines]

    ours, theirs = shapes(result), shapes(other)
    return [len(line) for line in ours] == [len(line) for line in theirs] and all(
        a[0] == b[0] and abs(a[1] - b[1]) <= box_px and abs(a[2] - b[2]) <= box_px
        for line_a, line_b in zip(ours, theirs) for a, b in zip(line_a, line_b))


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
        self._last: _LastRead | None = None
        self._reused = 0  # frames in a row given the last reading (unchanged or moved)
        self._frames = 0  # the index a frame given without one gets
        self._half = False  # read at half size, as the last full-size reading decided
        self._scaled_at = 0  # source frame index of that reading
        self.polarity_checks = 0  # counted for tests and the benchmark
        self.reused_frames = 0  # unchanged frames given the last reading
        self.tracked_frames = 0  # moved frames given the last reading, moved
        self.half_size_reads = 0

    def read(self, gray: np.ndarray, index: int | None = None) -> PageResult:
        """The reading of `gray` (uint8 greyscale), the `index`-th frame of the source (None:
        the one after the last)."""
        index = self._frames if index is None else index
        self._frames = index + 1
        thumbnail = area_shrink(gray, THUMBNAIL_STEP)
        carried = self._carried(gray, thumbnail)
        if carried is not None:
            self._reused += 1
            return carried
        result = self._read_at_scale(gray, self._reader_for(gray, thumbnail, index), index)
        confirmed = self._last is not None and same_digit_shapes(result, self._last.result,
                                                                 self.options.confirm_box_px)
        self._last, self._reused = _LastRead(gray, thumbnail, result, confirmed), 0
        return result

    def _carried(self, gray: np.ndarray, thumbnail: np.ndarray) -> PageResult | None:
        """The last reading, as is or moved, when this frame is the last one unchanged or moved."""
        last = self._last
        if last is None or self._reused >= self.options.max_reused_frames or thumbnail.shape != last.thumbnail.shape:
            return None
        if self.options.reuse_unchanged and largest_change(thumbnail, last.thumbnail) <= self.options.unchanged_grey_levels:
            self.reused_frames += 1
            return last.result.moved(0, 0)
        shift = self._shift(gray, thumbnail) if last.confirmed and self._can_track(last.result) else None
        if shift is None:
            return None
        self.tracked_frames += 1
        return last.result.moved(*shift)

    def _can_track(self, result: PageResult) -> bool:
        """Whether a moved frame may take `result`: a sure reading, of a frame whose polarity
        holds for all of it (one with a dark patch is decided frame by frame, and read afresh)."""
        if not self.options.track_shift or (self._can_fix and self._polarity == AUTO):
            return False
        return all(digit.confidence >= self.options.min_tracked_confidence
                   for line in result.lines for digit in line.digits)

    def _shift(self, gray: np.ndarray, thumbnail: np.ndarray) -> tuple[int, int] | None:
        """How far (whole px) this frame is the last one moved, when it is, checked by moving
        the last frame that far and comparing as an unchanged frame is compared (with the
        looser `moved_grey_levels`: interpolation follows a moved picture only roughly).

        The shift is measured where it is cheapest first: refined from the last moved frame's
        shift (a hand-held card moves little from one frame to the next); else found on the
        thumbnails by phase correlation, tried in whole pixels, then refined to a fraction of a
        pixel (`runtime.camera.motion`); else measured again at half size."""
        last = self._last
        current = thumbnail.astype(np.float32)
        if last.matched is not None:
            shift = self._refined_shift(current, thumbnail, last.matched)
            if shift is not None:
                return shift
        (shift_x, shift_y), response = cv2.phaseCorrelate(last.thumbnail_float(), current)
        if response < self.options.min_shift_response or not self._within_reach(gray, shift_x, shift_y):
            return None  # a new scene (or a change of light): no shift to measure
        # The thumbnails' shift in whole pixels first: the frame moved along as it was.
        tried = (round(THUMBNAIL_STEP * shift_x), round(THUMBNAIL_STEP * shift_y))
        if self._moved_clear_and_matching(gray, thumbnail, tried, tried):
            return tried
        shift = self._refined_shift(current, thumbnail, (shift_x, shift_y))
        return shift if shift is not None else self._half_size_shift(gray, thumbnail, tried)

    def _within_reach(self, gray: np.ndarray, shift_x: float, shift_y: float) -> bool:
        """Whether a shift of the thumbnails is small enough to be a moved frame."""
        height, width = gray.shape
        largest = self.options.max_shift_share / THUMBNAIL_STEP
        return abs(shift_x) <= largest * width and abs(shift_y) <= largest * height

    def _refined_shift(self, current: np.ndarray, thumbnail: np.ndarray,
                       start: tuple[float, float]) -> tuple[int, int] | None:
        """The shift refined from `start` (thumbnail px) on the thumbnails, when the last frame
        moved that far matches this one."""
        gray = self._last.gray
        refined = self._last.refiner().refine(current, start)
        if refined is None or not self._within_reach(gray, *refined):
            return None
        measured = (THUMBNAIL_STEP * refined[0], THUMBNAIL_STEP * refined[1])
        rounded = (round(measured[0]), round(measured[1]))
        return rounded if self._moved_clear_and_matching(gray, thumbnail, rounded, measured) else None

    def _half_size_shift(self, gray: np.ndarray, thumbnail: np.ndarray,
                         tried: tuple[int, int]) -> tuple[int, int] | None:
        """The shift measured by phase correlation at half size, when the last frame moved that
        far matches this one; `tried`: the whole-pixel shift already tried."""
        (shift_x, shift_y), _ = cv2.phaseCorrelate(self._last.half_float(), area_shrink(gray, 2).astype(np.float32))
        dx, dy = round(2 * shift_x), round(2 * shift_y)
        # The whole-pixel shift (exact where the picture moved by whole pixels: phase
        # correlation may be a third of a pixel off on sharp edges), then the measured one.
        # Both moved at full size: a sharp edge moved at half size blurs past the tolerance.
        candidates = [(2 * shift_x, 2 * shift_y)] if (dx, dy) == tried else [(dx, dy), (2 * shift_x, 2 * shift_y)]
        if any(self._moved_clear_and_matching(gray, thumbnail, (dx, dy), moved) for moved in candidates):
            return dx, dy
        return None

    def _moved_clear_and_matching(self, gray: np.ndarray, thumbnail: np.ndarray,
                                  boxes_by: tuple[int, int], frame_by: tuple[float, float]) -> bool:
        """Whether the last reading's boxes, moved by `boxes_by` px, stay clear of the frame's
        edges, and the last frame, moved by `frame_by` px, looks like this frame's thumbnail;
        if so the frames after this one start from that shift."""
        height, width = gray.shape
        if not (clear_of_edges(self._last.result, width, height, *boxes_by)
                and self._moved_matches(thumbnail, *frame_by)):
            return False
        self._last.matched = (frame_by[0] / THUMBNAIL_STEP, frame_by[1] / THUMBNAIL_STEP)
        return True

    def _moved_matches(self, thumbnail: np.ndarray, dx: float, dy: float) -> bool:
        """Whether the frame last read, moved by (dx, dy) px, looks like this frame's thumbnail."""
        predicted = area_shrink(moved_frame(self._last.gray, dx, dy), THUMBNAIL_STEP)
        return largest_change(predicted, thumbnail) <= self.options.moved_grey_levels

    def _read_at_scale(self, gray: np.ndarray, reader, index: int) -> PageResult:
        """Read `gray` at half size when its digits are large (decided on full-size readings)."""
        recheck = index - self._scaled_at >= self.options.scale_recheck_frames or index < self._scaled_at
        if not (self.options.half_scale and self._half and not recheck and min(gray.shape) >= 4 * MAX_SIDE_PX):
            result = reader.read(gray)
            self._half, self._scaled_at = self._digits_are_large(result), index
            return result
        small = area_shrink(gray, 2)
        result = reader.read(small).moved(0, 0, gray.shape[1] / small.shape[1], gray.shape[0] / small.shape[0])
        self.half_size_reads += 1
        self._half = self._digits_are_large(result)
        return result

    def _digits_are_large(self, result: PageResult) -> bool:
        heights = [digit.bbox[3] for line in result.lines for digit in line.digits]
        # The median of whole pixels, exact (numpy's, the same value, cost 25 µs a frame).
        return bool(heights) and median(heights) >= self.options.half_scale_digit_px

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
