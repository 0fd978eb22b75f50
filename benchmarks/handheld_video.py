"""A camera's view of cards held in a hand: the same card for seconds at a time, never still.

`benchmarks.commands`' first camera video shows a new page on every frame, the worst case for a
camera that carries readings from frame to frame. A person shows a card for a while: it drifts
and trembles by fractions of a pixel to a few pixels a frame, under steady light and fresh
sensor noise, and then the next card comes. This video is that: cards of 20 MNIST test digits
(`benchmarks.pipeline_frames`, 640x480), each held for `frames_per_card` frames on a smooth
random path (velocity a damped random walk, within `max_offset_px` of its start), with a steady
uneven light per card, slight blur and new noise on every frame.

Usage: imported by benchmarks.commands (not run directly).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass
class HandheldOptions:
    """How the cards move."""

    frames_per_card: int = 90  # 3 s at 30 frames/s, then the next card
    max_offset_px: float = 20.0  # the card stays this close to where it started
    tremor_px: float = 0.35  # spread of the change of velocity per frame (px/frame)
    damping: float = 0.9  # the share of its velocity the card keeps from frame to frame
    noise_grey_levels: float = 3.0  # sensor noise (sigma)
    # The MNIST split the cards' digits come from: "test" for the benchmark, "train" for videos
    # that tune the camera's shortcuts (never tuned on test digits).
    mnist_split: str = "test"


def card_path(count: int, rng: np.random.Generator, options: HandheldOptions) -> np.ndarray:
    """(count, 2) offsets in px of a card held in a hand, starting at (0, 0)."""
    offsets, position, velocity = np.zeros((count, 2)), np.zeros(2), np.zeros(2)
    for index in range(1, count):
        velocity = options.damping * velocity + rng.normal(0.0, options.tremor_px, 2)
        position = np.clip(position + velocity, -options.max_offset_px, options.max_offset_px)
        offsets[index] = position
    return offsets


def write_handheld_video(path: Path, count: int, seed: int, options: HandheldOptions | None = None) -> list:
    """Write `count` 640x480 MJPG frames of hand-held cards to `path`; what each frame shows
    (`benchmarks.pipeline_frames.FrameTruth`, boxes where the card has moved them)."""
    from benchmarks.handwriting import DigitBank
    from benchmarks.pipeline_frames import FrameSpec, make_frame
    from train.data import load_mnist

    options = options or HandheldOptions()
    images, labels = load_mnist(options.mnist_split)
    bank, rng = DigitBank(images, labels), np.random.default_rng(seed)
    spec = FrameSpec(640, 480, 20, camera=False)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (spec.width, spec.height))
    truth = []
    for start in range(0, count, options.frames_per_card):
        made = make_frame(spec, bank, rng)
        card = made.image.astype(np.float32)
        light = _steady_light(spec.width, spec.height, rng)
        for dx, dy in card_path(min(options.frames_per_card, count - start), rng, options):
            moved = cv2.warpAffine(card, np.float32([[1, 0, dx], [0, 1, dy]]), (spec.width, spec.height),
                                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            frame = cv2.GaussianBlur(moved * light[:, :, None], (0, 0), 0.7)
            frame += rng.normal(0.0, options.noise_grey_levels, frame.shape).astype(np.float32)
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
            truth.append(made.truth(dx, dy))
    writer.release()
    return truth


def _steady_light(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A desk lamp's uneven light over the frame, the same for every frame of one card."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    centre_x, centre_y = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    distance = np.hypot((xs - centre_x) / width, (ys - centre_y) / height)
    return (1.0 - rng.uniform(0.25, 0.45) * distance ** 2) * rng.uniform(0.75, 0.95)
