"""The model's two edges, written once: uint8 digit crops in, class probabilities out.

A pixel must become the same number wherever the model is fed, or training, int8 calibration,
the export's parity check, the benchmarks and the device would each test a slightly different
model. So all of them use `to_model_input` (the classifier builds its per-pixel lookup table
with `input_lookup_table`, the same function), and every stage that gets logits turns them into
probabilities with `softmax`.

The convention: a uint8 pixel p (ink white on black, see `runtime.normalize`) is the real value
p * PIXEL_SCALE, i.e. p / 255 in [0, 1]; a quantized input stores that real value as
round(real / scale) + zero_point, with the scale and zero point read from the model file.
"""

from __future__ import annotations

import numpy as np

from runtime.spec import INPUT_SHAPE, PIXEL_SCALE


def input_lookup_table(dtype=np.float32, scale: float | None = None,
                       zero_point: int | None = None) -> np.ndarray:
    """The model-input value of every uint8 pixel value: 256 entries, indexed by the pixel.

    `dtype` is the input tensor's type; `scale` and `zero_point` its quantization (None, or a
    scale of 0, for a float input).
    """
    dtype = np.dtype(dtype)
    # float64, then one rounding to the input type: the float32 values are p / 255 correctly
    # rounded, whichever stage computes them.
    real = np.arange(256, dtype=np.float64) * PIXEL_SCALE
    if scale is None or scale == 0.0 or not np.issubdtype(dtype, np.integer):
        return real.astype(dtype)
    info = np.iinfo(dtype)
    quantized = np.round(real / scale) + zero_point
    return np.clip(quantized, info.min, info.max).astype(dtype)


def to_model_input(images: np.ndarray, dtype=np.float32, scale: float | None = None,
                   zero_point: int | None = None) -> np.ndarray:
    """uint8 crops (N, 28, 28) -> the model's input tensor (N, 28, 28, 1) of type `dtype`.

    Float32 in [0, 1] by default, what the Keras model takes; pass an input's dtype, scale and
    zero point to get what a quantized interpreter takes.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"model input is made from uint8 images, got dtype {images.dtype}; "
                         "use runtime.normalize.normalize_batch to make them")
    if images.shape[-2:] != INPUT_SHAPE[:2]:
        raise ValueError(f"model input is made from images of shape (N, 28, 28), got {images.shape}")
    return input_lookup_table(dtype, scale, zero_point)[images][..., None]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from rows of logits (N, classes), computed without overflow."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)
