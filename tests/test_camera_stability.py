"""The reading stabilizer: a number is reported once it holds still, and does not flicker."""

from __future__ import annotations

import pytest

from runtime.boxes import box_iou
from runtime.camera.stability import ReadingStabilizer, StabilityOptions
from runtime.results import Digit, Number


def number(text: str, x: int, y: int, confidence: float = 0.9, digit_width: int = 20,
           height: int = 30) -> Number:
    """A number whose digits sit side by side starting at (x, y)."""
    return Number([Digit(character, confidence, (x + i * digit_width, y, digit_width - 4, height))
                   for i, character in enumerate(text)])


def texts(readings) -> list[str]:
    return [reading.text for reading in readings]


def test_a_number_becomes_stable_after_the_set_number_of_frames():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=3))
    assert stabilizer.update([number("42", 100, 100)]) == []
    assert stabilizer.update([number("42", 102, 101)]) == []
    stable = stabilizer.update([number("42", 104, 102)])
    assert texts(stable) == ["42"]
    assert stable[0].bbox == number("42", 104, 102).bbox  # where it is now, not where it began
    assert stable[0].confidence == pytest.approx(0.9)


def test_one_misread_frame_does_not_change_a_stable_reading():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=3))
    for _ in range(3):
        stabilizer.update([number("17", 50, 50)])
    assert texts(stabilizer.update([number("11", 51, 50)])) == ["17"]  # the flicker is held off
    assert texts(stabilizer.update([number("17", 52, 50)])) == ["17"]
    # A real change takes over only once it has held still itself.
    assert texts(stabilizer.update([number("18", 52, 50)])) == ["17"]
    assert texts(stabilizer.update([number("18", 52, 50)])) == ["17"]
    assert texts(stabilizer.update([number("18", 52, 50)])) == ["18"]


def test_the_same_text_in_another_place_is_another_number():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=2))
    stabilizer.update([number("5", 10, 10)])
    # Far away: a new track, which must earn stability on its own.
    assert stabilizer.update([number("5", 400, 300)]) == []


def test_numbers_moving_a_few_pixels_keep_their_track():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=2))
    ids = set()
    for step in range(8):
        frame = [number("123", 100 + 3 * step, 80 + 2 * step),
                 number("9", 300 - 3 * step, 200 + step)]
        for reading in stabilizer.update(frame):
            ids.add((reading.text, reading.track_id))
    assert ids == {("123", 0), ("9", 1)}


def test_a_briefly_missed_number_is_held_then_dropped():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=2, max_missing_frames=2))
    stabilizer.update([number("8", 60, 60)])
    stabilizer.update([number("8", 60, 60)])
    assert texts(stabilizer.update([])) == ["8"]  # one frame without it: still shown
    assert texts(stabilizer.update([])) == ["8"]
    assert stabilizer.update([]) == []  # gone for longer than allowed


def test_unreadable_digits_never_become_stable():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=2))
    for _ in range(5):
        stable = stabilizer.update([number("4?", 20, 20, confidence=0.3)])
    assert stable == []


def test_readings_come_top_to_bottom_then_left_to_right():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=1))
    stable = stabilizer.update([number("3", 300, 200), number("2", 300, 20),
                                number("1", 10, 20)])
    assert texts(stable) == ["1", "2", "3"]


def test_memory_stays_bounded_under_a_view_full_of_noise():
    stabilizer = ReadingStabilizer(StabilityOptions(stable_frames=2, max_tracks=50))
    for step in range(40):
        # 30 new numbers every frame, each somewhere it has never been.
        stabilizer.update([number("7", 1000 * step + 40 * i, 0) for i in range(30)])
        assert len(stabilizer._tracks) <= 50


def test_options_reject_nonsense():
    with pytest.raises(ValueError, match="stable_frames"):
        StabilityOptions(stable_frames=0)


def test_box_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == pytest.approx(1.0)
    assert box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
