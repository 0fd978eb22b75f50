"""The classifier with an 11-output model ("not a digit" last) and with an old 10-output one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from model_fixtures import write_tiny_onnx

from runtime.classifier import Classifier, ModelError
from runtime.paths import REPO_ROOT
from runtime.spec import NOT_DIGIT_INDEX, NUM_CLASSES


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    """A blank image, a thin upright stroke and a filled block (white on black, as a crop)."""
    images = np.zeros((3, 28, 28), np.uint8)
    images[1, 4:24, 13:15] = 255
    images[2, 4:24, 4:24] = 255
    return images


def test_eleven_outputs_give_digit_answers_and_the_not_digit_probability(tmp_path: Path, batch) -> None:
    classifier = Classifier.load(write_tiny_onnx(tmp_path / "eleven.onnx", outputs=11))
    assert classifier.has_not_digit and classifier.output_spec.shape == (11,)
    spec = classifier.output_spec.to_dict()
    assert spec["not_digit_index"] == NOT_DIGIT_INDEX and "not a digit" in spec["classes"]
    result = classifier.predict(batch)
    outputs = classifier.predict_outputs(batch)
    # labels / confidences / probabilities stay about the ten digits; not_digit is the 11th output.
    assert result.probabilities.shape == (3, NUM_CLASSES) and outputs.shape == (3, 11)
    assert result.labels.max() < NUM_CLASSES
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(result.probabilities, outputs[:, :NUM_CLASSES])
    np.testing.assert_allclose(result.not_digit, outputs[:, NOT_DIGIT_INDEX])
    assert result.not_digit[2] > 0.99 and result.not_digit[0] < 0.01
    # The digits' share of the 11-way softmax, not renormalized: a block is no confident digit.
    assert result.confidences[2] < 0.01


def test_a_ten_output_model_still_works_and_never_says_not_digit(tmp_path: Path, batch) -> None:
    classifier = Classifier.load(write_tiny_onnx(tmp_path / "ten.onnx"))
    assert not classifier.has_not_digit and classifier.output_spec.shape == (10,)
    assert "not_digit_index" not in classifier.output_spec.to_dict()
    result = classifier.predict(batch)
    assert result.not_digit.shape == (3,) and not result.not_digit.any()
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert classifier.predict_outputs(batch).shape == (3, 10)
    assert classifier.predict(np.zeros((0, 28, 28), np.uint8)).not_digit.shape == (0,)


@pytest.mark.parametrize("outputs", [9, 12])
def test_other_output_counts_are_refused(tmp_path: Path, outputs: int) -> None:
    with pytest.raises(ModelError, match="values per image"):
        Classifier.load(write_tiny_onnx(tmp_path / "odd.onnx", outputs=outputs))


def test_the_shipped_models_ten_and_eleven_outputs_without_the_export_extra(batch) -> None:
    # Runs in the runtime-only environment too: the reference CNN ships with 10 outputs, the
    # default model (packaged with runtime) with 11.
    ten = Classifier.load(REPO_ROOT / "models" / "seed" / "seed_int8.tflite")
    eleven = Classifier.load()
    assert (ten.has_not_digit, eleven.has_not_digit) == (False, True)
    assert not ten.predict(batch).not_digit.any()
    filled = eleven.predict(batch[2:])  # a filled block is no digit
    assert filled.not_digit[0] > 0.5 and filled.probabilities.shape == (1, 10)
