"""Word context: digits written inside text are letters of that text, unless they stand out as a number.

A model with a "not a digit" output drops most letters, but letters shaped like digits (o, l, s,
g, z...) and the loops and stems of other scripts still come back as 0, 1, 5, 9, 2, often with
full confidence. Their surroundings give them away:

- a word (glyphs on one line closer than a word gap) of which enough crops are "not a digit" is
  letters;
- on a page that holds text (a tenth of its crops or more are "not a digit"), a word standing
  among "not a digit" crops (within a few of its heights, along the line and across it) stands
  in text, even when all its own glyphs read as digits (a whole word of o, l and s, or a lone
  letter between words).

In text, only a clean number keeps its digits: a run of digits the model reads confidently with
no doubt of "not a digit", of one height (a word's x-height letters beside its tall ones do not
make a number), as tall as the letters of its word and at least about as tall as the letters
around it (digits are written as tall as capitals), each written apart: neither cut by the
reader from a wider crop nor touching another digit of its line. Joined strokes in text are
cursive writing, which the touching-digit cutter splits into pieces that read as digits, and
letters written close enough for their boxes to touch are one word ("ll" read as 11).
On a page of text (a third or so of its crops "not a digit"), a number must be as tall as the
tallest letter of its word, and a number of one digit must be read beyond doubt: there, lone
digit-shaped letters (a stem read as 1, a loop as 0 or 6) outnumber the lone digits.
Most of a word's letters may read as digits ("school": 5, c, h, 1, 0, 0, 1; a cursive word cut
into 2, 5, 6, 7, 1), so that too few of its crops are "not a digit" to call it letters, and the
lines around it may hold numbers only. Letters still differ in height (x-height letters beside
capitals and ascenders) where the digits of a number are of one height; on a page holding text,
a word of uneven heights is writing in letters when it holds a letter-sized "not a digit" crop,
or when its digits touch or were cut apart (joined strokes); so is a word holding both, whatever
its heights. In such a word of two letters or more, a lone digit under a third of its height
before the next glyph is its capital (S read as 5; a number stands a word gap off), and one
whose box overlaps the glyph before it is its last letter (an l read as 1).
On a page of text, the digits found to be letters then count as letters around the rest, which
are judged again: a script whose loops mostly read as digits leaves too few "not a digit" crops
around its words for them to stand in text until its letters read as digits are known. So too on
a page that holds text and is mostly letters once those count (`found_text_share`). There, a
lone digit shaped as letters are (a stem, a loop: 1, 0, 6, 9) with nothing but letters around
it is one. A number may follow one letter that reads as doubtful digits ("Q3", its Q cut into
two pieces): the clean digits after it still make a number. A number of digits alone whose first
and last digits are beyond doubt keeps one doubtful digit between them ("9 1 3"), and digits of
one size by the larger side of their boxes are of one height (a 5 written wide and short).
Among letters, digits that start or end a word standing as close to its letters as letters
stand, one to the next, are letters too ("Sum" read 5 4 m): a number stands a word gap off.
So "Age 7", "Q3" and "Total 58" keep their numbers while "total" (t, 0, 7, 2, 1) loses its
digit-shaped letters. On a page of numbers nothing around them is "not a digit", so none of this
applies; one stray mark beside a number of two or more digits is a small share of its word.

Usage:
    dropped = digits_in_words(digit_boxes, not_digit_boxes, WordOptions(), confidences, not_digit, cut)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from runtime.results import BBox


@dataclass(frozen=True)
class WordOptions:
    """When neighbouring crops make one word, when a word is text, and what a number in text is.

    The seven from `min_not_digit_share` to `number_min_letter_ratio` were chosen together with
    `python -m benchmarks.not_digit_threshold` style sweeps on pages of MNIST-validation digits
    (paper, chalkboards, squared, dotted, dim, and words with numbers beside them) and no-digit
    pages of a seed no benchmark uses: see docs/results/reading.md, "Word context". The rest (and the reader's
    `cut` pieces) were chosen on pages of words and of words with numbers of seeds 4243, 977 and
    978 (32 no-digit pages, 16 with numbers) and worksheets of small digits of seeds 91 and 93:
    digits read on the no-digit pages 221 -> 164, and where there are none on the pages with
    numbers 122 -> 94, with the same 325 digits of numbers read."""

    gap_factor: float = 0.5
    """Two glyphs are one word when the gap between them is under this share of the taller one's
    height (handwriting leaves about a letter height between words). On 24 pages of words with
    numbers of hard-pages seed 61, letters of one word stood 0.11 or closer (95%), digits of one
    number 0.12 to 0.35 apart (5-95%), and a number and the word beside it mostly 0.4 to 0.6 (the
    generator's word space is 0.5 to 1.6 capital heights): at 0.6, a number joined the word beside
    it, whose letters read as digits then made it no number. At 0.5 rather than 0.6, on 48
    such pages (seeds 61, 62) 21 more digits of numbers read, 1 more phantom; on 80 pages of
    letters and script one fewer; on worksheets of MNIST-validation digits (seeds 261-264, 92 pages)
    17 more digits read and 1 lost. At 0.45 a number of two digits 0.45 of their height apart,
    each with a little doubt, stood alone in text (`tests/test_reader_words.py`)."""
    min_height_ratio: float = 0.4
    """The shorter of two neighbours must be at least this share of the taller: specks, dashes
    and rule fragments beside a number do not join its word."""
    min_not_digit_share: float = 0.34
    """A word whose crops are at least this share "not a digit" is letters; one mark beside two or
    more digits never reaches it. Above 1: never."""
    min_page_share: float = 0.1
    """Context counts only on a page (or frame) of which at least this share of crops are "not a
    digit": one that holds text. A worksheet of numbers has a few (grid crossings, stray marks
    around its numbers), too few to make its numbers pass the test of a number in text. Above 1:
    never."""
    context_radius: float = 4.0
    """A word's context: the glyphs whose centres lie within this many of its heights of it,
    along its line and across it."""
    min_context_share: float = 0.1
    """A word whose context holds at least this share of "not a digit" crops stands in text (the
    context of a number on a worksheet of numbers holds none). Above 1: never."""
    number_max_not_digit: float = 0.05
    """In text, a digit of a number has a "not a digit" probability under this..."""
    number_min_confidence: float = 0.9
    """...and is read with at least this confidence (digit-shaped letters mostly are not)."""
    number_max_height_ratio: float = 1.3
    """In text, a number's digits are of one height: the tallest at most this many times the
    shortest (a word's x-height letters beside its ascenders differ more), or of one size by the
    larger side of each box (a 5 or 2 written wide and short: 38 px tall and 57 wide beside digits
    65 tall; a word's x-height letters are no wider than its ascenders are tall). By height alone,
    28 of the 86 digits of numbers lost on 30 development pages of words with numbers (hard-pages
    seeds 51, 52) went so; by either, 15 more digits read there and 2 more phantoms."""
    number_min_letter_ratio: float = 0.9
    """In text, a number is at least this share of the height of the tallest letter in its word."""
    min_letter_share: float = 0.2
    letter_min_height_ratio: float = 0.5
    """A word in text stands among letters when at least `min_letter_share` of its context are
    "not a digit" crops at least `letter_min_height_ratio` as tall as the word's tallest glyph;
    only there do the last two tests below and the `cut` pieces count (around the numbers of a
    noisy page of small digits, "not a digit" crops are mostly specks, and touching digits are
    common: on 40 heavily degraded 640x480 worksheets of an unused seed, without this test the
    word rules read 18 digits fewer than before, with it 10 (of 1,369); at 0.25, 3, but the pages
    of words kept 10 to 25% more of their phantom digits)."""
    number_min_context_ratio: float = 0.9
    """In text, a number is at least this share of the median height of the "not a digit" crops
    around its word, among letters (digits are written as tall as capitals; an o or a z standing
    alone is not). At 1.0 a number beside letters as tall as its digits was dropped."""
    text_page_share: float = 0.3
    """A page of text: at least this share of its crops are "not a digit" (most pages of words, with
    or without numbers; few worksheets of numbers, even heavily degraded small ones with their
    specks). There the next three raise the bar for a number in text. Above 1: never.
    These three were chosen on the no-digit pages of words (letters and script) and the pages of
    words with numbers of seeds 4242, 977 (A4), 2-11 (600x800), 4243, 978 (A4) and 2-7 (600x800),
    and 40 heavy 640x480 worksheets of MNIST-validation digits (seed 91): digits read on the 52
    no-digit pages 310 -> 179, digits of numbers read 419 -> 415 of 491, on the worksheets
    1,303 -> 1,292 (docs/results/reading.md, "Word context"). (At 0.25, 160 pages of letters and script of
    hard-pages seeds 21-24 read 97 -> 63 digits, none over 5, and 36 of words with numbers (seeds
    23-25) 15 phantoms fewer but 3 digits of their numbers lost; but the benchmark's 150 small
    640x480 worksheets lost 32 digits, 10 with the sharpening's test kept at 0.3.)"""
    text_min_letter_ratio: float = 0.95
    """On a page of text, a number is at least this share of the height of the tallest letter in its
    word (`number_min_letter_ratio` elsewhere): digits are written as tall as capitals."""
    lone_min_confidence: float = 0.99
    lone_max_not_digit: float = 0.002
    """On a page of text, a number of a single digit in text is read with at least this confidence
    and a "not a digit" probability under this: with no other digit beside it, only the model's
    certainty tells "Age 7" from a lone letter's stem or loop (the l of a word, an o, a script's
    hook). Letters read as digits mostly carry some doubt; MNIST digits beside words almost never."""
    lone_apart_in_text: bool = True
    """On a page of text, a digit standing alone with nothing around it (`context_radius`) must be read
    beyond doubt too (`lone_min_confidence`, `lone_max_not_digit`): with no text around it the word
    rules left it whatever the model's doubt, and a script's stray hooks and dots (16 to 21 px on
    pages of letters 30 to 45 px tall) read so, at 0.79 with 0.2 "not a digit". On the development
    pages of `glued_max_gap`, 2 fewer digits read on the pages of letters and script, none lost.
    A word of several digits alone (no "not a digit" crop in it) with nothing around it must be
    read cleanly (`number_min_confidence`, `number_max_not_digit`): a script's "aa" standing apart
    read 0 at 0.76 with 0.16 "not a digit" beside a sure 0. On the development pages of letters
    and script (hard-pages seeds 162, 165, 48 pages) 8 -> 4 digits read, no digit of a number
    lost on 48 pages of words with numbers (seeds 161, 164)."""
    joined_in_text: bool = True
    """On a page of text, a digit cut off a handwritten straight stroke that the segmenter erased
    as a line (`DigitCandidate.cut_off_a_bar`: the headline of a script's word, a t's bar) is a piece of
    that writing, alone or beside other such pieces; beside a digit written whole it may be a 7
    whose bar was erased. (On every page holding text, `min_page_share`, 13 fewer digits read on
    63 pages of letters and script of hard-pages seeds 11-18, but a heavy 640x480 form of the
    benchmark's small pages lost 2 digits of its numbers.)"""
    joined_pieces_with_text: int = 3
    """On a page that holds text (`min_page_share`) but is no page of text, digits cut off a
    handwritten bar go too where their word holds at least this many such pieces and no digit
    written whole (three loops hanging from one headline: "666"). On 160 pages of letters and
    script of hard-pages seeds 21-24, 97 -> 91 digits read; at 2, 89, but 2 digits of numbers lost
    on words-numbers pages of seed 23; none lost at 3 there (seeds 23-25), on worksheets (seed 201
    A4 mixed, 203 640x480 mixed) or on 40 heavy 640x480 ones (seed 204). A number above any page's
    digit count: never."""
    baseline_max_offset: float = 0.4
    baseline_min_glyphs: int = 2
    """Among letters, a number's digits stand on the line: the foot of each lies within this share
    of its height of the median foot of the glyphs around its word on its line (at least
    `baseline_min_glyphs` of them). A script's loops hang below its headline and its stems reach
    below the line; digits written in text sit on the baseline (on the words-numbers pages of an
    unused seed, within 0.3 of their height). On the 63 pages of letters and script of seeds 11-18,
    124 -> 119 digits read, no digit of a number lost on the pages of numbers. A value of 100 or more
    turns the rule off."""
    letters_as_context: bool = True
    """On a page of text, the digits found to be letters count as letters ("not a digit") around
    the rest, which are then judged again: a script whose loops and stems mostly read as digits
    leaves too few "not a digit" crops around its words for them to stand in text, and its words
    of two or three digit-shaped glyphs passed as numbers. On 63 pages of letters and script of
    hard-pages seeds 11-18: 119 digits read -> 74 (124 before this and `baseline_max_offset`);
    on pages with numbers (words-numbers seed 11, worksheets seeds 201 and 203, digits on
    patterned paper seed 11) not one digit lost."""
    found_text_share: float = 0.65
    """...and on a page that holds text (`min_page_share`) but is no page of text, when its "not a
    digit" crops and the digits found to be letters make at least this share of its crops (a
    script page whose loops read as digits more often than not: 0.28 "not a digit", 0.83 with
    them; most pages of words with numbers beside them: 0.14-0.29, 0.55-0.84), judged again by the
    rules of such a page, but without `joined_pieces_with_text`: that rule looked at the words as
    first found, and a number beside a word whose letters read as digits ("Total 808", its 8s
    crossed by a rule) is a word of pieces once its letters leave it. Heavily degraded 640x480
    worksheets, whose first pass takes many digits for letters beside specks, stay under it
    (0.44-0.58). Chosen on development pages of hard-pages seeds 41-44 (90 of letters and script,
    34 of words with numbers) and worksheets of MNIST-validation digits (16 A4 with printed text,
    seed 211; 60 mixed and 40 heavy 640x480, seeds 212, 213): digits read on the pages of letters
    and script 54 -> 42 (the most on one page 11 -> 5), phantoms on the pages with numbers
    107 -> 78, one digit of their 828 lost ("Q7", kept by `max_letters_before_number`); at 0.5
    and 0.6, 10 and 2 fewer phantoms there, but the heavy worksheets lost 19 digits at 0.5.
    A page read sharpened is left out by the reader (its first pass takes the digits blurred
    beside specks for letters, and the reader keeps those read surely): counted there, 300 mixed
    640x480 worksheets of seeds 214-215 lost 11 digits. Above 1: never."""
    letter_shaped_digits: str = "0169"
    """On a page of text, a number of one digit read as one of these, with nothing but letters
    around it (`context_radius`: no other digit kept, and a "not a digit" crop or a digit found to
    be a letter at least `letter_min_height_ratio` of its height, no speck), is a letter: the stem
    of an l or I, the loop of an o, a, e, b, d, g, p or q, which letters share with these digits.
    Digits read beside words are mostly near other numbers (on the development pages of
    `found_text_share`, 10 of 695 digits of numbers had none around them, all in numbers of two or
    three digits, or digits of other shapes). There, digits read on the 90 pages of letters and script 54 -> 42
    with "0169", 46 with "1" alone, 40 with every digit (which lost 3 digits: one beside words, two
    on the worksheets); no digit lost with "0169". Empty: never."""
    max_letters_before_number: int = 1
    """In text, a word's run of digits at its end (start) whose digits on the inner side are not
    clean (a doubtful reading, a piece cut from a wider crop) still ends (starts) in a number: its
    clean digits beyond them, when the rest of the word is at most this many letters ("Q3", "a2":
    the Q cut into two digit-shaped pieces, the a read as 9 with doubt). Pieces the reader cut from
    one crop whose boxes touch count as one letter. 0: the whole run must be clean. On the
    development pages of `found_text_share`: 16 more digits of numbers read on the 34 pages of
    words with numbers (679 -> 695 of 828), no more digits read on the pages of letters and
    script; at 2, one more digit beside words and 8 more on the worksheets, but 1 more digit read
    on the pages of letters and 11 more phantoms on the pages with numbers."""
    max_doubtful_inside_number: int = 1
    """In text, a word of digits alone (no "not a digit" crop in it) whose first and last digits
    are clean and read beyond doubt (`lone_min_confidence`, `lone_max_not_digit`, whatever the
    page) is a number with up to this many doubtful digits between them, none cut from a wider
    crop ("9 1 3" with its 1 read at 0.70, "not a digit" 0.18). MNIST digits written as numbers
    beside words are mostly read beyond doubt, one in a few numbers not; the letters of a word
    read as digits seldom start and end with two such. 0: never."""
    touch_gap: float = 0.0
    """Among letters, a digit whose box comes this close (in heights of the taller) to that of
    another digit of like height on its line, or touches or overlaps it, is joined writing, not a
    digit of a number written apart ("ll" read as 11)."""
    uneven_height_ratio: float = 1.2
    """On a page holding text (`min_page_share`), a word whose digits and letter-sized "not a digit"
    crops (`letter_min_height_ratio` of its tallest glyph, not specks) differ in height by more
    than this (tallest / shortest) is writing in letters if it holds such a crop, or if its digits
    touch or were cut from a wider crop. A number's digits are of one height, and on heavily
    degraded worksheets the "not a digit" crops glued to a number are mostly specks or a broken
    digit of its own height. These four were chosen on pages of unused seeds: 98 of words (letters,
    script and words with numbers, A4 seeds 4242, 977, 4243, 978, 979, 980-982, 600x800 seed 12)
    and 152 worksheets of validation digits (heavy 640x480 seeds 91 and 92, A4 with printed forms
    93, mixed 640x480 seed 6). Digits read where there is none: 511 -> 241 on the pages of words,
    with the same 1,124 digits of their numbers read; 310 -> 229 on the worksheets, 6,985 -> 6,981
    digits read (small heavy digits 15 and 19 px tall read as uneven)."""
    sharpened_keep_confidence: float = 0.9
    """On a page of small writing read sharpened (`runtime.reading.sharpen`: one that does not
    read as text, under `text_page_share` of its regions "not a digit"), a digit read with at
    least this confidence stays whatever the word rules say (`ReaderOptions.words`). There, the
    "not a digit" crops around the digits are mostly digits the camera blurred into blobs, and
    the rules took the words they formed with the digits read for letters. On 450 development
    pages (640x480 worksheets of MNIST validation digits, mixed capture, seeds 55-57) the rules
    dropped 420 digits of such pages that lay on a written digit, 351 of them read right: of
    those read at 0.9 or more, 243 right and 6 wrong; at 0.95, 212 and 2; at 0.5, 336 and 48.
    No page of words (640x480 and 600x800, seeds 55-57) is read sharpened. Above 1: never."""
    glued_run_min_digits: int = 2
    glued_max_gap: float = 0.12
    """Among letters (`min_letter_share`), a run of at least `glued_run_min_digits` digits at a word's
    start (end) loses the digits that stand closer than `glued_max_gap` (in heights of the taller)
    to the letter-sized "not a digit" crop after (before) them, one to the next: letters of the
    word read as digits ("Sum" read 5 4 m, "House" H 0 use, "write" wri 1 0). A number stands a
    word gap off the letters beside it, and its digits stand apart: on 24 pages of words with
    numbers of hard-pages seed 61, letters of one word stood 0.11 or closer (95%), a number's
    digits 0.12 or further apart (95%). A lone digit is left to `initial_max_gap` and
    `final_max_gap` ("Q3" stays). Chosen on pages of seeds 61 and 62 (80 of letters and script,
    48 of words with numbers) and worksheets of MNIST-validation digits (40 mixed 640x480, seed
    261; 12 A4 with printed text, seed 262; 40 with touching digits, seeds 263-264): digits read
    on the pages of letters and script 48 -> 25, phantoms on the pages with numbers 134 -> 125,
    not one digit lost; at 0.15, 2 more digits of letters dropped but 2 digits of numbers lost;
    at 0.1, 2 fewer dropped. A `glued_run_min_digits` above any word's digit count: never."""
    glued_letter_max_ratio: float = 0.95
    """...and only where that crop is shorter than the run's tallest digit by this share: a lower-case
    letter beside a capital or a stem read as digits. A mark as tall as the digits, glued to a
    number written tight, is a stray stroke or a digit read as "not a digit" beside it: an MNIST
    number written with no gap before such a mark (`tests/test_reader_words.py`, "7895" and a 2 read
    as "not a digit") was lost at 1.05 and above. At 0.9, 8 fewer letters dropped on the
    development pages of `glued_max_gap`; at any ratio, no digit of a number lost there."""
    initial_max_gap: float = 0.3
    final_max_gap: float = 0.1
    initial_min_letters: int = 2
    """In a word of uneven heights holding at least `initial_min_letters` letter-sized "not a digit"
    crops, a lone digit at its start less than `initial_max_gap` (in heights of the taller) from
    the glyph after it is the word's capital, and one at its end closer than `final_max_gap`
    to the glyph before it its last letter (a lone digit: alone, or the one tall digit of its run,
    the x-height letters read as digits before it not counted: "cool"'s l; on a page of text the
    letters read as digits count too, `letters_as_context`).
    On pages of words of unused seeds the first letters read as digits were 0.15 or closer to
    the next letter, numbers written before a word 0.56 and more; digits written after a letter
    ("Q3", 0.02 and more, up to about 0.13) follow one letter only, so that a word's last l (of
    "total", "school": 0.01-0.1 off its a or o) goes: at 0.1 rather than 0 (overlapping only),
    digits read on 160 pages of letters and script of hard-pages seeds 21-24 111 -> 97 (letters
    37 -> 24), phantoms on 36 pages of words with numbers (seeds 23-25) 99 -> 92, not one digit
    of their numbers lost. Counting words of one such crop, heavily degraded worksheets lost a
    number's first digit beside a broken second digit."""


def digits_in_words(digit_boxes: Sequence[BBox], not_digit_boxes: Sequence[BBox], options: WordOptions,
                    confidences: Sequence[float] | None = None,
                    not_digit: Sequence[float] | None = None,
                    cut: Sequence[bool] | None = None, joined: Sequence[bool] | None = None,
                    labels: Sequence[str] | None = None) -> set[int]:
    """Indices into `digit_boxes` of the digits that are letters of the text around them.

    See `_letters_in_words` for the arguments. On a page of text, the digits found to be letters
    are then counted as letters ("not a digit") and the rest judged again
    (`WordOptions.letters_as_context`, `found_text_share`); `labels` (the digits read, one per
    digit) find the letter-shaped digits among letters (`WordOptions.letter_shaped_digits`)."""
    dropped = _letters_in_words(digit_boxes, not_digit_boxes, options, confidences, not_digit, cut, joined)
    dropped |= _judged_again(dropped, digit_boxes, not_digit_boxes, options, confidences, not_digit, cut, joined)
    if labels is not None and is_text_page(len(digit_boxes), len(not_digit_boxes), options):
        dropped |= _letter_shapes_alone(dropped, digit_boxes, not_digit_boxes, labels, options)
    return dropped


def _judged_again(dropped: set[int], digit_boxes: Sequence[BBox], not_digit_boxes: Sequence[BBox],
                  options: WordOptions, confidences: Sequence[float] | None, not_digit: Sequence[float] | None,
                  cut: Sequence[bool] | None, joined: Sequence[bool] | None) -> set[int]:
    """The digits that are letters once those `dropped` by the first pass count as letters around
    them (`WordOptions.letters_as_context`, `found_text_share`)."""
    text_page = is_text_page(len(digit_boxes), len(not_digit_boxes), options)
    found_text = (holds_text(len(digit_boxes), len(not_digit_boxes), options)
                  and len(not_digit_boxes) + len(dropped)
                  >= options.found_text_share * (len(digit_boxes) + len(not_digit_boxes)))
    rest = [index for index in range(len(digit_boxes)) if index not in dropped]
    if not (dropped and rest and options.letters_as_context and (text_page or found_text)):
        return set()

    def kept(values):
        return None if values is None else [values[index] for index in rest]

    found = [digit_boxes[index] for index in sorted(dropped)]
    if cut is not None:
        found = _whole_letters(found, [bool(cut[index]) for index in sorted(dropped)], options)
    if not text_page:  # the page keeps its own rules, and its pieces were judged in their first words
        options, joined = replace(options, text_page_share=math.inf), None
    again = _letters_in_words(kept(digit_boxes), list(not_digit_boxes) + found, options, kept(confidences),
                              kept(not_digit), kept(cut), kept(joined))
    return {rest[index] for index in again}


def _letter_shapes_alone(dropped: set[int], digit_boxes: Sequence[BBox], not_digit_boxes: Sequence[BBox],
                         labels: Sequence[str], options: WordOptions) -> set[int]:
    """On a page of text, the digits read as one of `WordOptions.letter_shaped_digits` that stand as
    a number of one digit with nothing but letters around them (the "not a digit" crops and the
    digits `dropped` as letters)."""
    rest = [index for index in range(len(digit_boxes)) if index not in dropped]
    if not rest or not options.letter_shaped_digits:
        return set()
    boxes = np.asarray([digit_boxes[index] for index in rest] + list(not_digit_boxes)
                       + [digit_boxes[index] for index in sorted(dropped)], np.float64).reshape(-1, 4)
    is_digit = np.arange(len(boxes)) < len(rest)
    boxes, word = _words(boxes, options)
    alone = set()
    for position, index in enumerate(rest):
        if labels[index] not in options.letter_shaped_digits:
            continue
        members = word == word[position]
        near = _context(members, boxes, options)
        letters = near & ~is_digit & (boxes[:, 3] >= options.letter_min_height_ratio * boxes[position, 3])
        if (members & is_digit).sum() == 1 and letters.any() and not (near & is_digit).any():
            alone.add(index)
    return alone


def _words(boxes: np.ndarray, options: WordOptions) -> tuple[np.ndarray, np.ndarray]:
    """The boxes as the words run, and a word label per glyph. Words run along rows, or down columns
    on a page of words the reader turned a quarter (the orientation vote can prefer letters
    sideways): whichever links more glyphs. Linking both would chain a number to the words on the
    lines above and below it. The boxes come back with x and y swapped where words run down columns."""
    along_rows = _neighbours(boxes, options)
    down_columns = _neighbours(boxes[:, [1, 0, 3, 2]], options)
    if down_columns.sum() > along_rows.sum():
        boxes, along_rows = boxes[:, [1, 0, 3, 2]], down_columns
    return boxes, _components(len(boxes), np.argwhere(along_rows))


def _letters_in_words(digit_boxes: Sequence[BBox], not_digit_boxes: Sequence[BBox], options: WordOptions,
                      confidences: Sequence[float] | None = None,
                      not_digit: Sequence[float] | None = None,
                      cut: Sequence[bool] | None = None, joined: Sequence[bool] | None = None) -> set[int]:
    """Indices into `digit_boxes` of the digits that are letters of the text around them, in one pass.

    Boxes are (x, y, w, h) in one page's pixels. `confidences` and `not_digit` (one per digit:
    the digit's probability and the "not a digit" probability) and `cut` (whether the reader cut
    the digit from a wider crop) tell a clean number from digit-shaped letters; without them
    every digit counts as read cleanly and whole. `joined` (whether it was cut off a handwritten
    bar, `DigitCandidate.cut_off_a_bar`) counts on a page of text, and on a page holding text for
    words of several such pieces (`joined_pieces_with_text`). A word is a connected group of
    glyphs (digits and not-a-digit crops) linked pairwise by `_neighbours`.
    """
    if not digit_boxes or not not_digit_boxes:
        return set()
    boxes = np.asarray(list(digit_boxes) + list(not_digit_boxes), np.float64).reshape(-1, 4)
    count = len(digit_boxes)
    is_digit = np.arange(len(boxes)) < count
    clean = is_digit.copy()
    sure = is_digit.copy()  # clean enough to stand alone in text as a number of one digit, on a page of text
    apart = np.ones(len(boxes), bool)  # written apart: neither cut from a wider crop nor touching
    if confidences is not None:
        clean[:count] &= np.asarray(confidences, np.float64) >= options.number_min_confidence
        sure[:count] &= np.asarray(confidences, np.float64) >= options.lone_min_confidence
    if not_digit is not None:
        clean[:count] &= np.asarray(not_digit, np.float64) < options.number_max_not_digit
        sure[:count] &= np.asarray(not_digit, np.float64) < options.lone_max_not_digit
    pieces = np.zeros(len(boxes), bool)  # cut by the reader from a wider crop
    if cut is not None:
        pieces[:count] = cut
    certain = clean & sure  # beyond doubt on any page (`max_doubtful_inside_number`)
    apart &= ~pieces
    boxes, word = _words(boxes, options)
    mates = _line_mates(boxes, options)[0]
    apart &= ~_touching(boxes, is_digit, options)
    page_has_text = holds_text(count, len(boxes) - count, options)
    dropped: set[int] = set()
    text_page = is_text_page(count, len(boxes) - count, options)
    if text_page:  # a page of text: numbers in it need more
        options = replace(options, number_min_letter_ratio=options.text_min_letter_ratio)
        if joined is not None and options.joined_in_text:
            dropped.update(_cut_off_strokes(np.asarray(joined, bool), word, is_digit))
    else:
        sure = is_digit
        if joined is not None and page_has_text and options.joined_pieces_with_text <= count:
            dropped.update(_cut_off_strokes(np.asarray(joined, bool), word, is_digit, options.joined_pieces_with_text))
    for label in np.unique(word):
        members = word == label
        if not is_digit[members].any():
            continue
        uneven, letter_count = _letter_heights(members, boxes, is_digit, options)
        # Uneven heights with a letter or joined strokes, or a letter beside joined strokes ("name"
        # read n, 0, 1 7, 8, its m cut in two, among lines whose letters read as digits: 8
        # phantoms fewer on 24 development pages of words with numbers, seed 164, none lost):
        # letters, whatever share reads as digits.
        joined_strokes = not apart[members & is_digit].all()
        written = (uneven and (letter_count > 0 or joined_strokes)) or (letter_count > 0 and joined_strokes)
        letters = 1.0 - is_digit[members].mean() >= options.min_not_digit_share
        near = _context(members, boxes, options)
        if options.lone_apart_in_text and text_page and members.sum() == 1 and not near.any():
            if not sure[members].all():  # nothing around it to tell a number: only the model's certainty
                dropped.update(int(i) for i in np.flatnonzero(members))
            continue
        if options.lone_apart_in_text and text_page and not near.any() and not letters:
            digits = members & is_digit  # a word of digits alone: only the model's word tells
            if not clean[digits].all():
                dropped.update(int(i) for i in np.flatnonzero(digits))
            continue
        if not letters and not (page_has_text and (written or _in_text(near, is_digit, options))):
            continue
        kept = _numbers_in_text(members, near, boxes, is_digit, clean, sure, apart, options,
                                page_has_text and uneven and letter_count >= options.initial_min_letters, mates,
                                pieces, certain)
        dropped.update(int(i) for i in np.flatnonzero(members & is_digit) if i not in kept)
    return dropped


def holds_text(digits: int, not_digits: int, options: WordOptions) -> bool:
    """Whether a page whose crops read as `digits` digits and `not_digits` "not a digit" holds text
    (`WordOptions.min_page_share`)."""
    return digits + not_digits > 0 and 1.0 - digits / (digits + not_digits) >= options.min_page_share


def without_frames(not_digit_boxes: Sequence[BBox], digit_boxes: Sequence[BBox]) -> list[BBox]:
    """The "not a digit" boxes less those that hold a digit's box whole: a box printed around
    one digit (a form's cell, left standing where its sides were too short to erase), read as
    "not a digit", is a frame, not a letter. Taken for a letter, it made the digit inside it a
    word of one letter and one digit, and the digit was dropped (a 6 read at 0.996)."""
    if not not_digit_boxes or not digit_boxes:
        return list(not_digit_boxes)
    frames = np.asarray(not_digit_boxes, np.float64).reshape(-1, 1, 4)
    digits = np.asarray(digit_boxes, np.float64).reshape(1, -1, 4)
    holds = ((frames[..., 0] <= digits[..., 0]) & (frames[..., 1] <= digits[..., 1])
             & (frames[..., 0] + frames[..., 2] >= digits[..., 0] + digits[..., 2])
             & (frames[..., 1] + frames[..., 3] >= digits[..., 1] + digits[..., 3]))
    return [box for box, frame in zip(not_digit_boxes, holds.any(axis=1)) if not frame]


def is_text_page(digits: int, not_digits: int, options: WordOptions) -> bool:
    """Whether a page whose crops read as `digits` digits and `not_digits` "not a digit" is a page
    of text (`WordOptions.text_page_share`)."""
    return digits + not_digits > 0 and 1.0 - digits / (digits + not_digits) >= options.text_page_share


def _cut_off_strokes(joined: np.ndarray, word: np.ndarray, is_digit: np.ndarray, least: int = 1) -> list[int]:
    """The digits `joined` to an erased handwritten stroke whose word holds no digit written whole
    and at least `least` such pieces: a 7 whose bar was erased beside the 8 and 2 of "872" stays;
    pieces of script hanging from one headline ("66"), or alone, go."""
    count = joined.size
    whole = is_digit.copy()
    whole[:count] &= ~joined
    pieces = np.zeros(is_digit.size, bool)
    pieces[:count] = joined
    return [i for i in np.flatnonzero(joined).tolist()
            if not whole[word == word[i]].any() and pieces[word == word[i]].sum() >= least]


def _letter_heights(members: np.ndarray, boxes: np.ndarray, is_digit: np.ndarray,
                    options: WordOptions) -> tuple[bool, int]:
    """Whether the word `members` has glyphs of uneven height, counting its digits and its
    letter-sized "not a digit" crops but no specks (`WordOptions.uneven_height_ratio`), and how
    many such crops it holds."""
    sized = members & (is_digit | (boxes[:, 3] >= options.letter_min_height_ratio * boxes[members, 3].max()))
    heights = boxes[sized, 3]
    return bool(heights.max() > options.uneven_height_ratio * heights.min()), int((sized & ~is_digit).sum())


def _numbers_in_text(members: np.ndarray, near: np.ndarray, boxes: np.ndarray, is_digit: np.ndarray,
                     clean: np.ndarray, sure: np.ndarray, apart: np.ndarray, options: WordOptions,
                     word_of_letters: bool = False, mates: np.ndarray | None = None,
                     pieces: np.ndarray | None = None, certain: np.ndarray | None = None) -> set[int]:
    """The digits of the word `members` in text that stand as numbers (`_numbers_in_word`; `pieces`:
    per glyph, whether the reader cut it from a wider crop); among
    letters of its own size (not the specks of a noisy page of small digits), only numbers written
    apart, on their line (`mates`: `_line_mates`) and as tall as the letters around them
    (`WordOptions.min_letter_share`)."""
    indices = np.flatnonzero(members)
    letters = near & ~is_digit & (boxes[:, 3] >= options.letter_min_height_ratio * boxes[members, 3].max())
    if not letters.any() or letters.sum() < options.min_letter_share * near.sum():
        return _numbers_in_word(indices, boxes, is_digit, clean, sure, options, word_of_letters=word_of_letters,
                                pieces=pieces, certain=certain)
    if mates is not None:
        clean = clean & ~_off_the_line(members, near, boxes, mates, options)
    return _numbers_in_word(indices, boxes, is_digit, clean & apart, sure, options,
                            float(np.median(boxes[letters, 3])), word_of_letters, pieces, certain)


def _off_the_line(members: np.ndarray, near: np.ndarray, boxes: np.ndarray, mates: np.ndarray,
                  options: WordOptions) -> np.ndarray:
    """Per glyph: whether it is one of the word `members` whose foot lies off the baseline of the
    glyphs around it on its line (`WordOptions.baseline_max_offset`)."""
    line = near & mates[members].any(axis=0)
    if line.sum() < options.baseline_min_glyphs:
        return np.zeros(len(boxes), bool)
    feet = boxes[:, 1] + boxes[:, 3]
    return members & (np.abs(feet - np.median(feet[line])) > options.baseline_max_offset * boxes[:, 3])


def _context(members: np.ndarray, boxes: np.ndarray, options: WordOptions) -> np.ndarray:
    """The glyphs around the word `members` (`WordOptions.context_radius`), not its own."""
    left, top = boxes[members, 0].min(), boxes[members, 1].min()
    right, bottom = (boxes[members, 0] + boxes[members, 2]).max(), (boxes[members, 1] + boxes[members, 3]).max()
    reach = options.context_radius * boxes[members, 3].max()
    centre_x, centre_y = boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2
    return ((centre_x >= left - reach) & (centre_x <= right + reach) & (centre_y >= top - reach)
            & (centre_y <= bottom + reach) & ~members)


def _in_text(near: np.ndarray, is_digit: np.ndarray, options: WordOptions) -> bool:
    """Whether enough of the glyphs around a word (`near`: its `_context`) are "not a digit"."""
    letters = int((near & ~is_digit).sum())
    return letters > 0 and letters >= options.min_context_share * int(near.sum())


def _numbers_in_word(members: np.ndarray, boxes: np.ndarray, is_digit: np.ndarray, clean: np.ndarray,
                     sure: np.ndarray, options: WordOptions, letter_height: float = 0.0,
                     word_of_letters: bool = False, pieces: np.ndarray | None = None,
                     certain: np.ndarray | None = None) -> set[int]:
    """The glyphs of a word in text that form clean numbers: runs of digits at its ends, as tall as
    `letter_height` (the median "not a digit" crop around the word) or taller. In a
    `word_of_letters` (`WordOptions.initial_min_letters`), a lone digit glued to its letters is none.
    A run's digits that are not clean on its inner side are letters where the rest of the word is a
    letter or so (`WordOptions.max_letters_before_number`; `pieces`: cut from a wider crop). In a
    word of digits alone, doubtful digits between two `certain` ones are clean
    (`WordOptions.max_doubtful_inside_number`)."""
    ordered = members[np.argsort(boxes[members, 0] + boxes[members, 2] / 2)]
    height = boxes[:, 3]
    letters = ordered[~is_digit[ordered]]
    tallest_letter = float(height[letters].max()) if letters.size else 0.0
    numbers: set[int] = set()
    breaks = np.flatnonzero(~is_digit[ordered])
    runs = np.split(ordered, breaks)
    # Digits with letters on both sides within one word are letters of it ("a1b" is no number);
    # a number stands at a word's start or end ("Q3", or a number written close to a word).
    for at_start, run in ((True, runs[0]), (False, runs[-1])) if len(runs) > 1 else ((False, runs[0]),):
        run = run[is_digit[run]]
        if run.size == 0:
            continue
        # A digit-shaped x-height letter next to a number (the o of "to 58") is not part of it;
        # a digit written wide and short is, by the larger side of its box (as below).
        size = np.maximum(height[run], boxes[run, 2])
        tall = ((height[run] * options.number_max_height_ratio >= height[run].max())
                | (size * options.number_max_height_ratio >= size.max()))
        run = run[int(np.argmax(tall)) : run.size - int(np.argmax(tall[::-1]))]
        if letters.size == 0 and _doubt_inside(run, clean, certain, pieces, options):
            clean = clean.copy()
            clean[run] = True
        if options.max_letters_before_number > 0 and not clean[run].all():
            run = _clean_outer_end(run, clean, at_start)
            rest = np.setdiff1d(ordered, run)
            if run.size == 0 or _letter_count(boxes, rest, pieces) > options.max_letters_before_number:
                continue
        if word_of_letters and run.size == 1 and _glued(boxes, int(run[0]), ordered, at_start, options):
            continue
        if letter_height > 0 and len(runs) > 1 and options.glued_run_min_digits <= run.size:
            run = _unglued(boxes, run, ordered, is_digit, at_start, options)
            if run.size == 0:
                continue
        if run.size == 1 and not sure[run].all():
            continue
        size = np.maximum(height[run], boxes[run, 2])  # MNIST-style: the larger side
        if (clean[run].all() and (height[run].max() <= options.number_max_height_ratio * height[run].min()
                                  or size.max() <= options.number_max_height_ratio * size.min())
                and np.median(height[run]) >= options.number_min_letter_ratio * tallest_letter
                and np.median(height[run]) >= options.number_min_context_ratio * letter_height):
            numbers.update(int(i) for i in run)
    return numbers


def _doubt_inside(run: np.ndarray, clean: np.ndarray, certain: np.ndarray | None, pieces: np.ndarray | None,
                  options: WordOptions) -> bool:
    """Whether the digits `run` (left to right) make a number whose first and last digits are clean
    and `certain`, with at most `WordOptions.max_doubtful_inside_number` doubtful digits between
    them, none cut from a wider crop (`pieces`)."""
    if certain is None or run.size < 3 or clean[run].all():
        return False
    ends, inner = run[[0, -1]], run[1:-1]
    return bool(clean[ends].all() and certain[ends].all()
                and (~clean[inner]).sum() <= options.max_doubtful_inside_number
                and (pieces is None or not pieces[inner].any()))


def _clean_outer_end(run: np.ndarray, clean: np.ndarray, at_start: bool) -> np.ndarray:
    """The clean digits of `run` (left to right) at its outer end: its start for the run that starts
    a word, its end otherwise (none where the outermost digit is not clean)."""
    outer = run if at_start else run[::-1]
    count = int(np.argmin(clean[outer])) if not clean[outer].all() else outer.size
    return outer[:count] if at_start else outer[:count][::-1]


def _letter_count(boxes: np.ndarray, glyphs: np.ndarray, pieces: np.ndarray | None) -> int:
    """How many letters the `glyphs` of one word make: neighbours that the reader cut from one wider
    crop (`pieces`) and whose boxes touch or overlap are one ("Q" read as 1 and 2)."""
    if glyphs.size == 0 or pieces is None:
        return glyphs.size
    ordered = glyphs[np.argsort(boxes[glyphs, 0])]
    reach = np.maximum.accumulate(boxes[ordered, 0] + boxes[ordered, 2])
    joined = (boxes[ordered[1:], 0] <= reach[:-1]) & pieces[ordered[1:]] & pieces[ordered[:-1]]
    return glyphs.size - int(joined.sum())


def _whole_letters(boxes: Sequence[BBox], cut: Sequence[bool], options: WordOptions) -> list[BBox]:
    """`boxes` of letters, the pieces the reader cut from one crop (`cut`) whose boxes touch on one
    line joined into one box again: an "a" cut into two digit-shaped pieces is one letter beside
    the number after it, not two (`WordOptions.initial_min_letters`)."""
    array = np.asarray(boxes, np.float64).reshape(-1, 4)
    is_piece = np.asarray(cut, bool)
    mates, gap = _line_mates(array, options)
    touching = mates & (gap <= 0) & is_piece[:, None] & is_piece[None, :]
    label = _components(len(array), np.argwhere(np.triu(touching, k=1)))
    wholes = []
    for value in np.unique(label):
        group = array[label == value]
        left, top = group[:, 0].min(), group[:, 1].min()
        wholes.append((float(left), float(top), float((group[:, 0] + group[:, 2]).max() - left),
                       float((group[:, 1] + group[:, 3]).max() - top)))
    return wholes


def _unglued(boxes: np.ndarray, run: np.ndarray, ordered: np.ndarray, is_digit: np.ndarray,
             at_start: bool, options: WordOptions) -> np.ndarray:
    """The digits `run` (left to right) at the start (end) of the word `ordered` less those glued to
    the letter after (before) them, one to the next, as a word's letters stand
    (`WordOptions.glued_run_min_digits`): a number stands a word gap off the letters beside it."""
    inner = run[::-1] if at_start else run
    pos = int(np.flatnonzero(ordered == inner[0])[0]) + (1 if at_start else -1)
    if not 0 <= pos < ordered.size:
        return run
    letter = int(ordered[pos])
    tallest = boxes[run, 3].max()
    letter_sized = options.letter_min_height_ratio * tallest <= boxes[letter, 3]
    if is_digit[letter] or not letter_sized or boxes[letter, 3] > options.glued_letter_max_ratio * tallest:
        return run
    glued = 0
    for digit in inner:
        left, right = (digit, letter) if at_start else (letter, digit)
        gap = boxes[right, 0] - boxes[left, 0] - boxes[left, 2]
        if gap >= options.glued_max_gap * max(boxes[digit, 3], boxes[letter, 3]):
            break
        glued += 1
        letter = int(digit)
    return run[: run.size - glued] if at_start else run[glued:]


def _glued(boxes: np.ndarray, digit: int, ordered: np.ndarray, at_start: bool, options: WordOptions) -> bool:
    """Whether a lone digit at the start (end) of the word `ordered` (left to right) stands as close
    to the glyph after (before) it as a word's first (last) letter does (`WordOptions.initial_max_gap`):
    a letter, or an x-height letter read as a digit ("l" after the o of "cool" read as 0)."""
    pos = int(np.flatnonzero(ordered == digit)[0])
    if at_start:
        if pos + 1 >= ordered.size:
            return False
        letter = int(ordered[pos + 1])
        gap = boxes[letter, 0] - boxes[digit, 0] - boxes[digit, 2]
    else:
        if pos == 0:
            return False
        letter = int(ordered[pos - 1])
        gap = boxes[digit, 0] - boxes[letter, 0] - boxes[letter, 2]
    limit = options.initial_max_gap if at_start else options.final_max_gap
    return bool(gap < limit * max(boxes[digit, 3], boxes[letter, 3]))


def _neighbours(boxes: np.ndarray, options: WordOptions) -> np.ndarray:
    """(N, N) upper-triangular: glyphs i < j on one line, of like height, closer than a word gap."""
    line_mates, gap = _line_mates(boxes, options)
    near = line_mates & (gap < options.gap_factor)
    np.fill_diagonal(near, False)
    near[_bridges(boxes, near)] = False
    return np.triu(near & near.T, k=1)


def _bridges(boxes: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Per glyph: whether it has neighbours (`near`) on two lines, one wholly above the other: a
    region that ran across two lines (a g's tail joined to the digit under it, 186 px tall beside
    digits 97 tall) chained both lines into one word, whose uneven heights then made letters of
    the numbers on both."""
    top, bottom = boxes[:, 1], boxes[:, 1] + boxes[:, 3]
    highest_bottom = np.where(near, bottom[None, :], np.inf).min(axis=1)
    lowest_top = np.where(near, top[None, :], -np.inf).max(axis=1)
    return highest_bottom <= lowest_top


def _touching(boxes: np.ndarray, is_digit: np.ndarray, options: WordOptions) -> np.ndarray:
    """Per glyph: whether it is a digit whose box touches or overlaps that of another digit of like
    height on its line. (A digit glued to a letter, the 3 of "Q3", may still be a number.)"""
    line_mates, gap = _line_mates(boxes, options)
    np.fill_diagonal(line_mates, False)
    return (line_mates & (gap <= options.touch_gap) & is_digit[None, :]).any(axis=1) & is_digit


def _line_mates(boxes: np.ndarray, options: WordOptions) -> tuple[np.ndarray, np.ndarray]:
    """(N, N) each: glyphs on one line and of like height; the gap between them along the line,
    in heights of the taller (negative where the boxes overlap)."""
    left, top, width, height = boxes.T
    right, bottom, middle = left + width, top + height, top + height / 2
    taller = np.maximum(height[:, None], height[None, :])
    shorter = np.minimum(height[:, None], height[None, :])
    # The shorter glyph's middle lies within the taller one's rows: the two share a line.
    i_taller = height[:, None] >= height[None, :]
    small_middle = np.where(i_taller, middle[None, :], middle[:, None])
    big_top = np.where(i_taller, top[:, None], top[None, :])
    big_bottom = np.where(i_taller, bottom[:, None], bottom[None, :])
    one_line = (small_middle >= big_top) & (small_middle <= big_bottom)
    gap = np.maximum(left[:, None], left[None, :]) - np.minimum(right[:, None], right[None, :])
    return one_line & (shorter >= options.min_height_ratio * taller), gap / taller


def _components(count: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label per node of an undirected graph given as (i, j) pairs."""
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        parent[root(int(i))] = root(int(j))
    return np.array([root(node) for node in range(count)])
