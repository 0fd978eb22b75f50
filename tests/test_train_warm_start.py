"""Warm start: a 10-output model seeds an 11-output one with its digit reading intact."""

from __future__ import annotations

import numpy as np
import pytest

from train.architectures import build_model
from train.cli import parse_config
from train.warm_start import NEW_OUTPUT_BIAS, WarmStartError, copy_weights


def _randomised(model, seed: int):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def test_the_digit_columns_are_copied_and_not_a_digit_starts_low():
    source = _randomised(build_model("edge", 10), 1)
    target = build_model("edge", 11)
    assert copy_weights(source, target) == len([layer for layer in source.layers if layer.get_weights()])
    kernel, bias = target.get_layer("probabilities").get_weights()
    source_kernel, source_bias = source.get_layer("probabilities").get_weights()
    np.testing.assert_array_equal(kernel[:, :10], source_kernel)
    np.testing.assert_array_equal(bias[:10], source_bias)
    assert not kernel[:, 10].any() and bias[10] == NEW_OUTPUT_BIAS
    # Same digit ranking as the source: the new output only takes a share of the probability.
    images = np.random.default_rng(2).random((8, 28, 28, 1)).astype(np.float32)
    before = source.predict(images, verbose=0)
    after = target.predict(images, verbose=0)
    np.testing.assert_array_equal(before.argmax(1), after[:, :10].argmax(1))
    np.testing.assert_allclose(after[:, :10] / after[:, :10].sum(1, keepdims=True), before, rtol=1e-4)


def test_another_architecture_is_refused():
    with pytest.raises(WarmStartError, match="no layer"):
        copy_weights(build_model("seed", 10), build_model("edge", 11))


def test_the_command_line_takes_the_model_and_the_warm_up(tmp_path):
    model = tmp_path / "edge.keras"
    model.write_bytes(b"")
    config, _ = parse_config(["--init-from", str(model), "--warmup-epochs", "1"])
    assert config.init_from == str(model) and config.warmup_epochs == 1
    with pytest.raises(SystemExit):
        parse_config(["--init-from", str(tmp_path / "missing.keras")])
