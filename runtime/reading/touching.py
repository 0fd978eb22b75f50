"""Tell one wide digit from several touching ones by reading every way of cutting it.

Touching digits come out of segmentation as one wide region. Width alone cannot decide (a
written 0 or 2 is often as wide as it is tall), so each plausible cut (at the valleys of ink
between strokes) is classified alongside the whole, and the reading with the most evidence
wins: the sum of its pieces' log-confidences. Every piece adds a (negative) log term, so a cut
has to be read far more confidently than the whole to win.

The rule was chosen on glued MNIST *training* digits (1,500 singles, pairs and triples of
varied sizes, 0 to 4 px of overlap), with the shipped int8 model. Adding a per-class prior on
digit width made things worse (it cut 8% of single digits apart). A small cost per extra piece
(-0.05) kept every single whole and cut 35% of pairs right; no cost cut 52% of pairs right but
split 0.3% of single digits. Single digits outnumber touching ones by far on real pages, so the
cost stays.

Where digits overlap, no straight column parts them: cuts along the path of least ink near each
valley (`runtime.reading.seams`) are read too, and may win only against a doubted whole
(`SEAM_DOUBTED_WHOLE`, `SEAM_MIN_PIECE_CONFIDENCE`). No cut wins that leaves a piece of joined
ink too short for a digit (`_cuts_off_a_fragment`: an 8's upper loop read "0").

On pages of small writing, a region twice a digit's height is also cut across, at its row of
least ink (`runtime.reading.stacked`): two digits of stacked grid cells joined by the line
between them. Such a cut may win only where both pieces read surely.

The page's other regions weigh in where the model reads a region as one digit: a region far
wider than the page's typical digit (measured at the page's digit height) is read as two where a
cut of it reads two sure digits of full height (or a smaller one on the baseline), one of them
what the whole read (`wide_pair`: overlapping "00", "44", "70" read surely as one of their
digits), unless the cut crosses three strokes (`MAX_PAIR_JUNCTION_STROKES`: a 5 cut down its
middle). A piece of the cut chosen that is itself wide for the page is asked the same, of the
cuts that split it and keep the other pieces (`_wide_piece_as_pair`: a "966" read "96", its "66"
read 6 surely, because three saturated pieces pay one piece's cost more than two).

A single digit written wide or flat is cut, at its loop, into two tall pieces that the model reads
surely. So a region no bigger than the page's typical digit (`SMALL_REGION_AREA`) is cut on
evidence only into pieces read surely, and where that alone kept it whole, it is read as one digit
even where the model calls it none (`WHOLE_AS_DIGIT`: a flat 2 read "62" reads 2); `wide_pair`
cuts a region shorter than the page's digits only through one stroke (`SHORT_REGION_HEIGHT`: a 6
lying on its side read "67").

Optionally (`ReaderOptions.touching_width_prior`, off by default) the page's other regions
weigh in: a region far wider than the page's typical digit is tried in cuts even when it is
narrower than tall (narrow handwriting), and a doubtful reading of it as one digit pays for its
width (`WIDE_RATIO`, `WIDTH_LOG_COST`, `SURE_WHOLE_CONFIDENCE`).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from runtime.reading.quantiles import median
from runtime.reading.seams import piece_between, seam_lines_of_regions
from runtime.reading.segment import DigitCandidate
from runtime.reading.stacked import MIN_PIECE_CONFIDENCE as STACKED_MIN_PIECE_CONFIDENCE
from runtime.reading.stacked import StackedCut, stacked_cut, tall_for_page

MIN_ASPECT_TO_TRY = 0.9
"""Regions narrower than this (width / height) are read as one digit without trying cuts. From
0.75 a wide 6 on a noisy camera frame was read as "67"; only a fifth of MNIST digits are this
wide, and two touching digits almost always are."""

MIN_PIECE_ASPECT = 0.3
"""No cut makes pieces narrower than this share of the region's height (a 1 is about 0.3-0.4)."""

EXTRA_PIECE_LOG_PRIOR = -0.05
"""Log-prior cost of each piece beyond the first: touching digits are the exception, and an
int8 model reads most halves of a digit as confidently as the whole (both saturate at 255/256),
so without a cost a tie would cut a single digit in two."""

PAIR_ASPECT = 1.4
NARROW_CUT_LOG_COST = 2.0
"""A region narrower than `PAIR_ASPECT` times its height is cut only on strong evidence: each
piece beyond the first costs `NARROW_CUT_LOG_COST` per unit of aspect below it, unless every
piece reads sure (`SURE_WHOLE_CONFIDENCE`). Of a single digit cut in two, at least one half
reads with some doubt: on 190 pages of MNIST *validation* digits (`benchmarks.worksheets
--digits validation`, clean and mixed capture, 30 of them with `--touch-rate 0.3`), 34 of 35
wrong cuts had a piece under 0.99. Touching pairs are mostly wider than 1.4 times their height,
and most of the narrower ones read sure in both pieces. There, this cost kept 21 of the 35
single digits whole (a 4 read "11", a 0 read "67", a 7 read "57") and undid 2 of 161 right cuts,
both with a piece read wrong anyway. Swept over 1.3-1.6 x 2-6 per unit; without the sureness exemption any cost
lost 7-40 right cuts."""

MAX_VALLEYS = 4
"""Cuts are tried at up to this many ink valleys (every subset of them): up to 5 digits."""

SEAM_CUTS = True
"""Whether cuts along seams are offered at all (`runtime.reading.seams`); off only to compare."""

SEAM_DOUBTED_WHOLE = 0.5
SEAM_MIN_PIECE_CONFIDENCE = 0.9
"""A cut along seams may win only where the model reads the whole region under
`SEAM_DOUBTED_WHOLE` and every piece at `SEAM_MIN_PIECE_CONFIDENCE` or more. A seam bends round
strokes, so it can carve a single digit into two that each read surely (a 2 read "16", a 0 read
"10"), or a pair into three doubtful pieces. Chosen on development pages of MNIST *validation*
digits (`benchmarks.worksheets --digits validation`): 90 pages with touching pairs
(`--touch-rate 0.3 --degrade mixed`, seeds 205-207) and 60 of single digits (seed 208 mixed,
209 clean). Against straight cuts alone, seams with no bound read 27 more digits right and 9
fewer false ones on the first, but 2 more false digits on the second; with the whole under 0.5
alone, +17 / -4 and the singles the same; with both bounds +13 / -4, the singles the same.
Tried instead: a cost per seam cut (0.5 or 1 nat: the gains gone), pieces at 0.99 (the 2 false
digits stay), only cuts in two (+10 / -2), keeping the seam near its valley (fewer gains)."""


WIDE_RATIO = 1.5
"""A region this many times as wide as the page's typical digit may well be two: on pages of
MNIST *validation* digits (`benchmarks.worksheets --digits validation`), single digits' regions
reach 1.5 times the typical width at the 99th percentile, touching pairs (`--touch-rate 0.3`)
1.7 times at the median. Such a region is tried in cuts whatever its aspect, and, unless the
model is sure of it whole, reading it as one digit pays `WIDTH_LOG_COST` per unit beyond."""

WIDTH_LOG_COST = 2.0
"""Log-prior cost per unit of width ratio beyond `WIDE_RATIO`, for the whole region and for each
piece of a cut alike. Swept with `WIDE_RATIO` (1.4-2.0 x costs 1-8, with and without
`SURE_WHOLE_CONFIDENCE`) on 152 validation pages (180 touching pairs, 10,492 single digits):
this pair cut 134 pairs right where no width prior cut 126, and 18 single digits apart where it
cut 17. Without the sureness rule the prior cut wide 0s into "67" and "63" (1.6 x 4: +9 pairs
for +8 singles cut)."""

SURE_WHOLE_CONFIDENCE = 0.99
"""A region the model reads whole at this confidence or more is a digit whatever its width (the
int8 model's sure readings sit at 0.996); only a doubtful one pays for being wide."""

WIDE_PAIR_RATIO = 1.1
WIDE_SURE_PAIR_RATIO = 1.4
WIDE_PAIR_MIN_PIECE_CONFIDENCE = 0.99
WIDE_PAIR_MIN_PIECE_HEIGHT = 0.8
"""A region read whole as one digit, `WIDE_PAIR_RATIO` times as wide as the page's typical digit or
more (`WIDE_SURE_PAIR_RATIO` where the model reads it surely, `whole_beats_any_cut`), is read as
two where a cut of it into two reads both pieces at `WIDE_PAIR_MIN_PIECE_CONFIDENCE` or more,
each piece at least `WIDE_PAIR_MIN_PIECE_HEIGHT` of the region's height, and, where the whole
reads surely, one piece as the whole did. Overlapping pairs ("00", "44", "70") often read surely
as one of their digits, which no cut outscores on evidence alone; a single digit cut in two
seldom reads surely in two pieces of full height, one of them itself. Chosen on development
pages of MNIST *validation* digits: 120 pages of `benchmarks.touching_pairs` (seeds 11 and 13)
and 230 worksheets (`benchmarks.worksheets --digits validation`: clean seed 211, mixed 212, 215
and 216, `--touch-rate 0.3` 213, 640x480 214): 30 pairs more read right, one pair read wrong
another way, no single digit split. With sure wholes at 1.5: 48 more right, but 3 single digits
read right split on the mixed worksheets (a 5 read "55", a 2 "52"); at 1.7, 34 and 1 pair more
read wrong; without the height bound, or one ratio of 1.4 for all, 6-14 single digits split (an
8 read "81", a 0 "01": a seam trimming a crumb off, or a cut through a loop's tail). Doubted
wholes were then asked 1.3 times the typical width; now 1.1, measured at the page's digit height
(`wide_for_page`: `page_height`).

Sure wholes were then asked 1.8 times the typical width; now 1.4, with a small digit on the
baseline allowed (`WIDE_PAIR_SMALL_PIECE_HEIGHT`). Chosen on 160 other development pages of
`benchmarks.touching_pairs` (seeds 21, 23, 25, 27: 1,476 pairs, 8,603 single digits), from the
readings of every region and all its cuts (a throwaway script, not shipped): at 1.8, 564 pairs
read right and 32 single digits split; at 1.6 579 / 32, 1.5 592 / 32, 1.4 610 / 33, 1.3 623 /
36; with the small piece on the baseline (from 0.5 of the height), 1.4: 628 / 34 (a 4 read "41",
a 6 "67"), 1.3: 648 / 37. Then checked on validation worksheets (see docs/results/reading.md)."""

WIDE_PAIR_MIN_PIECE_WIDTH = 0.2
"""Each piece of a wide pair is at least this share of the page's typical digit width: a seam
along the edge of a region trims off a sliver of stroke that the model reads as a sure 1 (on a
640x480 development page, `benchmarks.worksheets --digits validation --size 640x480 --degrade
mixed --seed 233`, a 0 read "01", its 1 2 px wide beside a typical digit of 12 px). The 1s of
pairs on the 160 development pages of `touching_pairs` are 0.26 of it or more: from 0.15, 0.2
or 0.25 no pair read right is lost (at 0.3, one)."""

WIDE_PAIR_SMALL_PIECE_HEIGHT = 0.55
WIDE_PAIR_BASELINE_TOLERANCE = 0.1
"""A piece of a wide pair shorter than `WIDE_PAIR_MIN_PIECE_HEIGHT` of the region, but at least
`WIDE_PAIR_SMALL_PIECE_HEIGHT` of it, still counts where its bottom lies within
`WIDE_PAIR_BASELINE_TOLERANCE` of the region's height of the region's bottom: a smaller digit
written on the same baseline as its neighbour (a small 0 against a 7). A fragment of a single
digit cut in two is mostly its top (a 2's or an 8's upper loop). On the 160 development pages
above (sure wholes at 1.4): 610 -> 624 pairs read right, 33 -> 34 single digits split; from 0.4,
0.5 or 0.6 of the height, 628, 628 and 622 pairs, 34 singles each; from 0.5 asked of the piece's
height alone (no baseline), 629 / 34; a tolerance of 0.05 or 0.15 (at 0.5), 628 / 33 and 628 /
34. Not from 0.5: a piece half the region's height is still a loop's tail
(`tests/test_touching_pairs.py`), and the benchmark's small digits start at 0.5."""

MIN_TYPICAL_SAMPLE = 8
"""The typical width is taken only on pages with at least this many regions of ordinary shape."""

NARROW_ASPECT = 0.4
"""Regions narrower than this (width / height), mostly 1s, do not count towards the typical width."""


def typical_width(candidates: list[DigitCandidate]) -> float | None:
    """The page's typical digit width (px): the median over its regions not as narrow as a 1;
    None when too few regions say."""
    widths = [c.bbox[2] for c in candidates if c.bbox[2] >= NARROW_ASPECT * c.bbox[3]]
    # The median of whole pixels, exact (numpy's, the same value, cost 20 µs a camera frame).
    return float(median(widths)) if len(widths) >= MIN_TYPICAL_SAMPLE else None


def wide_for_page(candidate: DigitCandidate, page_width: float | None, whole_confidence: float,
                  page_height: float | None = None) -> bool:
    """Whether a region read whole at `whole_confidence` is wide enough for the page (whose typical
    digit is `page_width` px wide, `typical_width`) to be perhaps two digits, however surely the
    model reads it as one (`WIDE_PAIR_RATIO`, `WIDE_SURE_PAIR_RATIO`). A region taller than the
    page's typical digit (`page_height`, `orientation.typical_height`) is measured as if written at the
    page's height: a digit written bigger is wider too."""
    if page_width is None:
        return False
    sure = whole_beats_any_cut(whole_confidence)
    width = candidate.bbox[2]
    # Measured at the page's typical digit height, a region taller than the page's typical
    # digit counts as that much narrower. On 110 development worksheets of MNIST
    # validation digits (`benchmarks.worksheets --digits validation`: mixed seed 231, clean 232,
    # 640x480 233, `--touch-rate 0.3` 234), sure wholes from 1.4 times the typical width split 6
    # single digits read right (a 1 read "10", a 4 "41", a 5 "55", a 6 "60"), each 1.04-1.51 times
    # as tall as the page's typical digit; measured at the page's height, none, and the touching
    # worksheets kept 5 of the 6 pairs gained. On the 160 development pages of `touching_pairs`
    # (one handwriting height a page), 624 -> 612 pairs read right, 34 single digits split either way.
    # With the height asked, doubted wholes were tried from a lower width (`WIDE_PAIR_RATIO`): from
    # 1.3, 1.2, 1.1 or 1.0 times the typical width, 612, 617, 626 and 630 pairs read right, 34 single
    # digits split each; from 1.1, the four worksheet sets read the same digits on every page, and
    # `touching_pairs` seeds 23 and 25 (40 pages each) read 7 more pairs right.
    if page_height is not None:
        width /= max(1.0, candidate.bbox[3] / page_height)
    return width >= (WIDE_SURE_PAIR_RATIO if sure else WIDE_PAIR_RATIO) * page_width


def cut_hypotheses(candidate: DigitCandidate, typical: float | None = None,
                   seams: bool = True, digit_height: float | None = None,
                   wide: bool = False, pairs_only: bool = False) -> list[list[DigitCandidate]]:
    """Every cut of a wide candidate worth reading: at one or more of its ink valleys, straight
    down and (`seams`) along the path of least ink near them (`SeamCut`); and of a tall one on a
    page of small writing, across (`StackedCut`).

    `typical`: the page's typical digit width (`typical_width`), if known: a region far wider
    than that is tried whatever its aspect. `seams`: False where no seam cut could win (the
    whole read at `SEAM_DOUBTED_WHOLE` or more), to spare reading its pieces. `digit_height`:
    the page's typical digit height (`orientation.typical_height`), for the cut across.
    `wide`: the region is wide for the page (`wide_for_page`): tried however narrow for its
    height. `pairs_only`: only cuts into two side by side, all that may win against a whole read
    beyond doubt (`whole_beats_any_cut`: only `wide_pair` cuts it)."""
    return cuts_of_regions([candidate], typical, [seams], digit_height, [wide], [pairs_only])[0]


def cuts_of_regions(candidates: list[DigitCandidate], typical: float | None, seams: list[bool],
                    digit_height: float | None, wide: list[bool],
                    pairs_only: list[bool]) -> list[list[list[DigitCandidate]]]:
    """`cut_hypotheses` for each of a page's regions (`seams`, `wide`, `pairs_only`: per region),
    the seams of them all found in one pass (`seams.seam_lines_of_regions`)."""
    valleys = [_valleys_to_cut(candidate, typical, is_wide)
               for candidate, is_wide in zip(candidates, wide)]
    asked = [index for index, (columns, wanted) in enumerate(zip(valleys, seams))
             if columns and wanted and SEAM_CUTS]
    lines = dict(zip(asked, seam_lines_of_regions([(candidates[index].ink, valleys[index]) for index in asked])))
    return [_cuts(candidate, columns or [], lines.get(index, {}), digit_height, only_pairs)
            for index, (candidate, columns, only_pairs) in enumerate(zip(candidates, valleys, pairs_only))]


def _valleys_to_cut(candidate: DigitCandidate, typical: float | None, wide: bool) -> list[int] | None:
    """The valleys a region is cut at side by side (`cut_columns`), None where it is too narrow
    to be tried (`MIN_ASPECT_TO_TRY`, unless `wide` or far wider than `typical`)."""
    height, width = candidate.ink.shape
    wide = wide or (typical is not None and width >= WIDE_RATIO * typical)
    if width < MIN_ASPECT_TO_TRY * height and not wide:
        return None
    return cut_columns(candidate.ink, MAX_VALLEYS)


def _cuts(candidate: DigitCandidate, valleys: list[int], lines: dict, digit_height: float | None,
          pairs_only: bool) -> list[list[DigitCandidate]]:
    """A region's cuts (`cut_hypotheses`): across, then straight down at `valleys`, then along
    the seams found there (`lines`: column -> seam, as `seam_lines` gives them)."""
    # A sure whole is cut across only where it is tall enough for two digits (`tall_for_page`).
    across = None if pairs_only and not tall_for_page(candidate, digit_height) else stacked_cut(candidate, digit_height)
    hypotheses = [] if across is None else [across]
    height, width = candidate.ink.shape
    min_piece_px = MIN_PIECE_ASPECT * height
    pieces: dict[tuple, DigitCandidate | None] = {}  # a piece recurs in many cuts: cut it once
    most_cuts = 1 if pairs_only else len(valleys)
    for count in range(1, most_cuts + 1):
        for cuts in combinations(valleys, count):
            edges = (0, *cuts, width)
            if min(b - a for a, b in zip(edges, edges[1:])) < min_piece_px:
                continue
            parts = [_piece(candidate, start, stop, pieces) for start, stop in zip(edges, edges[1:])]
            if None not in parts:
                hypotheses.append(parts)
    for count in range(1, most_cuts + 1):
        for cuts in combinations(valleys, count):
            if any(lines.get(column) is not None for column in cuts):
                hypotheses += _seam_cut(candidate, cuts, lines, min_piece_px, pieces)
    return hypotheses


class SeamCut(list):
    """A cut along seams (`runtime.reading.seams`): its pieces, marked for `best_reading`."""


def _seam_cut(candidate: DigitCandidate, cuts: tuple[int, ...], seams: dict, min_piece_px: float,
              pieces: dict) -> list[list[DigitCandidate]]:
    """The cut at `cuts` with each column that has a seam (`runtime.reading.seams`) following
    it instead: overlapping digits, which no straight column separates. [] or [pieces]."""
    edges = (0, *cuts, candidate.ink.shape[1])
    if min(b - a for a, b in zip(edges, edges[1:])) < min_piece_px:
        return []
    parts = [_seam_piece(candidate, start, stop, seams, pieces) for start, stop in zip(edges, edges[1:])]
    return [] if None in parts else [SeamCut(parts)]


def _seam_piece(candidate: DigitCandidate, start: int, stop: int, seams: dict, pieces: dict):
    """The piece between columns `start` and `stop`, each followed along its seam where it has
    one (with neither, the straight cut's piece, `_piece`); the same object every time asked."""
    start_seam, stop_seam = seams.get(start), seams.get(stop)
    if start_seam is None and stop_seam is None:
        return _piece(candidate, start, stop, pieces)
    key = (start, start_seam is not None, stop, stop_seam is not None)
    if key not in pieces:
        pieces[key] = piece_between(candidate, start if start_seam is None else start_seam,
                                    stop if stop_seam is None else stop_seam)
    return pieces[key]


def _piece(candidate: DigitCandidate, start: int, stop: int, pieces: dict) -> DigitCandidate | None:
    """The piece between two columns (as `split_at` cuts it), the same object every time asked."""
    if (start, stop) not in pieces:
        pieces[(start, stop)] = _cut_piece(candidate, start, stop)
    return pieces[(start, stop)]


def choose_reading(candidate: DigitCandidate, options: list[list[DigitCandidate]], whole_confidence: float,
                   piece_confidences: list[np.ndarray], typical: float | None,
                   page_width: float | None = None, whole_label: int | None = None,
                   piece_labels: list[np.ndarray] | None = None, page_height: float | None = None,
                   wide: bool | None = None) -> int:
    """Index of the winning cut among `options` (`cut_hypotheses`), or -1 for the whole region
    (`WHOLE_AS_DIGIT`: whole, and a digit whatever the model's "not a digit").

    The page's `typical` digit width weighs in only where the model doubts the whole; a region
    tried for its width alone (narrower than `MIN_ASPECT_TO_TRY`) then stays whole. A region
    wide for the page (`page_width`, `page_height`, `wide_for_page`; `wide`: its answer, where
    asked already) that would stay whole is read as two where `wide_pair` says so
    (`whole_label`, `piece_labels`: the labels read)."""
    if wide is None:
        wide = wide_for_page(candidate, page_width, whole_confidence, page_height)
    small = _small_for_page(candidate, page_width, page_height)
    choice = _choose_by_evidence(candidate, options, whole_confidence, piece_confidences, typical, small)
    if choice < 0 and piece_labels is not None and wide:
        choice = wide_pair(candidate, options, whole_confidence, piece_confidences, whole_label, piece_labels,
                           page_width, page_height)
    if choice < 0 and whole_beats_any_cut(whole_confidence):
        choice = tall_pair(options, piece_confidences)
    if choice < 0 and small:
        refused = _choose_by_evidence(candidate, options, whole_confidence, piece_confidences, typical)
        if refused >= 0 and float(np.min(piece_confidences[refused])) >= WHOLE_AS_DIGIT_MIN_PIECE_CONFIDENCE:
            return WHOLE_AS_DIGIT
    if choice >= 0 and piece_labels is not None:
        choice = _wide_piece_as_pair(options, choice, piece_confidences, piece_labels, page_width, page_height)
    return choice


def _wide_piece_as_pair(options: list[list[DigitCandidate]], choice: int, piece_confidences: list[np.ndarray],
                        piece_labels: list[np.ndarray], page_width: float | None, page_height: float | None) -> int:
    """Index of the cut that reads the chosen cut's (`choice`) piece wide for the page as a pair
    (`wide_pair`, asked of that piece as of a region: a cut of it among `options`, every other piece
    kept), or `choice` where none does: three digits in one region, the chosen cut into two
    reading two of them as one, surely. Every piece costs `EXTRA_PIECE_LOG_PRIOR`, so where the
    model saturates (0.996) two pieces outscore three that read as surely.

    On the development pages of `SMALL_REGION_AREA` (the readings of every region and its cuts,
    a throwaway script), this read 2 of 22 regions of three digits or more right ("966", "898"),
    and a "46" already read "41" as "411"; no single digit and no pair read otherwise, and none
    of the 80 `touching_pairs` pages changed."""
    chosen = options[choice]
    if isinstance(chosen, StackedCut):
        return choice
    for index, part in enumerate(chosen):
        confidence, label = float(piece_confidences[choice][index]), int(piece_labels[choice][index])
        if not wide_for_page(part, page_width, confidence, page_height):
            continue
        splits = _splits_of_piece(options, chosen, index)
        pair = slice(index, index + 2)
        best = wide_pair(part, [type(options[other])(options[other][pair]) for other in splits], confidence,
                         [piece_confidences[other][pair] for other in splits], label,
                         [piece_labels[other][pair] for other in splits], page_width, page_height)
        if best >= 0:
            return splits[best]
    return choice


def _splits_of_piece(options: list[list[DigitCandidate]], chosen: list[DigitCandidate], index: int) -> list[int]:
    """Indices of the cuts among `options` that split piece `index` of the cut `chosen` in two
    side by side and keep its other pieces as they are (the same boxes)."""
    kept = [part.bbox for part in chosen[:index] + chosen[index + 1:]]
    return [other for other, parts in enumerate(options)
            if len(parts) == len(chosen) + 1 and not isinstance(parts, StackedCut)
            and [part.bbox for part in parts[:index] + parts[index + 2:]] == kept]


def wide_pair(candidate: DigitCandidate, options: list[list[DigitCandidate]], whole_confidence: float,
              piece_confidences: list[np.ndarray], whole_label: int | None, piece_labels: list[np.ndarray],
              page_width: float | None = None, page_height: float | None = None) -> int:
    """Index of the cut into two that reads a region wide for the page as a pair
    (`WIDE_PAIR_RATIO`), or -1: both pieces read at `WIDE_PAIR_MIN_PIECE_CONFIDENCE` or more,
    each tall enough (`_pair_piece_tall_enough`) and, given the page's typical digit width
    (`page_width`), wide enough (`WIDE_PAIR_MIN_PIECE_WIDTH`), and, where the whole reads surely,
    one of them as the whole does; the most evident such cut."""
    sure_whole = whole_beats_any_cut(whole_confidence)
    best_index, best_score = -1, -np.inf
    for index, (parts, confidences, labels) in enumerate(zip(options, piece_confidences, piece_labels)):
        if not shaped_as_a_pair(candidate, parts, page_width) or _cut_through_a_body(candidate, parts, page_height):
            continue
        if float(np.min(confidences)) < WIDE_PAIR_MIN_PIECE_CONFIDENCE:
            continue
        if sure_whole and whole_label not in {int(label) for label in labels}:
            continue
        evidence = _evidence(confidences)
        if evidence > best_score:
            best_index, best_score = index, evidence
    return best_index


def tall_pair(options: list[list[DigitCandidate]], piece_confidences: list[np.ndarray]) -> int:
    """Index of the cut across (`StackedCut`, offered a sure whole only where it is tall enough
    for two digits, `stacked.tall_for_page`) whose two pieces both read at
    `WIDE_PAIR_MIN_PIECE_CONFIDENCE` or more, or -1: two stacked digits read surely as one."""
    for index, (parts, confidences) in enumerate(zip(options, piece_confidences)):
        if isinstance(parts, StackedCut) and float(np.min(confidences)) >= WIDE_PAIR_MIN_PIECE_CONFIDENCE:
            return index
    return -1


def may_cut_a_sure_whole(region: DigitCandidate, parts: list[DigitCandidate], page_width: float | None) -> bool:
    """Whether a cut may win against a whole read beyond doubt (`whole_beats_any_cut`): a pair
    side by side (`shaped_as_a_pair`, for `wide_pair`) or a cut across (`tall_pair`)."""
    return isinstance(parts, StackedCut) or shaped_as_a_pair(region, parts, page_width)


def shaped_as_a_pair(region: DigitCandidate, parts: list[DigitCandidate], page_width: float | None) -> bool:
    """Whether a cut of `region` has the shape `wide_pair` asks of a pair, before any reading:
    two pieces side by side, each tall enough (`_pair_piece_tall_enough`) and, given the page's
    typical digit width (`page_width`), wide enough (`WIDE_PAIR_MIN_PIECE_WIDTH`)."""
    if len(parts) != 2 or isinstance(parts, StackedCut):
        return False
    if not all(_pair_piece_tall_enough(part, region) for part in parts):
        return False
    return page_width is None or min(part.bbox[2] for part in parts) >= WIDE_PAIR_MIN_PIECE_WIDTH * page_width


MAX_PAIR_JUNCTION_STROKES = 2
"""Two digits written side by side touch at one point or two (a bar's end against a loop); a
straight cut that crosses more strokes than this, each going on at both sides of it, runs through
one digit's body (a 5 cut down its middle crosses its bar, its bowl and its tail, and both
halves read 5). On development worksheets of MNIST *validation* digits (`benchmarks.worksheets
--digits validation`: clean seeds 401, 403, 405; `--touch-rate 0.3` 205, 207, 209; mixed
`--touch-rate 0.15` 215), of the cuts `wide_pair` made against a sure whole, 4 single digits
split (each a 5 read "55") and no pair read right crossed three strokes; 35 pairs read right
crossed one or two. Measured against the reader without it (digits read right / false): clean
seeds 401, 403, 405: 0 / -3; touching 205, 207, 209: 0 / -1; mixed 215: the same digits."""


SHORT_REGION_HEIGHT = 0.9
SHORT_JUNCTION_STROKES = 1
"""A region shorter than `SHORT_REGION_HEIGHT` of the page's typical digit height
(`orientation.typical_height`) is one digit written flat, not two side by side (the taller of two
digits stands as tall as the page's others): `wide_pair` cuts it only where the cut crosses
`SHORT_JUNCTION_STROKES` stroke. Cut down through a flat loop, a 6 lying on its side or a 2 with a
looped base crosses two strokes, and both halves read surely, one as the whole did ("67", "52").
On the development pages of `SMALL_REGION_AREA`, 4 of the 8 single digits `wide_pair` split were
0.74-0.86 of the page's digit height, each cut through two strokes; every pair it read right on
the worksheets stood 0.94 of it or taller, and none of those on `touching_pairs` under 0.95 was cut
through two strokes. From 0.9: those 4 digits whole, no pair lost; from 0.95, one pair read right
lost on the worksheets; from 0.8 or 0.85, 2 of the 4 still split."""


def _cut_through_a_body(region: DigitCandidate, parts: list[DigitCandidate], page_height: float | None = None) -> bool:
    """Whether a straight cut into two crosses more strokes than `MAX_PAIR_JUNCTION_STROKES` (than
    `SHORT_JUNCTION_STROKES` where the region is shorter than the page's digits, `page_height`): runs
    of ink down the cut column whose ink goes on at both sides of it (a crumb or a stroke's tip
    is none)."""
    if isinstance(parts, SeamCut):
        return False
    ink = region.ink > 0
    column = parts[1].bbox[0] - region.bbox[0]
    if not 0 < column < ink.shape[1]:
        return False
    rows = np.flatnonzero(ink[:, column])
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1) if rows.size else []
    # Two columns each side: a crumb or a stroke's tip at the cut does not reach that far.
    beside = ink[:, max(0, column - 2):column + 3]
    crossing = sum(bool(beside[run].any(axis=0).all()) for run in runs)
    short = page_height is not None and region.bbox[3] < SHORT_REGION_HEIGHT * page_height
    return crossing > (SHORT_JUNCTION_STROKES if short else MAX_PAIR_JUNCTION_STROKES)


def _pair_piece_tall_enough(piece: DigitCandidate, region: DigitCandidate) -> bool:
    """Whether a piece of a cut into two is tall enough to be a digit of a wide pair: most of the
    region's height, or a smaller digit on the region's baseline (`WIDE_PAIR_SMALL_PIECE_HEIGHT`)."""
    height = region.bbox[3]
    if piece.bbox[3] >= WIDE_PAIR_MIN_PIECE_HEIGHT * height:
        return True
    gap_below = (region.bbox[1] + height) - (piece.bbox[1] + piece.bbox[3])
    return (piece.bbox[3] >= WIDE_PAIR_SMALL_PIECE_HEIGHT * height
            and gap_below <= WIDE_PAIR_BASELINE_TOLERANCE * height)


def _choose_by_evidence(candidate: DigitCandidate, options: list[list[DigitCandidate]], whole_confidence: float,
                        piece_confidences: list[np.ndarray], typical: float | None, small: bool = False) -> int:
    """`choose_reading` on the evidence and the priors alone (`small`: the region is small for
    the page, `_small_for_page`)."""
    if whole_confidence >= SURE_WHOLE_CONFIDENCE:
        typical = None
    height, width = candidate.ink.shape
    across = [isinstance(parts, StackedCut) for parts in options]
    narrow = typical is None and width < MIN_ASPECT_TO_TRY * height
    if not options or (narrow and not any(across)):
        return -1
    return best_reading(whole_confidence, piece_confidences, candidate.bbox[2],
                        [[part.bbox[2] for part in parts] for parts in options], typical, width / height,
                        [isinstance(parts, SeamCut) for parts in options], across, only_across=narrow,
                        fragments=[_cuts_off_a_fragment(candidate, parts) for parts in options], small=small)


SMALL_REGION_AREA = 1.2
SMALL_REGION_MIN_PIECE_CONFIDENCE = 0.98
"""A region whose box is under `SMALL_REGION_AREA` times the page's typical digit's (its typical
width, `typical_width`, by its typical height) is about one digit big, and a cut of it wins on
evidence only where every piece reads at `SMALL_REGION_MIN_PIECE_CONFIDENCE` or more. Two digits
side by side cover about twice a digit's box (the median of the touching pairs read right on
the development worksheets: 2.0), one digit written wide about one: a flat 2 cut at its loop reads
"62" with a piece in doubt (0.47-0.93) against a doubted whole, while the few pairs as small as a
digit that were read right read both pieces at 0.988-0.996. Measured on the readings of every
region and each of its cuts (a throwaway script, not shipped) on development pages of MNIST
*validation* digits: 410 worksheets (`benchmarks.worksheets --digits validation`: clean seeds
201 (40 pages), 401 and 403 (80 each), mixed 202 (40) and 215 (60), `--touch-rate 0.3 --degrade
mixed` 203 (30), 640x480 mixed 233 (80)) and 80 pages of `benchmarks.touching_pairs` (seeds 21,
23). Single digits split on the worksheets 30 -> 17 (on `touching_pairs` 7 -> 6), the pairs read
right the same (275 and 298), 1 and 9 pairs cut wrongly read whole instead. Swept over 1.1-1.6 x
0.95-0.99: from 1.1, 21 singles split; from 1.3, 15, and 4 pairs lost on `touching_pairs`; 1.4,
14 and 8; pieces at 0.99, one pair lost on each; at 0.95, 19 singles split."""


WHOLE_AS_DIGIT = -2
WHOLE_AS_DIGIT_MIN_PIECE_CONFIDENCE = 0.4
"""`choose_reading`'s answer for a region read whole where, but for `SMALL_REGION_AREA`, a cut
would have won, each of its pieces read as a digit at `WHOLE_AS_DIGIT_MIN_PIECE_CONFIDENCE` or
more: the whole is one digit, its likeliest, even where the model calls it no digit. A cut read
as digits says digits are written there; the model's "not a digit" for the whole of a flat 2 or
a wide 8 says only that it is no digit it knows well. Of the 17 single digits kept whole by
`SMALL_REGION_AREA` on its development worksheets, 8 the model called no digit whole, each read
as the right digit by its likeliest digit (their pieces read at 0.42 or more); a printed mark cut
into two pieces read at 0.004 stays no digit."""


def _small_for_page(region: DigitCandidate, page_width: float | None, page_height: float | None) -> bool:
    """Whether a region's box is under `SMALL_REGION_AREA` times the page's typical digit's
    (`page_width` by `page_height`)."""
    if page_width is None or page_height is None:
        return False
    return region.bbox[2] * region.bbox[3] < SMALL_REGION_AREA * page_width * page_height


def _cuts_off_a_fragment(region: DigitCandidate, parts: list[DigitCandidate]) -> bool:
    """Whether a cut side by side parts joined ink and leaves a piece too short to be a digit of
    a pair (`_pair_piece_tall_enough`): a single digit's loop or stroke end cut off (an 8's upper
    loop read "0", a 9's tail "1"), not a smaller digit on the baseline. Straight cuts through
    empty columns (ink that never touched) are not asked.

    `wide_pair` asked this of its pieces already; the evidence alone did not, and two sure pieces
    outscore a doubted whole. On development worksheets of MNIST *validation* digits
    (`benchmarks.worksheets --digits validation`), of the cuts that split a single digit, 9 of 35
    left such a fragment (5 of 11 on touching pages), against 2 of 298 pairs cut right. Measured
    (digits read right / false, against the reader without it): clean seeds 201, 203, 401, 403,
    405 (200 pages): +1 / -7; `--touch-rate 0.3` 205, 207, 209: -1 / -13; mixed capture
    `--touch-rate 0.15` 215: -4 / -7 (a raised 1 beside a 0 kept whole among them)."""
    if isinstance(parts, StackedCut) or all(_pair_piece_tall_enough(part, region) for part in parts):
        return False
    if isinstance(parts, SeamCut):
        return True
    left = region.bbox[0]
    return any(region.ink[:, part.bbox[0] - left].any() for part in parts[1:])


def best_reading(whole_confidence: float, piece_confidences: list[np.ndarray],
                 whole_width: float | None = None, piece_widths: list[list[float]] | None = None,
                 typical: float | None = None, aspect: float | None = None,
                 seams: list[bool] | None = None, across: list[bool] | None = None,
                 only_across: bool = False, fragments: list[bool] | None = None, small: bool = False) -> int:
    """Index of the winning cut, or -1 when the whole region reads best as one digit.

    With the page's `typical` digit width (and the region's and pieces' widths), a reading
    whose digits are far wider than the page's others pays for it (`WIDTH_LOG_COST`); with the
    region's `aspect` (width / height), a doubtful cut of a narrow one pays (`PAIR_ASPECT`).
    `across`: which cuts run across (`StackedCut`): they win only with every piece sure, and pay
    no aspect prior; with `only_across`, no other cut may win. `fragments`: which cuts cut a
    piece too short for a digit off joined ink (`_cuts_off_a_fragment`): they never win. `small`:
    the region is about one digit big (`SMALL_REGION_AREA`): only cuts into sure pieces win."""
    best_index, best_score = -1, _evidence([whole_confidence]) + _width_prior([whole_width], typical)
    for index, confidences in enumerate(piece_confidences):
        widths = piece_widths[index] if piece_widths is not None else [None] * len(confidences)
        is_across = across is not None and across[index]
        if is_across and float(np.min(confidences)) < STACKED_MIN_PIECE_CONFIDENCE:
            continue
        if (only_across and not is_across) or (fragments is not None and fragments[index]):
            continue
        if small and not is_across and float(np.min(confidences)) < SMALL_REGION_MIN_PIECE_CONFIDENCE:
            continue
        score = (_evidence(confidences) + EXTRA_PIECE_LOG_PRIOR * (len(confidences) - 1)
                 + _width_prior(widths, typical) + (0.0 if is_across else _narrow_cut_prior(aspect, confidences)))
        if seams is not None and seams[index] and (whole_confidence >= SEAM_DOUBTED_WHOLE
                                                   or float(np.min(confidences)) < SEAM_MIN_PIECE_CONFIDENCE):
            continue
        if score > best_score:
            best_index, best_score = index, score
    return best_index


def _width_prior(widths: list[float | None], typical: float | None) -> float:
    """Log-prior of digits this wide on a page whose digits are `typical` wide (0 when unknown)."""
    if typical is None:
        return 0.0
    return -WIDTH_LOG_COST * sum(max(0.0, width / typical - WIDE_RATIO) for width in widths if width is not None)


def _narrow_cut_prior(aspect: float | None, confidences) -> float:
    """Log-prior of a cut into `len(confidences)` pieces of a region `aspect` wide (0 when unknown)."""
    if aspect is None or float(np.min(confidences)) >= SURE_WHOLE_CONFIDENCE:
        return 0.0
    return -NARROW_CUT_LOG_COST * max(0.0, PAIR_ASPECT - aspect) * (len(confidences) - 1)


def whole_beats_any_cut(whole_confidence: float, width_prior: bool = False) -> bool:
    """Whether a region read whole this surely wins against every cut of it, unread: a cut has
    two pieces or more, so it scores at most `EXTRA_PIECE_LOG_PRIOR` (every piece read at 1.0),
    and `best_reading` keeps the whole on a tie. With the width prior on, only a whole sure
    enough to be spared it (`SURE_WHOLE_CONFIDENCE`) is beyond doubt."""
    if width_prior and whole_confidence < SURE_WHOLE_CONFIDENCE:
        return False
    return _evidence_of_one(whole_confidence) >= EXTRA_PIECE_LOG_PRIOR


def _evidence(confidences) -> float:
    return float(np.sum(np.log(np.maximum(np.asarray(confidences, np.float64), 1e-6))))


def _evidence_of_one(confidence: float) -> float:
    """`_evidence([confidence])`, the same value, without a list made an array and summed (asked
    of every region a page reads: 1 µs against 4)."""
    return float(np.log(np.maximum(np.float64(confidence), 1e-6)))


def cut_columns(ink: np.ndarray, max_cuts: int = 4) -> list[int]:
    """Columns where touching digits most likely meet: the deepest valleys of ink per column.

    A valley is a local minimum of the (lightly smoothed) column ink, away from the ends.
    At most `max_cuts`, deepest first.
    """
    height, width = ink.shape
    if width < 6:
        return []
    column_ink = ink.sum(axis=0, dtype=np.float32)
    smooth = np.convolve(column_ink, np.ones(3, np.float32) / 3.0, mode="same")
    margin = max(2, int(0.15 * height))  # no digit is narrower than a thin 1
    inner = np.arange(margin, width - margin)
    if inner.size == 0:
        return []
    valley = (smooth[inner] <= smooth[inner - 1]) & (smooth[inner] <= smooth[inner + 1])
    columns = inner[valley]
    # Plateaus give runs of equal minima: keep one column per run.
    columns = [c for i, c in enumerate(columns) if i == 0 or c - columns[i - 1] > 1]
    columns.sort(key=lambda c: smooth[c])
    return sorted(int(c) for c in columns[:max_cuts])


def split_at(candidate: DigitCandidate, cuts: list[int]) -> list[DigitCandidate] | None:
    """The pieces of `candidate` between the given columns; None if a piece would be empty."""
    parts = [_cut_piece(candidate, start, stop)
             for start, stop in zip([0] + cuts, cuts + [candidate.ink.shape[1]])]
    return None if None in parts else parts


def _cut_piece(candidate: DigitCandidate, start: int, stop: int) -> DigitCandidate | None:
    """The columns start:stop of `candidate`, trimmed to their ink; None if they hold none."""
    piece = candidate.ink[:, start:stop]
    rows = np.flatnonzero(piece.max(axis=1) > 0) if piece.size else np.array([])
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    x, y = candidate.bbox[:2]
    return DigitCandidate(bbox=(x + start, y + top, stop - start, bottom - top), ink=piece[top:bottom])
