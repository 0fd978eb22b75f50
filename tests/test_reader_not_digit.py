"""The reader drops crops the model calls "not a digit", and only those."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_pages import ink_page

from runtime.classifier import Predictions
from runtime.reading.reader import PageReader, ReaderOptions


class CallsNotDigit:
    """The shipped classifier, except that crops it reads as `digit` come back as "not a digit"
    (probability 0.9), as an 11-output model answers for a letter or a shadow's edge."""

    def __init__(self, classifier, digit: int):
        self.classifier = classifier
        self.digit = digit

    def predict(self, batch, polarity="light-on-dark") -> Predictions:
        result = self.classifier.predict(batch, polarity)
        not_digit = np.where(result.labels == self.digit, 0.9, 0.0).astype(np.float32)
        return Predictions(result.labels, result.confidences, result.probabilities, not_digit)


@pytest.fixture(scope="module")
def page_and_text(mnist_test_digits):
    images, labels = mnist_test_digits
    images, labels = images[:8], labels[:8]
    page, _ = ink_page([list(images)])
    return page, "".join(map(str, labels))


def test_a_crop_called_not_a_digit_is_dropped(default_classifier, page_and_text):
    page, text = page_and_text
    dropped = text[0]
    assert PageReader(default_classifier).read(page).lines[0].text == text
    reader = PageReader(CallsNotDigit(default_classifier, int(dropped)))
    assert "".join(line.text for line in reader.read(page).lines) == text.replace(dropped, "")


def test_threshold_above_the_probability_keeps_every_crop(default_classifier, page_and_text):
    page, text = page_and_text
    keep_all = ReaderOptions(not_digit_threshold=0.95)
    reader = PageReader(CallsNotDigit(default_classifier, int(text[0])), keep_all)
    assert reader.read(page).lines[0].text == text


def test_a_single_glyph_called_not_a_digit_reads_as_nothing(default_classifier, mnist_test_digits):
    images, labels = mnist_test_digits
    glyph = images[0]  # a 28x28 MNIST picture as stored: read whole as one glyph
    assert PageReader(default_classifier).read(glyph).text == str(labels[0])
    reader = PageReader(CallsNotDigit(default_classifier, int(labels[0])))
    assert reader.read(glyph).lines == []
