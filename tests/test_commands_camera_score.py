"""`benchmarks.commands` scores the camera command's JSON lines against what each generated frame
shows: boxes matched as the scan's are, a phantom digit against precision, a frame not read
against recall; the hand-held video's truth follows the card."""

from __future__ import annotations

import json

import cv2
import numpy as np
from model_fixtures import mnist_or_skip

from benchmarks.commands import score_frames
from benchmarks.handheld_video import HandheldOptions, write_handheld_video
from benchmarks.pipeline_frames import FrameTruth


def _line(frame: int, digits: list[tuple[str, list[int]]]) -> str:
    return json.dumps({"frame": frame, "lines": [{"digits": [{"digit": text, "bbox": box}
                                                              for text, box in digits]}]})


def test_every_read_digit_is_scored_against_its_frame():
    truth = [FrameTruth(["3", "7"], [(0, 0, 10, 10), (20, 0, 10, 10)]),
             FrameTruth(["1"], [(5, 5, 10, 20)]),
             FrameTruth(["4"], [(0, 0, 10, 10)])]  # frame 2 is never read: its 4 is missed
    lines = [_line(0, [("3", [1, 1, 9, 9]), ("1", [21, 0, 9, 10])]),  # a 7 read as 1
             _line(1, [("1", [5, 6, 10, 19]), ("8", [100, 100, 10, 10])])]  # and a phantom 8
    score = score_frames("\n".join(lines) + "\n", truth)
    # 2 right of 4 read (precision), of 4 written (recall).
    assert score["precision"] == 0.5 and score["recall"] == 0.5


def test_the_hand_held_truth_moves_with_the_card(tmp_path):
    mnist_or_skip("test")
    video = tmp_path / "cards.avi"
    options = HandheldOptions(frames_per_card=4, max_offset_px=12.0, tremor_px=3.0)
    truth = write_handheld_video(video, 6, seed=5, options=options)
    capture = cv2.VideoCapture(str(video))
    assert len(truth) == 6
    for shown in truth:
        ok, frame = capture.read()
        assert ok and len(shown.labels) == len(shown.boxes) == 20
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
        ink = (gray < np.median(gray) - 60).astype(np.uint8)
        for x, y, w, h in shown.boxes:
            # The ink around each moved box (3 px more all round) fills it: the box follows it.
            left, top = max(0, x - 3), max(0, y - 3)
            ink_x, ink_y, ink_w, ink_h = cv2.boundingRect(ink[top:y + h + 3, left:x + w + 3])
            assert abs(left + ink_x - x) <= 2 and abs(top + ink_y - y) <= 2
            assert abs(ink_w - w) <= 3 and abs(ink_h - h) <= 3
    capture.release()
    assert truth[1].boxes != truth[0].boxes  # the card moved (tremor of 3 px a frame)
