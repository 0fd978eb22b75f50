"""Word context: digits inside a word of "not a digit" crops are letters; a number keeps its
digits beside one stray mark."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from synthetic_pages import ink_page

from runtime.classifier import Predictions
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.reading.words import WordOptions, digits_in_words, without_frames


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
    off = ReaderOptions(words=WordOptions(min_not_digit_share=1.01, min_page_share=1.01))
    lines = PageReader(CallsNotDigit(default_classifier, {2, 3, 4, 6}), off).read(word_and_number).lines
    assert [line.text for line in lines] == ["1 0", "7895"]


def test_a_ten_output_model_reads_every_digit(default_classifier, word_and_number):
    assert PageReader(default_classifier).read(word_and_number).text.replace("\n", " ") == "231406 78952"


def test_words_are_split_by_gaps_and_lines():
    digits = [(0, 0, 20, 40), (25, 0, 20, 40), (200, 0, 20, 40), (0, 100, 20, 40)]
    letters = [(50, 0, 20, 40), (75, 5, 20, 30)]
    unsure = [0.6, 0.6, 1.0, 1.0]
    # The first two digits share a word with both letters (share 0.5) and, read unsure, are no
    # clean number; the far digit and the one on the next line stand alone (clean numbers).
    assert digits_in_words(digits, letters, WordOptions(), unsure) == {0, 1}
    # Nor by its heights (its 30 px letter beside 40 px glyphs: `uneven_height_ratio`) are they.
    assert digits_in_words(digits, letters, WordOptions(min_not_digit_share=0.6, uneven_height_ratio=1.5),
                           unsure) == set()
    # Read cleanly, the two are a number written close to a word (as tall as its letters): kept.
    assert digits_in_words(digits, letters, WordOptions()) == set()
    assert digits_in_words(digits, [(50, 18, 30, 4)], WordOptions()) == set()  # a dash joins nothing


# Text context: boxes (x, y, w, h) of a line of handwriting with capitals 40 px tall, x-height
# letters 28 px. "not a digit" crops are letters the model recognised as such.
_NAME = [(0, 0, 30, 40), (34, 12, 24, 28), (62, 12, 30, 28), (96, 12, 24, 28)]  # "Name"
_ANNA = [(160, 0, 30, 40), (194, 12, 24, 28), (222, 12, 24, 28), (250, 12, 24, 28)]  # "Anna"
_AGE = [(320, 0, 30, 40), (354, 12, 24, 28), (382, 12, 24, 28)]  # "Age"
_SEVEN = (440, 0, 26, 40)  # "7", a word gap after "Age"


def _text_page() -> list:
    """Three lines of a word ("Name") recognised as letters: a page of text."""
    return [(x, line + y, w, h) for line in (0, 80, 160) for x, y, w, h in _NAME]


def test_a_number_written_after_words_keeps_its_digits():
    letters = _NAME + _ANNA + _AGE[:2]  # the e of "Age" reads as a digit, the 7 is a number
    digits = [_AGE[2], _SEVEN]
    dropped = digits_in_words(digits, letters, WordOptions(), confidences=[0.97, 0.99], not_digit=[0.02, 0.0])
    assert dropped == {0}  # the e goes (a letter of "Age"); the 7 stays


def test_in_text_only_a_clean_number_keeps_its_digits():
    # A word whose glyphs all read as digits (5, 1, 1, 1: "sum", its m cut into strokes) between
    # lines of words. Read cleanly and of one height it cannot be told from a number and stays;
    # with one glyph read unsure it is no clean number, and in text that makes it letters.
    digits = [(200, 92, 24, 28), (228, 92, 8, 28), (240, 92, 8, 28), (252, 92, 8, 28)]
    confidences, doubt = [0.99, 1.0, 1.0, 0.98], [0.0, 0.0, 0.0, 0.01]
    text = _text_page()
    assert digits_in_words(digits, text, WordOptions(), confidences, doubt) == set()
    unsure = [0.99, 0.7, 1.0, 0.98]
    assert digits_in_words(digits, text, WordOptions(), unsure, doubt) == {0, 1, 2, 3}
    # The same word far from any text keeps its digits.
    assert digits_in_words(digits, [(900, 900, 30, 40)], WordOptions(), unsure, doubt) == set()


def test_letters_of_mixed_heights_inside_a_word_are_not_a_number():
    # "total": t is "not a digit"; o, t, a, l read as 0 7 2 1 with full confidence. The run mixes
    # x-height and ascender letters, so it is no number.
    t_letter = [(0, 300, 20, 50)]
    digits = [(24, 315, 30, 35), (58, 300, 20, 50), (82, 315, 30, 35), (116, 300, 10, 52)]
    text = [(x, y + 220, w, h) for x, y, w, h in _NAME]  # the line above
    assert digits_in_words(digits, t_letter + text, WordOptions(), [1.0] * 4, [0.0] * 4) == {0, 1, 2, 3}


def test_a_digit_glued_to_a_letter_is_kept_when_clean_and_tall():
    q_letter, three = [(0, 0, 34, 40)], [(38, 1, 26, 39)]  # "Q3"
    assert digits_in_words(three, q_letter, WordOptions(), [0.99], [0.0]) == set()
    assert digits_in_words(three, q_letter, WordOptions(), [0.6], [0.3]) == {0}  # a 3-shaped letter
    inner = [(38, 1, 26, 39)]  # "Q3b": a digit between letters of one word is a letter
    assert digits_in_words(inner, q_letter + [(68, 0, 26, 40)], WordOptions(), [0.99], [0.0]) == {0}


def test_words_running_down_the_page_are_read_like_words_along_it():
    # The "Age 7" line of the first test, turned a quarter: the reader may hold a page of words
    # sideways, and its words then run down columns.
    def turned(boxes):
        return [(y, x, h, w) for x, y, w, h in boxes]

    letters, digits = turned(_NAME + _ANNA + _AGE[:2]), turned([_AGE[2], _SEVEN])
    assert digits_in_words(digits, letters, WordOptions(), [0.97, 0.99], [0.02, 0.0]) == {0}


def test_context_only_counts_on_a_page_that_holds_text():
    # A number of unsure digits beside one stray mark on a page of numbers keeps its digits.
    numbers = [(x, y, 26, 40) for y in (0, 80, 160) for x in (0, 30, 60, 200, 230)]
    mark = [(100, 10, 20, 30)]
    unsure = [0.7] * len(numbers)
    assert digits_in_words(numbers, mark, WordOptions(), unsure, [0.2] * len(numbers)) == set()


def _text_lines(rows=(0, 80, 160, 240)) -> list:
    """Lines of words recognised as letters ("Name Anna Age"), capitals 40 px tall."""
    return [(x, line + y, w, h) for line in rows for x, y, w, h in _NAME + _ANNA + _AGE]


def test_in_text_a_digit_cut_from_a_wider_crop_is_a_letter():
    # A cursive word between lines of words, cut by the reader into two pieces that read as a
    # clean "10": joined strokes in text are writing. The same two digits written apart stay.
    pieces = [(440, 120, 20, 40), (460, 120, 26, 40)]
    apart = [(440, 120, 20, 40), (470, 120, 26, 40)]
    clean, doubt = [1.0, 1.0], [0.0, 0.0]
    assert digits_in_words(pieces, _text_lines(), WordOptions(), clean, doubt, cut=[True, True]) == {0, 1}
    assert digits_in_words(apart, _text_lines(), WordOptions(), clean, doubt, cut=[False, False]) == set()


def test_among_letters_a_number_stands_on_its_line():
    # "Age 10" on a line of words, its digits' feet on the line's baseline, stays a number; the
    # same two glyphs hanging half their height below it (a script's loops under its headline, a
    # stem reaching below the line) are letters. Between two lines, with no glyph beside them to
    # give a baseline, they are judged as before.
    on_line = [(440, 80, 20, 40), (470, 80, 26, 40)]
    hanging = [(x, y + 20, w, h) for x, y, w, h in on_line]
    between = [(x, y + 40, w, h) for x, y, w, h in on_line]
    clean, doubt = [1.0, 1.0], [0.0, 0.0]
    assert digits_in_words(on_line, _text_lines(), WordOptions(), clean, doubt) == set()
    assert digits_in_words(hanging, _text_lines(), WordOptions(), clean, doubt) == {0, 1}
    assert digits_in_words(between, _text_lines(), WordOptions(), clean, doubt) == set()
    assert digits_in_words(hanging, _text_lines(), WordOptions(baseline_max_offset=1000.0), clean, doubt) == set()


def test_in_text_digits_whose_boxes_touch_are_a_word():
    # "ll" read as a clean 11 between lines of words: the two boxes overlap, as letters written
    # together do; a number's digits are written apart.
    touching = [(440, 120, 12, 40), (450, 120, 12, 40)]
    apart = [(440, 120, 12, 40), (460, 120, 12, 40)]
    assert digits_in_words(touching, _text_lines(), WordOptions(), [1.0, 1.0], [0.0, 0.0]) == {0, 1}
    assert digits_in_words(apart, _text_lines(), WordOptions(), [1.0, 1.0], [0.0, 0.0]) == set()


def test_in_text_a_lone_digit_shorter_than_the_letters_around_it_is_a_letter():
    # An o read as a clean 0, standing alone between lines of words: x-height (24 px), under the
    # letters around it, which digits are not (written as tall as capitals).
    assert digits_in_words([(440, 136, 22, 24)], _text_lines(), WordOptions(), [1.0], [0.0]) == {0}
    assert digits_in_words([(440, 120, 26, 40)], _text_lines(), WordOptions(), [1.0], [0.0]) == set()


def test_touching_digits_among_specks_keep_their_digits():
    # A crowded number on a noisy page: the "not a digit" crops around it are specks, not letters,
    # so digits written touching (or cut apart) still make a number.
    digits = [(x, y, 16, 24) for y in (0, 60, 120) for x in (0, 16, 32, 80, 96)]
    specks = [(x, y, 5, 6) for y in (30, 90) for x in range(0, 120, 20)]
    cut = [x == 80 or x == 96 for x, _, _, _ in digits]
    assert digits_in_words(digits, specks, WordOptions(), [1.0] * 15, [0.0] * 15, cut) == set()
    # Among letters of their size the same digits would be writing (the test this is about).
    everywhere = WordOptions(min_letter_share=0.0, letter_min_height_ratio=0.0)
    assert digits_in_words(digits, specks, everywhere, [1.0] * 15, [0.0] * 15, cut) == set(range(15))


def test_on_a_page_of_text_a_lone_digit_must_be_read_beyond_doubt():
    # A stem of a script word standing alone between lines of words, read as a confident "1" with
    # a little doubt of "not a digit" (0.004, one step of the int8 output): on a page of text it
    # is a letter. "Age 7"'s 7, read without doubt, stays; so does the doubtful one on a page of
    # numbers with a few stray marks, and a number of two digits with the same doubt.
    stem, doubt = [(440, 120, 12, 40)], [0.004]
    assert digits_in_words(stem, _text_lines(), WordOptions(), [0.996], doubt) == {0}
    assert digits_in_words(stem, _text_lines(), WordOptions(), [0.996], [0.0]) == set()
    numbers = [(x, y, 26, 40) for y in (0, 80, 160) for x in (0, 30, 200, 230)] + stem
    marks = [(100, 10, 20, 30), (470, 125, 20, 30)]
    confidences, doubts = [0.996] * len(numbers), [0.004] * len(numbers)
    assert digits_in_words(numbers, marks, WordOptions(), confidences, doubts) == set()
    pair = [(440, 120, 12, 40), (470, 120, 26, 40)]
    assert digits_in_words(pair, _text_lines(), WordOptions(), [0.996] * 2, [0.004] * 2) == set()


def test_on_a_page_of_text_a_number_is_as_tall_as_its_word():
    # "l1" of a word of letters: its stems read as a clean 1, a little shorter (36 px) than the l
    # (40 px) it is written beside. On a page of text that is a letter; among a page of numbers
    # with one letter beside a number, digits 0.9 of its height still make a number.
    word = [(440, 120, 14, 40)]
    one = [(458, 124, 12, 36)]
    assert digits_in_words(one, _text_lines() + word, WordOptions(), [0.996], [0.0]) == {0}
    numbers = [(x, y, 26, 36) for y in (0, 80, 160, 240) for x in (0, 30, 200, 230)]
    assert digits_in_words(numbers + one, word, WordOptions(), [0.996] * 17, [0.0] * 17) == set()


def _numbers_below(rows=(400, 480)) -> list:
    """Lines of numbers (digits 40 px tall) far below the word under test: the page holds text
    (a tenth or more of its crops, the word's, are "not a digit") but not mostly text, and nothing
    around the word is."""
    return [(x, y, 26, 40) for y in rows for x in (0, 30, 60, 200, 230, 260)]


def test_a_word_whose_letters_mostly_read_as_digits_is_letters_by_its_heights():
    # "School": S, o, o, l read as 5, 0, 0, 1 (the l unsure), c and h "not a digit". Two crops of
    # six are too few to call it letters, and nothing around it is text; but its glyphs mix
    # x-height and capital heights, which a number's digits do not.
    letters = [(30, 12, 22, 28), (56, 0, 24, 40)]  # c, h
    word = [(0, 0, 26, 40), (84, 12, 22, 28), (110, 12, 22, 28), (136, 0, 10, 40)]  # S o o l
    numbers = _numbers_below()
    digits = word + numbers
    confidences = [1.0, 1.0, 1.0, 0.77] + [1.0] * len(numbers)
    doubts = [0.0, 0.0, 0.0, 0.1] + [0.0] * len(numbers)
    assert digits_in_words(digits, letters, WordOptions(), confidences, doubts) == {0, 1, 2, 3}
    even = WordOptions(uneven_height_ratio=10.0)  # heights not looked at: as before
    assert digits_in_words(digits, letters, even, confidences, doubts) == set()
    # A number of one height with a broken digit of its own height read "not a digit" at its end
    # (a heavily degraded worksheet) is no word: it keeps its digits, the unsure one too.
    number = [(0, 0, 26, 40), (30, 0, 26, 40), (60, 2, 26, 38)]
    broken = [(90, 0, 24, 36)]
    assert digits_in_words(number + numbers, broken, WordOptions(), [1.0, 0.77, 1.0] + [1.0] * len(numbers),
                           [0.0, 0.1, 0.0] + [0.0] * len(numbers)) == set()


def test_a_cursive_word_cut_into_digits_of_uneven_heights_is_letters():
    # A cursive word with no letter read as such, cut by the reader into touching pieces of
    # uneven heights (23 to 38 px) that read as 6 1 1 4 9, some unsure, on a page holding text
    # elsewhere. Joined strokes of uneven heights are writing; a touching pair of one height on
    # the same page stays a number.
    word = [(0, 15, 18, 23), (18, 0, 12, 38), (30, 6, 12, 32), (42, 10, 18, 28), (62, 7, 16, 31)]
    pair = [(300, 0, 24, 40), (324, 0, 24, 40)]
    numbers = _numbers_below()
    text = [(x, 700, 24, 28) for x in range(0, 600, 40)]  # a line of letters far away
    digits = word + pair + numbers
    confidences = [0.96, 0.95, 0.65, 0.82, 0.71, 0.97, 0.95] + [1.0] * len(numbers)
    doubts = [0.04, 0.04, 0.33, 0.17, 0.28, 0.0, 0.03] + [0.0] * len(numbers)
    cut = [False, True, True, True, False, True, True] + [False] * len(numbers)
    assert digits_in_words(digits, text, WordOptions(), confidences, doubts, cut) == {0, 1, 2, 3, 4}
    # (Alone on a page of text, its doubtful digits would make it writing too: `lone_apart_in_text`.)
    off = WordOptions(uneven_height_ratio=10.0, lone_apart_in_text=False)
    assert digits_in_words(digits, text, off, confidences, doubts, cut) == set()


def test_a_lone_digit_glued_to_the_letters_of_its_word_is_a_letter():
    # "Sheet" with its capital S read as a clean 5, 4 px before the h; "7 apples" with its 7 a
    # word gap (24 px) before the a, a number. Both words mix heights and hold letters.
    sheet = [(30, 0, 24, 40), (58, 12, 22, 28), (84, 12, 22, 28), (110, 4, 14, 36)]  # h e e t
    apples = [(224, 12, 24, 28), (252, 12, 24, 40), (280, 12, 24, 40), (308, 0, 12, 40)]  # a p p l
    digits = [(0, 0, 26, 40), (174, 0, 26, 40)] + _numbers_below()
    dropped = digits_in_words(digits, sheet + apples, WordOptions(), [1.0] * len(digits), [0.0] * len(digits))
    assert dropped == {0}
    # The last letter of a word (an l) read as a 1 whose box overlaps the letter before it.
    hell = [(0, 0, 24, 40), (28, 12, 22, 28), (54, 0, 10, 40)]  # h e l
    ell = [(62, 0, 10, 40)] + _numbers_below()
    assert digits_in_words(ell, hell, WordOptions(), [1.0] * len(ell), [0.0] * len(ell)) == {0}


def test_on_a_page_of_text_digits_found_to_be_letters_are_letters_around_the_rest():
    # A line of script whose loops all read as digits: two cursive words cut into pieces of
    # uneven heights (letters by their heights) and between them a pair cut from one crop, of
    # one height, on a page of text (a line of letters far below). Nothing around the pair reads
    # "not a digit", so at first it stands in no text and passes as a number; once the words
    # around it are letters, it stands among letters, where digits cut apart are joined writing.
    cursive = [(0, 15, 18, 23), (18, 0, 12, 38), (30, 6, 12, 32), (42, 10, 18, 28), (62, 7, 16, 31)]
    words = [(x + shift, y, w, h) for shift in (160, 400) for x, y, w, h in cursive]
    pair = [(300, 0, 24, 40), (324, 0, 24, 40)]
    text = [(x, 700, 24, 28) for x in range(0, 600, 40)]
    digits = words + pair
    confidences = [0.96, 0.95, 0.65, 0.82, 0.71] * 2 + [0.97, 0.95]
    doubts = [0.04, 0.04, 0.33, 0.17, 0.28] * 2 + [0.0, 0.03]
    cut = [False, True, True, True, False] * 2 + [True, True]
    letters = set(range(10))
    assert digits_in_words(digits, text, WordOptions(), confidences, doubts, cut) == letters | {10, 11}
    once = WordOptions(letters_as_context=False)
    assert digits_in_words(digits, text, once, confidences, doubts, cut) == letters


def test_a_box_drawn_around_a_digit_is_a_frame_not_a_letter(default_classifier, mnist_test_digits):
    """A one-digit box too small to be erased as a rule stays a region of its own, which the model
    calls "not a digit"; taken for a letter, it made its digit a word of text and the page lost
    every digit."""
    images, labels = mnist_test_digits
    page, boxes = ink_page([_first_of(images, labels, "7895"), _first_of(images, labels, "6")])
    x, y, w, h = boxes[1][0]
    centre_x, centre_y = x + w // 2, y + h // 2
    cv2.rectangle(page, (centre_x - 22, centre_y - 28), (centre_x + 22, centre_y + 28), 60, 2)
    assert [line.text for line in PageReader(default_classifier).read(page).lines] == ["7895", "6"]


def test_only_not_digit_boxes_holding_a_digit_whole_are_frames():
    digits = [(10, 10, 20, 30), (100, 10, 20, 30)]
    frame, letter, overlapping = (4, 4, 32, 42), (40, 10, 20, 30), (95, 5, 20, 40)
    assert without_frames([frame, letter, overlapping], digits) == [letter, overlapping]
    assert without_frames([letter], []) == [letter]


def test_a_lone_digit_just_after_the_letters_of_its_word_is_its_last_letter():
    # "total" with its final l read as a clean 1 standing 2 px (0.05 of its height) after the a:
    # a word of uneven heights with letters before it, so the 1 is its last letter. "Q3", a digit
    # after a single letter (test above), stays a number.
    tota = [(0, 0, 14, 40), (18, 12, 22, 28), (44, 0, 14, 40), (62, 12, 22, 28)]  # t o t a
    ell = [(86, 0, 10, 40)] + _numbers_below()
    assert digits_in_words(ell, tota, WordOptions(), [1.0] * len(ell), [0.0] * len(ell)) == {0}
    assert digits_in_words(ell, tota, WordOptions(final_max_gap=0.0), [1.0] * len(ell), [0.0] * len(ell)) == set()


def test_on_a_page_holding_text_three_pieces_cut_off_one_bar_are_writing():
    # A script's word whose headline rule removal erased, leaving three loops that read as a clean
    # "666", on a page holding some text (3 "not a digit" crops of 19) that is no page of text. A
    # lone 7 whose bar was erased, and the numbers below, stay.
    loops = [(0, 0, 20, 40), (26, 0, 20, 40), (52, 0, 20, 40)]
    seven = [(300, 0, 26, 40)]
    digits = loops + seven + _numbers_below()
    letters = [(x, 800, 24, 28) for x in (0, 40, 80)]
    joined = [True] * 4 + [False] * len(_numbers_below())
    sure, clean = [1.0] * len(digits), [0.0] * len(digits)
    assert digits_in_words(digits, letters, WordOptions(), sure, clean, None, joined) == {0, 1, 2}
    never = WordOptions(joined_pieces_with_text=100)
    assert digits_in_words(digits, letters, never, sure, clean, None, joined) == set()


def test_on_a_page_holding_text_digits_found_to_be_letters_are_letters_around_the_rest():
    # A line of script whose loops read as digits: three cursive words, letters by their uneven
    # heights, and between them a word of three glyphs of one height, its last read with doubt
    # ("a1c", the c read as 6 at 0.6). Only 3 of the page's 21 crops read "not a digit" (a line
    # far below): the page holds text but is no page of text, and nothing "not a digit" stands
    # around the word, which passed as a number. With the cursive words' 15 digits found to be
    # letters, 18 of the 21 crops are letters: the word stands among them, and is no clean number.
    cursive = [(0, 15, 18, 23), (18, 0, 12, 38), (30, 6, 12, 32), (42, 10, 18, 28), (62, 7, 16, 31)]
    words = [(x + shift, y, w, h) for shift in (160, 400, 560) for x, y, w, h in cursive]
    word = [(290, 0, 24, 40), (318, 0, 12, 40), (334, 2, 24, 38)]
    text = [(x, 700, 24, 28) for x in (0, 40, 80)]
    confidences = [0.96, 0.95, 0.65, 0.82, 0.71] * 3 + [0.97, 0.99, 0.6]
    doubts = [0.04, 0.04, 0.33, 0.17, 0.28] * 3 + [0.02, 0.0, 0.38]
    cut = [False, True, True, True, False] * 3 + [False] * 3
    letters = set(range(15))
    assert digits_in_words(words + word, text, WordOptions(), confidences, doubts, cut) == letters | {15, 16, 17}
    first_words_only = WordOptions(found_text_share=math.inf)
    assert digits_in_words(words + word, text, first_words_only, confidences, doubts, cut) == letters


def test_in_text_a_number_after_one_letter_read_as_doubtful_digits_keeps_its_digits():
    # "Q7" between lines of words: the Q cut by the reader into two touching pieces that read as
    # a clean "12", the 7 written apart. The pieces are no clean number; the 7 after them is, a
    # number after a single letter ("Q3"). So is the 2 of "a2", its a read as a doubtful 9. After
    # two letters read as doubtful digits ("ab7"), a lone digit is the word's last letter.
    q_seven = [(400, 120, 18, 40), (418, 120, 18, 40), (442, 120, 26, 40)]
    sure = [1.0, 1.0, 1.0]
    assert digits_in_words(q_seven, _text_lines(), WordOptions(), sure, [0.0] * 3, cut=[True, True, False]) == {0, 1}
    whole_run = WordOptions(max_letters_before_number=0)
    assert digits_in_words(q_seven, _text_lines(), whole_run, sure, [0.0] * 3, cut=[True, True, False]) == {0, 1, 2}
    a_two = [(412, 120, 26, 40), (442, 120, 26, 40)]
    assert digits_in_words(a_two, _text_lines(), WordOptions(), [0.94, 1.0], [0.06, 0.0]) == {0}
    ab_seven = [(380, 120, 26, 40), (412, 120, 26, 40), (442, 120, 26, 40)]
    assert digits_in_words(ab_seven, _text_lines(), WordOptions(), [0.94, 0.94, 1.0], [0.06, 0.06, 0.0]) == {0, 1, 2}


def test_on_a_page_of_text_a_lone_digit_shaped_as_a_letter_with_only_letters_around_it_is_one():
    # A stem read beyond doubt as 1, standing alone between lines of words: an l. Read as 7 it
    # stays, as does a 1 with another number around it; read without labels, as before.
    stem = [(440, 120, 12, 40)]
    assert digits_in_words(stem, _text_lines(), WordOptions(), [0.996], [0.0], labels=["1"]) == {0}
    assert digits_in_words(stem, _text_lines(), WordOptions(), [0.996], [0.0], labels=["7"]) == set()
    assert digits_in_words(stem, _text_lines(), WordOptions(), [0.996], [0.0]) == set()
    with_number = stem + [(440, 200, 26, 40), (470, 200, 26, 40)]
    assert digits_in_words(with_number, _text_lines(), WordOptions(), [0.996] * 3, [0.0] * 3,
                           labels=["1", "4", "2"]) == set()
    never = WordOptions(letter_shaped_digits="")
    assert digits_in_words(stem, _text_lines(), never, [0.996], [0.0], labels=["1"]) == set()
    # Specks around it are no letters (lines of words far below make it a page of text).
    specks = [(x, 130, 5, 6) for x in (400, 470, 500)]
    assert digits_in_words(stem, specks + _text_lines((600, 680)), WordOptions(), [0.996], [0.0], labels=["1"]) == set()


def test_in_text_a_number_keeps_a_doubtful_digit_between_two_sure_ones():
    # "913" written apart between lines of words, its 1 read with doubt (0.70, "not a digit"
    # 0.18): a number whose first and last digits are beyond doubt keeps it. With the doubt at
    # its end, or with the rule off, the word is no clean number and goes.
    number = [(400, 120, 26, 40), (432, 120, 12, 40), (450, 120, 26, 40)]
    sure, doubts = [1.0, 0.70, 1.0], [0.0, 0.18, 0.0]
    assert digits_in_words(number, _text_lines(), WordOptions(), sure, doubts) == set()
    never = WordOptions(max_doubtful_inside_number=0)
    assert digits_in_words(number, _text_lines(), never, sure, doubts) == {0, 1, 2}
    doubt_at_end = [1.0, 1.0, 0.70], [0.0, 0.0, 0.18]
    assert digits_in_words(number, _text_lines(), WordOptions(), *doubt_at_end) == {0, 1, 2}
    # Two doubtful digits inside are more than one.
    four = number + [(482, 120, 26, 40)]
    assert digits_in_words(four, _text_lines(), WordOptions(), [1.0, 0.7, 0.7, 1.0], [0.0, 0.18, 0.18, 0.0]) \
        == {0, 1, 2, 3}


def test_in_text_a_number_keeps_a_wide_short_digit():
    # "850" between lines of words, its 5 written wide and short (38 px tall, 57 wide, beside
    # digits 65 and 62 tall): of one size by the larger side of each box, it is a number. A
    # word's x-height letters beside its ascenders stay uneven either way ("Ilo": 5, 1, 0).
    number = [(400, 120, 41, 65), (446, 146, 57, 38), (508, 123, 51, 62)]
    sure = [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]
    assert digits_in_words(number, _text_lines(), WordOptions(), *sure) == set()
    x_height = [(400, 120, 26, 65), (432, 146, 30, 38), (468, 146, 30, 38)]
    assert digits_in_words(x_height, _text_lines(), WordOptions(), *sure) == {0, 1, 2}


def test_among_letters_digits_glued_to_their_word_are_its_letters():
    # Among lines of words: "Sum" with its S and u read as a clean 5 and 4, 2 px apart and 2 px
    # before the m; "Total 73", its l read as a clean 1 2 px after the a and its number a word gap
    # (16 px, short enough to join the word) after the l. The digits glued to letters are letters;
    # the number stays. Before, "54" and "173" were numbers.
    text = _text_page()
    s_and_u, m = [(0, 240, 30, 40), (32, 246, 26, 34)], [(60, 246, 36, 34)]
    tota = [(200, 240, 28, 40), (230, 246, 26, 34), (258, 242, 16, 38), (276, 246, 26, 34)]
    l_seven_three = [(304, 240, 12, 40), (332, 240, 26, 40), (364, 240, 26, 40)]
    digits = s_and_u + l_seven_three
    sure, doubt = [1.0] * len(digits), [0.0] * len(digits)
    assert digits_in_words(digits, text + m + tota, WordOptions(), sure, doubt) == {0, 1, 2}
    never = WordOptions(glued_run_min_digits=99)
    assert digits_in_words(digits, text + m + tota, never, sure, doubt) == set()


def test_a_number_a_word_space_before_a_word_read_as_digits_keeps_its_digits():
    # "Date 79 bridge" between lines of words: every letter of "bridge" reads as a digit (b, r, i,
    # d, g, e: 6 1 1 6 9 0, of uneven heights), 22 px (0.55 of the 40 px digits) after the 9. A
    # word space is wider than letters stand apart: the number is a word of its own and stays,
    # while "bridge" is letters by its heights.
    date = [(0, 240, 30, 40), (34, 252, 24, 28), (62, 246, 16, 34), (82, 252, 24, 28)]
    number = [(140, 240, 26, 40), (170, 240, 26, 40)]
    bridge = [(218, 240, 24, 40), (246, 252, 18, 28), (268, 244, 10, 36), (282, 240, 24, 40),
              (310, 252, 24, 40), (338, 252, 22, 28)]
    digits = number + bridge
    sure, doubt = [1.0] * len(digits), [0.0] * len(digits)
    assert digits_in_words(digits, _text_page() + date, WordOptions(), sure, doubt) == set(range(2, 8))
    assert digits_in_words(digits, _text_page() + date, WordOptions(gap_factor=0.6), sure, doubt) == set(range(8))


def test_on_a_page_of_text_a_digit_alone_with_nothing_around_it_must_be_read_beyond_doubt():
    # A script's stray hook far from every other glyph of a page of text, read as a 1 at 0.79 with
    # 0.2 "not a digit": with no text around it nothing else can tell, so the model's doubt does.
    hook = [(900, 900, 8, 20)]
    assert digits_in_words(hook, _text_page(), WordOptions(), [0.79], [0.2]) == {0}
    assert digits_in_words(hook, _text_page(), WordOptions(), [0.996], [0.0]) == set()
    off = WordOptions(lone_apart_in_text=False)
    assert digits_in_words(hook, _text_page(), off, [0.79], [0.2]) == set()


def test_in_text_a_number_keeps_a_wide_short_digit_at_its_end():
    # "Age 85" between lines of words, its 5 written wide and short at the number's end (38 px
    # tall, 57 wide, beside an 8 65 tall): trimmed from the run by its height alone, as a word's
    # x-height letter beside a number is, it was lost. An x-height letter there still goes.
    number = [(440, 120, 41, 65), (486, 147, 57, 38)]
    sure = [1.0, 1.0], [0.0, 0.0]
    assert digits_in_words(number, _text_lines(), WordOptions(), *sure) == set()
    x_height = [(440, 120, 41, 65), (486, 147, 30, 38)]
    assert 1 in digits_in_words(x_height, _text_lines(), WordOptions(), *sure)


def test_on_a_page_of_text_a_word_of_digits_alone_with_nothing_around_it_must_be_clean():
    # A script's "aa" far from every other glyph of a page of text, read as 0 (0.76, 0.16 "not a
    # digit") and 0 (0.996): with nothing around it, only the model's word tells, and one doubtful
    # digit makes it writing. Read cleanly, it is a number.
    pair = [(900, 900, 76, 57), (990, 885, 72, 64)]
    assert digits_in_words(pair, _text_page(), WordOptions(), [0.76, 0.996], [0.16, 0.0]) == {0, 1}
    assert digits_in_words(pair, _text_page(), WordOptions(), [0.95, 0.92], [0.02, 0.04]) == set()
    off = WordOptions(lone_apart_in_text=False)
    assert digits_in_words(pair, _text_page(), off, [0.76, 0.996], [0.16, 0.0]) == set()


def test_on_a_page_holding_text_a_letter_beside_joined_strokes_is_writing():
    # "name" read n (a letter), a as a doubtful 0, m cut into 1 and 7, e as a doubtful 8, all of
    # one height, among lines of numbers (its context mostly digits: no word in text by its
    # surroundings). Its letter beside the pieces of one crop make it writing.
    numbers = [(x, y, 26, 40) for y in (0, 160) for x in (0, 30, 60, 200, 230, 260)]
    word = [(34, 80, 26, 40), (62, 80, 14, 40), (76, 80, 26, 40), (106, 80, 26, 40)]
    letter = [(0, 80, 30, 40)]
    confidences = [1.0] * 12 + [0.79, 0.996, 0.996, 0.84]
    doubt = [0.0] * 12 + [0.2, 0.0, 0.0, 0.14]
    cut = [False] * 12 + [False, True, True, False]
    marks = [(600, 0, 30, 40), (600, 160, 30, 40)]  # a few letters elsewhere: the page holds text
    dropped = digits_in_words(numbers + word, letter + marks, WordOptions(), confidences, doubt, cut)
    assert dropped == {12, 13, 14, 15}
    apart = [(34, 80, 26, 40), (66, 80, 14, 40), (86, 80, 26, 40), (116, 80, 26, 40)]  # no joined strokes
    assert digits_in_words(numbers + apart, letter + marks, WordOptions(), confidences, doubt, [False] * 16) == set()


def test_a_region_running_across_two_lines_does_not_chain_them_into_one_word():
    # "Date 39 green" above "river 69": the g's tail ran into a stroke under it, one region 2 lines
    # tall beside the 9 of each number. Chaining both lines, it made one word of uneven heights
    # holding letters, and both numbers letters of it.
    letters = [(0, 0, 40, 40), (44, 12, 26, 28), (74, 12, 26, 28), (0, 60, 26, 28), (30, 60, 14, 28)]
    numbers = [(130, 0, 30, 40), (164, 2, 28, 40), (130, 56, 30, 44), (164, 58, 28, 40)]
    bridge = [(196, 4, 26, 90)]
    sure = [1.0] * 5, [0.0] * 5
    assert digits_in_words(numbers + bridge, letters, WordOptions(), *sure) <= {4}
