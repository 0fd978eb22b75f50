"""Read a page or a frame: segmentation, orientation, classification and grouping together.

`PageReader` is what the scanner, the camera and the benchmarks call. It owns no model-specific
knowledge: it takes any object with the `Classifier.predict` interface, so it is tested with the
real classifier and could run with another.

Usage:
    reader = PageReader(Classifier.load())
    result = reader.read(cv2.imread("sheet.jpg"))
    print(result.text)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import cv2
import numpy as np

from runtime.classifier import Predictions
from runtime.images import to_gray
from runtime.normalize import normalize_batch
from runtime.reading.cells import CellWalls
from runtime.reading.evidence import BLURRED_BLOB_MIN_CONFIDENCE
from runtime.reading.glyph import single_glyph
from runtime.reading.grain import drop_grain
from runtime.reading.grid_tilt import grid_tilt_deg
from runtime.reading.grouping import GroupingOptions, group_lines
from runtime.reading.ink import ink_map
from runtime.reading.joined import interlocked_pairs, joined, reads_better_joined
from runtime.reading.lit_edge import ends_where_the_light_does
from runtime.reading.memo import CropMemo
from runtime.reading.motion_blur import motion_streak, sure_lines, unblurred
from runtime.reading.orientation import (
    MIN_VOTES_TO_TURN,
    TurnReadings,
    compose,
    count_votes,
    is_clearly_upright,
    is_upside_down,
    level_page,
    map_boxes_back,
    quarter_turn_matrix,
    read_turn_over,
    read_turns,
    typical_height,
    upside_down_votes,
    voting_order,
)
from runtime.reading.polarity import AUTO, check_polarity
from runtime.reading.polarity_names import LIGHT_ON_DARK
from runtime.reading.scale import WorkingInk, shrink_by, working_ink
from runtime.reading.segment import DigitCandidate, SegmentOptions, find_digits_in, look_at
from runtime.reading.sharpen import is_small_writing, sharpen_blurred
from runtime.reading.sheet import Sheet, find_sheet
from runtime.reading.stray import stray_ones
from runtime.reading.strokes import widen_thin_strokes
from runtime.reading.tilt import MIN_TILT_DEG, estimate_tilt_deg, tilt_and_consensus
from runtime.reading.touching import (
    SEAM_DOUBTED_WHOLE,
    WHOLE_AS_DIGIT,
    choose_reading,
    cuts_of_regions,
    shaped_as_a_pair,
    typical_width,
    whole_beats_any_cut,
    wide_for_page,
)
from runtime.reading.words import WordOptions, digits_in_words, holds_text, without_frames
from runtime.results import Digit, PageResult
from runtime.spec import LABELS

MIN_DIGITS_TO_TURN = 3
"""With fewer digits the page is read as given: one or two digits cannot tell which way is up
(a 6 turned over is a 9) and odd shapes would turn a frame on a whim."""

SIDEWAYS_MIN_SHARE = 0.75
"""A page read sideways must show at least this share of the digits it shows as given, in the
vote's sample and in all its candidates (the sample holds at most 48). Turned the right way,
pages of digits stored sideways showed 0.76 to 1.2 times as many candidates (the real photos
0.94 to 1.17); turned to the wrong axis, pages stored upside down showed 0.72 to 0.87 (one was
turned sideways and lost 295 of its digits), pages of bold letters 0.57 and 0.58 (letters
stacked sideways merge into fewer pieces, which read as confident digits: 36 on one page)."""

NOT_DIGIT_THRESHOLD = 0.5
"""Chosen on synthetic pages (see docs/results/reading.md: not a digit), never on the real photos or MNIST test."""

DIGITS_UPRIGHT_CONFIDENCE = 0.9
DIGITS_UPRIGHT_SHARE = 0.5
"""A page stays as it is when the crops read as digits as it stands (not "not a digit") read with
this mean confidence (geometric) and at least this share more of them read better upright than
sideways (`_Page._words_with_upright_digits`): on three words-with-numbers pages such crops voted
upright by 6 of 12 to 25 of 37 at 0.92 to 0.99, where all crops, letters too, turned two of them."""

MOVED_MAX_GROWTH = 2.0
MOVED_MIN_EXTRA = 10
"""A levelled or quarter-turned page with more than twice the candidates it had as given (and 10
more) is read as given: its long straight lines (ruled paper), no longer level, were no longer
found as lines and fell apart into digit-sized strokes. On 82 pages levelled by the reader
(worksheets, small and turned pages, words with numbers, the real photos) levelling changed the
count by 0.0 to 1.24 times, and pages of digits turned the right way showed 0.76 to 1.2 times as
many (`SIDEWAYS_MIN_SHARE`); a ruled page of script whose rules took most of its strokes went
from 6 candidates to over 300 when levelled by a chance 19 degrees, and read 309 digits, and a
ruled page of words in letters (hard pages, seed 13), turned sideways by the vote, went from 129
to 890 and read 848 digits, its rules cut into strokes read as 1."""

GRID_AGREEMENT_DEG = 2.0
"""A grid's tilt (`grid_tilt_deg`) stands over the candidates' where they measure it more than this
otherwise (a squared page turned 12 degrees measured 19 on its candidates). Within it the
candidates' stands, as before, unless levelling by it was undone (`_grew`): the candidates' is a
whole degree where their lines agree with it, and a photo's perspective turns the grid's lines
by a degree or so across the page (a form page turned 5 degrees, its grid measured at 4.2 and
its candidates at 6, read 245 digits right and 14 false levelled by 6, 241 and 22 by 4.2, as
upright: 241 and 23)."""

MIN_TILT_LEFT_DEG = 1.0
"""A page turned a quarter is levelled again only where the tilt left upright is at least this:
where the lines' consensus decides the tilt it is a fraction of a degree (`tilt.estimate_tilt_deg`),
and a fraction left over is within what grouping tolerates, not worth a second levelling and
segmentation (before, any tilt left but none was levelled again; the turned benchmark set reads
the same either way)."""

ORIENTATION_SAMPLE = 48
"""At most this many crops (the largest) vote on the page orientation: enough to be sure, cheap."""

TURNED_TEXT_SHARE = 0.1
TURN_MIN_TEXT_DROP = 4.0
"""A turned page of which at least `TURNED_TEXT_SHARE` of the crops still read "not a digit" is
text, on which the orientation vote means little (letters read poorly in every turn, and some
read as confident digits sideways or upside down): it is turned only if the turn cut that share
by `TURN_MIN_TEXT_DROP` times or more. Pages of digits turned the right way keep 0.00-0.06 of
their crops "not a digit" (real photos stored sideways: 0.54-1.00 as given); pages of words of
an unused seed, turned by the vote, 0.26-0.42 (0.40-0.67 as given)."""

TURN_MAX_DOUBT_SHARE = 0.75
TURN_MIN_DIGIT_CROPS = 8
TURNED_MIN_DIGITS = 12
TURNED_MIN_DIGIT_SHARE = 0.4
"""A page turned by the vote (or on trial turned over) that still reads as text by its share of
crops "not a digit" (`TURNED_TEXT_SHARE`, `TURN_MIN_TEXT_DROP`) is turned all the same where it
reads as numbers turned (`PageReader._turned_reads_numbers`): its crops read as digits
(`TURN_MIN_DIGIT_CROPS` or more, each way) read with at most `TURN_MAX_DOUBT_SHARE` of the doubt
turned that they read with as given (`_doubt_cut`; doubt: one less their geometric mean
confidence), and, turned, it reads at least `TURNED_MIN_DIGITS` digits, `TURNED_MIN_DIGIT_SHARE`
of its candidates, once the word rules have dropped letters. Digits upside down or sideways
that still read as digits read doubtfully, upright surely; letters read as digits mostly read
alike either way. Heavy 640x480 photos of numbers stored turned (development seeds 232, 243,
252, 257) read 0.65 to 0.86 of their crops "not a digit" as given and 0.19 to 0.28 turned (cut
2.6 to 3.8 times; pages of letters and script cut theirs by up to 2.8), and read no digit as
given; turned, their doubt was 0.35 to 0.68 of that as given, and they read 42 to 59 digits,
0.60 to 0.85 of their candidates. Of 46 pages of letters and script (hard pages, seeds 21, 2
at 600x800, 3 at 640x480) that the vote turned and the text share turned back, 7 of script
doubted 0.36 to 0.68 as much turned, but read 0 to 5 digits so; 3 small ones turned read 30 to
71 digits, 0.42 to 0.63 of their candidates, but doubted 0.88 to 1.09 as much; the rest 0.78 to
2.1 (docs/results/reading.md: Heavy small photos of numbers stored turned that still read as text)."""

MOTION_BLUR_MIN_YIELD = 0.5
"""A page whose reading keeps at least this share of its crops as digits is not looked at for
camera shake. Photographed worksheets (seed 312) kept 0.92 to 1.0 plain and with short streaks;
the three that long streaks spoiled kept 0.10, 0.14 and 0.10 (README: How it reads a page)."""


class _Yield(NamedTuple):
    """How a page read: its crops (as given) and the share of them the model called "not a digit"."""

    candidates: int
    doubt: float


FIRST_VOTE_SAMPLE = 16
"""The first vote reads only this many of them sideways: a page upright beyond doubt on its
largest crops is read as given; any other gets the vote of `ORIENTATION_SAMPLE` crops."""


@dataclass
class ReaderOptions:
    """What the reader does beyond finding and classifying digits."""

    min_confidence: float = 0.0  # digits read with less confidence are written as "?"
    # A crop the model calls "not a digit" with at least this probability is dropped (a model
    # with that 11th output only; a 10-output model never drops). 1.0 or more keeps every crop.
    not_digit_threshold: float = NOT_DIGIT_THRESHOLD
    detect_orientation: bool = True  # try all four quarter-turns (scans stored sideways)
    deskew: bool = True  # level tilted lines before reading
    polarity: str = AUTO  # auto, dark-on-light (pen on paper) or light-on-dark (chalk, screens, MNIST)
    # Segment a big page of big digits on a smaller copy (runtime.reading.scale), crops and
    # boxes still from the picture's own pixels: about half the time on such pages. A page
    # whose texture measures otherwise at half size than shrunk (a desk's grain) is read at
    # full size. False reads every page at full size.
    scale_to_digits: bool = True
    # Widen hair-thin pen strokes to MNIST's width before classifying (runtime.reading.strokes).
    # Off by default: it reads big thin-pen digits better, but on the no-digit pages it read one
    # more digit from a word's letters (39 -> 40), and it changed no real photo (docs/results/reading.md:
    # thin pens and touching digits).
    widen_thin_strokes: bool = False
    # Cut a region far wider than the page's typical digit, when the model doubts it whole
    # (runtime.reading.touching). Off by default: it read a touching "44" on a real photo and
    # more touching pairs on generated pages, but one more digit from a script glyph on the
    # no-digit pages (39 -> 40) and cut two clean-page digits apart (docs/results/reading.md, as above).
    touching_width_prior: bool = False
    # On a page of small digits (a 640x480 photo), sharpen the small crops the camera blurred
    # before classifying (runtime.reading.sharpen). False reads every crop as it was cut.
    sharpen_small_digits: bool = True
    # Read only the sheet of a photo of it lying on a desk or a floor (runtime.reading.sheet):
    # the surface around it is texture, which made a tiled floor's photos read nothing.
    find_sheet: bool = True
    # Drop digits read from a desk's grain where the picture is read whole (runtime.reading.grain):
    # weak dark streaks on a ground far darker than paper gave phantom 1s.
    drop_grain: bool = True
    # Read a page the model mostly doubts again with a shaken camera's streak undone, where the
    # page measures one (runtime.reading.motion_blur); taken only where it reads more digits
    # with less doubt, its doubtful digits dropped. On 60 shaken development pages 1,084 more
    # digits right and 8 fewer false (docs/results/reading.md). False reads every page as given.
    undo_motion_blur: bool = True
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    grouping: GroupingOptions = field(default_factory=GroupingOptions)
    # Digits in text ("not a digit" crops in their word or around it) are letters unless they
    # stand out as a number (with that 11th output only).
    words: WordOptions = field(default_factory=WordOptions)


class PageReader:
    """Reads the digits on page images with one classifier, built once by the caller."""

    def __init__(self, classifier, options: ReaderOptions | None = None):
        self.classifier = classifier
        self.options = options or ReaderOptions()
        check_polarity(self.options.polarity)

    def read(self, image: np.ndarray, timings: dict | None = None) -> PageResult:
        """Read `image` (H x W grey or H x W x 3 BGR, uint8).

        `timings`, if given, accumulates seconds per stage under "segment", "orientation",
        "classify" and "group".
        """
        gray = to_gray(image)
        result, found = self._read(gray, timings)
        # A page that reads digits from under half its crops may be a shaken photo: every stroke
        # smeared the same way, the model calling the smears "not a digit" (runtime.reading.motion_blur).
        # Read through the streak undone, it is taken only where it reads more digits with less doubt.
        if not self.options.undo_motion_blur or len(result.digits) >= MOTION_BLUR_MIN_YIELD * found.candidates:
            return result
        # Measured on the sheet alone where one is found: a desk's grain or a floor's tiles
        # around it have streaks of their own.
        sheet = self._sheet(gray)
        streak = motion_streak(gray if sheet is None else sheet.cut(gray))
        if streak is None:
            return result
        again, found_again = self._read(unblurred(gray, streak), timings)
        again.lines = sure_lines(again.lines)
        if len(again.digits) > len(result.digits) and found_again.doubt < found.doubt:
            return again
        return result

    def _sheet(self, gray: np.ndarray) -> Sheet | None:
        """The sheet of paper to read alone in photo `gray`, or None where the picture is read whole."""
        # A sheet is bright paper: light writing on a dark ground has none to find.
        if not self.options.find_sheet or self.options.polarity == LIGHT_ON_DARK:
            return None
        sheet = find_sheet(gray)
        if sheet is not None and ends_where_the_light_does(gray, sheet.left, sheet.top, sheet.mask):
            return None  # the lit part of a sheet under uneven light: the whole picture is read
        return sheet

    def _read(self, gray: np.ndarray, timings: dict | None) -> tuple[PageResult, _Yield]:
        """The reading of page `gray`, with its crops and their doubt as given."""
        clock = _Clock(timings)
        glyph = single_glyph(gray, self.options.polarity)
        if glyph is not None:  # a small picture of one digit, MNIST-style: no page to cut up
            return self._read_glyph(glyph, clock), _Yield(1, 0.0)
        sheet = self._sheet(gray)
        if sheet is not None:  # read as if the photo were the sheet alone; boxes moved back below
            gray = sheet.cut(gray)
        page = _Page(self._working_ink(gray), self.options.segment)
        clock.lap("segment")
        if self.options.deskew:
            page.level()
        clock.lap("orientation")
        # Classified before the orientation vote, which takes the upright reading from it; read
        # again only where the page was turned (its candidates are then new ones).
        candidates = page.candidates
        # Small blurred crops are read sharpened on a page of small writing (judged as given,
        # and again once turned), unless the page, sharpened, still reads as text
        # (`WordOptions.text_page_share` of its regions "not a digit" whole or in the cut chosen,
        # `_text_share`):
        # sharpened, the loops and hooks of small handwritten words read as digits more often,
        # and the word context no longer sees them as text (eight 600x800 pages of letters and
        # script, tests/test_hard_pages.py: 10 digits read before, 20 with every small page
        # sharpened, 9 with this test). Such a page is then read again as cut; its crops that
        # the sharpening left as they were are not classified again (`CropMemo`).
        reading, sharpen = self._read_sharpened_if_small(candidates)
        doubt = _not_digit_share(reading, len(candidates))
        found = len(candidates)
        clock.lap("classify")
        as_given = page.state()
        if self.options.detect_orientation and candidates:
            page.turn_upright(lambda crops: self._confidences(crops, sharpen), reading.confidences[: len(candidates)],
                              reading.predictions.not_digit[: len(candidates)])
            if self.options.deskew:
                page.level_again()
        clock.lap("orientation")
        if page.candidates is not candidates or page.over_on_trial:
            # Judged again on the page as it now stands: sideways, a page of small digits reads
            # as text (a heavy photographed form stored turned: 0.67 of its crops "not a digit"
            # sideways, 0.02 upright), and read as cut after the turn it kept 105 of 190 digits,
            # where upright and sharpened it read 183.
            reading, sharpen = self._judged_again(page, as_given, (reading, sharpen), candidates)
        candidates, reading = self._pieces_joined(page.candidates, reading, sharpen)
        digits = self._choose(candidates, reading, sharpen)
        clock.lap("classify")
        lines = group_lines(digits, self.options.grouping, page.walls())
        page.map_back(lines, gray.shape[:2])
        if self.options.drop_grain and self.options.polarity != LIGHT_ON_DARK:
            lines = drop_grain(lines, gray)
        if sheet is not None:
            for digit in (digit for line in lines for digit in line.digits):
                x, y, w, h = digit.bbox
                digit.bbox = (x + sheet.left, y + sheet.top, w, h)
        clock.lap("group")
        return PageResult(lines=lines, rotation_deg=(360 - 90 * page.turns) % 360), _Yield(found, doubt)

    def _judged_again(self, page: _Page, as_given: _PageState, given: tuple[_Reading, bool],
                      candidates: list[DigitCandidate]) -> tuple[_Reading, bool]:
        """The page's reading as the vote left it, unless that reads as text (`_still_text`):
        then the page as given, or turned over where its own axis voted it upside down but the
        vote left it on it or turned it sideways (`_Page.over_on_trial`), if that cuts the text it
        reads to a quarter (`_text_cut`). A turn that still reads as text by that share is kept
        where it reads as numbers (`_turned_reads_numbers`), judged by the word rules with its
        own sharpening; the others with the page's as given, as before. `given`: the page as
        given, of `candidates`, and whether it was read sharpened; returned likewise."""
        reading, sharpen = given
        if page.candidates is not candidates:
            turned = self._read_sharpened_if_small(page.candidates)
            if not _still_text(reading, turned[0], len(candidates), page.candidates):
                return turned[0], sharpen
            if self._turned_reads_numbers(reading, turned, len(candidates), page.candidates):
                return turned
            page.restore(as_given)
        if not page.over_on_trial:
            return given
        page.turn_over()
        over = self._read_sharpened_if_small(page.candidates)
        if _text_cut(reading, over[0], len(candidates), page.candidates):
            return over[0], sharpen
        if self._turned_reads_numbers(reading, over, len(candidates), page.candidates):
            return over
        page.restore(as_given)
        return given

    def _turned_reads_numbers(self, as_given: _Reading, turned: tuple[_Reading, bool], given_count: int,
                              turned_candidates: list[DigitCandidate]) -> bool:
        """Whether a page turned, though it still reads as text by its share of crops "not a
        digit", is a page of numbers turned the right way (`TURN_MAX_DOUBT_SHARE`): its crops read
        as digits doubt less turned than as given (`_doubt_cut`), and, once the word rules have
        dropped letters, it reads at least `TURNED_MIN_DIGITS` digits, `TURNED_MIN_DIGIT_SHARE` of
        its candidates (`turned`: its reading and whether sharpened)."""
        if not _doubt_cut(as_given, turned[0], given_count, turned_candidates):
            return False
        digits = self._choose(turned_candidates, *turned)
        return len(digits) >= max(TURNED_MIN_DIGITS, TURNED_MIN_DIGIT_SHARE * len(turned_candidates))

    def _working_ink(self, gray: np.ndarray) -> WorkingInk:
        if not self.options.scale_to_digits:
            return WorkingInk(ink_map(gray, self.options.polarity), 1)
        return working_ink(gray, self.options.polarity, self.options.segment)

    def _read_sharpened_if_small(self, candidates: list[DigitCandidate]) -> tuple[_Reading, bool]:
        """The page's reading, and whether its small blurred crops were read sharpened: on a page
        of small writing they are, unless the page, sharpened, reads as text (`_text_share`)."""
        small = (self.options.sharpen_small_digits
                 and is_small_writing(typical_height([c.bbox for c in candidates])))
        memo = CropMemo(self.classifier) if small else None  # other pages read each crop once
        reading = self._predict(candidates, small, memo)
        sharpen = small and _text_share(candidates, reading) < self.options.words.text_page_share
        if small and not sharpen:
            reading = self._predict(candidates, False, memo)
        return reading, sharpen

    def _read_glyph(self, glyph: DigitCandidate, clock: _Clock) -> PageResult:
        clock.lap("segment")
        clock.lap("orientation")
        prediction = self.classifier.predict(self._model_input([glyph.ink]))
        digits = [] if self._is_not_digit(prediction, 0) else [
            self._digit(glyph, prediction.labels[0], prediction.confidences[0])]
        clock.lap("classify")
        lines = group_lines(digits, self.options.grouping)
        clock.lap("group")
        return PageResult(lines=lines, rotation_deg=0)

    def _confidences(self, crops: list[np.ndarray], sharpen: bool = False) -> np.ndarray:
        return self.classifier.predict(self._model_input(crops, sharpen)).confidences

    def _predict(self, candidates: list[DigitCandidate], sharpen: bool = False,
                 memo: CropMemo | None = None) -> _Reading:
        """Classify every candidate, then every cut of the wide ones that a cut could beat
        (`sharpen`: the small blurred crops sharpened first, `runtime.reading.sharpen`; `memo`:
        the crops classified before on this page, answered from it)."""
        classify = memo.predict if memo is not None else lambda crops: self.classifier.predict(normalize_batch(crops))
        if not candidates:
            return _Reading([], {}, None)
        wholes = classify(self._prepared([c.ink for c in candidates], sharpen))
        prior = self.options.touching_width_prior
        # The page's digit height, one measure for the cuts across (`stacked`) and for the width
        # of a region taller than the page's digits (`wide_for_page`).
        page_width, page_height = typical_width(candidates), typical_height([c.bbox for c in candidates])
        typical = page_width if prior else None
        # A whole read this surely wins against any cut (`whole_beats_any_cut`): most digits,
        # whose cuts would cost a third of the frame's crops, are never cut; a region wide for
        # the page may still be a pair read as one of its digits (`touching.wide_pair`).
        wide = [wide_for_page(c, page_width, float(confidence), page_height)
                for c, confidence in zip(candidates, wholes.confidences)]
        # A whole beyond doubt is cut only in two (`wide_pair`: more pieces could never win).
        sure = [whole_beats_any_cut(float(confidence), prior) for confidence in wholes.confidences]
        tried = [index for index, (is_wide, is_sure) in enumerate(zip(wide, sure)) if is_wide or not is_sure]
        hypotheses = [[] for _ in candidates]
        cuts = cuts_of_regions([candidates[index] for index in tried], typical,
                               [bool(wholes.confidences[index] < SEAM_DOUBTED_WHOLE or wide[index]) for index in tried],
                               page_height, [wide[index] for index in tried], [sure[index] for index in tried])
        for index, options in zip(tried, cuts):
            # Only `wide_pair` may cut a whole beyond doubt: cuts not shaped as its pairs are not read.
            hypotheses[index] = ([parts for parts in options if shaped_as_a_pair(candidates[index], parts, page_width)]
                                 if sure[index] else options)
        # A piece shared by several cuts of a region is one object (`cut_hypotheses`): read once.
        row_of = {id(c): row for row, c in enumerate(candidates)}
        pieces = [part for options in hypotheses for parts in options for part in parts]
        for part in pieces:
            row_of.setdefault(id(part), len(row_of))
        crops = list({id(p): p.ink for p in pieces}.values())
        if not crops:
            return _Reading(hypotheses, row_of, wholes, typical, page_width, page_height, wide)
        pieces_read = classify(self._prepared(crops, sharpen))
        return _Reading(hypotheses, row_of, _joined(wholes, pieces_read), typical, page_width, page_height, wide)

    def _pieces_joined(self, candidates: list[DigitCandidate], reading: _Reading,
                       sharpen: bool) -> tuple[list[DigitCandidate], _Reading]:
        """The page's candidates with the pairs of interlocking pieces that read better as one
        digit joined (`runtime.reading.joined`: a 6 read "10"), and their reading (made again
        where any was joined; the pieces' wholes must both read as digits)."""
        predictions = reading.predictions
        if predictions is None or len(candidates) < 2:
            return candidates, reading
        pairs = [(one, other) for one, other in interlocked_pairs([c.bbox for c in candidates],
                                                                  [c.ink for c in candidates], reading.page_height)
                 if not self._is_not_digit(predictions, one) and not self._is_not_digit(predictions, other)]
        if not pairs:
            return candidates, reading
        unions = [joined(candidates[one], candidates[other]) for one, other in pairs]
        unions_read = self.classifier.predict(self._model_input([union.ink for union in unions], sharpen))
        confidences = predictions.confidences
        joins = {one: (other, union) for row, ((one, other), union) in enumerate(zip(pairs, unions))
                 if not self._is_not_digit(unions_read, row)
                 and reads_better_joined(float(unions_read.confidences[row]),
                                         [float(confidences[one]), float(confidences[other])])}
        if not joins:
            return candidates, reading
        gone = {other for other, _ in joins.values()}
        kept = [joins[index][1] if index in joins else candidate
                for index, candidate in enumerate(candidates) if index not in gone]
        return kept, self._predict(kept, sharpen)

    def _model_input(self, crops: list[np.ndarray], sharpen: bool = False) -> np.ndarray:
        """The model's 28x28 inputs for ink crops (`_prepared`)."""
        return normalize_batch(self._prepared(crops, sharpen))

    def _prepared(self, crops: list[np.ndarray], sharpen: bool = False) -> list[np.ndarray]:
        """Ink crops as the model is to see them: thin strokes widened first, when asked; small
        blurred crops sharpened, with `sharpen`."""
        if self.options.widen_thin_strokes:
            crops = [widen_thin_strokes(crop) for crop in crops]
        if sharpen:
            crops = [sharpen_blurred(crop) for crop in crops]
        return crops

    def _choose(self, candidates: list[DigitCandidate], reading: _Reading, sharpened: bool = False) -> list[Digit]:
        """The digits read: each candidate whole or cut, whichever reads better (`_predict`);
        `sharpened`: the page was read sharpened (`WordOptions.sharpened_keep_confidence`)."""
        if not candidates:
            return []
        predictions = reading.predictions
        labels, confidences = predictions.labels, predictions.confidences
        digits, not_digits, doubts, cut, sources = [], [], [], [], []
        for candidate, chosen, choice in _chosen_readings(candidates, reading):
            for part, row in chosen:
                if candidate.blurred_blob and confidences[row] < BLURRED_BLOB_MIN_CONFIDENCE:
                    continue  # no evidence of writing but the model's word (`segment._candidate`)
                if self._is_not_digit(predictions, row) and choice != WHOLE_AS_DIGIT:
                    not_digits.append(part.bbox)
                else:
                    digits.append(self._digit(part, labels[row], confidences[row]))
                    doubts.append(0.0 if predictions.not_digit is None else float(predictions.not_digit[row]))
                    cut.append(choice >= 0)
                    sources.append(candidate)
        not_digits = without_frames(not_digits, [digit.bbox for digit in digits])
        # Whether a digit was cut off a handwritten bar matters on pages holding text only, and
        # costs a labelling of the page's erased runs: asked there only.
        joined = ([source.cut_off_a_bar() for source in sources]
                  if holds_text(len(digits), len(not_digits), self.options.words) else None)
        words = self.options.words
        if sharpened:  # its first pass takes blurred digits for letters: they make no page of text
            words = replace(words, found_text_share=math.inf)
        letters = digits_in_words([d.bbox for d in digits], not_digits, words,
                                  [d.confidence for d in digits], doubts, cut, joined, [d.digit for d in digits])
        if sharpened:  # small digits blurred into blobs made "letters" of the digits beside them
            letters = {index for index in letters
                       if digits[index].confidence < self.options.words.sharpened_keep_confidence}
        kept = [digit for index, digit in enumerate(digits) if index not in letters]
        # A short sliver beside a digit, within its rows, is a stroke of it read "1" (`stray`).
        stray = stray_ones([digit.bbox for digit in kept], [digit.digit for digit in kept])
        return [digit for index, digit in enumerate(kept) if index not in stray]

    def _is_not_digit(self, predictions, row: int) -> bool:
        """Whether the model calls crop `row` no digit at all (letters, rules, shadow edges...)."""
        not_digit = getattr(predictions, "not_digit", None)
        return not_digit is not None and float(not_digit[row]) >= self.options.not_digit_threshold

    def _digit(self, candidate: DigitCandidate, label, confidence) -> Digit:
        text = LABELS[int(label)] if confidence >= self.options.min_confidence else "?"
        return Digit(digit=text, confidence=float(confidence), bbox=candidate.bbox)



@dataclass
class _Reading:
    """The classifier's reading of a page's candidates and of the cuts of the wide ones."""

    hypotheses: list  # per candidate, its ways of cutting (`cut_hypotheses`)
    row_of: dict[int, int]  # id of a candidate or piece -> its row in `predictions`
    predictions: object  # `Classifier.predict`'s answer; None when there was nothing to read
    typical_width: float | None = None  # the page's typical digit width, where the width prior is on
    page_width: float | None = None  # the page's typical digit width (`touching.typical_width`)
    page_height: float | None = None  # its typical digit height (`orientation.typical_height`)
    wide: list | None = None  # per candidate, whether it is wide for the page (`touching.wide_for_page`)

    @property
    def confidences(self) -> np.ndarray:
        return self.predictions.confidences


_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_IDENTITY_TOLERANCE = 1e-8 + 1e-5 * np.abs(_IDENTITY)  # np.allclose's default atol + rtol * |b|


def _grew(given: int, moved: int) -> bool:
    """Whether a page levelled or turned shows far more candidates than as given (`MOVED_MAX_GROWTH`)."""
    return moved > MOVED_MAX_GROWTH * given + MOVED_MIN_EXTRA


def _chosen_readings(candidates: list[DigitCandidate], reading: _Reading):
    """Per candidate: itself, its chosen reading as (region or piece, row in the predictions)
    pairs, and the index of the cut chosen (-1: read whole)."""
    confidences, labels, row_of = reading.predictions.confidences, reading.predictions.labels, reading.row_of
    # With a "not a digit" output, a digit's confidence is its share of all 11 outputs, so
    # the cutter weighs a half of a digit (mostly "not a digit") honestly against the whole.
    for index, (candidate, options) in enumerate(zip(candidates, reading.hypotheses)):
        if not options:  # most regions, never cut: `choose_reading` has nothing to weigh
            yield candidate, [(candidate, index)], -1
            continue
        rows = [[row_of[id(part)] for part in parts] for parts in options]
        choice = choose_reading(candidate, options, float(confidences[index]),
                                [confidences[r] for r in rows], reading.typical_width, reading.page_width,
                                int(labels[index]), [labels[r] for r in rows], reading.page_height,
                                None if reading.wide is None else reading.wide[index])
        yield candidate, [(candidate, index)] if choice < 0 else list(zip(options[choice], rows[choice])), choice


def _text_share(candidates: list[DigitCandidate], reading: _Reading) -> float:
    """The share of a page's candidates whose chosen reading (whole or cut) holds a crop the model
    calls no digit. Read whole, touching digits blurred together are "not a digit" too: on a
    poor 640x480 photo of numbers (development seed 56), 27 of 88 regions, most of them pairs
    that cut read as two digits, made the page text, read as cut, and then its numbers letters
    (8 of 121 digits read; judged by the reading chosen, 39, and 2 false).
    """
    not_digit = getattr(reading.predictions, "not_digit", None)
    if not_digit is None:  # a model without the output, or nothing read (no predictions at all)
        return 0.0
    # A blurred blob is a candidate on the model's word only (`evidence.looks_written_at_cores`):
    # its "not a digit" says nothing of text. Counted, they made pages of small digits blurred
    # by 1.8 px text (0.39-0.47 "not a digit"), whose digits the word context then dropped
    # (tests/test_small_pages.py: 8 of 105 read right; 30 not counting them).
    # A region read whole as a digit against the model's word (`touching.WHOLE_AS_DIGIT`) is no text.
    written = [(candidate, [] if choice == WHOLE_AS_DIGIT else chosen)
               for candidate, chosen, choice in _chosen_readings(candidates, reading) if not candidate.blurred_blob]
    if not written:
        return 0.0
    texts = sum(any(not_digit[row] >= NOT_DIGIT_THRESHOLD for _, row in chosen) for _, chosen in written)
    return texts / len(written)


def _not_digit_share(reading: _Reading, count: int) -> float:
    """The share of a page's `count` candidates (read whole) that the model calls no digit."""
    not_digit = getattr(reading.predictions, "not_digit", None)
    if not_digit is None or count == 0:
        return 0.0
    return float(np.mean(np.asarray(not_digit[:count]) >= NOT_DIGIT_THRESHOLD))


def _still_text(as_given: _Reading, turned: _Reading, given_count: int, turned_candidates: list[DigitCandidate]) -> bool:
    """Whether a page turned by the vote still reads as text, no more digit-like than as given
    (`TURNED_TEXT_SHARE`): then the turn is not to be trusted. Turned, the page is judged by the
    reading chosen (`_text_share`): a small blurred photo of numbers stored sideways, turned
    upright, showed 6 of its 28 regions "not a digit" read whole, pairs of touching digits that
    cut read as two, and was turned back (0.21 against 0.80 as given), to read no digit at all."""
    after = _text_share(turned_candidates, turned)
    return after >= TURNED_TEXT_SHARE and after * TURN_MIN_TEXT_DROP > _not_digit_share(as_given, given_count)


def _text_cut(as_given: _Reading, over: _Reading, given_count: int, over_candidates: list[DigitCandidate]) -> bool:
    """Whether a page turned over reads clearly less as text than as given: its share of crops
    "not a digit" cut by more than `TURN_MIN_TEXT_DROP` (`_still_text` asks no more than that
    or a share under `TURNED_TEXT_SHARE`).

    The turn that the crops read as digits objected to (`_Page._digits_object`): a 640x480
    heavy photo of a form stored upside down (development seed 232, page 25) read 0.60 "not a
    digit" as given and 0.05 turned over, and the bold words beside numbers that objection was
    made for (words-numbers, development seed 41, page 0), their letters read as digits
    upside down, 0.31 and 0.098: under `TURNED_TEXT_SHARE`, but cut by 3.2 only."""
    return _text_share(over_candidates, over) * TURN_MIN_TEXT_DROP < _not_digit_share(as_given, given_count)


def _doubt_cut(as_given: _Reading, turned: _Reading, given_count: int,
               turned_candidates: list[DigitCandidate]) -> bool:
    """Whether the crops read as digits read with clearly less doubt turned than as given
    (`TURN_MAX_DOUBT_SHARE`): a page of digits turned the right way, not one of letters."""
    before, after = _digit_doubt(as_given, given_count), _digit_doubt(turned, len(turned_candidates))
    return before is not None and after is not None and after <= TURN_MAX_DOUBT_SHARE * before


def _digit_doubt(reading: _Reading, count: int) -> float | None:
    """One less the geometric mean confidence of a page's `count` candidates read whole as digits
    (not "not a digit"); None where fewer than `TURN_MIN_DIGIT_CROPS` read so."""
    not_digit = getattr(reading.predictions, "not_digit", None)
    if not_digit is None or count == 0:
        return None
    digits = np.asarray(not_digit[:count]) < NOT_DIGIT_THRESHOLD
    if digits.sum() < TURN_MIN_DIGIT_CROPS:
        return None
    confidences = np.maximum(np.asarray(reading.confidences[:count])[digits], 1e-6)
    return 1.0 - float(np.exp(np.mean(np.log(confidences))))


class _PageState(NamedTuple):
    """What levelling or a turn changes in a `_Page`, to undo it."""

    darkness: np.ndarray
    fine: np.ndarray | None
    inside: np.ndarray | None
    transform: np.ndarray
    candidates: list
    turns: int
    tilt: float
    unlevelled: _PageState | None


class _Page:
    """An ink map being turned and levelled, with its digit candidates and the way back."""

    def __init__(self, working: WorkingInk, options: SegmentOptions):
        self.darkness = working.darkness  # what is segmented
        self.fine = working.fine  # where crops are cut, when `darkness` is a shrunk copy of it
        self.factor = working.factor
        self.options = options
        # input -> this page's pixels (its fine map's where it has one: the candidates' boxes)
        self.transform = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        self.turns = 0  # counter-clockwise quarter-turns applied
        self.inside = None  # where the original picture lies, once the page has been levelled
        look = working.look
        if look is None or look.source is not self.darkness:
            look = look_at(self.darkness, options)
        self.candidates = find_digits_in(self.darkness, options, fine=self.fine, look=look)
        # Where rules are looked for: a grid there tells the page's tilt (`level`).
        self.faint_as_given = look.faint_mask
        self.tilt = 0.0  # the tilt levelled, in degrees
        self.unlevelled = None  # the page's state before levelling, once levelled
        # Whether the page, as given, voted upside down but was not turned over: its crops that
        # read as digits objected (`_digits_object`), or the vote turned it sideways instead.
        # The reader then reads it turned over as well (where the sideways turn is undone), and
        # keeps that if it cuts the text the page reads (`PageReader._judged_again`).
        self.over_on_trial = False

    def level(self) -> None:
        """Level the page by the tilt of its candidates' lines, or by its grid's (`grid_tilt_deg`),
        `MIN_TILT_DEG` or more, where they measure it more than `GRID_AGREEMENT_DEG` otherwise,
        leave the page unlevelled or were undone (`_grew`).

        A grid steeper than the rule finder's runs stays in the ink and holds the digits in one
        region: a squared page photographed 8 degrees off level showed 1 candidate (no tilt),
        another 23 (9 degrees, undone by `_grew`, though levelled it shows 66), one turned 12 degrees
        measured 19 on its candidates. The grid's angle is its lines' own: levelled by it, they
        are found as lines again, and no growth in candidates is held against it."""
        boxes = [c.bbox for c in self.candidates]
        tilt, consensus = tilt_and_consensus(boxes)
        if abs(tilt) < MIN_TILT_DEG and consensus.supported:
            return  # lines of writing lie level: no grid is looked for (4-7 ms an A4 page)
        grid = None if self.faint_as_given is None else grid_tilt_deg(self.faint_as_given)
        if grid is None or abs(grid) < MIN_TILT_DEG:
            if abs(tilt) >= MIN_TILT_DEG:
                self._level_by(tilt)
            return
        if abs(tilt - grid) <= GRID_AGREEMENT_DEG and self._level_by(tilt):
            return
        self._level_by(grid, guarded=False)

    def level_again(self) -> None:
        """Once turned a quarter, level by the tilt its upright candidates show.

        Segmented sideways, a page's digits fall into other pieces than upright, and their
        lines, running down the page, give another tilt: 5 degrees levelled where upright
        showed 7 on a ruled page, 3 where upright showed none on a form (turned development
        worksheets, seed 207). The tilt left on the turned page adds to the one levelled; the
        page is levelled again by the sum from the picture as given, turned, so it is
        interpolated once. A sum under `MIN_TILT_DEG` leaves the page as it stands: its lines
        are within what grouping tolerates either way (undoing the form's 3 degrees read 1
        digit more and 3 more false)."""
        if self.turns % 2 == 0:
            return
        left = estimate_tilt_deg([c.bbox for c in self.candidates])
        tilt = self.tilt + left
        if abs(left) < MIN_TILT_LEFT_DEG or abs(tilt) < MIN_TILT_DEG:
            return
        turns, moved = self.turns, self.state()
        if self.unlevelled is not None:
            self.restore(self.unlevelled)
            self._turn(turns, segment=False)
        if not self._level_by(tilt):
            self.restore(moved)  # levelled, it fell apart (`_grew`): as turned before

    def _level_by(self, tilt: float, guarded: bool = True) -> bool:
        """Level the page by `tilt` degrees; False where that was undone (`_grew`, where `guarded`)."""
        as_given = self.state()
        page = self.darkness if self.fine is None else self.fine
        inside = np.ones(page.shape, np.uint8)
        page, levelling = level_page(page, tilt)
        inside = cv2.warpAffine(inside, levelling, page.shape[::-1], flags=cv2.INTER_NEAREST)
        if self.fine is None:
            self.darkness, self.inside = page, inside
        else:
            self.fine, self.darkness = shrink_by(page, self.factor)
            self.inside = inside[:: self.factor, :: self.factor][: self.darkness.shape[0], : self.darkness.shape[1]]
        self._moved(levelling)
        if guarded and _grew(len(as_given.candidates), len(self.candidates)):
            self.restore(as_given)
            return False
        self.tilt, self.unlevelled = tilt, as_given
        return True

    def turn_upright(self, confidence_of, upright: np.ndarray, not_digit: np.ndarray | None = None) -> None:
        """Turn the page so its digits stand upright, by what the classifier reads best.

        `upright`: the classifier's confidence in each candidate as the page stands; `not_digit`:
        its probability that each is no digit at all (a page of words with numbers among them)."""
        if len(self.candidates) < MIN_DIGITS_TO_TURN:
            return
        # Most pages are upright beyond doubt on the first vote of their largest crops, which
        # needs no half-turn: the upside-down reading and the rest of the sample wait until
        # they count. The upright reading is the page's own classification.
        largest = self._largest()
        for size in (FIRST_VOTE_SAMPLE, ORIENTATION_SAMPLE):
            chosen = largest[:size]
            crops = [self.candidates[index].ink for index in chosen]
            upright_readings = read_turns(crops, confidence_of, (1, 3), upright=upright[chosen])
            if is_clearly_upright(upright_readings):
                return
            # Its digits standing on this axis (upright or upside down), it stays on it.
            on_axis = self._words_with_upright_digits(upright_readings, not_digit, chosen)
            if on_axis:
                break
            if len(largest) <= size:
                break
        if on_axis:
            if self._reads_upside_down(largest, upright, confidence_of, not_digit):
                self._turn(2)
            return
        upright = read_turn_over(upright_readings, crops, confidence_of)
        # Segmentation assumes upright digits (it merges a 5's cap onto its body, say), so
        # crops cut from a sideways page read badly in every turn: compare the two axes on
        # crops segmented in each.
        as_given = self.state()
        voted_over = is_upside_down(upright, self._digit_height())
        over = voted_over and not self._digits_object(upright, not_digit, chosen)
        self._turn(1)
        sideways = read_turns(self._sample(), confidence_of)
        # Each axis by its better way up; the axes' crops differ, so compare their means. Turned
        # the right way, a page shows about as many digits as before: a turn that loses many
        # (a line of digits falling apart into a few odd pieces) is not the right one.
        better = (sideways.count >= SIDEWAYS_MIN_SHARE * upright.count
                  and len(self.candidates) >= SIDEWAYS_MIN_SHARE * len(as_given.candidates)
                  and not _grew(len(as_given.candidates), len(self.candidates))
                  and max(sideways.mean[[0, 2]]) > max(upright.mean[[0, 2]]))
        if not better:
            self.restore(as_given)
            if over:
                self._turn(2)
            self.over_on_trial = voted_over and not over
            return
        self.over_on_trial = voted_over
        if is_upside_down(sideways, self._digit_height()):
            self._turn(2)

    def turn_over(self) -> None:
        """Turn the page a half-turn and segment it again."""
        self._turn(2)

    def walls(self) -> CellWalls | None:
        """The printed walls of cells on the page as it now stands, where rule removal found any."""
        bars = next((c.bars for c in self.candidates if c.bars is not None), None)
        return None if bars is None else bars.walls

    def state(self) -> _PageState:
        """What levelling or a turn changes, to `restore` it."""
        return _PageState(self.darkness, self.fine, self.inside, self.transform, self.candidates, self.turns,
                          self.tilt, self.unlevelled)

    def restore(self, state: _PageState) -> None:
        (self.darkness, self.fine, self.inside, self.transform, self.candidates, self.turns, self.tilt,
         self.unlevelled) = state

    @staticmethod
    def _words_with_upright_digits(readings, not_digit, chosen: list[int]) -> bool:
        """Mostly words, and the crops that read as digits read upright beyond doubt.

        Letters and pieces of words read poorly in every turn, and segmented sideways they
        read a little better than upright, which turned such pages; here only the crops read as
        digits as the page stands vote, and a clear upright majority of them keeps the page."""
        if not_digit is None:
            return False
        digits = np.asarray(not_digit)[chosen] < NOT_DIGIT_THRESHOLD
        if digits.sum() < MIN_DIGITS_TO_TURN:
            return False
        votes = readings.log_confidence[:, digits]
        sideways_best = np.maximum(votes[1], votes[3])
        return (votes[0].mean() >= np.log(DIGITS_UPRIGHT_CONFIDENCE)
                and count_votes(votes[0], sideways_best) >= DIGITS_UPRIGHT_SHARE * digits.sum())

    def _digits_object(self, readings: TurnReadings, not_digit, chosen: list[int]) -> bool:
        """Whether the crops that read as digits as the page stands (not "not a digit") vote
        against turning it over, whatever the others vote.

        Letters read "not a digit" as given, and many read as confident digits upside down
        (a bold hand's words beside numbers, development seed 41: 15 of its 16 "not a digit"
        crops voted the page over, 11 more all told, while its digits voted 3 more upright).
        On a page truly upside down, the crops that read as digits as it stands are mostly
        0, 1, 6, 8 and 9, which abstain or swap, and the rest read better turned over: on three
        upside-down worksheets (development seed 301) they voted it over by 8 to 12, on four
        pages of words with numbers (seeds 41-50) that all the crops voted over by 3 to 11,
        upright by 3 to 11."""
        if not_digit is None:
            return False
        digits = np.asarray(not_digit)[chosen] < NOT_DIGIT_THRESHOLD
        votes = upside_down_votes(readings, self._digit_height(), voters=digits)
        return votes < 0

    def _reads_upside_down(self, largest: list[int], upright: np.ndarray, confidence_of, not_digit) -> bool:
        """The upside-down vote on the first vote's sample, then, if that leaves it in doubt, on
        the whole one: most digits read well both ways up and abstain, so a few voters can
        leave it to one odd crop (an upside-down ruled worksheet turned on one wide crop's vote).
        A vote to turn over stands unless the crops that read as digits as the page stands vote
        against it (`_digits_object`): a bold hand's letters, "not a digit" upright, read as
        confident digits upside down (a page of words with numbers of development seed 161,
        upright, was turned over on their votes)."""
        height = self._digit_height()
        for size in (FIRST_VOTE_SAMPLE, ORIENTATION_SAMPLE):
            chosen = largest[:size]
            over = read_turns([self.candidates[index].ink for index in chosen], confidence_of, (2,),
                              upright=upright[chosen])
            votes = upside_down_votes(over, height)
            if abs(votes) >= MIN_VOTES_TO_TURN or len(largest) <= size:
                break
        return votes >= MIN_VOTES_TO_TURN and not self._digits_object(over, not_digit, chosen)

    def _digit_height(self) -> float | None:
        return typical_height([candidate.bbox for candidate in self.candidates])

    def _largest(self) -> list[int]:
        """The candidates' indices, largest box first, digits run together last (`voting_order`)."""
        return voting_order([candidate.bbox for candidate in self.candidates])

    def _sample(self) -> list[np.ndarray]:
        """The crops that vote on the orientation: the largest."""
        return [self.candidates[index].ink for index in self._largest()[:ORIENTATION_SAMPLE]]

    def _turn(self, turns: int, segment: bool = True) -> None:
        turning = quarter_turn_matrix(turns, (self.darkness if self.fine is None else self.fine).shape)
        self.darkness = np.ascontiguousarray(np.rot90(self.darkness, turns))
        if self.fine is not None:
            self.fine = np.rot90(self.fine, turns)  # only cut from: a view will do
        if self.inside is not None:
            self.inside = np.ascontiguousarray(np.rot90(self.inside, turns))
        self.turns = (self.turns + turns) % 4
        self._moved(turning, segment)

    def _moved(self, matrix: np.ndarray, segment: bool = True) -> None:
        self.transform = compose(matrix, self.transform)
        if segment:
            self.candidates = find_digits_in(self.darkness, self.options, self.inside, self.fine)

    def map_back(self, lines, shape: tuple[int, int]) -> None:
        """Express every digit's box in the pixels of the image as it was given."""
        if (np.abs(self.transform - _IDENTITY) <= _IDENTITY_TOLERANCE).all():  # np.allclose, 20x faster
            return
        digits = [digit for line in lines for digit in line.digits]
        if digits:
            for digit, box in zip(digits, map_boxes_back([d.bbox for d in digits], self.transform, shape)):
                digit.bbox = box


def _joined(first: Predictions, second: Predictions) -> Predictions:
    """Two batches' predictions as one, rows of `first` first."""
    return Predictions(*(np.concatenate([getattr(first, name), getattr(second, name)])
                         for name in ("labels", "confidences", "probabilities", "not_digit")))


class _Clock:
    """Adds the time since the last lap to a stage; does nothing when no dict was given."""

    def __init__(self, timings: dict | None):
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.timings is None:
            return
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now
