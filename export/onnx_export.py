"""Convert the Keras model to ONNX (float and static int8) and ONNX Runtime's mobile .ort format.

Named onnx_export, not onnx, so it never shadows the `onnx` package.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np

from export.errors import ConversionError
from runtime.model_io import to_model_input

ONNX_OPSET = 17
"""Opset supported by every onnxruntime this project targets (>= 1.14)."""

CALIBRATION_BATCH = 100
"""Images per calibration batch fed to onnxruntime's quantizer."""


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]


def convert_onnx(serving_function, output_path: Path) -> None:
    """Write the float ONNX model of `serving_function` (batch dimension left dynamic)."""
    import tf2onnx

    try:
        tf2onnx.convert.from_function(
            serving_function, input_signature=serving_function.input_signature,
            opset=ONNX_OPSET, output_path=str(output_path))
    except Exception as error:  # tf2onnx surfaces TF, ONNX and its own error types
        raise ConversionError(f"ONNX conversion failed: {_one_line(error)}") from None


def quantize_onnx(float_path: Path, output_path: Path, calibration: np.ndarray) -> None:
    """Write a static int8 (QDQ, per-channel weights) version of the float ONNX model."""
    import onnxruntime
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    input_name = onnxruntime.InferenceSession(
        str(float_path), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    samples = to_model_input(calibration)

    class TrainingImages(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches = iter(range(0, len(samples), CALIBRATION_BATCH))

        def get_next(self):
            start = next(self._batches, None)
            if start is None:
                return None
            return {input_name: samples[start : start + CALIBRATION_BATCH]}

    with tempfile.TemporaryDirectory(prefix="edgedigits-quant-") as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        try:
            quant_pre_process(str(float_path), str(prepared))
            quantize_static(
                str(prepared), str(output_path), TrainingImages(),
                quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
        except Exception as error:  # onnxruntime's quantizer raises many types
            raise ConversionError(f"ONNX int8 quantization failed: {_one_line(error)}") from None


def convert_ort(onnx_path: Path, output_path: Path) -> None:
    """Write the ONNX Runtime Mobile (.ort) form of an ONNX model."""
    from onnxruntime.tools.convert_onnx_models_to_ort import (
        OptimizationStyle,
        convert_onnx_models_to_ort,
    )

    with tempfile.TemporaryDirectory(prefix="edgedigits-ort-") as scratch:
        source = Path(scratch) / "model.onnx"
        shutil.copyfile(onnx_path, source)
        try:
            # The tool narrates every step on stdout and through logging; keep --json clean.
            with contextlib.redirect_stdout(io.StringIO()), _logging_silenced():
                convert_onnx_models_to_ort(source, output_dir=Path(scratch) / "out",
                                           optimization_styles=[OptimizationStyle.Fixed])
        except Exception as error:  # the tool raises RuntimeError and onnxruntime's errors
            raise ConversionError(f"ORT conversion failed: {_one_line(error)}") from None
        produced = sorted((Path(scratch) / "out").glob("*.ort"))
        if not produced:
            raise ConversionError("ORT conversion produced no .ort file")
        shutil.copyfile(produced[0], output_path)


@contextlib.contextmanager
def _logging_silenced():
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)
