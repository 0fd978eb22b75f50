"""Build one artifact per format name: the converters behind each row of `export.formats`.

An `ExportJob` holds what several formats share (the traced SavedModel, the calibration
images, intermediate ONNX files) and makes each only once, on first use. A builder that
converts another format's artifact names it through `ExportJob.source`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from export import onnx_export, tflite
from export.calibration import CalibrationOptions, calibration_images
from export.errors import ConversionError
from export.formats import artifact_name, get_format
from export.keras_model import serving_function, write_saved_model
from runtime.spec import NUM_CLASSES


@dataclass
class ExportJob:
    """Shared state of one export run."""

    model: object  # the loaded Keras model
    model_stem: str  # artifact files are named after it: <stem>_int8.tflite, ...
    out_dir: Path  # where requested artifacts go
    scratch_dir: Path  # where intermediates that were not requested go
    calibration_options: CalibrationOptions = field(default_factory=CalibrationOptions)
    data_dir: Path | None = None  # MNIST folder; None lets train.data find it
    built: dict[str, Path] = field(default_factory=dict)  # format name -> file written
    failed: dict[str, str] = field(default_factory=dict)  # format name -> why it failed
    _saved_model: Path | None = None
    _calibration: np.ndarray | None = None

    def saved_model(self) -> Path:
        if self._saved_model is None:
            self._saved_model = write_saved_model(self.model, self.scratch_dir / "saved_model")
        return self._saved_model

    def calibration(self) -> np.ndarray:
        if self._calibration is None:
            not_digit = int(self.model.outputs[0].shape[-1]) > NUM_CLASSES
            self._calibration = calibration_images(self.calibration_options, self.data_dir, not_digit)
        return self._calibration

    def build(self, name: str, out_dir: Path | None = None) -> Path:
        """Write the artifact of format `name` (into out_dir, default self.out_dir); its path."""
        if name in self.built:
            return self.built[name]
        if name in self.failed:
            raise ConversionError(self.failed[name])
        path = (out_dir or self.out_dir) / artifact_name(self.model_stem, get_format(name))
        try:
            BUILDERS[name](self, path)
        except ConversionError as error:
            path.unlink(missing_ok=True)
            self.failed[name] = str(error)
            raise
        self.built[name] = path
        return path

    def source(self, name: str) -> Path:
        """An artifact another format converts from, built into scratch if not requested."""
        try:
            return self.build(name, out_dir=self.scratch_dir)
        except ConversionError as error:
            raise ConversionError(f"needs {name}, which failed: {error}") from None


def _tflite_builder(variant: str) -> Callable[[ExportJob, Path], None]:
    def build(job: ExportJob, path: Path) -> None:
        calibration = job.calibration() if variant == "int8" else None
        path.write_bytes(tflite.convert_tflite(job.saved_model(), variant, calibration))

    return build


def _build_onnx(job: ExportJob, path: Path) -> None:
    onnx_export.convert_onnx(serving_function(job.model), path)


def _build_onnx_int8(job: ExportJob, path: Path) -> None:
    onnx_export.quantize_onnx(job.source("onnx"), path, job.calibration())


def _build_ort(job: ExportJob, path: Path) -> None:
    onnx_export.convert_ort(job.source("onnx"), path)


def _build_ort_int8(job: ExportJob, path: Path) -> None:
    onnx_export.convert_ort(job.source("onnx-int8"), path)


BUILDERS: dict[str, Callable[[ExportJob, Path], None]] = {
    "tflite-int8": _tflite_builder("int8"),
    "tflite-fp16": _tflite_builder("fp16"),
    "tflite-fp32": _tflite_builder("fp32"),
    "onnx": _build_onnx,
    "onnx-int8": _build_onnx_int8,
    "ort": _build_ort,
    "ort-int8": _build_ort_int8,
}
"""Format name -> function writing that artifact; one per row of export.formats.FORMATS."""
