"""Convert the traced Keras model to TFLite: full-integer int8, float16 weights, or float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from export.errors import ConversionError
from runtime.model_io import to_model_input

TFLITE_VARIANTS = ("int8", "fp16", "fp32")


def convert_tflite(saved_model_dir: Path, variant: str,
                   calibration: np.ndarray | None = None) -> bytes:
    """TFLite flatbuffer bytes of the SavedModel in `saved_model_dir`.

    `variant` "int8" quantizes weights and activations, with int8 input and output tensors,
    calibrated on `calibration` (uint8 (K, 28, 28) training images); "fp16" stores float16
    weights; "fp32" is the plain float model.
    """
    import tensorflow as tf

    if variant not in TFLITE_VARIANTS:
        raise ValueError(f"unknown TFLite variant {variant!r}; use one of {TFLITE_VARIANTS}")
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    if variant == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "int8":
        if calibration is None or len(calibration) == 0:
            raise ValueError("int8 conversion needs calibration images")
        samples = to_model_input(calibration)

        def representative_dataset():
            for index in range(len(samples)):
                yield [samples[index : index + 1]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        # Integer-only ops: the model must run on int8-only accelerators and CPUs alike.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    try:
        return converter.convert()
    except Exception as error:  # the converter raises ConverterError, RuntimeError, ...
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ConversionError(f"TFLite {variant} conversion failed: {message[:300]}") from None
