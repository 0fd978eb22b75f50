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

import numpy as np

from runtime.classifier import Predictions
from runtime.images import to_gray
from runtime.normalize import normalize_batch
from runtime.reading.defocus import RADIUS_SHARES_TRIED, defocus_radius, looks_defocused, refocused
from runtime.reading.evidence import BLURRED_BLOB_MIN_CONFIDENCE
from runtime.reading.glyph import single_glyph
from runtime.reading.grain import drop_grain
from runtime.reading.grouping import GroupingOptions, group_lines
from runtime.reading.highlighter import without_highlighter
from runtime.reading.ink import ink_map
from runtime.reading.joined import interlocked_pairs, joined, reads_better_joined
from runtime.reading.lit_edge import ends_where_the_light_does
from runtime.reading.memo import CropMemo
from runtime.reading.motion_blur import motion_streak, sure_lines, unblurred
from runtime.reading.orientation import typical_height
from runtime.reading.page import NOT_DIGIT_THRESHOLD, Page, PageState
from runtime.reading.polarity import AUTO, check_polarity
from runtime.reading.polarity_names import LIGHT_ON_DARK
from runtime.reading.scale import WorkingInk, working_ink
from runtime.reading.segment import DigitCandidate, SegmentOptions
from runtime.reading.sharpen import is_blurred, is_small_writing, sharpen_blurred
from runtime.reading.sheet import Sheet, find_sheet
from runtime.reading.stacked import tall_for_page
from runtime.reading.stray import stray_ones
from runtime.reading.strokes import widen_thin_strokes
from runtime.reading.touching import (
    SEAM_DOUBTED_WHOLE,
    WHOLE_AS_DIGIT,
    choose_reading,
    cuts_of_regions,
    may_cut_a_sure_whole,
    typical_width,
    whole_beats_any_cut,
    wide_for_page,
)
from runtime.reading.words import WordOptions, digits_in_words, holds_text, without_frames
from runtime.results import Digit, PageResult
from runtime.spec import LABELS

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

DEFOCUS_MIN_YIELD = 0.7
"""A page whose reading keeps under this share of its crops as digits is looked at for a lens's
blur (`runtime.reading.defocus`); under `MOTION_BLUR_MIN_YIELD` for shake first. A defocused form
of small writing (worksheets seed 352, `--condition defocus`) kept 0.59 and read 43 of its 114
digits right and 12 false as given, 67 and 2 refocused."""


class _Yield(NamedTuple):
    """How a page read: its crops (as given) and the share of them the model called "not a digit"."""

    candidates: int
    doubt: float
    blurred: float = 0.0  # the share of its crops (as given) that are mostly soft rim (`sharpen.is_blurred`)


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
    # with less doubt, its doubtful digits dropped. On 60 shaken development pages 1,076 more
    # digits right and 8 fewer false (docs/results/reading.md). False reads every page as given.
    undo_motion_blur: bool = True
    # A page that reads digits from under `DEFOCUS_MIN_YIELD` of its crops and measures no streak
    # is read again through the blur disk of an out-of-focus lens, where its spectrum measures one
    # (runtime.reading.defocus); taken on the same terms as a streak undone. False: as given.
    undo_defocus: bool = True
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
        # Only a picture already an array: to_gray names the mistake for anything else (None, a path).
        gray = to_gray(without_highlighter(image) if isinstance(image, np.ndarray) else image)
        result, found = self._read(gray, timings)
        # A page that reads digits from under half its crops may be a shaken photo: every stroke
        # smeared the same way, the model calling the smears "not a digit" (runtime.reading.motion_blur).
        # Read through the streak undone, it is taken only where it reads more digits with less doubt.
        # A page that keeps more, or measures no streak, may be out of focus (`_refocused_if_better`).
        undo = self.options.undo_motion_blur or self.options.undo_defocus
        if not undo or len(result.digits) >= DEFOCUS_MIN_YIELD * found.candidates:
            return result
        if len(result.digits) >= MOTION_BLUR_MIN_YIELD * found.candidates:
            return self._refocused_if_better(gray, result, found, timings)
        measured = self._measured_part(gray)
        streak = motion_streak(measured)
        if streak is not None:  # a shaken page is no defocused one, whether undone or kept as it is
            if not self.options.undo_motion_blur:
                return result
            return self._better_of((result, found), unblurred(gray, streak), timings)[0]
        return self._refocused_if_better(gray, result, found, timings, measured)

    def _refocused_if_better(self, gray: np.ndarray, result: PageResult, found: _Yield,
                             timings: dict | None, measured: np.ndarray | None = None) -> PageResult:
        """`result`, or page `gray` read through the blur disk its spectrum measures (on
        `measured`, its `_measured_part` if already cut), the best of `RADIUS_SHARES_TRIED` of
        it, where that reads more digits with less doubt."""
        if not (self.options.undo_defocus and looks_defocused(found.candidates, found.blurred)):
            return result
        # A lens focused off the sheet spreads every point into a disk (runtime.reading.defocus).
        # The spectrum's dip measures the disk roughly (a radius too large rings the strokes away:
        # a form of 114 digits read 74 through 3.2 px, 36 through 3.8), so smaller ones are tried too.
        radius = defocus_radius(self._measured_part(gray) if measured is None else measured)
        best = (result, found)
        for share in () if radius is None else RADIUS_SHARES_TRIED:
            best = self._better_of(best, refocused(gray, share * radius), timings)
        return best[0]

    def _measured_part(self, gray: np.ndarray) -> np.ndarray:
        """What a camera's blur is measured on: the sheet alone where one is found (a desk's
        grain or a floor's tiles around it have streaks and edges of their own), else `gray`."""
        sheet = self._sheet(gray)
        return gray if sheet is None else sheet.cut(gray)

    def _better_of(self, read: tuple[PageResult, _Yield], restored: np.ndarray,
                   timings: dict | None) -> tuple[PageResult, _Yield]:
        """`read` (a reading and its yield), or the reading of page `restored` (its doubtful
        digits dropped) with its yield, where that reads more digits with less doubt."""
        result, found = read
        again, found_again = self._read(restored, timings)
        again.lines = sure_lines(again.lines)
        if len(again.digits) > len(result.digits) and found_again.doubt < found.doubt:
            return again, found_again
        return read

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
        page = Page(self._working_ink(gray), self.options.segment)
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
        blurred = float(np.mean([is_blurred(c.ink) for c in candidates])) if candidates else 0.0
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
        return PageResult(lines=lines, rotation_deg=(360 - 90 * page.turns) % 360), _Yield(found, doubt, blurred)

    def _judged_again(self, page: Page, as_given: PageState, given: tuple[_Reading, bool],
                      candidates: list[DigitCandidate]) -> tuple[_Reading, bool]:
        """The page's reading as the vote left it, unless that reads as text (`_still_text`):
        then the page as given, or turned over where its own axis voted it upside down but the
        vote left it on it or turned it sideways (`Page.over_on_trial`), if that cuts the text it
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
        # A sure whole tall enough for two stacked digits is cut across too (`touching.tall_pair`).
        tried = [index for index, (is_wide, is_sure) in enumerate(zip(wide, sure))
                 if is_wide or not is_sure or tall_for_page(candidates[index], page_height)]
        hypotheses = [[] for _ in candidates]
        cuts = cuts_of_regions([candidates[index] for index in tried], typical,
                               [bool(wholes.confidences[index] < SEAM_DOUBTED_WHOLE or wide[index]) for index in tried],
                               page_height, [wide[index] for index in tried], [sure[index] for index in tried])
        for index, options in zip(tried, cuts):
            # Only `wide_pair` and `tall_pair` may cut a whole beyond doubt: other cuts are not read.
            hypotheses[index] = ([parts for parts in options if may_cut_a_sure_whole(candidates[index], parts, page_width)]
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

    The turn that the crops read as digits objected to (`Page._digits_object`): a 640x480
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
