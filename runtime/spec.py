"""The facts every stage shares about the model: its labels, its input and its export verdicts.

One place owns them: training builds the model from `INPUT_SHAPE`, export writes them to the
manifest, the runtime checks a loaded model against them, the benchmarks read the verdicts.
How a pixel becomes the model's input is `runtime.model_io`.
"""

from __future__ import annotations

from enum import Enum

LABELS: tuple[str, ...] = tuple("0123456789")
"""Class index -> the character it stands for."""

NUM_CLASSES = len(LABELS)
"""Digit classes. A model may have one output more (see NOT_DIGIT_INDEX)."""

NOT_DIGIT_INDEX = NUM_CLASSES
"""The 11th output of a model trained with negatives (`train.negatives`): "not a digit".
A model has either NUM_CLASSES outputs (digits only) or NUM_CLASSES + 1 (digits, then this)."""

NOT_DIGIT_LABEL = "not a digit"
"""How the manifest and reports name output NOT_DIGIT_INDEX."""

MODEL_OUTPUT_COUNTS = (NUM_CLASSES, NUM_CLASSES + 1)
"""The numbers of outputs a digit model may have."""


def output_labels(output_count: int) -> list[str]:
    """What each output of a model with `output_count` outputs stands for (the manifest's labels)."""
    return list(LABELS) + [NOT_DIGIT_LABEL] * (output_count - NUM_CLASSES)

IMAGE_SIDE_PX = 28
"""Model input is a square MNIST-style image of this side."""

DIGIT_BOX_PX = 20
"""MNIST fits each digit's longest side into this box before centring it in the 28x28 image."""

INPUT_SHAPE: tuple[int, int, int] = (IMAGE_SIDE_PX, IMAGE_SIDE_PX, 1)
"""Height, width, channels of one model input (the batch dimension comes first)."""

PIXEL_SCALE = 1.0 / 255.0
"""A float model sees uint8 pixels times this, i.e. values in [0, 1], ink white on black
(`runtime.model_io` applies it, for every stage)."""


class ExportStatus(str, Enum):
    """An exported artifact's verdict, as `python -m export` writes it in manifest.json.

    The values are the manifest's strings; a member compares equal to its string and is
    written as it by `json`, so manifests and reports keep their wording.
    """

    PASSED = "passed"  # written, and it matches the Keras model within the parity limits
    PARITY_FAILED = "parity-failed"  # written, but it disagrees with the Keras model
    EXPORT_FAILED = "export-failed"  # no file: the conversion failed

    def __str__(self) -> str:
        return self.value
