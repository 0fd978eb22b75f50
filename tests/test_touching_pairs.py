"""Overlapping pairs read surely as one of their digits, cut apart by their width on the page
(`touching.wide_pair`), and wide single digits kept whole; the benchmark that measures both."""

import numpy as np
import pytest

from benchmarks import touching_pairs
from runtime.reading.segment import DigitCandidate
from runtime.reading.touching import (
    WIDE_PAIR_MIN_PIECE_CONFIDENCE,
    WIDE_PAIR_RATIO,
    WIDE_SURE_PAIR_RATIO,
    choose_reading,
    cut_hypotheses,
    split_at,
    wide_for_page,
)


def _region(width: int = 64, height: int = 40, second_height: int | None = None,
            second_on_top: bool = False) -> DigitCandidate:
    """A region of two blocks of ink joined by a thin bridge, `width` px wide; the second block
    `second_height` px tall (default: the region's height), standing on the region's bottom (the
    baseline) or, `second_on_top`, hanging from its top (a loop's tail, a bar's end)."""
    ink = np.zeros((height, width), np.uint8)
    ink[:, 3:width // 2 - 1] = 255
    second_rows = slice(0, second_height) if second_on_top else slice(height - (second_height or height), height)
    ink[second_rows, width // 2 + 1:width - 3] = 255
    ink[1 if second_on_top else height - 2, :] = 255
    return DigitCandidate((10, 10, width, height), ink)


def _choice(region: DigitCandidate, page_width: float, whole: tuple[int, float], pieces: list[tuple[int, float]],
            page_height: float | None = None):
    options = [parts for parts in cut_hypotheses(region, wide=True) if len(parts) == 2][:1]
    assert options, "the region should be offered a cut in two"
    labels = [np.array([label for label, _ in pieces])]
    confidences = [np.array([confidence for _, confidence in pieces])]
    return choose_reading(region, options, whole[1], confidences, None, page_width, whole[0], labels, page_height)


SURE_WIDE_TYPICAL = 64 / (WIDE_SURE_PAIR_RATIO + 0.05)
"""The page's typical digit width (px) beside which a 64 px region is wide even read surely."""


def test_a_wide_region_read_surely_as_one_of_two_sure_pieces_is_cut():
    """The "00" read 0 at 0.996: width alone cannot beat that evidence, the page's width can."""
    region = _region()
    assert wide_for_page(region, SURE_WIDE_TYPICAL, 0.996)
    assert _choice(region, SURE_WIDE_TYPICAL, (0, 0.996), [(0, 0.996), (0, 0.996)]) == 0


def test_a_region_read_surely_needs_more_width_than_a_doubted_one():
    region = _region()
    typical = 64 / (WIDE_PAIR_RATIO + 0.05)
    assert not wide_for_page(region, typical, 0.996)
    assert _choice(region, typical, (0, 0.996), [(0, 0.996), (0, 0.996)]) == -1
    assert wide_for_page(region, typical, 0.8)
    assert _choice(region, typical, (0, 0.8), [(0, 0.996), (0, 0.996)]) == 0
    assert not wide_for_page(region, 64 / (WIDE_PAIR_RATIO - 0.05), 0.8)


def test_a_sure_whole_stays_whole_when_no_piece_reads_as_it_did():
    """A single 0 cut into "17": both halves sure, neither a 0: it is one digit."""
    region = _region()
    assert _choice(region, SURE_WIDE_TYPICAL, (0, 0.996), [(1, 0.996), (7, 0.996)]) == -1
    # A doubted whole need not agree with either piece.
    assert _choice(region, SURE_WIDE_TYPICAL, (0, 0.6), [(1, 0.996), (7, 0.996)]) == 0


def test_a_doubtful_or_short_piece_keeps_a_wide_region_whole():
    """A piece read with doubt, or one well short of the region (a loop's tail, a crumb a seam
    trimmed off), is no digit of a pair."""
    doubtful = WIDE_PAIR_MIN_PIECE_CONFIDENCE - 0.05
    assert _choice(_region(), SURE_WIDE_TYPICAL, (0, 0.996), [(0, 0.996), (0, doubtful)]) == -1
    assert _choice(_region(second_height=20), SURE_WIDE_TYPICAL, (8, 0.996), [(8, 0.996), (1, 0.996)]) == -1


def test_a_sure_whole_one_and_a_half_times_the_page_digit_is_cut_into_a_sure_pair():
    """A "44" read 4 at 0.996, 1.5 times as wide as the page's typical digit, both halves read 4
    surely: a pair (1.8 times the typical width was asked before, and it stayed one 4)."""
    region = _region()
    typical = 64 / 1.5
    assert wide_for_page(region, typical, 0.996)
    assert _choice(region, typical, (4, 0.996), [(4, 0.996), (4, 0.996)]) == 0


def test_a_sure_whole_taller_than_the_page_digit_is_measured_at_the_page_height():
    """A digit written 1.3 times as tall as the page's others is that much wider too: read surely,
    a region 1.5 times the typical width and 1.3 times the typical height is no pair."""
    region = _region()
    typical = 64 / 1.5
    assert wide_for_page(region, typical, 0.996, page_height=40)
    assert not wide_for_page(region, typical, 0.996, page_height=40 / 1.3)
    assert _choice(region, typical, (4, 0.996), [(4, 0.996), (4, 0.996)], page_height=40 / 1.3) == -1



def test_a_doubted_whole_a_fifth_wider_than_the_page_digit_is_cut_into_a_sure_pair():
    """A "99" read 9 at 0.949, just doubted (no cut outscores it on evidence: two pieces at 0.996
    and the cost of a second piece weigh more), 1.2 times as wide as the page's typical digit:
    a pair (1.3 times was asked before); not so where it is 1.2 times as tall as the page's digit."""
    region = _region()
    typical = 64 / 1.2
    assert _choice(region, typical, (9, 0.949), [(9, 0.996), (9, 0.996)]) == 0
    assert _choice(region, typical, (9, 0.949), [(9, 0.996), (9, 0.996)], page_height=40 / 1.2) == -1


def test_a_smaller_digit_on_the_baseline_is_a_piece_of_a_pair():
    """A 7 with a small 0 written against it on the same baseline, 0.7 of its height: read "70";
    the same short piece hanging from the top (a loop's tail) keeps the region whole."""
    on_baseline = _region(second_height=28)
    assert _choice(on_baseline, SURE_WIDE_TYPICAL, (7, 0.996), [(7, 0.996), (0, 0.996)]) == 0
    hanging = _region(second_height=28, second_on_top=True)
    assert _choice(hanging, SURE_WIDE_TYPICAL, (7, 0.996), [(7, 0.996), (0, 0.996)]) == -1


def test_a_sliver_trimmed_off_a_wide_region_is_no_digit_of_a_pair():
    """A seam along a region's edge trims off a sliver of stroke that reads as a sure 1: a piece
    narrower than a fifth of the page's typical digit is no digit of a pair (`wide_pair`)."""
    region = _region(width=64)
    sliver = [DigitCandidate((10, 10, 56, 40), region.ink[:, :56]), DigitCandidate((66, 10, 5, 40), region.ink[:, 56:61])]
    confidences, labels = [np.array([0.996, 0.996])], [np.array([0, 1])]
    typical = 64 / 1.5
    assert choose_reading(region, [sliver], 0.996, confidences, None, typical, 0, labels) == -1
    wider = [DigitCandidate((10, 10, 52, 40), region.ink[:, :52]), DigitCandidate((62, 10, 10, 40), region.ink[:, 52:62])]
    assert choose_reading(region, [wider], 0.996, confidences, None, typical, 0, labels) == 0


def test_a_short_piece_cut_off_joined_ink_never_wins_on_evidence():
    """A doubted 9 cut into "01", an 8 into "00": the cut leaves a piece hanging from the top (a
    loop, a stroke's end) that the model reads surely, and two sure pieces outscore a doubted
    whole. Such a piece is no digit: the whole wins. A smaller digit on the baseline still does,
    and so does a short piece whose ink never touched the rest."""
    hanging = _region(second_height=18, second_on_top=True)
    assert _choice(hanging, None, (9, 0.3), [(0, 0.99), (1, 0.99)]) == -1
    on_baseline = _region(second_height=28)
    assert _choice(on_baseline, None, (9, 0.3), [(7, 0.99), (0, 0.99)]) == 0
    apart = _region(second_height=18, second_on_top=True)
    apart.ink[1, 28:40] = 0  # no bridge: two blobs of ink in one region
    assert _choice(apart, None, (9, 0.3), [(0, 0.99), (1, 0.99)]) == 0


def test_a_sure_whole_cut_through_three_strokes_is_no_pair():
    """A wide 5 read 5 surely, cut down its middle through its bar, its bowl and its tail: both
    halves read 5 surely, yet two digits side by side do not touch at three strokes. One
    stroke fewer at the cut, and the same readings are a pair ("55")."""
    ink = np.zeros((40, 64), np.uint8)
    for top in (2, 18, 34):
        ink[top:top + 4, 4:60] = 255
    ink[:, 4:8] = ink[:, 56:60] = 255
    region = DigitCandidate((10, 10, 64, 40), ink)

    def halves(candidate):
        return [DigitCandidate((10, 10, 32, 40), candidate.ink[:, :32]),
                DigitCandidate((42, 10, 32, 40), candidate.ink[:, 32:])]

    confidences, labels = [np.array([0.996, 0.996])], [np.array([5, 5])]
    typical = 64 / 1.5
    assert choose_reading(region, [halves(region)], 0.996, confidences, None, typical, 5, labels) == -1
    ink[18:22, 8:56] = 0
    assert choose_reading(region, [halves(region)], 0.996, confidences, None, typical, 5, labels) == 0


def test_a_wide_piece_of_the_chosen_cut_is_read_as_a_pair_where_a_finer_cut_says_so():
    """A "966" cut into "96", its "66" read 6 surely: every piece costs a little
    (`EXTRA_PIECE_LOG_PRIOR`), so two saturated pieces outscore three. Where the cut into three
    keeps the 9 and reads the wide piece as two sure digits, one of them as it read, it wins; not
    where that piece is no wider than the page's digits, nor where a piece of it is in doubt."""
    ink = np.zeros((40, 96), np.uint8)
    for start in (3, 35, 67):
        ink[:, start:start + 26] = 255
    ink[38, :] = 255  # joined along the baseline
    region = DigitCandidate((10, 10, 96, 40), ink)
    options = [split_at(region, [32]), split_at(region, [32, 64])]
    labels = [np.array([9, 6]), np.array([9, 6, 6])]

    def choice(typical: float, third: float) -> int:
        confidences = [np.array([0.996, 0.996]), np.array([0.996, 0.996, third])]
        return choose_reading(region, options, 0.12, confidences, None, typical, 9, labels)

    assert choice(32, 0.996) == 1
    assert choice(60, 0.996) == 0
    assert choice(32, 0.9) == 0


def test_the_benchmark_writes_pairs_that_touch_and_scores_each_item():
    from benchmarks.handwriting import DigitBank

    rng = np.random.default_rng(3)
    images = np.zeros((20, 28, 28), np.uint8)
    images[:, 6:22, 8:20] = 255  # blocks: any two side by side touch once overlapped
    bank = DigitBank(images, np.arange(20) % 10)
    page, items = touching_pairs.make_page(bank, rng)
    assert page.dtype == np.uint8 and items
    kinds = {item.kind for item in items}
    assert kinds == {"pair", "single"}
    pair = next(item for item in items if item.kind == "pair")
    assert touching_pairs.outcome(pair, pair.labels) == "right"
    assert touching_pairs.outcome(pair, pair.labels[0]) == "one"
    single = next(item for item in items if item.kind == "single")
    assert touching_pairs.outcome(single, single.labels * 2) == "split"
    assert touching_pairs.outcome(single, "") == "missed"


@pytest.fixture(scope="module")
def pages_read(default_classifier, mnist_test_digits):
    """Outcomes of every item on eight benchmark pages of MNIST test digits, read by the reader."""
    from collections import Counter

    from benchmarks.handwriting import DigitBank
    from runtime.reading.reader import PageReader

    reader = PageReader(default_classifier)
    bank = DigitBank(*mnist_test_digits)
    outcomes = Counter()
    for seed, index in [(seed, index) for seed in (91, 92) for index in range(4)]:
        image, items = touching_pairs.make_page(bank, np.random.default_rng([seed, index]))
        digits = [d for line in reader.read(image).lines for d in line.digits]
        for item in items:
            outcomes[item.kind, touching_pairs.outcome(item, touching_pairs.read_item(item, digits))] += 1
    return outcomes


def test_overlapping_pairs_are_read_as_two(pages_read):
    # Measured with the shipped model on these pages (95 pairs): 29 read right before the page's
    # width was asked (`touching.wide_pair`), 34 with it (sure wholes from 1.8 times the typical
    # width); 39 now (from 1.4, at the page's height, small digits on the baseline): 38 read as
    # one digit before, 33 now.
    assert pages_read["pair", "right"] >= 39


def test_wide_single_digits_are_not_split(pages_read):
    # 534 single digits, a fifth stretched wide: none split, before or now (529 read right).
    assert pages_read["single", "split"] == 0
    assert pages_read["single", "right"] >= 525
