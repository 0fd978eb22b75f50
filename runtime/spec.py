"""The facts every stage shares about the model: its labels and its input.

One place owns them: training builds the model from `INPUT_SHAPE`, export writes them to the
manifest, the runtime checks a loaded model against them.
"""

from __future__ import annotations

LABELS: tuple[str, ...] = tuple("0123456789")
"""Class index -> the character it stands for."""

NUM_CLASSES = len(LABELS)

IMAGE_SIDE_PX = 28
"""Model input is a square MNIST-style image of this side."""

DIGIT_BOX_PX = 20
"""MNIST fits each digit's longest side into this box before centring it in the 28x28 image."""

INPUT_SHAPE: tuple[int, int, int] = (IMAGE_SIDE_PX, IMAGE_SIDE_PX, 1)
"""Height, width, channels of one model input (the batch dimension comes first)."""

PIXEL_SCALE = 1.0 / 255.0
"""A float model sees uint8 pixels times this, i.e. values in [0, 1], ink white on black."""

INT8_ZERO_POINT = -128
"""Preferred int8 input zero point: with scale 1/255 a uint8 pixel p maps to p - 128."""
