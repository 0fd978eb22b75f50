"""The classifier's answers for one page's crops, remembered by their pixels.

The reader classifies a page of small writing twice, as cut and with its blurred crops
sharpened (`runtime.reading.sharpen`), and keeps whichever the page reads as; most crops are
left as they are by the sharpening, so the second reading would classify them again. A crop
whose pixels were classified before is answered from memory: the model's row for an image does
not depend on the other images of its batch (checked in tests/test_memo.py), so the readings
are exactly those of classifying every crop.

Usage:
    memo = CropMemo(classifier)
    predictions = memo.predict(crops)  # as classifier.predict(normalize_batch(crops))
"""

from __future__ import annotations

import numpy as np

from runtime.classifier import Predictions
from runtime.normalize import normalize_batch

_FIELDS = ("labels", "confidences", "probabilities", "not_digit")


class CropMemo:
    """`Classifier.predict` of crops (uint8 ink), classifying only the crops not seen before."""

    def __init__(self, classifier):
        self.classifier = classifier
        self._row_of: dict[tuple, int] = {}  # a crop's pixels -> its row in `_known`
        self._known: Predictions | None = None

    def predict(self, crops: list[np.ndarray]) -> Predictions:
        """The predictions for `crops`, one row each, in order."""
        keys = [(crop.shape, crop.dtype.str, crop.tobytes()) for crop in crops]
        new = {key: crop for key, crop in zip(keys, crops) if key not in self._row_of}
        if new:
            read = self.classifier.predict(normalize_batch(list(new.values())))
            start = 0 if self._known is None else len(self._known)
            self._row_of.update((key, start + row) for row, key in enumerate(new))
            self._known = read if self._known is None else Predictions(
                *(np.concatenate([getattr(self._known, name), getattr(read, name)]) for name in _FIELDS))
        if self._known is None:  # no crops at all
            return self.classifier.predict(normalize_batch([]))
        rows = np.array([self._row_of[key] for key in keys], np.intp)
        return Predictions(*(getattr(self._known, name)[rows] for name in _FIELDS))
