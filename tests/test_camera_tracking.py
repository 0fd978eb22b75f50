"""The camera's tracking: a card moved as a whole keeps its reading, moved; frames with large
digits are read at half size.

Whatever the camera carries along, each frame must show the digits a fresh reading of it shows:
while a card slides across the frame, when a digit is written on it as it moves or stands still,
and at half size. The cards hold MNIST test digits written as pen strokes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from synthetic_pages import ink_page
from test_camera_stream import SIZE, reader, readings, same_digits  # noqa: F401 (reader: a fixture)

from runtime.camera.stream import StreamOptions, StreamShortcuts


def card_at(page: np.ndarray, dx: float, dy: float, seed: int) -> np.ndarray:
    """`page` (grey) on a 640x480 white frame at (20 + dx, 20 + dy) (fractions of a pixel
    interpolated, as a camera sees a card moved that far), with sensor noise."""
    frame = np.full(SIZE, 235, np.uint8)
    height, width = page.shape
    frame[20:20 + height, 20:20 + width] = page
    frame = cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, dy]]), SIZE[::-1],
                           flags=cv2.INTER_LINEAR, borderValue=235)
    noise = np.random.default_rng(seed).normal(0, 2, SIZE)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


# A hand sliding a card right and down, unevenly, then shaking it back: whole pixels a frame.
PATH = [(0, 0), (5, 2), (11, 3), (18, 7), (23, 9), (23, 9), (30, 14), (37, 15), (31, 12), (34, 16),
        (27, 10), (20, 8), (21, 8), (13, 4)]
# A hand holding a card: it trembles by fractions of a pixel.
TREMBLING = [(0, 0), (0.4, 0.2), (1.1, 0.3), (1.5, -0.6), (0.8, -1.3), (0.2, -0.7), (-0.5, 0.4)]


@pytest.fixture(scope="module")
def card(mnist_test_digits):
    images, _ = mnist_test_digits
    page, _ = ink_page([list(images[40:44]), list(images[44:47])])
    return page[:340, :500]


def test_a_sliding_card_reads_every_frame_as_a_fresh_reading_does(reader, card):  # noqa: F811
    shortcuts = StreamShortcuts(reader, StreamOptions(max_reused_frames=10))
    for index, (dx, dy) in enumerate(PATH):
        frame = card_at(card, dx, dy, seed=index)
        lines = readings(shortcuts.read(frame, index))
        assert lines and same_digits(lines, readings(reader.read(frame))), f"frame {index}"
    # Frame 1's fresh reading confirmed frame 0's; frames 2-11 took it, moved (at most 10 frames
    # in a row are carried along); frame 12 was read afresh, confirming it, and 13 took it.
    assert (shortcuts.tracked_frames, shortcuts.reused_frames) == (11, 0)


def test_a_trembling_card_reads_every_frame_as_a_fresh_reading_does(reader, card):  # noqa: F811
    shortcuts = StreamShortcuts(reader)
    for index, (dx, dy) in enumerate(TREMBLING * 2):
        frame = card_at(card, dx, dy, seed=index)
        lines = readings(shortcuts.read(frame, index))
        assert lines and same_digits(lines, readings(reader.read(frame))), f"frame {index}"
    assert shortcuts.tracked_frames + shortcuts.reused_frames >= 8


@pytest.mark.parametrize("path", [PATH[:6], TREMBLING], ids=["sliding", "trembling"])
# The faint one is about the faintest that fresh readings of the trembling card read alike on
# every frame: 110 of the 215 grey levels the others are darker than the paper. Written, it
# changes some 4x4 pixel mean by about 55: the moved frame's test (`moved_grey_levels`) sees it
# up to 48 levels, not at 64. At 100 the first trembling frame it is on splits it at a thin
# joint and reads its lower part alone (a 2 at 0.96), the next reads all of it: the part must
# not be moved along (a reading is carried only once a fresh reading confirmed it).
@pytest.mark.parametrize("size, darkness", [(40, 215), (20, 215), (20, 110), (20, 100)],
                         ids=["digit", "small digit", "faint small digit", "fainter small digit"])
def test_a_digit_written_on_a_moving_card_shows_on_that_frame(reader, card, mnist_test_digits, path, size,  # noqa: F811
                                                              darkness):
    images, _ = mnist_test_digits
    written = ink_page([[images[47]]], digit_height=size, margin=0)[0][:int(1.5 * size)]
    written = 235 - (235 - written) * (darkness / 215)
    shortcuts = StreamShortcuts(reader)
    for index, (dx, dy) in enumerate(path):
        page = card.copy()
        if index >= 3:  # written at frame 3, in the card's empty bottom right corner
            page[195:195 + written.shape[0], 230:230 + written.shape[1]] = written
        frame = card_at(page, dx, dy, seed=index)
        lines, fresh = readings(shortcuts.read(frame, index)), readings(reader.read(frame))
        assert same_digits(lines, fresh), f"frame {index}"
        count = sum(len(line["digits"]) for line in lines)
        assert count == (7 if index < 3 else 8), f"frame {index}"
    # Frame 0 was read, frame 1 confirmed it and frame 2 moved along (and after the digit came,
    # frame 5 on, where frame 4's fresh reading confirmed frame 3's).
    assert shortcuts.tracked_frames >= 1


def test_a_digit_written_on_a_still_card_shows_on_that_frame(reader, card, mnist_test_digits):  # noqa: F811
    images, _ = mnist_test_digits
    shortcuts = StreamShortcuts(reader)
    first = readings(shortcuts.read(card_at(card, 0, 0, seed=0), 0))
    page = card.copy()
    # A small 1 (20 px tall, under a tenth of the frame's width) in a corner of the card.
    small = ink_page([[images[2]]], digit_height=20, margin=0)[0][:30]
    page[200:200 + small.shape[0], 260:260 + small.shape[1]] = small
    frame = card_at(page, 0, 0, seed=1)
    lines = readings(shortcuts.read(frame, 1))
    assert lines == readings(reader.read(frame))
    assert sum(len(line["digits"]) for line in lines) == sum(len(line["digits"]) for line in first) + 1


def test_a_reading_in_doubt_is_not_carried_along(reader, card):  # noqa: F811
    shortcuts = StreamShortcuts(reader, StreamOptions(min_tracked_confidence=1.01))
    for index, (dx, dy) in enumerate(PATH[:4]):
        frame = card_at(card, dx, dy, seed=index)
        assert readings(shortcuts.read(frame, index)) == readings(reader.read(frame))
    assert shortcuts.tracked_frames == 0


class Doubting:
    """The reader, with the first digit of every reading read at 0.8 (sure enough to move along
    once confirmed, under the 0.9 that once kept such a card read afresh on every frame)."""

    def __init__(self, page_reader):
        self.page_reader = page_reader

    def read(self, gray):
        result = self.page_reader.read(gray)
        result.lines[0].numbers[0].digits[0].confidence = 0.8
        return result


def test_a_confirmed_reading_with_a_doubtful_digit_is_carried_along(reader, card):  # noqa: F811
    carried = []
    for options in (StreamOptions(), StreamOptions(min_tracked_confidence=0.9)):
        shortcuts = StreamShortcuts(Doubting(reader), options)
        for index, (dx, dy) in enumerate(PATH[:6]):
            frame = card_at(card, dx, dy, seed=index)
            assert same_digits(readings(shortcuts.read(frame, index)), readings(reader.read(frame)))
        carried.append(shortcuts.tracked_frames)
    # Frame 1's fresh reading confirmed frame 0's, frames 2-5 took it, moved; at 0.9 none did.
    assert carried == [4, 0]


def test_large_digits_are_read_at_half_size(reader, mnist_test_digits):  # noqa: F811
    images, _ = mnist_test_digits
    page, _ = ink_page([list(images[50:54]), list(images[54:57])], digit_height=60)
    # Each frame a new picture of the card (nothing carried along): the first is read at full
    # size and finds digits ~60 px tall, so the next ones are read at half size until the
    # scale is checked again at full size.
    options = StreamOptions(reuse_unchanged=False, track_shift=False, scale_recheck_frames=3)
    shortcuts = StreamShortcuts(reader, options)
    for index in range(5):
        frame = card_at(page[:440, :600], 0, 0, seed=index)
        lines = readings(shortcuts.read(frame, index))
        # The half-size boxes, doubled, lie within 3 px of the full-size ones.
        assert lines and same_digits(lines, readings(reader.read(frame)), box_px=3), f"frame {index}"
    assert shortcuts.half_size_reads == 3  # frames 1, 2 and 4 (3 was read at full size)


@pytest.mark.parametrize("dx, dy", [(1.3, 2.2), (-1.3, 0.6), (-3.75, -2.25), (0.5, 0.0), (2.0, -1.0)])
def test_a_frame_moved_by_a_filter_is_the_frame_warpaffine_moves(dx, dy):
    """`moved_frame` interpolates by a 2x2 filter and a copy, not `warpAffine`: the same pixels
    within a grey level (rounding), the strips that come into view the frame's own."""
    from runtime.camera.stream import moved_frame

    rng = np.random.default_rng(3)
    gray = cv2.GaussianBlur(rng.integers(0, 256, SIZE).astype(np.uint8), (0, 0), 2)
    warped = cv2.warpAffine(gray, np.float32([[1, 0, dx], [0, 1, dy]]), SIZE[::-1], dst=gray.copy(),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    moved = moved_frame(gray, dx, dy)
    inner = (slice(5, -5), slice(5, -5))
    assert int(cv2.absdiff(moved, warped)[inner].max()) <= 1
    assert (moved[:, -1] == gray[:, -1]).all() if dx < 0 else (moved[:, 0] == gray[:, 0]).all()


def test_a_card_moved_by_whole_pixels_is_followed_without_the_half_size_measurement(reader, card):  # noqa: F811
    """The thumbnails' shift, checked, is enough for a card moved by whole pixels: the frame at
    half size (for the finer measurement) is never made."""
    shortcuts = StreamShortcuts(reader)
    for index, (dx, dy) in enumerate([(0, 0), (4, 8), (8, 4), (12, 0)]):
        shortcuts.read(card_at(card, dx, dy, seed=index), index)
    assert shortcuts.tracked_frames == 2
    assert shortcuts._last._half_float is None


@pytest.fixture(scope="module")
def other_card(mnist_test_digits):
    images, _ = mnist_test_digits
    page, _ = ink_page([list(images[50:54]), list(images[54:57])])
    return page[:340, :500]


def test_a_new_card_in_the_trembling_hand_is_read_on_the_frame_it_comes(reader, card, other_card):  # noqa: F811
    """The page changes under a moving camera (a new card held where the last one was): the
    frame it comes on, and every frame after, shows what a fresh reading shows, although the
    frames before were carried along, each measured from the shift of the one before."""
    shortcuts = StreamShortcuts(reader)
    for index, (dx, dy) in enumerate(TREMBLING * 2):
        page = card if index < 8 else other_card
        frame = card_at(page, dx, dy, seed=index)
        lines = readings(shortcuts.read(frame, index))
        assert lines and same_digits(lines, readings(reader.read(frame))), f"frame {index}"
        if index == 7:
            assert shortcuts.tracked_frames >= 4  # the old card was followed as it trembled
            assert shortcuts._last.matched is not None


@pytest.mark.parametrize("path", [PATH[:8], TREMBLING], ids=["sliding", "trembling"])
def test_a_digit_rubbed_out_of_a_moving_card_goes_on_that_frame(reader, card, path):  # noqa: F811
    """Ink taken away is a change as much as ink added: the moved frame's check sees the
    digit's place gone blank on the frame it goes."""
    shortcuts = StreamShortcuts(reader)
    counts = []
    for index, (dx, dy) in enumerate(path):
        page = card.copy()
        if index >= 5:  # the first digit of each line rubbed out at frame 5
            page[:, :85][page[:, :85] < 200] = 235
        frame = card_at(page, dx, dy, seed=index)
        lines = readings(shortcuts.read(frame, index))
        assert same_digits(lines, readings(reader.read(frame))), f"frame {index}"
        counts.append(sum(len(line["digits"]) for line in lines))
    assert counts[:5] == [7] * 5 and counts[5:] == [5] * (len(path) - 5)
    assert shortcuts.tracked_frames >= 2
