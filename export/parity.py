"""Accuracy parity: does an exported artifact, run by the device's classifier, match Keras?

Each artifact is run through `runtime.classifier.Classifier` (the code the device runs, not a
converter's own interpreter) on MNIST test images and compared with the Keras model: its
accuracy, the change in accuracy, how often its top-1 answer agrees with Keras, and the
largest difference in any class probability. Limits are explicit and failures name numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runtime.classifier import Classifier

PARITY_BATCH = 500
"""Images per predict call: whole-batch inference, with a progress tick per batch."""


@dataclass(frozen=True)
class ParityLimits:
    """How close an artifact must be to the Keras model to pass."""

    float_min_agreement: float = 0.999  # float formats: share of images with Keras' top-1
    int8_min_agreement: float = 0.997  # int8 formats: share of images with Keras' top-1
    int8_max_accuracy_drop_pp: float = 0.1  # int8 formats: accuracy may fall this many points
    float_max_accuracy_drop_pp: float = 0.1  # float formats: should not lose accuracy at all

    def to_dict(self) -> dict:
        return {"float_min_agreement": self.float_min_agreement,
                "int8_min_agreement": self.int8_min_agreement,
                "int8_max_accuracy_drop_pp": self.int8_max_accuracy_drop_pp,
                "float_max_accuracy_drop_pp": self.float_max_accuracy_drop_pp}


@dataclass
class Reference:
    """The test images and what the Keras model says about them."""

    images: np.ndarray  # uint8 (N, 28, 28) MNIST test images
    labels: np.ndarray  # (N,) true digits
    probabilities: np.ndarray  # (N, 10 or 11) Keras model's probabilities (11th: not a digit)

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.labels))


@dataclass
class ParityResult:
    """How one artifact compares with the Keras model."""

    accuracy: float  # share of test images the artifact gets right
    accuracy_delta_pp: float  # artifact minus Keras accuracy, in percentage points
    agreement: float  # share of images where artifact and Keras give the same top-1 digit
    max_probability_difference: float  # largest |p_artifact - p_keras| over images and classes
    images: int  # how many test images were compared
    failures: list[str] = field(default_factory=list)  # each broken limit, with its numbers

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 6),
                "accuracy_delta_pp": round(self.accuracy_delta_pp, 4),
                "agreement": round(self.agreement, 6),
                "max_probability_difference": round(self.max_probability_difference, 6),
                "parity_images": self.images}


def compare(probabilities: np.ndarray, reference: Reference, quantized: bool,
            limits: ParityLimits) -> ParityResult:
    """Parity figures of an artifact's probabilities against the Keras reference."""
    predicted = probabilities.argmax(axis=1)
    accuracy = float(np.mean(predicted == reference.labels))
    delta_pp = (accuracy - reference.accuracy) * 100.0
    agreement = float(np.mean(predicted == reference.predicted))
    largest = float(np.max(np.abs(probabilities - reference.probabilities)))
    result = ParityResult(accuracy, delta_pp, agreement, largest, len(predicted))
    min_agreement = limits.int8_min_agreement if quantized else limits.float_min_agreement
    max_drop = limits.int8_max_accuracy_drop_pp if quantized else limits.float_max_accuracy_drop_pp
    if agreement < min_agreement:
        result.failures.append(f"agreement {agreement:.2%} < {min_agreement:.2%}")
    if -delta_pp > max_drop + 1e-9:
        result.failures.append(f"accuracy {accuracy:.2%} is {-delta_pp:.2f} points below "
                               f"Keras {reference.accuracy:.2%} (limit {max_drop:.2f})")
    return result


def artifact_probabilities(path: Path, images: np.ndarray, progress=None) -> np.ndarray:
    """Probabilities of every output (the 11th too) from the runtime classifier, batch by batch."""
    classifier = Classifier.load(path)
    outputs = []
    for start in range(0, len(images), PARITY_BATCH):
        batch = images[start : start + PARITY_BATCH]
        outputs.append(classifier.predict_outputs(batch))
        if progress is not None:
            progress.update(len(batch))
    return np.concatenate(outputs)


def check_parity(path: Path, reference: Reference, quantized: bool, limits: ParityLimits,
                 progress=None) -> ParityResult:
    """Run the artifact at `path` on the reference images and compare it with Keras."""
    probabilities = artifact_probabilities(path, reference.images, progress)
    return compare(probabilities, reference, quantized, limits)
