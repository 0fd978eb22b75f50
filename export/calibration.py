"""Training images for int8 calibration and test images for parity, both from `train.data`.

Calibration uses the TRAINING split only: calibrating on the test set would leak it into the
quantization ranges and flatter the parity figures. MNIST was made the way
`runtime.normalize.normalize_digit` normalizes a crop (re-normalizing its digits moves almost
nothing), so the images are used as they are, without calling it; the converters turn them
into model input with `runtime.model_io.to_model_input`, like every other stage.

A model with a "not a digit" output also meets shadows, rules and texture, whose activations
digits never reach: a share of seeded negatives (`train.negatives`, drawn from training digits
only) joins the calibration set so their ranges are not clipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from export.errors import ExportError


@dataclass(frozen=True)
class CalibrationOptions:
    """Which training images calibrate the int8 formats."""

    image_count: int = 1000  # a few hundred to a few thousand is what PTQ needs
    seed: int = 0  # fixed, so an export is reproducible
    negative_share: float = 0.12  # share of negatives, for a model with a "not a digit" output


def load_split(split: str, data_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST (images uint8 (N, 28, 28), labels) via the training package's loader."""
    from train.data import DatasetError, load_mnist

    try:
        return load_mnist(split, data_dir)
    except DatasetError as error:
        raise ExportError(f"cannot read MNIST {split} data: {error}") from None


def calibration_images(options: CalibrationOptions, data_dir=None, not_digit: bool = False) -> np.ndarray:
    """uint8 (K, 28, 28) training images, spanning pixel values 0 and 255.

    The int8 converter sets the input quantization from the range it sees; a set that holds
    both pure black (0) and pure white (255) pixels gives range [0, 1], i.e. input scale 1/255
    and zero point -128, so the device maps a uint8 pixel p to the int8 input p - 128 exactly.
    """
    images, labels = load_split("train", data_dir)
    generator = np.random.default_rng(options.seed)
    count = min(options.image_count, len(images))
    rows = np.sort(generator.choice(len(images), size=count, replace=False))
    chosen = images[rows].copy()
    if not_digit:
        from train.negatives import draw_negatives

        negative_count = round(options.negative_share * count)
        negatives, _ = draw_negatives(negative_count, options.seed, (images[rows], labels[rows]))
        chosen[count - negative_count :] = negatives
    # MNIST digits always hold both values; pin them anyway so an odd subset cannot narrow
    # the range (one corner pixel and one brightest pixel change, nothing else).
    if chosen.min() > 0:
        chosen[0, 0, 0] = 0
    if chosen.max() < 255:
        chosen.reshape(-1)[np.argmax(chosen)] = 255
    return chosen
