"""Fit one architecture on MNIST: seeded validation split, fresh augmentation every epoch,
warm-up + cosine learning rate, early stopping that restores the best epoch, and a single
evaluation on the test set at the very end.

With `negative_fraction` > 0 the model has an 11th output, "not a digit": every epoch adds a
fresh set of `train.negatives` crops (halves and pairs cut from the training digits only), and
the validation split gets a fixed set of them (cut from the validation digits), so early
stopping weighs both jobs.

Keras is imported inside the functions (never at module import) and only `keras` APIs are
used, so the same code runs on the TensorFlow or the JAX backend (KERAS_BACKEND=jax).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from runtime.model_io import to_model_input
from train.augment import AugmentConfig, augment_batch
from train.config import TrainConfig
from train.data import load_mnist
from train.negatives import NOT_DIGIT_CLASS, draw_negatives
from train.styles import TEMPLATES, draw_styles
from train.usps import USPS_TRAIN, usps_as_mnist

STYLE_CHECK_COUNT = 100 * len(TEMPLATES)
"""Synthetic style digits (100 per template) drawn, with a seed training never uses, to check
style coverage after training."""
_STYLE_CHECK_SEED = 10**6
_VALIDATION_NEGATIVES_SEED = 10**6 + 1
NEGATIVE_CHECK_COUNT = 3000
"""Fresh negatives drawn (seed never trained on) to check "not a digit" per kind after training."""
_NEGATIVE_CHECK_SEED = 10**6 + 2


@dataclass
class SplitData:
    """uint8 images (N, 28, 28) and labels (N,) of the three sets used by one run."""

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray
    validation_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    validation_sources: np.ndarray | None = None
    """Per validation row, where it came from ("mnist" or "usps"); None = all MNIST."""
    train_mnist_count: int = 0
    """How many of the training rows are MNIST (the rest are USPS); sizes the style share."""


@dataclass
class TrainResult:
    """What a run produced: the model and the numbers that go into the report."""

    model: object
    """The trained keras.Model, best validation epoch restored."""
    config: TrainConfig
    """The resolved options (no None left)."""
    history: dict
    """Keras history: metric name -> one value per epoch."""
    epoch_seconds: list[float]
    best_epoch: int
    """1-based epoch whose weights were kept."""
    test_probabilities: np.ndarray
    """(N_test, 10 or 11) softmax outputs on the test set (the 11th: "not a digit")."""
    data: SplitData
    train_seconds: float
    extra: dict = field(default_factory=dict)


def split_data(config: TrainConfig) -> SplitData:
    """Load MNIST (and USPS train when asked) and hold out a seeded `validation_fraction` of each.

    The MNIST split does not depend on USPS, so validation figures compare across recipes.
    """
    images, labels = load_mnist("train", config.data)
    test_images, test_labels = load_mnist("test", config.data)
    train, validation = _seeded_split(len(images), config.seed, config.limit, config.validation_fraction)
    data = SplitData(
        images[train], labels[train], images[validation], labels[validation], test_images, test_labels,
        validation_sources=np.full(len(validation), "mnist"), train_mnist_count=len(train),
    )
    if config.usps:
        usps_images, usps_labels = usps_as_mnist(USPS_TRAIN)
        # A smoke run (--limit) takes a proportionate handful of USPS digits.
        usps_limit = None if config.limit is None else max(2, config.limit // 8)
        train, validation = _seeded_split(
            len(usps_images), config.seed + 1, usps_limit, config.validation_fraction
        )
        data.train_images = np.concatenate([data.train_images, usps_images[train]])
        data.train_labels = np.concatenate([data.train_labels, usps_labels[train]])
        data.validation_images = np.concatenate([data.validation_images, usps_images[validation]])
        data.validation_labels = np.concatenate([data.validation_labels, usps_labels[validation]])
        data.validation_sources = np.concatenate([data.validation_sources, np.full(len(validation), "usps")])
    if config.negative_fraction > 0:
        _add_validation_negatives(data, config)
    return data


def _add_validation_negatives(data: SplitData, config: TrainConfig) -> None:
    """Append a fixed, seeded set of negatives (cut from validation digits) to validation."""
    count = max(1, round(config.negative_fraction * len(data.validation_images)))
    digits = (data.validation_images, data.validation_labels)
    negatives, _ = draw_negatives(count, (config.seed, _VALIDATION_NEGATIVES_SEED), digits)
    data.validation_images = np.concatenate([data.validation_images, negatives])
    data.validation_labels = np.concatenate([data.validation_labels, np.full(count, NOT_DIGIT_CLASS)])
    data.validation_sources = np.concatenate([data.validation_sources, np.full(count, "not-digit")])


def output_count(config: TrainConfig) -> int:
    """10 digit outputs, or 11 when the run trains "not a digit" too."""
    return NOT_DIGIT_CLASS + (1 if config.negative_fraction > 0 else 0)


def negative_count(data: SplitData, config: TrainConfig) -> int:
    """Not-a-digit crops added to each epoch."""
    return round(config.negative_fraction * len(data.train_images))


def _seeded_split(count: int, seed: int, limit: int | None, fraction: float):
    """(train rows, validation rows) of a seeded shuffle of `count` items, first `limit` kept."""
    order = np.random.default_rng(seed).permutation(count)
    if limit is not None:
        order = order[:limit]
    validation_count = max(1, round(len(order) * fraction))
    return order[validation_count:], order[:validation_count]


def style_count(data: SplitData, config: TrainConfig) -> int:
    """Synthetic style digits added to each epoch."""
    return round(config.style_fraction * data.train_mnist_count)


def train_model(config: TrainConfig) -> TrainResult:
    """Run the whole training described by `config` (resolved against its recipe)."""
    config = config.resolved()
    data = split_data(config)

    import keras

    keras.utils.set_random_seed(config.seed)
    from train.architectures import build_model

    model = build_model(config.arch, output_count(config))
    if config.init_from:
        from train.warm_start import load_and_copy

        load_and_copy(config.init_from, model)
    epoch_size = len(data.train_images) + style_count(data, config) + negative_count(data, config)
    steps_per_epoch = int(np.ceil(epoch_size / config.batch_size))
    model.compile(
        optimizer=_optimizer(keras, config, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    batches = _training_batches(keras, data, config)
    timer = _epoch_timer(keras)
    averager = None
    if config.average_epochs:
        from train.averaging import weight_averager

        averager = weight_averager(keras, max(0, config.epochs - config.average_epochs))
    # Loss, not accuracy: stopping on validation accuracy (patience 20) gave 0.01 point more
    # MNIST test accuracy but a model that read fewer real photos and turned pages right, so the
    # shipped edge model is the one this stopping rule makes.
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=config.recipe.patience,
        # With weight averaging the averaged model is kept, not the best single epoch.
        restore_best_weights=averager is None,
        verbose=0 if config.quiet else 1,
    )
    started = time.perf_counter()
    history = model.fit(
        batches,
        epochs=config.epochs,
        validation_data=(to_model_input(data.validation_images), data.validation_labels),
        callbacks=[timer, stopper] + ([averager] if averager else []),
        verbose=_keras_verbosity(config.quiet),
    )
    best_epoch = int(stopper.best_epoch) + 1
    extra = {}
    if averager is not None:
        extra = _apply_average(model, averager, batches, data)
        best_epoch = len(history.history["loss"])
    train_seconds = time.perf_counter() - started
    # Evaluated once, after every choice (epochs, weights) was made on the validation split.
    test_probabilities = model.predict(to_model_input(data.test_images), batch_size=1000, verbose=0)
    return TrainResult(
        model,
        config,
        history.history,
        timer.seconds,
        best_epoch,
        np.asarray(test_probabilities),
        data,
        train_seconds,
        extra=extra | held_out_checks(model, data),
    )


def _apply_average(model, averager, batches, data: SplitData) -> dict:
    """Put the averaged weights into `model` and score it on validation. The returned
    validation_accuracy / validation_loss stand in the report for the last epoch's."""
    averaged = averager.apply(model, batches)
    loss, accuracy = model.evaluate(
        to_model_input(data.validation_images), data.validation_labels, batch_size=1000, verbose=0
    )
    return {"averaged_epochs": averaged, "validation_accuracy": round(float(accuracy), 6),
            "validation_loss": round(float(loss), 6)}


def held_out_checks(model, data: SplitData) -> dict:
    """Validation accuracy per source and accuracy per synthetic style (seed never trained on).

    Argmax over every output: a digit called "not a digit" is an error, and so is a negative
    called a digit (the "not-digit" source).
    """
    predicted = model.predict(to_model_input(data.validation_images), batch_size=1000, verbose=0).argmax(1)
    correct = predicted == data.validation_labels
    sources = data.validation_sources if data.validation_sources is not None else np.full(len(correct), "mnist")
    by_source = {str(name): round(float(correct[sources == name].mean()), 6) for name in np.unique(sources)}
    images, labels, names = draw_styles(STYLE_CHECK_COUNT, _STYLE_CHECK_SEED)
    style_correct = model.predict(to_model_input(images), batch_size=1000, verbose=0).argmax(1) == labels
    names = np.array(names)
    by_style = {str(name): round(float(style_correct[names == name].mean()), 4) for name in np.unique(names)}
    checks = {
        "validation_accuracy_by_source": by_source,
        "style_accuracy": round(float(style_correct.mean()), 6),
        "style_accuracy_by_template": by_style,
    }
    if model.output_shape[-1] > NOT_DIGIT_CLASS:
        checks |= _negative_checks(model, data)
    return checks


def _negative_checks(model, data: SplitData) -> dict:
    """Share of fresh negatives (unseen seed, cut from validation digits) called "not a digit",
    per kind, and the validation digits' accuracy when only the 10 digit outputs are compared."""
    digits = data.validation_sources != "not-digit"
    images, labels = data.validation_images[digits], data.validation_labels[digits]
    probabilities = model.predict(to_model_input(images), batch_size=1000, verbose=0)
    negatives, kinds = draw_negatives(NEGATIVE_CHECK_COUNT, _NEGATIVE_CHECK_SEED, (images, labels))
    called = model.predict(to_model_input(negatives), batch_size=1000, verbose=0).argmax(1) == NOT_DIGIT_CLASS
    kinds = np.array(kinds)
    return {
        "validation_digit_accuracy_10_outputs": round(float(
            (probabilities[:, :NOT_DIGIT_CLASS].argmax(1) == labels).mean()), 6),
        "validation_digits_called_not_digit": round(float(
            (probabilities.argmax(1) == NOT_DIGIT_CLASS).mean()), 6),
        "negatives_called_not_digit": round(float(called.mean()), 6),
        "negatives_called_not_digit_by_kind": {
            str(kind): round(float(called[kinds == kind].mean()), 4) for kind in np.unique(kinds)},
    }


def _optimizer(keras, config: TrainConfig, steps_per_epoch: int):
    total_steps = max(1, config.epochs * steps_per_epoch)
    warmup_steps = min(config.warmup_epochs * steps_per_epoch, total_steps // 4)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate * 0.1,
        decay_steps=total_steps - warmup_steps,
        warmup_target=config.learning_rate,
        warmup_steps=warmup_steps,
        alpha=0.01,
    )
    if config.recipe.weight_decay > 0:
        return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.recipe.weight_decay)
    return keras.optimizers.Adam(learning_rate=schedule)


def _keras_verbosity(quiet: bool) -> int:
    if quiet:
        return 0
    # A progress bar in a log file is thousands of carriage returns: one line per epoch there.
    return 1 if sys.stdout.isatty() else 2


def _training_batches(keras, data: SplitData, config: TrainConfig):
    """A keras.utils.PyDataset giving a freshly augmented, reshuffled copy every epoch."""

    import cv2

    # Our threads split the epoch by digits; OpenCV's own pool on 28 px images only contends.
    cv2.setNumThreads(1)

    class AugmentedEpochs(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = 0
            self.prepared_epoch = None
            self.images = data.train_images
            self.labels = data.train_labels
            self.order = np.arange(len(data.train_images))
            self.style_count = style_count(data, config)
            self.negative_count = negative_count(data, config)

        def __len__(self):
            size = len(data.train_images) + self.style_count + self.negative_count
            return int(np.ceil(size / config.batch_size))

        def on_epoch_begin(self):
            self._prepare(self.epoch)

        def on_epoch_end(self):
            self.epoch += 1

        def __getitem__(self, index):
            if self.prepared_epoch is None:
                self._prepare(self.epoch)
            rows = self.order[index * config.batch_size : (index + 1) * config.batch_size]
            labels = self.labels[rows].astype(np.int32)
            if config.not_digit_weight == 1.0:
                return to_model_input(self.images[rows]), labels
            weights = np.where(labels == NOT_DIGIT_CLASS, config.not_digit_weight, 1.0).astype(np.float32)
            return to_model_input(self.images[rows]), labels, weights

        def _prepare(self, epoch: int) -> None:
            """Augment the whole epoch at once (threads share the work) and reshuffle."""
            if self.prepared_epoch == epoch:
                return
            self.images, self.labels = data.train_images, data.train_labels
            if self.style_count:
                # Fresh templates every epoch; seeds never equal the style check's.
                styles, style_labels, _ = draw_styles(self.style_count, (config.seed, epoch, 2))
                self.images = np.concatenate([self.images, styles])
                self.labels = np.concatenate([self.labels, style_labels])
            if config.augment:
                augment_config = AugmentConfig(
                    clean_fraction=config.clean_fraction,
                    chalk_probability=config.chalk_probability,
                    motion_blur_probability=config.motion_blur_probability,
                )
                self.images = augment_batch(
                    self.images,
                    self.labels,
                    (config.seed, epoch),
                    augment_config,
                    workers=config.workers,
                )
            if self.negative_count:
                # Drawn fresh every epoch, already distorted and normalized (not augmented again).
                negatives, _ = draw_negatives(
                    self.negative_count, (config.seed, epoch, 3), (data.train_images, data.train_labels)
                )
                self.images = np.concatenate([self.images, negatives])
                self.labels = np.concatenate([self.labels, np.full(len(negatives), NOT_DIGIT_CLASS)])
            self.order = np.random.default_rng((config.seed, epoch, 1)).permutation(len(self.images))
            self.prepared_epoch = epoch

    return AugmentedEpochs()


def _epoch_timer(keras):
    """A callback recording each epoch's wall time (augmentation included)."""

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []
            self._start = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(round(time.perf_counter() - self._start, 2))

    return EpochTimer()
