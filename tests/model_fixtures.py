"""Tiny models for the classifier and export tests, built once per test session.

A real-but-small Keras CNN is trained for a moment on MNIST *training* images and exported
with the project's own converters, so the tests exercise the same code as `python -m export`
in seconds. Tests import the fixtures from here (`from model_fixtures import ...`: pytest puts
this folder on the import path).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from runtime.model_io import to_model_input

TRAIN_IMAGES = 3000
"""Training images for the tiny model: enough for ~90% accuracy, trained in a few seconds."""


WRONG_SHAPE_ASSET = Path(__file__).parent / "data" / "wrong_input_32x32.tflite"
"""A tiny untrained TFLite model taking 32x32x1 input, made by `build_wrong_shape_tflite`; checked
in so the runtime-only test run (no TensorFlow) can still check that it is refused."""


@dataclass
class TinyModels:
    """Paths of the tiny model and its exports."""

    keras_path: Path | None  # None when the exports came from the shipped models (no TensorFlow)
    tflite_int8: Path
    tflite_fp32: Path
    onnx: Path
    wrong_shape_tflite: Path  # a 32x32x1 model the classifier must refuse


def mnist_or_skip(split: str) -> tuple[np.ndarray, np.ndarray]:
    """An MNIST split, or skip the test when the data is not available here."""
    from train.data import DatasetError, load_mnist

    try:
        return load_mnist(split)
    except DatasetError as error:
        pytest.skip(f"MNIST not available: {error}")


def build_tiny_keras(path: Path, input_side: int = 28, epochs: int = 2, not_digit: bool = False) -> Path:
    """Train a two-conv-layer CNN on a few thousand training images and save it to `path`.

    `not_digit` gives it an 11th output, "not a digit", trained on `train.negatives` crops too.
    """
    from export.keras_model import quiet_tensorflow

    quiet_tensorflow()
    keras = pytest.importorskip("keras", reason="Keras is needed to build the test model")
    images, labels = mnist_or_skip("train")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((input_side, input_side, 1)),
        keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(11 if not_digit else 10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    images, labels = images[:TRAIN_IMAGES], labels[:TRAIN_IMAGES]
    if not_digit:
        from train.negatives import NOT_DIGIT_CLASS, draw_negatives

        negatives, _ = draw_negatives(TRAIN_IMAGES // 6, 0, (images, labels))
        images = np.concatenate([images, negatives])
        labels = np.concatenate([labels, np.full(len(negatives), NOT_DIGIT_CLASS)])
    inputs = to_model_input(images)
    if input_side != 28:
        inputs = np.pad(inputs, ((0, 0), (0, input_side - 28), (0, input_side - 28), (0, 0)))
    model.fit(inputs, labels, epochs=epochs, batch_size=32, verbose=0)
    model.save(path)
    return path


def export_tflite(keras_path: Path, variant: str, out_path: Path) -> Path:
    """Convert a saved Keras model with the export package's TFLite converter."""
    import tempfile

    import keras

    from export.calibration import CalibrationOptions, calibration_images
    from export.keras_model import write_saved_model
    from export.tflite import convert_tflite

    model = keras.models.load_model(keras_path, compile=False)
    calibration = calibration_images(CalibrationOptions(image_count=300))
    with tempfile.TemporaryDirectory() as scratch:
        saved = write_saved_model(model, Path(scratch) / "saved")
        out_path.write_bytes(convert_tflite(saved, variant, calibration))
    return out_path


def build_wrong_shape_tflite(path: Path) -> Path:
    """An untrained 32x32x1 -> 10 TFLite model (about 1 KB): loads fine, wrong input shape."""
    import tempfile

    from export.keras_model import quiet_tensorflow, write_saved_model
    from export.tflite import convert_tflite

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Conv2D(2, 3, strides=4),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(10, activation="softmax")])
    with tempfile.TemporaryDirectory() as scratch:
        saved = write_saved_model(model, Path(scratch) / "saved")
        path.write_bytes(convert_tflite(saved, "fp32"))
    return path


def write_tiny_onnx(path: Path, outputs: int = 10) -> Path:
    """A 784->10 softmax ONNX classifier on (N, 28, 28, 1) float input: loads and runs in ms.

    With `outputs=11` the 11th output ("not a digit") rises with the amount of ink: a filled
    28x28 block is "not a digit" beyond doubt, a blank or thin-stroked image is a digit.
    """
    # The `onnx` package comes with the export extra: the runtime-only environment skips these.
    onnx = pytest.importorskip("onnx", reason="the onnx package (export extra) builds the test model")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.05, (784, outputs)).astype(np.float32)
    bias = np.zeros(outputs, np.float32)
    if outputs > 10:
        weights[:, 10] = 0.1  # +40 logits for a filled 20x20 block, +4 for a 2x20 stroke
        bias[10] = -15.0
    initializers = [
        numpy_helper.from_array(weights, "weights"),
        numpy_helper.from_array(bias, "bias"),
        numpy_helper.from_array(np.array([-1, 784], np.int64), "flat_shape"),
    ]
    nodes = [
        helper.make_node("Reshape", ["input", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "weights"], ["product"]),
        helper.make_node("Add", ["product", "bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 28, 28, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", outputs])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _shipped_models() -> TinyModels:
    """The exported models in models/edge (else models/seed), for a run without TensorFlow."""
    from runtime.models import ModelError, artifact_path
    from runtime.paths import REPO_ROOT

    for name in ("edge", "seed"):
        manifest = REPO_ROOT / "models" / name / "manifest.json"
        try:
            return TinyModels(keras_path=None,
                              tflite_int8=artifact_path(manifest, "tflite-int8"),
                              tflite_fp32=artifact_path(manifest, "tflite-fp32"),
                              onnx=artifact_path(manifest, "onnx"),
                              wrong_shape_tflite=WRONG_SHAPE_ASSET)
        except ModelError:
            continue
    pytest.skip("no TensorFlow to build test models and no exported models in models/edge/")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> TinyModels:
    """Tiny freshly trained models where TensorFlow is installed, else the shipped ones."""
    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec(
            "tf2onnx") is None:
        return _shipped_models()
    return _build_tiny_models(tmp_path_factory.mktemp("tiny models"))  # a space: paths must cope


@pytest.fixture(scope="session")
def tiny_keras_models(tiny_models: TinyModels) -> TinyModels:
    """The tiny models including the Keras source; the export tests need TensorFlow."""
    if tiny_models.keras_path is None:
        pytest.skip("TensorFlow is not installed: the exporter cannot run")
    return tiny_models


def _build_tiny_models(folder: Path) -> TinyModels:
    import keras

    from export.keras_model import serving_function
    from export.onnx_export import convert_onnx

    keras_path = build_tiny_keras(folder / "tiny.keras")
    build_tiny_keras(folder / "wrong.keras", input_side=32, epochs=1)  # for the export CLI test
    onnx_path = folder / "tiny.onnx"
    convert_onnx(serving_function(keras.models.load_model(keras_path, compile=False)), onnx_path)
    return TinyModels(
        keras_path=keras_path,
        tflite_int8=export_tflite(keras_path, "int8", folder / "tiny_int8.tflite"),
        tflite_fp32=export_tflite(keras_path, "fp32", folder / "tiny_fp32.tflite"),
        onnx=onnx_path,
        wrong_shape_tflite=build_wrong_shape_tflite(folder / "wrong.tflite"),
    )
