"""Warm start: copy a trained model's weights into a freshly built one before fine-tuning.

The use: give the shipped 10-output digit model an 11th output, "not a digit", without
retraining its digit reading from scratch (a from-scratch 11-output run read fewer real photos).
Every layer is copied by name; the last Dense keeps the source's digit columns and the new
column starts at zero weights and a negative bias, so the fine-tune begins from exactly the
source model's digit probabilities, with "not a digit" rare until the negatives teach it.
"""

from __future__ import annotations

import numpy as np

NEW_OUTPUT_BIAS = -2.0
"""Starting bias of an added output: zero weights and this bias give it about e^-2 of the
top digit's odds, so the first steps do not shake the digit columns."""


class WarmStartError(ValueError):
    """The source model cannot seed the new one (missing layer, shapes that do not fit)."""


def copy_weights(source, target) -> int:
    """Copy every layer of `source` into the same-named layer of `target`; returns layers copied.

    Layers match by name and weight shapes must be equal, except that the output Dense of
    `target` may have more units than the source's: its extra columns start at zero weights and
    NEW_OUTPUT_BIAS. Raises WarmStartError when a weighted layer of `target` has no match.
    """
    source_layers = {layer.name: layer for layer in source.layers}
    copied = 0
    for layer in target.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if layer.name not in source_layers:
            raise WarmStartError(f"the source model has no layer {layer.name!r}")
        given = source_layers[layer.name].get_weights()
        layer.set_weights(_fit(layer.name, given, weights))
        copied += 1
    return copied


def _fit(name: str, given: list[np.ndarray], wanted: list[np.ndarray]) -> list[np.ndarray]:
    """`given` shaped like `wanted`: equal shapes as they are, extra output units appended."""
    if len(given) != len(wanted):
        raise WarmStartError(f"layer {name!r} holds {len(given)} weight arrays, not {len(wanted)}")
    fitted = []
    for source, target in zip(given, wanted):
        if source.shape == target.shape:
            fitted.append(source)
        elif source.shape[:-1] == target.shape[:-1] and source.shape[-1] < target.shape[-1]:
            # A kernel (inputs, units) or a bias (units,) with units added at the end.
            extra = np.zeros(target.shape[:-1] + (target.shape[-1] - source.shape[-1],), target.dtype)
            if source.ndim == 1:
                extra += NEW_OUTPUT_BIAS
            fitted.append(np.concatenate([source.astype(target.dtype), extra], axis=-1))
        else:
            raise WarmStartError(f"layer {name!r}: weights {source.shape} do not fit {target.shape}")
    return fitted


def load_and_copy(path: str, target) -> int:
    """Load the Keras model at `path` and copy its weights into `target` (see copy_weights)."""
    import keras

    return copy_weights(keras.saving.load_model(path, compile=False), target)
