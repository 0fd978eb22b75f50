"""The runtime classifier: input handling, batching, quantized vs float agreement, bad models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from runtime.classifier import Classifier, ModelError, Predictions
from runtime.paths import REPO_ROOT

if TYPE_CHECKING:
    from model_fixtures import TinyModels

pytest_plugins = ["model_fixtures"]  # the session-wide tiny_models fixture



@pytest.fixture(scope="module")
def test_images() -> tuple[np.ndarray, np.ndarray]:
    from model_fixtures import mnist_or_skip

    images, labels = mnist_or_skip("test")
    return images[:500], labels[:500]


def test_int8_model_input_spec_comes_from_the_model(tiny_models: TinyModels) -> None:
    classifier = Classifier.load(tiny_models.tflite_int8)
    spec = classifier.input_spec
    assert spec.shape == (28, 28, 1)
    assert spec.dtype == "int8"
    # Calibration spans [0, 1] exactly, so a pixel p maps to the int8 input p - 128.
    assert spec.scale == pytest.approx(1 / 255, rel=1e-4)
    assert spec.zero_point == -128


def test_predictions_shapes_and_types(tiny_models: TinyModels, test_images) -> None:
    images, _ = test_images
    result = Classifier.load(tiny_models.tflite_int8).predict(images[:7])
    assert isinstance(result, Predictions)
    assert result.labels.shape == (7,) and result.labels.dtype == np.int64
    assert result.confidences.shape == (7,) and result.confidences.dtype == np.float32
    assert result.probabilities.shape == (7, 10) and result.probabilities.dtype == np.float32
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=0.03)
    np.testing.assert_array_equal(result.confidences, result.probabilities.max(axis=1))


@pytest.mark.parametrize("model_name", ["tflite_int8", "tflite_fp32", "onnx"])
def test_batch_and_single_predictions_agree(tiny_models: TinyModels, test_images,
                                            model_name: str) -> None:
    images, _ = test_images
    classifier = Classifier.load(getattr(tiny_models, model_name))
    batch = classifier.predict(images[:20])
    singles = [classifier.predict(images[index : index + 1]) for index in range(20)]
    np.testing.assert_array_equal(batch.labels, [s.labels[0] for s in singles])
    np.testing.assert_allclose(batch.probabilities,
                               np.concatenate([s.probabilities for s in singles]), atol=1e-5)
    # Changing batch size back and forth re-allocates without mixing results up.
    again = classifier.predict(images[:20])
    np.testing.assert_array_equal(again.labels, batch.labels)


def test_accepts_channel_last_and_2d_single_image(tiny_models: TinyModels, test_images) -> None:
    images, _ = test_images
    classifier = Classifier.load(tiny_models.tflite_int8)
    plain = classifier.predict(images[:5])
    with_channel = classifier.predict(images[:5, :, :, None])
    np.testing.assert_array_equal(plain.probabilities, with_channel.probabilities)
    single = classifier.predict(images[3])
    np.testing.assert_array_equal(single.probabilities[0], plain.probabilities[3])
    assert len(classifier.predict(images[:0])) == 0


def test_rejects_wrong_image_input(tiny_models: TinyModels) -> None:
    classifier = Classifier.load(tiny_models.tflite_fp32)
    with pytest.raises(ValueError, match="uint8"):
        classifier.predict(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match="shape"):
        classifier.predict(np.zeros((2, 32, 32), np.uint8))


def test_int8_and_float_models_agree_and_are_accurate(tiny_models: TinyModels,
                                                      test_images) -> None:
    images, labels = test_images
    quantized = Classifier.load(tiny_models.tflite_int8).predict(images)
    floating = Classifier.load(tiny_models.tflite_fp32).predict(images)
    onnx = Classifier.load(tiny_models.onnx).predict(images)
    assert np.mean(quantized.labels == floating.labels) >= 0.97
    np.testing.assert_array_equal(onnx.labels, floating.labels)
    np.testing.assert_allclose(onnx.probabilities, floating.probabilities, atol=1e-4)
    assert np.mean(floating.labels == labels) >= 0.8  # far above the 10% of guessing


def test_threads_option_gives_same_answers(tiny_models: TinyModels, test_images) -> None:
    images, _ = test_images
    one = Classifier.load(tiny_models.tflite_int8, threads=1).predict(images[:50])
    two = Classifier.load(tiny_models.tflite_int8, threads=2).predict(images[:50])
    np.testing.assert_array_equal(one.labels, two.labels)
    with pytest.raises(ModelError, match="threads"):
        Classifier.load(tiny_models.tflite_int8, threads=0)


def test_wrong_model_input_shape_is_rejected(tiny_models: TinyModels) -> None:
    with pytest.raises(ModelError, match="28, 28, 1"):
        Classifier.load(tiny_models.wrong_shape_tflite)


def test_missing_corrupt_and_unknown_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model not found"):
        Classifier.load(tmp_path / "absent.tflite")
    corrupt = tmp_path / "corrupt model.tflite"
    corrupt.write_bytes(b"not a flatbuffer at all")
    with pytest.raises(ModelError, match="cannot load"):
        Classifier.load(corrupt)
    corrupt_onnx = tmp_path / "corrupt.onnx"
    corrupt_onnx.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ModelError, match="cannot load"):
        Classifier.load(corrupt_onnx)
    other = tmp_path / "model.pb"
    other.write_bytes(b"x")
    with pytest.raises(ModelError, match="unsupported"):
        Classifier.load(other)


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError) as caught:
        Classifier.load(corrupt)
    assert "\n" not in str(caught.value)


def test_runtime_never_imports_tensorflow(tiny_models: TinyModels) -> None:
    """Loading and running the classifier must work on a device without TensorFlow."""
    script = (
        "import sys, numpy as np\n"
        "from runtime.classifier import Classifier\n"
        f"c = Classifier.load({str(tiny_models.tflite_int8)!r})\n"
        "c.predict(np.zeros((3, 28, 28), np.uint8))\n"
        f"Classifier.load({str(tiny_models.onnx)!r}).predict(np.zeros((2, 28, 28), np.uint8))\n"
        "bad = [m for m in ('tensorflow', 'keras', 'tf2onnx') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
