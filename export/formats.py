"""The export formats as a table of named entries: one row per format, looked up by name.

Every other part of the export branches on a row's name or fields, never on its position,
so adding a format is adding a row (and its builder in `export.build`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from export.errors import ExportError


@dataclass(frozen=True)
class ExportFormat:
    """One exportable model format."""

    name: str  # what users type after --formats, and what the manifest records
    suffix: str  # file name ending; the artifact is written as <model stem><suffix>
    runtime: str  # the interpreter that runs it on the device
    quantized: bool  # int8 arithmetic inside: parity uses the looser int8 limits
    description: str  # one line for --help


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("tflite-int8", "_int8.tflite", "litert", True,
                 "full-integer TFLite, int8 input/output, calibrated on training images"),
    ExportFormat("tflite-fp16", "_fp16.tflite", "litert", False,
                 "TFLite with float16 weights, float32 compute"),
    ExportFormat("tflite-fp32", "_fp32.tflite", "litert", False,
                 "float32 TFLite"),
    ExportFormat("onnx", ".onnx", "onnxruntime", False,
                 "float32 ONNX with a dynamic batch dimension"),
    ExportFormat("onnx-int8", "_int8.onnx", "onnxruntime", True,
                 "ONNX static int8 quantization (QDQ, per-channel), calibrated on training images"),
    ExportFormat("ort", ".ort", "onnxruntime", False,
                 "ONNX Runtime Mobile format of the float ONNX model"),
    ExportFormat("ort-int8", "_int8.ort", "onnxruntime", True,
                 "ONNX Runtime Mobile format of the int8 ONNX model"),
)

FORMAT_NAMES: tuple[str, ...] = tuple(entry.name for entry in FORMATS)
_BY_NAME = {entry.name: entry for entry in FORMATS}


def get_format(name: str) -> ExportFormat:
    """The table row called `name`; an unknown name raises ExportError with the closest match."""
    entry = _BY_NAME.get(name.strip().lower())
    if entry is not None:
        return entry
    close = difflib.get_close_matches(name.strip().lower(), FORMAT_NAMES, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ExportError(f"unknown format '{name}': {hint}choose from {', '.join(FORMAT_NAMES)}")


def parse_formats(text: str | None) -> list[ExportFormat]:
    """Rows for a comma-separated list of names ("all" or None: every format), in table order."""
    if text is None or text.strip().lower() in ("", "all"):
        return list(FORMATS)
    wanted = {get_format(name).name for name in text.split(",") if name.strip()}
    if not wanted:
        raise ExportError(f"no format named in '{text}'; choose from {', '.join(FORMAT_NAMES)}")
    return [entry for entry in FORMATS if entry.name in wanted]


def artifact_name(model_stem: str, entry: ExportFormat) -> str:
    """File name of `entry`'s artifact for a model called `model_stem` (e.g. edge_int8.tflite)."""
    return f"{model_stem}{entry.suffix}"
