"""Word context: digits inside a word of "not a digit" crops are letters; a number keeps its
digits beside one stray mark."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_pages import ink_page

from runtime.classifier import Predictions
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.reading.words import WordOptions, digits_in_words


class CallsNotDigit:
    """The shipped classifier, except that crops it reads as one of `digits` come back as "not a
    digit" (probability 0.9), as an 11-output model answers for letters."""

    def __init__(self, classifier, digits: set[int]):
        self.classifier = classifier
        self.digits = digits

    def predict(self, batch, polarity="light-on-dark") -> Predictions:
        result = self.classifier.predict(batch, polarity)
        called = np.isin(result.labels, list(self.digits))
        return Predictions(result.labels, result.confidences, result.probabilities,
                           np.where(called, 0.9, 0.0).astype(np.float32))


def _first_of(images, labels, wanted: str) -> list[np.ndarray]:
    return [images[int(np.flatnonzero(labels == int(d))[0])] for d in wanted]


@pytest.fixture(scope="module")
def word_and_number(mnist_test_digits):
    """Line 1, a "word": 2 3 1 4 0 6 (the 2, 3, 4, 6 stand for letters; 1 and 0 for an l and an o).
    Line 2, a number with a stray mark: 7 8 9 5 2 (the 2 stands for the mark)."""
    images, labels = mnist_test_digits
    page, _ = ink_page([_first_of(images, labels, "231406"), _first_of(images, labels, "78952")], gap=0)
    return page


def test_the_digits_of_a_word_of_letters_are_dropped(default_classifier, word_and_number):
    assert [line.text for line in PageReader(default_classifier).read(word_and_number).lines] == ["231406", "78952"]
    letters = CallsNotDigit(default_classifier, {2, 3, 4, 6})
    assert [line.text for line in PageReader(letters).read(word_and_number).lines] == ["7895"]


def test_without_the_rule_the_word_keeps_its_digit_shaped_letters(default_classifier, word_and_number):
    off = ReaderOptions(words=WordOptions(min_not_digit_share=1.01))
    lines = PageReader(CallsNotDigit(default_classifier, {2, 3, 4, 6}), off).read(word_and_number).lines
    assert [line.text for line in lines] == ["1 0", "7895"]


def test_a_ten_output_model_reads_every_digit(default_classifier, word_and_number):
    assert PageReader(default_classifier).read(word_and_number).text.replace("\n", " ") == "231406 78952"


def test_words_are_split_by_gaps_and_lines():
    digits = [(0, 0, 20, 40), (25, 0, 20, 40), (200, 0, 20, 40), (0, 100, 20, 40)]
    letters = [(50, 0, 20, 40), (75, 5, 20, 30)]
    # The first two digits share a word with both letters (share 0.5); the far digit and the one
    # on the next line stand alone.
    assert digits_in_words(digits, letters, WordOptions()) == {0, 1}
    assert digits_in_words(digits, letters, WordOptions(min_not_digit_share=0.6)) == set()
    assert digits_in_words(digits, [(50, 18, 30, 4)], WordOptions()) == set()  # a dash joins nothing
