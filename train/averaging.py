"""Weight averaging over a run's last epochs (SWA) and the batch-norm re-estimate it needs.

The weights at the end of each of the last N epochs (low learning rate, the tail of the cosine)
are averaged into one model, which generalises a little better than any single one of them.
Batch-norm statistics are not weights that average: each epoch's running mean and variance
belong to that epoch's convolutions. So after averaging they are measured again, in training
mode over fresh batches, as a plain mean over those batches (not the layers' running average,
which would remember only the last few).

Keras is imported by the caller and passed in, as in `train.trainer`.
"""

from __future__ import annotations

import numpy as np

BN_REESTIMATE_BATCHES = 60
"""Training batches (of the last epoch's augmented images) whose statistics replace the
batch-norm running statistics of the averaged model: some 7,700 images at batch 128."""


def weight_averager(keras, first_epoch: int):
    """A callback that sums the trainable weights after every epoch from `first_epoch` (0-based)
    on; `apply(model, batches)` then sets their mean and re-estimates batch-norm statistics."""

    class WeightAverager(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.sums: list[np.ndarray] | None = None
            self.count = 0

        def on_epoch_end(self, epoch, logs=None):
            if epoch < first_epoch:
                return
            weights = [np.asarray(variable.numpy(), np.float64) for variable in self.model.trainable_variables]
            self.sums = weights if self.sums is None else [total + w for total, w in zip(self.sums, weights)]
            self.count += 1

        def apply(self, model, batches) -> int:
            """Put the averaged weights into `model`; returns how many epochs were averaged."""
            if not self.count:
                return 0
            for variable, total in zip(model.trainable_variables, self.sums):
                variable.assign((total / self.count).astype(variable.dtype))
            reestimate_batch_norm(keras, model, batches)
            return self.count

    return WeightAverager()


def reestimate_batch_norm(keras, model, batches, count: int = BN_REESTIMATE_BATCHES) -> None:
    """Replace every batch-norm layer's running statistics by their mean over `count` batches.

    A momentum of 1 - 1/k at the k-th batch makes the layer's running update an exact running
    mean; the layers' own momentum is put back afterwards.
    """
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    try:
        for step in range(min(count, len(batches))):
            for layer in norms:
                layer.momentum = 1.0 - 1.0 / (step + 1)
            images = batches[step][0]
            model(images, training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
