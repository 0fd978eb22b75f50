"""Classifier behaviour on small hand-built ONNX graphs (no TensorFlow needed).

These cover model shapes the exporter never writes: a model without softmax (logits), a fixed
batch of one, NCHW input, and models whose input is not a 28x28x1 image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runtime.classifier import Classifier, ModelError

onnx = pytest.importorskip("onnx", reason="the onnx package builds these test graphs")
pytest.importorskip("onnxruntime", reason="onnxruntime runs these test graphs")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402 (after the skip checks)


def linear_model(path: Path, input_shape: list, softmax: bool, seed: int = 0) -> Path:
    """image -> flatten -> x @ W + b (-> softmax), with random weights."""
    generator = np.random.default_rng(seed)
    pixels = int(np.prod([d for d in input_shape[1:]]))
    weights = generator.normal(0, 0.05, (pixels, 10)).astype(np.float32)
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "weights"], ["scores"]),
        helper.make_node("Softmax" if softmax else "Identity", ["scores"], ["output"], axis=1)
        if softmax else helper.make_node("Identity", ["scores"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "linear",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [input_shape[0], 10])],
        initializer=[numpy_helper.from_array(weights, "weights")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def random_digits(count: int) -> np.ndarray:
    """Random pixels inside black margins, like a normalized crop (whose digit fits 20 px)."""
    digits = np.zeros((count, 28, 28), np.uint8)
    digits[:, 4:24, 4:24] = np.random.default_rng(1).integers(0, 256, (count, 20, 20), dtype=np.uint8)
    return digits


def test_logits_model_gets_softmax(tmp_path: Path) -> None:
    logits_model = Classifier.load(linear_model(tmp_path / "logits.onnx", ["N", 28, 28, 1],
                                                softmax=False))
    softmax_model = Classifier.load(linear_model(tmp_path / "softmax.onnx", ["N", 28, 28, 1],
                                                 softmax=True))
    images = random_digits(6)
    from_logits = logits_model.predict(images)
    np.testing.assert_allclose(from_logits.probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(from_logits.probabilities,
                               softmax_model.predict(images).probabilities, atol=1e-5)


def test_fixed_batch_of_one_and_nchw_input(tmp_path: Path) -> None:
    dynamic = Classifier.load(linear_model(tmp_path / "dynamic.onnx", ["N", 28, 28, 1], True))
    fixed = Classifier.load(linear_model(tmp_path / "fixed.onnx", [1, 28, 28, 1], True))
    channels_first = Classifier.load(linear_model(tmp_path / "nchw.onnx", ["N", 1, 28, 28], True))
    images = random_digits(5)
    expected = dynamic.predict(images).probabilities
    np.testing.assert_allclose(fixed.predict(images).probabilities, expected, atol=1e-6)
    np.testing.assert_allclose(channels_first.predict(images).probabilities, expected, atol=1e-6)


@pytest.mark.parametrize("shape", [["N", 32, 32, 1], ["N", 28, 28, 3], ["N", 784]])
def test_non_digit_input_shapes_are_rejected(tmp_path: Path, shape: list) -> None:
    path = linear_model(tmp_path / "wrong.onnx", shape, softmax=True)
    with pytest.raises(ModelError, match="28"):
        Classifier.load(path)


def test_manifest_beside_model_names_its_format(tmp_path: Path) -> None:
    import json

    linear_model(tmp_path / "digits.onnx", ["N", 28, 28, 1], softmax=True)
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": [
        {"file": "digits.onnx", "format": "onnx-int8"}]}))
    classifier = Classifier.load(tmp_path / "digits.onnx")
    assert classifier.format == "onnx-int8"  # the manifest's name, not the guess "onnx"


def test_fixed_batch_other_than_one_is_rejected(tmp_path: Path) -> None:
    path = linear_model(tmp_path / "batch4.onnx", [4, 28, 28, 1], softmax=True)
    with pytest.raises(ModelError, match="fixed batch size of 4"):
        Classifier.load(path)
