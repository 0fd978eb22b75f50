"""The one uint8 -> model-input conversion, softmax, and the export verdicts' wire strings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from runtime.model_io import input_lookup_table, softmax, to_model_input
from runtime.spec import ExportStatus


def crops(count: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


def test_float_input_is_each_pixel_over_255_correctly_rounded():
    images = crops()
    model_input = to_model_input(images)
    assert model_input.shape == (3, 28, 28, 1) and model_input.dtype == np.float32
    # float32 division rounds once, like the float64 table: the same number in every stage.
    np.testing.assert_array_equal(model_input[..., 0], images.astype(np.float32) / np.float32(255))
    assert model_input.min() >= 0.0 and input_lookup_table()[255] == 1.0


def test_int8_input_is_pixel_minus_128_with_the_exported_scale():
    # What `python -m export` writes for the int8 TFLite input (read from the model file).
    table = input_lookup_table(np.int8, scale=0.003921568859368563, zero_point=-128)
    np.testing.assert_array_equal(table.astype(np.int16), np.arange(256) - 128)


def test_quantized_input_saturates_instead_of_wrapping():
    table = input_lookup_table(np.uint8, scale=1 / 510, zero_point=0)  # p/255 needs up to 510
    assert table[0] == 0 and table[128] == 255 and table[255] == 255


def test_classifier_feeds_the_model_exactly_this_conversion(default_classifier):
    spec = default_classifier.input_spec
    expected = to_model_input(crops(), spec.dtype, spec.scale, spec.zero_point)
    np.testing.assert_array_equal(default_classifier._lookup[crops()][..., None], expected)


@pytest.mark.parametrize("bad", [np.zeros((2, 28, 28), np.float32), np.zeros((2, 32, 32), np.uint8)])
def test_anything_but_uint8_28x28_crops_is_refused(bad):
    with pytest.raises(ValueError, match="uint8|28"):
        to_model_input(bad)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], np.float32)
    probabilities = softmax(logits)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert probabilities[0, 0] == pytest.approx(1.0)
    np.testing.assert_allclose(probabilities[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)


def test_export_statuses_keep_their_wire_strings():
    assert [status.value for status in ExportStatus] == ["passed", "parity-failed", "export-failed"]
    assert json.dumps({"status": ExportStatus.PARITY_FAILED}) == '{"status": "parity-failed"}'
    assert f"{ExportStatus.EXPORT_FAILED:<14}|" == "export-failed |"
    assert ExportStatus("passed") is ExportStatus.PASSED and ExportStatus.PASSED == "passed"
