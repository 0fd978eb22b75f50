"""Weight averaging: the mean of the epochs' weights, batch-norm statistics measured again."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from train.architectures import build_model
from train.averaging import reestimate_batch_norm, weight_averager
from train.cli import parse_config


def _weights(seed: int, model):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.1, variable.shape).astype("float32") for variable in model.trainable_variables]


def _set(model, weights):
    for variable, value in zip(model.trainable_variables, weights):
        variable.assign(value)


def test_the_mean_of_the_last_epochs_is_kept_and_earlier_ones_are_not():
    model = build_model("edge", 11)
    averager = weight_averager(keras, first_epoch=1)
    averager.set_model(model)
    epochs = [_weights(seed, model) for seed in range(3)]
    for epoch, weights in enumerate(epochs):
        _set(model, weights)
        averager.on_epoch_end(epoch)
    batches = [(np.random.default_rng(9).random((16, 28, 28, 1)).astype("float32"),)]
    assert averager.apply(model, batches) == 2
    for variable, second, third in zip(model.trainable_variables, epochs[1], epochs[2]):
        np.testing.assert_allclose(variable.numpy(), (second + third) / 2, rtol=1e-5, atol=1e-7)


def test_batch_norm_statistics_become_the_plain_mean_over_the_batches():
    model = build_model("edge", 10)
    rng = np.random.default_rng(3)
    # Two batches of different brightness: a running average with momentum 0.9 would sit near
    # the second one; the re-estimate must sit halfway between their means.
    batches = [(rng.random((32, 28, 28, 1)).astype("float32") * scale,) for scale in (0.2, 1.0)]
    stem_conv = keras.Model(model.input, model.get_layer("stem_conv").output)
    per_batch = [stem_conv(batch[0]).numpy().mean(axis=(0, 1, 2)) for batch in batches]
    stem = model.get_layer("stem_bn")
    reestimate_batch_norm(keras, model, batches)
    np.testing.assert_allclose(stem.moving_mean.numpy(), np.mean(per_batch, axis=0), rtol=1e-4, atol=1e-6)
    assert not np.allclose(per_batch[0], per_batch[1], rtol=0.1)  # the batches do differ
    assert stem.momentum == pytest.approx(0.9)


def test_the_command_line_takes_the_epoch_count():
    config, _ = parse_config(["--average-epochs", "4"])
    assert config.average_epochs == 4
    assert parse_config([])[0].average_epochs == 0
    with pytest.raises(SystemExit):
        parse_config(["--average-epochs", "0"])
