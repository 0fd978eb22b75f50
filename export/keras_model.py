"""Load the source Keras model, check it is a 28x28x1 digit classifier, and trace it for converters.

TensorFlow is imported here and only here (and in the converter modules), so `--help` and
argument errors stay instant.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from export.errors import ExportError
from runtime.model_io import softmax, to_model_input
from runtime.spec import INPUT_SHAPE, MODEL_OUTPUT_COUNTS, NUM_CLASSES

INPUT_NAME = "image"
"""Name of the model input in the exported graphs."""

OUTPUT_NAME = "probabilities"
"""Name of the model output in the exported graphs."""

PREDICT_BATCH = 1000
"""Images per Keras predict call: big enough to be fast, small enough for 2 cores."""


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up chatter; must run before the first TF import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_keras_model(path: Path):
    """The Keras model at `path`, checked to take (N, 28, 28, 1) and give (N, 10) or (N, 11)."""
    if not path.is_file():
        raise ExportError(f"model not found: {path}; train one with `python -m train` first")
    if path.suffix not in (".keras", ".h5"):
        raise ExportError(f"{path} is not a Keras model file; pass a .keras file from "
                          "`python -m train`")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ExportError(f"cannot load Keras model {path}: not a .keras archive (corrupt or "
                          "truncated?); re-run `python -m train`")
    quiet_tensorflow()
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as error:  # keras raises many types for a corrupt archive
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ExportError(f"cannot load Keras model {path}: {detail[:200]}") from None
    input_shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if input_shape != INPUT_SHAPE:
        raise ExportError(f"{path} takes input {input_shape}, not {INPUT_SHAPE}; export "
                          "expects an MNIST-style 28x28x1 digit model")
    output_shape = tuple(model.outputs[0].shape[1:])
    if len(output_shape) != 1 or output_shape[0] not in MODEL_OUTPUT_COUNTS:
        raise ExportError(f"{path} outputs {output_shape}, not {NUM_CLASSES} class "
                          f"probabilities (or {NUM_CLASSES + 1} with 'not a digit')")
    return model


def keras_probabilities(model, images: np.ndarray) -> np.ndarray:
    """Reference probabilities (N, 10 or 11) float32 for uint8 (N, 28, 28) images."""
    floats = to_model_input(images)
    outputs = [np.asarray(model(floats[start : start + PREDICT_BATCH], training=False))
               for start in range(0, len(floats), PREDICT_BATCH)]
    probabilities = np.concatenate(outputs).astype(np.float32)
    if not _looks_like_probabilities(probabilities):
        # A model trained with from_logits=True: compare probabilities, as the runtime does.
        probabilities = softmax(probabilities)
    return probabilities


def _looks_like_probabilities(values: np.ndarray) -> bool:
    return bool(values.min() >= 0.0 and values.max() <= 1.0
                and np.allclose(values.sum(axis=1), 1.0, atol=1e-3))


def serving_function(model):
    """A tf.function over a batch of any size, the graph every converter starts from."""
    import tensorflow as tf

    @tf.function(input_signature=[_input_signature(model)])
    def serve(image):
        return {OUTPUT_NAME: model(image, training=False)}

    return serve


def write_saved_model(model, directory: Path) -> Path:
    """Write `model` as a SavedModel with one 'serving_default' endpoint; return the folder.

    The TFLite converter needs a SavedModel (or frozen graph) for Keras 3 models: converting
    a concrete function directly leaves variable reads in the graph that int8 calibration
    cannot run.
    """
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default", lambda image: model(image, training=False),
        input_signature=[_input_signature(model)])
    archive.write_out(str(directory), verbose=False)
    return directory


def _input_signature(model):
    """Any batch size of the model's own image shape (checked to be 28x28x1 on load)."""
    import tensorflow as tf

    return tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.float32, name=INPUT_NAME)
