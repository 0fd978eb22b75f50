"""A page's crops classified once: `runtime.reading.memo.CropMemo` and the reader's use of it.

The reader reads a page of small writing sharpened and, where it still reads as text, as cut;
a crop the sharpening left as it was is answered from memory, with exactly the answer the
model would give (its row for an image does not depend on the rest of the batch).
"""

from __future__ import annotations

import hashlib

import numpy as np
from test_small_pages import small_photo

from runtime.normalize import normalize_batch
from runtime.reading.memo import CropMemo
from runtime.reading.reader import PageReader, ReaderOptions


class _Counting:
    """A classifier that records the images it is given (by a hash of their pixels)."""

    def __init__(self, classifier):
        self.classifier, self.seen = classifier, []

    def predict(self, batch, *args, **kwargs):
        self.seen += [hashlib.sha1(image.tobytes()).hexdigest() for image in batch]
        return self.classifier.predict(batch, *args, **kwargs)


def _crops(images: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(255 - image[4:24, 4:24]) if i % 3 else image for i, image in enumerate(images)]


def test_memo_answers_exactly_as_the_model(mnist_test_digits, default_classifier):
    images, _ = mnist_test_digits
    crops = _crops(images[:40])
    counting = _Counting(default_classifier)
    memo = CropMemo(counting)
    first = memo.predict(crops[:25] + crops[:5])  # repeats within a batch
    second = memo.predict(crops[10:40])  # half seen before, in another batch
    for asked, answer in ((crops[:25] + crops[:5], first), (crops[10:40], second)):
        expected = default_classifier.predict(normalize_batch(asked))
        for name in ("labels", "confidences", "probabilities", "not_digit"):
            assert np.array_equal(getattr(answer, name), getattr(expected, name)), name
    assert len(counting.seen) == 40  # each crop classified once
    assert len(memo.predict([])) == 0


def test_a_small_page_classifies_no_image_twice(mnist_test_digits, default_classifier):
    """A 640x480 photo of small blurred digits is read sharpened; its crops used to be read
    as cut too, and those that the sharpening left as they were classified a second time.
    (The orientation vote, left out here, reads turned crops, some alike after normalising.)"""
    images, labels = mnist_test_digits
    counting = _Counting(default_classifier)
    reader = PageReader(counting, ReaderOptions(detect_orientation=False))
    for seed in range(2):
        counting.seen = []
        digits = reader.read(small_photo(images, labels, seed)[0]).digits
        assert digits and len(counting.seen) == len(set(counting.seen))
