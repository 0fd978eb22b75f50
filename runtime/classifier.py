"""Batch digit classifier over a TFLite or ONNX model, without TensorFlow.

`Classifier.load(path)` opens a `.tflite` model with LiteRT (`ai_edge_litert`, else
`tflite_runtime`) or an `.onnx` / `.ort` model with ONNX Runtime, and reads the input's shape,
dtype and quantization (scale, zero point) from the model itself. `predict(batch)` takes
MNIST-style (N, 28, 28) uint8 images (see `runtime.normalize`) and classifies the whole batch
in one interpreter call.

A model has 10 outputs (the digits) or 11: the digits, then "not a digit" (`runtime.spec.
NOT_DIGIT_INDEX`, trained on letters, rules, shadow edges, texture and digit halves).
`Predictions.labels`, `.confidences` and `.probabilities` are always about the ten digits (the
digits' share of an 11-way softmax, not renormalized); `.not_digit` is the 11th probability, or
zeros for a 10-output model.

Input contract: white ink on a black background, as MNIST. A crop cut from a page as it looks
(dark ink on white paper) is refused with a ValueError rather than silently misread: an image
whose four corner pixels are all bright cannot come from `normalize_digit` (its 20 px digit box
never reaches two opposite sides of the 28 px image). Pass `polarity="dark-on-light"` to have
such crops inverted on the way in (free: it only swaps the lookup table).

The camera calls `predict` for every frame, so the per-call path is kept short: the uint8 ->
model-input conversion (`runtime.model_io`, the one every stage uses) is a 256-entry lookup
table built once at load time (applied by `cv2.LUT`), tensor indices are looked up once, and the
interpreter is only re-allocated when the batch size changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from runtime.cli import native_stderr_silenced
from runtime.model_io import input_lookup_table, softmax
from runtime.models import ModelError, default_model_path, read_manifest
from runtime.spec import INPUT_SHAPE, MODEL_OUTPUT_COUNTS, NOT_DIGIT_INDEX, NOT_DIGIT_LABEL, NUM_CLASSES

__all__ = ["Classifier", "InputSpec", "ModelError", "OutputSpec", "POLARITIES", "Predictions",
           "import_tflite_interpreter"]

TFLITE_SUFFIXES = (".tflite",)
ONNX_SUFFIXES = (".onnx", ".ort")

POLARITIES = ("light-on-dark", "dark-on-light")
"""`predict`'s polarity argument: the model's own convention (white ink on black) or its inverse."""

_BRIGHT_CORNER = 128
"""A crop whose four corners all reach this is dark ink on light paper (see the module doc)."""

_PROBABILITY_SUM_TOLERANCE = 0.05
"""How far from 1 a row of int8 softmax outputs may sum and still count as probabilities."""


@dataclass(frozen=True)
class InputSpec:
    """What the model expects as input, as read from the model file."""

    shape: tuple[int, ...]  # one image, e.g. (28, 28, 1); the batch dimension is left out
    dtype: str  # numpy dtype name of the input tensor: "float32", "int8" or "uint8"
    scale: float | None  # quantization scale (real = scale * (q - zero_point)); None if float
    zero_point: int | None  # quantization zero point; None if the input is float

    def to_dict(self) -> dict:
        return {"shape": list(self.shape), "dtype": self.dtype, "scale": self.scale,
                "zero_point": self.zero_point}


@dataclass(frozen=True)
class OutputSpec:
    """What the model returns per image, as read from the model file (and a probe run)."""

    shape: tuple[int, ...]  # one image's output: (10,) digits, or (11,) digits then "not a digit"
    dtype: str  # numpy dtype name of the output tensor: "float32", "int8" or "uint8"
    scale: float | None  # quantization scale (real = scale * (q - zero_point)); None if float
    zero_point: int | None  # quantization zero point; None if the output is float
    kind: str  # "probabilities" (rows sum to 1) or "logits" (softmax them)

    def to_dict(self) -> dict:
        spec = {"shape": list(self.shape), "dtype": self.dtype, "scale": self.scale,
                "zero_point": self.zero_point, "kind": self.kind}
        if self.shape[0] > NUM_CLASSES:
            spec["classes"] = (f"outputs 0-9 are the digits 0-9; output {NOT_DIGIT_INDEX} is "
                               f"'{NOT_DIGIT_LABEL}' (the crop is no digit: drop it)")
            spec["not_digit_index"] = NOT_DIGIT_INDEX
        return spec


@dataclass
class Predictions:
    """The classifier's answer for a batch of N images."""

    labels: np.ndarray  # (N,) int64 class index of the most probable digit
    confidences: np.ndarray  # (N,) float32 probability of that digit
    probabilities: np.ndarray  # (N, 10) float32 probability of every digit
    not_digit: np.ndarray | None = None  # (N,) float32 probability of "not a digit"; 0 without that output

    def __post_init__(self) -> None:
        if self.not_digit is None:
            self.not_digit = np.zeros(self.labels.shape[0], np.float32)

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def _dequantize_lookup_table(dtype: np.dtype, scale: float | None,
                             zero_point: int) -> np.ndarray | None:
    """For 8-bit quantized outputs: float32 value of every byte, indexed by the byte as uint8."""
    if scale is None or dtype.itemsize != 1 or not np.issubdtype(dtype, np.integer):
        return None
    codes = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)
    return ((codes - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)


def _check_image_shape(model_shape: tuple, path: Path) -> None:
    """Accept NHWC (N, 28, 28, 1) or NCHW (N, 1, 28, 28): with one channel both are the same bytes."""
    image_shape = tuple(int(d) for d in model_shape[1:])
    if image_shape not in (INPUT_SHAPE, (INPUT_SHAPE[2], INPUT_SHAPE[0], INPUT_SHAPE[1])):
        raise ModelError(f"{path} takes input of shape {list(model_shape)}, not a batch of "
                         f"{INPUT_SHAPE} digit images; export an MNIST-style 28x28x1 model")


def _check_output_count(count: int, path: Path) -> int:
    """A digit model gives 10 values per image, or 11 (the last: "not a digit")."""
    if count not in MODEL_OUTPUT_COUNTS:
        raise ModelError(f"{path} outputs {count} values per image, not {NUM_CLASSES} digit "
                         f"classes (or {NUM_CLASSES + 1} with 'not a digit')")
    return count


def _check_fixed_batch(fixed: bool, batch_size: int, path: Path) -> None:
    """A model exported with a fixed batch must take one image at a time (it is then looped)."""
    if fixed and batch_size != 1:
        raise ModelError(f"{path} has a fixed batch size of {batch_size}; export it with a "
                         "dynamic batch dimension or a batch of 1")


class _TfliteBackend:
    """One LiteRT interpreter; resized to the batch size when it changes."""

    def __init__(self, path: Path, threads: int) -> None:
        interpreter_class = import_tflite_interpreter()
        try:
            self._interpreter = interpreter_class(
                model_path=str(path), num_threads=threads,
                experimental_preserve_all_tensors=False)
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"cannot load TFLite model {path}: {_first_line(error)}") from None
        input_detail = self._interpreter.get_input_details()[0]
        output_detail = self._interpreter.get_output_details()[0]
        shape = tuple(int(d) for d in input_detail["shape"])
        signature = tuple(int(d) for d in input_detail.get("shape_signature", shape))
        _check_image_shape(shape, path)
        self.image_shape = shape[1:]
        self.input_dtype = np.dtype(input_detail["dtype"])
        input_scale, input_zero_point = input_detail["quantization"]
        quantized = np.issubdtype(self.input_dtype, np.integer) and input_scale != 0.0
        self.input_scale = float(input_scale) if quantized else None
        self.input_zero_point = int(input_zero_point) if quantized else None
        output_scale, output_zero_point = output_detail["quantization"]
        self.output_dtype = np.dtype(output_detail["dtype"])
        self.output_scale = float(output_scale) if output_scale != 0.0 else None
        self.output_zero_point = int(output_zero_point)
        self.output_count = _check_output_count(int(output_detail["shape"][-1]), path)
        self.fixed_batch = signature[0] != -1
        _check_fixed_batch(self.fixed_batch, shape[0], path)
        self._input_index = int(input_detail["index"])
        self._output_index = int(output_detail["index"])
        self._allocated_batch = shape[0]
        try:
            with native_stderr_silenced():  # LiteRT announces its XNNPACK delegate here
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"cannot load TFLite model {path}: {_first_line(error)}") from None

    def run(self, model_input: np.ndarray) -> np.ndarray:
        """Raw output rows (N, 10) in the model's output dtype for an input batch (N, ...)."""
        interpreter = self._interpreter
        if self.fixed_batch:
            if model_input.shape[0] == 1:
                interpreter.set_tensor(self._input_index, model_input)
                interpreter.invoke()
                return interpreter.get_tensor(self._output_index)
            return np.concatenate([self.run(model_input[i : i + 1])
                                   for i in range(model_input.shape[0])])
        batch_size = model_input.shape[0]
        if batch_size != self._allocated_batch:
            interpreter.resize_tensor_input(self._input_index, model_input.shape)
            interpreter.allocate_tensors()
            self._allocated_batch = batch_size
        interpreter.set_tensor(self._input_index, model_input)
        interpreter.invoke()
        return interpreter.get_tensor(self._output_index)


class _OnnxBackend:
    """One ONNX Runtime session (also reads the .ort mobile format)."""

    def __init__(self, path: Path, threads: int) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise ModelError(f"cannot load {path}: onnxruntime is not installed; "
                             "`pip install onnxruntime` or use a .tflite model") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initializers are noise here
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except (*_onnxruntime_errors(), RuntimeError, ValueError, OSError) as error:
            raise ModelError(f"cannot load ONNX model {path}: {_first_line(error)}") from None
        model_input = self._session.get_inputs()[0]
        model_output = self._session.get_outputs()[0]
        shape = tuple(d if isinstance(d, int) else -1 for d in model_input.shape)
        if len(shape) != 4:
            raise ModelError(f"{path} takes input of shape {list(model_input.shape)}, not a "
                             f"batch of {INPUT_SHAPE} digit images")
        _check_image_shape(shape, path)
        self.image_shape = shape[1:]
        element_types = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8,
                         "tensor(int8)": np.int8}
        if model_input.type not in element_types:
            raise ModelError(f"{path} has input type {model_input.type}; expected float, "
                             "uint8 or int8")
        self.input_dtype = np.dtype(element_types[model_input.type])
        # A QDQ-quantized ONNX model still takes float input; quantization happens inside it.
        self.input_scale = None
        self.input_zero_point = None
        self.output_dtype = np.dtype(np.float32)  # QDQ models dequantize their own output
        self.output_scale = None
        self.output_zero_point = 0
        output_classes = model_output.shape[-1] if model_output.shape else None
        self.output_count = (_check_output_count(output_classes, path) if isinstance(output_classes, int)
                             else NUM_CLASSES)
        self.fixed_batch = shape[0] != -1
        _check_fixed_batch(self.fixed_batch, shape[0], path)
        self._input_name = model_input.name
        self._output_names = [model_output.name]

    def run(self, model_input: np.ndarray) -> np.ndarray:
        session = self._session
        if self.fixed_batch and model_input.shape[0] != 1:
            return np.concatenate([self.run(model_input[i : i + 1])
                                   for i in range(model_input.shape[0])])
        return session.run(self._output_names, {self._input_name: model_input})[0]


class Classifier:
    """Classifies batches of 28x28 digit images with one loaded model.

    Load once and reuse: loading reads the model file. One instance is not safe to call from
    several threads at once (the interpreter's buffers are shared); use one per thread.
    """

    def __init__(self, backend, path: Path, model_format: str) -> None:
        self._backend = backend
        self.path = path
        self.format = model_format  # the export table's name, e.g. "tflite-int8"
        self.input_spec = InputSpec(
            shape=tuple(int(d) for d in backend.image_shape),
            dtype=backend.input_dtype.name,
            scale=backend.input_scale,
            zero_point=backend.input_zero_point)
        self._run = backend.run
        self._image_shape = tuple(backend.image_shape)
        self._lookup = input_lookup_table(backend.input_dtype, backend.input_scale,
                                          backend.input_zero_point)
        self._inverted_lookup = np.ascontiguousarray(self._lookup[::-1])  # pixel p reads as 255 - p
        self._output_lookup = _dequantize_lookup_table(
            backend.output_dtype, backend.output_scale, backend.output_zero_point)
        self.output_count = int(backend.output_count)  # 10, or 11 with "not a digit"
        self.has_not_digit = self.output_count > NUM_CLASSES
        self._outputs_are_logits = False
        self._outputs_are_logits = self._probe_outputs_are_logits()
        quantized_output = self._output_lookup is not None
        self.output_spec = OutputSpec(
            shape=(self.output_count,), dtype=backend.output_dtype.name,
            scale=backend.output_scale if quantized_output else None,
            zero_point=backend.output_zero_point if quantized_output else None,
            kind="logits" if self._outputs_are_logits else "probabilities")

    @classmethod
    def load(cls, path: str | Path | None = None, threads: int = 1) -> Classifier:
        """Open `path` (.tflite, .onnx or .ort); None loads the shipped default model."""
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ModelError(f"threads must be a positive integer, got {threads!r}")
        path = default_model_path() if path is None else Path(path).expanduser()
        if not path.is_file():
            raise ModelError(f"model not found: {path}; pass an "
                             "existing .tflite/.onnx/.ort file")
        suffix = path.suffix.lower()
        if suffix in TFLITE_SUFFIXES:
            backend = _TfliteBackend(path, threads)
        elif suffix in ONNX_SUFFIXES:
            backend = _OnnxBackend(path, threads)
        else:
            raise ModelError(f"unsupported model file {path}: expected one of "
                             f"{', '.join(TFLITE_SUFFIXES + ONNX_SUFFIXES)}")
        return cls(backend, path, _format_name(path, backend, _manifest_entry(path)))

    def predict(self, batch: np.ndarray, polarity: str = "light-on-dark") -> Predictions:
        """Classify (N, 28, 28) or (N, 28, 28, 1) uint8 MNIST-style images.

        `polarity` says how the images are drawn: "light-on-dark" (white ink on black, what
        `runtime.normalize` makes and the model takes) or "dark-on-light" (inverted on the way
        in). Under "light-on-dark", an image with all four corners bright raises ValueError:
        it is dark ink on paper, which the model would misread without a word.
        """
        if polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}, got {polarity!r}")
        batch = np.asarray(batch)
        if batch.dtype != np.uint8:
            raise ValueError(f"predict takes uint8 images, got dtype {batch.dtype}; use "
                             "runtime.normalize.normalize_batch to make them")
        if batch.ndim == 2:
            batch = batch[None]
        if batch.shape[1:3] != INPUT_SHAPE[:2] or batch.ndim not in (3, 4) or (
                batch.ndim == 4 and batch.shape[3] != 1):
            raise ValueError(f"predict takes images of shape (N, 28, 28), got {batch.shape}")
        count = batch.shape[0]
        if count == 0:
            return Predictions(np.zeros(0, np.int64), np.zeros(0, np.float32),
                               np.zeros((0, NUM_CLASSES), np.float32))
        if polarity == "light-on-dark":
            lookup = self._lookup
            _refuse_dark_on_light(batch)
        else:
            lookup = self._inverted_lookup
        # OpenCV's table lookup: the same values as `lookup[batch]`, at a fifth of its cost (10
        # against 50 µs for a camera frame's 20 crops).
        model_input = cv2.LUT(batch.reshape(-1, INPUT_SHAPE[1]), lookup).reshape((count, *self._image_shape))
        raw = self._run(model_input)
        return self._to_predictions(raw)

    def predict_outputs(self, batch: np.ndarray, polarity: str = "light-on-dark") -> np.ndarray:
        """(N, 10 or 11) float32: every output as probabilities (digits, then "not a digit")."""
        predictions = self.predict(batch, polarity)
        if not self.has_not_digit:
            return predictions.probabilities
        return np.column_stack([predictions.probabilities, predictions.not_digit])

    def _to_predictions(self, raw: np.ndarray) -> Predictions:
        if raw.ndim != 2:
            raw = raw.reshape(raw.shape[0], -1)
        if self._output_lookup is not None:
            probabilities = self._output_lookup[raw.view(np.uint8)]
        else:
            probabilities = raw.astype(np.float32, copy=False)
        if self._outputs_are_logits:
            probabilities = softmax(probabilities)
        not_digit = None
        if probabilities.shape[1] > NUM_CLASSES:
            not_digit = np.ascontiguousarray(probabilities[:, NOT_DIGIT_INDEX])
            probabilities = probabilities[:, :NUM_CLASSES]
        labels = probabilities.argmax(axis=1)
        confidences = probabilities[np.arange(labels.shape[0]), labels]
        return Predictions(labels.astype(np.int64, copy=False), confidences, probabilities, not_digit)

    def _probe_outputs_are_logits(self) -> bool:
        """Run a blank and a bright image once: rows summing to 1 in [0, 1] are probabilities.

        The exported models end in softmax, but a model exported without it is still usable.
        """
        probe = np.zeros((2, *INPUT_SHAPE[:2]), np.uint8)
        probe[1, 8:20, 12:16] = 255
        prediction = self.predict(probe)
        probabilities = np.column_stack([prediction.probabilities, prediction.not_digit])
        if not self.has_not_digit:
            probabilities = probabilities[:, :NUM_CLASSES]
        in_range = probabilities.min() >= -1e-6 and probabilities.max() <= 1.0 + 1e-6
        sums_to_one = np.all(np.abs(probabilities.sum(axis=1) - 1.0) < _PROBABILITY_SUM_TOLERANCE)
        return not (in_range and sums_to_one)

    def __repr__(self) -> str:
        return f"Classifier({str(self.path)!r}, format={self.format!r})"


def _refuse_dark_on_light(batch: np.ndarray) -> None:
    """ValueError naming the first image that is clearly dark ink on light paper."""
    # Four corner pixels per image and three minimums: about 4% of a one-image predict call
    # (6.5 against 178 µs, both measured on a busy 2-core machine); the camera calls this a lot.
    bottom, right = INPUT_SHAPE[0] - 1, INPUT_SHAPE[1] - 1
    darkest_corner = np.minimum(np.minimum(batch[:, 0, 0], batch[:, 0, right]),
                                np.minimum(batch[:, bottom, 0], batch[:, bottom, right]))
    if darkest_corner.max() >= _BRIGHT_CORNER:
        index = int(np.argmax(darkest_corner.reshape(-1) >= _BRIGHT_CORNER))
        raise ValueError(
            f"image {index} of the batch is dark ink on a light background (all four corners "
            "bright); the model takes white ink on black: pass polarity='dark-on-light', or "
            "cut and normalize crops with runtime.normalize.normalize_digit on an ink map")


def _onnxruntime_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's own exception types (plain Exception subclasses) for a bad model file."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    names = ("Fail", "InvalidArgument", "InvalidGraph", "InvalidProtobuf", "NoSuchFile",
             "NotImplemented", "RuntimeException")
    return tuple(getattr(state, name) for name in names if hasattr(state, name))


def import_tflite_interpreter():
    """LiteRT's Interpreter class (`ai_edge_litert`, else the older `tflite_runtime`).

    The only place that knows which packages provide it; ModelError when neither is installed.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise ModelError("no TFLite interpreter: `pip install ai-edge-litert` (or "
                             "tflite-runtime), or use an .onnx model") from None
    return Interpreter


def _format_name(path: Path, backend, listed: dict | None) -> str:
    """The manifest's format name, else a guess in the export table's style."""
    if listed and isinstance(listed.get("format"), str):
        return listed["format"]
    if isinstance(backend, _TfliteBackend):
        return "tflite-int8" if backend.input_scale is not None else "tflite-float"
    return "ort" if path.suffix.lower() == ".ort" else "onnx"


def _manifest_entry(path: Path) -> dict | None:
    """This file's entry in a manifest.json beside it, if there is one that lists it."""
    manifest_path = path.parent / "manifest.json"
    if not manifest_path.is_file():
        return None
    try:
        manifest = read_manifest(manifest_path)
    except ModelError:
        return None
    for artifact in manifest["artifacts"]:
        if isinstance(artifact, dict) and artifact.get("file") == path.name:
            return artifact
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
