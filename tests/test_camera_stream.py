"""The camera's stream shortcuts: polarity kept between frames, unchanged frames not read again.

Whatever the camera skips, each frame must read as the reader reads it from scratch: right after
the camera turns from a sheet of paper to a chalkboard, when a dark sticker comes into view, and
back. The frames here are pen on paper, light chalk on a dark board and a sheet with a dark
sticker, built from MNIST test digits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from synthetic_pages import ink_page
from test_polarity import chalk_board_video, mixed_page

from runtime.camera.stream import StreamOptions, StreamShortcuts
from runtime.paths import REPO_ROOT
from runtime.reading.reader import PageReader, ReaderOptions

SIZE = (480, 640)


def on_frame(page: np.ndarray, shift: int = 0) -> np.ndarray:
    """`page` (grey) laid on a 640x480 white frame, 3 x `shift` px right and down, with sensor
    noise: a card held in a hand moves a few pixels a frame."""
    shift *= 3
    frame = np.full(SIZE, 235, np.uint8)
    height, width = min(page.shape[0], SIZE[0] - 40), min(page.shape[1], SIZE[1] - 40)
    frame[20 + shift:20 + shift + height, 20 + shift:20 + shift + width] = page[:height, :width]
    noise = np.random.default_rng(shift).normal(0, 2, SIZE)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def board_frames(tmp_path, images, labels, count: int) -> list[np.ndarray]:
    video = tmp_path / "board.avi"
    chalk_board_video(video, images, labels, frames=count)
    capture = cv2.VideoCapture(str(video))
    frames = [cv2.cvtColor(capture.read()[1], cv2.COLOR_BGR2GRAY) for _ in range(count)]
    capture.release()
    return frames


@pytest.fixture(scope="module")
def reader(default_classifier):
    return PageReader(default_classifier, ReaderOptions(detect_orientation=False, min_confidence=0.5))


@pytest.fixture(scope="module")
def scenes(tmp_path_factory, mnist_test_digits):
    """Paper, then a board, then paper with a dark sticker, then paper again: 14 frames."""
    images, labels = mnist_test_digits
    paper, _ = ink_page([list(images[20:25]), list(images[25:29])])
    board = board_frames(tmp_path_factory.mktemp("board"), images, labels, 4)
    sticker = mixed_page(images)
    return ([on_frame(paper, shift) for shift in range(4)] + board
            + [on_frame(sticker, shift) for shift in range(3)] + [on_frame(paper, shift) for shift in range(3)])


def readings(result) -> list[dict]:
    return [line.to_dict() for line in result.lines]


def same_digits(lines: list[dict], fresh: list[dict], box_px: int = 2) -> bool:
    """Whether two readings (as `readings` gives them) have the same lines of digits, every box
    within `box_px` pixels (a fresh reading of a frame moved under sensor noise places a box a
    pixel either way)."""
    def digits(reading):
        return [[(digit["digit"], digit["bbox"]) for digit in line["digits"]] for line in reading]

    ours, theirs = digits(lines), digits(fresh)
    return [len(line) for line in ours] == [len(line) for line in theirs] and all(
        a[0] == b[0] and max(abs(p - q) for p, q in zip(a[1], b[1])) <= box_px
        for line_a, line_b in zip(ours, theirs) for a, b in zip(line_a, line_b))


def test_every_frame_reads_as_from_scratch_when_the_scene_changes(reader, scenes):
    # Moved cards are read afresh here (no tracking): the polarity kept between frames must
    # give exactly what a fresh reading gives.
    shortcuts = StreamShortcuts(reader, StreamOptions(track_shift=False))
    for index, frame in enumerate(scenes):
        assert readings(shortcuts.read(frame, index)) == readings(reader.read(frame)), f"frame {index}"
    # Decided on the first frame, and again where the board, the sticker and the paper came in;
    # the frames between were read with the polarity kept.
    assert shortcuts.polarity_checks == 4
    assert shortcuts.reused_frames == 0  # every frame moved: none was taken for unchanged


def test_the_polarity_is_checked_again_after_a_second_of_frames(reader, scenes):
    shortcuts = StreamShortcuts(reader, StreamOptions(polarity_recheck_frames=30, track_shift=False))
    paper = scenes[0]
    for shift, index in enumerate((0, 10, 29, 30, 45, 60)):
        shortcuts.read(on_frame(paper[20:, 20:], shift), index)
    assert shortcuts.polarity_checks == 3  # frames 0, 30 and 60


def test_an_unchanged_frame_keeps_its_reading_and_a_changed_one_is_read(reader, scenes):
    shortcuts = StreamShortcuts(reader, StreamOptions(max_reused_frames=3))
    frame = scenes[0]
    first = readings(shortcuts.read(frame, 0))
    assert first
    noisy = np.clip(frame + np.random.default_rng(9).normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
    assert readings(shortcuts.read(noisy, 1)) == first  # sensor noise alone: the same frame
    assert shortcuts.reused_frames == 1
    # One digit rubbed out: that frame is read again, and reads as from scratch.
    x, y, w, h = first[0]["digits"][0]["bbox"]
    rubbed = frame.copy()
    rubbed[y:y + h, x:x + w] = 235
    changed = readings(shortcuts.read(rubbed, 2))
    assert changed == readings(reader.read(rubbed)) and changed != first
    assert shortcuts.reused_frames == 1
    for index in range(3, 7):  # a still scene is read afresh every few frames all the same
        shortcuts.read(rubbed, index)
    assert shortcuts.reused_frames == 4


def test_every_frame_option_reads_each_frame_from_scratch(reader, scenes):
    shortcuts = StreamShortcuts(reader, StreamOptions(fixed_polarity=False, reuse_unchanged=False))
    for index in range(3):
        shortcuts.read(scenes[0], index)
    assert (shortcuts.polarity_checks, shortcuts.reused_frames) == (0, 0)


def test_the_camera_command_reads_a_video_whose_scene_changes_as_every_frame(tmp_path, scenes):
    video = tmp_path / "paper then board.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, SIZE[::-1])
    for frame in scenes + [scenes[-1]] * 3:  # the last frame held still
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()

    def run(*flags: str) -> list[dict]:
        completed = subprocess.run([sys.executable, "-m", "runtime.camera", "--source", str(video),
                                    "--headless", "--quiet", *flags], cwd=tmp_path, capture_output=True,
                                   text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        assert completed.returncode == 0, completed.stderr
        return [json.loads(line)["lines"] for line in completed.stdout.splitlines()]

    fast, scratch = run(), run("--every-frame")
    assert len(fast) == len(scenes) + 3
    # The same digits in every frame; a moved card's boxes (carried along) within 2 px.
    for index, (ours, theirs) in enumerate(zip(fast, scratch)):
        assert same_digits(ours, theirs), f"frame {index}"
