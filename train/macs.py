"""Count a Keras model's multiply-accumulates (MACs) per image from its layers.

Counted: Conv2D (grouped too), DepthwiseConv2D, SeparableConv2D and Dense -- the layers that
cost anything on a CPU. BatchNormalization is not counted because export folds it into the
preceding convolution; activations, pooling, reshapes and dropout are not multiply-accumulates.
A layer type this module does not know but that has weights raises, so a new architecture
cannot silently be under-counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FREE_LAYERS = (
    "InputLayer",
    "BatchNormalization",
    "ReLU",
    "Activation",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "Dropout",
    "Reshape",
    "Rescaling",
    "Add",
    "Concatenate",
    "ZeroPadding2D",
    "SpatialDropout2D",
)
"""Layer classes that do no multiply-accumulates worth counting (or are folded away)."""


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer for one input image."""

    name: str
    kind: str
    """Layer class name, e.g. "Conv2D"."""
    output_shape: tuple
    """Output shape without the batch dimension."""
    params: int
    macs: int


def layer_costs(model) -> list[LayerCost]:
    """Per-layer parameter and MAC counts of a built Keras model (batch size 1)."""
    costs = []
    for layer in model.layers:
        kind = type(layer).__name__
        output_shape = tuple(layer.output.shape[1:])
        costs.append(
            LayerCost(
                layer.name, kind, output_shape, layer.count_params(), _layer_macs(layer, kind, output_shape)
            )
        )
    return costs


def count_macs(model) -> int:
    """Total multiply-accumulates for one image."""
    return sum(cost.macs for cost in layer_costs(model))


def _layer_macs(layer, kind: str, output_shape: tuple) -> int:
    if kind == "Conv2D":
        kernel_height, kernel_width, inputs_per_group, filters = layer.kernel.shape
        out_height, out_width = output_shape[0], output_shape[1]
        return int(out_height * out_width * kernel_height * kernel_width * inputs_per_group * filters)
    if kind == "DepthwiseConv2D":
        kernel_height, kernel_width, channels, multiplier = layer.kernel.shape
        out_height, out_width = output_shape[0], output_shape[1]
        return int(out_height * out_width * kernel_height * kernel_width * channels * multiplier)
    if kind == "SeparableConv2D":
        kernel_height, kernel_width, channels, multiplier = layer.depthwise_kernel.shape
        pointwise_in, filters = layer.pointwise_kernel.shape[-2:]
        out_height, out_width = output_shape[0], output_shape[1]
        return int(
            out_height
            * out_width
            * (kernel_height * kernel_width * channels * multiplier + pointwise_in * filters)
        )
    if kind == "Dense":
        inputs, units = layer.kernel.shape
        # A Dense on a rank > 2 tensor is applied at every leading position.
        positions = int(np.prod(output_shape[:-1])) if len(output_shape) > 1 else 1
        return int(positions * inputs * units)
    if kind in _FREE_LAYERS or layer.count_params() == 0:
        return 0
    raise ValueError(f"layer {layer.name!r} of type {kind} has weights but no MAC formula")
