"""Helpers for the worksheet and accuracy tests: printed-font digits and fake page readers.

The generator's tests need digit images but not MNIST: ten Hershey-font digits drawn white on
black at 28x28 stand in, so they run anywhere, in milliseconds. The accuracy tests need readers
whose answers are known: `TruthReader` answers each page with its own ground truth, optionally
changed by a function, so every expected score can be worked out by hand.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from benchmarks.datasets import load_dataset
from benchmarks.handwriting import DigitBank
from runtime.results import PageResult

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX)


def font_digit_bank() -> DigitBank:
    """Three printed variants of each digit, MNIST-like: white on black, about 20 px tall."""
    images, labels = [], []
    for font in FONTS:
        for digit in range(10):
            image = np.zeros((28, 28), np.uint8)
            cv2.putText(image, str(digit), (6, 23), font, 0.8, 255, 2, cv2.LINE_AA)
            images.append(image)
            labels.append(digit)
    return DigitBank(np.stack(images), np.array(labels, np.uint8), source="printed Hershey digits")


def image_key(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()


class TruthReader:
    """Reads each page of a generated set as its truth says, passed through `change`."""

    def __init__(self, truth_dir: Path, change: Callable[[PageResult, int], PageResult] | None = None):
        self.pages: dict[str, tuple[int, PageResult]] = {}
        for index, sample in enumerate(load_dataset(truth_dir).samples):
            image = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR)
            self.pages[image_key(image)] = (index, sample.truth)
        self.change = change

    def read(self, image: np.ndarray) -> PageResult:
        index, truth = self.pages[image_key(image)]
        result = copy.deepcopy(truth)
        return self.change(result, index) if self.change else result
