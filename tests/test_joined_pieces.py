"""A digit written in two strokes that do not meet (a 6's stem lifted off its loop) is read as one
digit where the model reads its pieces joined better than apart (`runtime.reading.joined`), not as
the two digits its pieces read alone (a 6 read "10")."""

from __future__ import annotations

import numpy as np
import pytest
from development_pages import development_page, read_at

from runtime.reading.joined import interlocked_pairs, joined, reads_better_joined
from runtime.reading.reader import PageReader
from runtime.reading.segment import DigitCandidate


def _stroke_box(box) -> np.ndarray:
    """Ink filling a box's outline, 3 px thick."""
    _, _, width, height = box
    ink = np.zeros((height, width), np.uint8)
    ink[:3, :] = ink[-3:, :] = ink[:, :3] = ink[:, -3:] = 255
    return ink


STEM = (278, 564, 30, 48)  # a 6's stem and its loop, as segmented on a development page
LOOP = (281, 594, 49, 34)


def test_a_stem_standing_in_its_loop_s_columns_interlocks():
    assert interlocked_pairs([STEM, LOOP], [_stroke_box(STEM), _stroke_box(LOOP)], 46.0) == [(0, 1)]


def test_digits_side_by_side_do_not_interlock():
    one, zero = (200, 564, 8, 48), (212, 570, 30, 42)  # a 1 beside a 0: no column shared
    assert interlocked_pairs([one, zero], [_stroke_box(one), _stroke_box(zero)], 46.0) == []
    tall = (281, 560, 30, 46)  # a whole digit tall, leaning into the other's box: two digits
    assert interlocked_pairs([tall, LOOP], [_stroke_box(tall), _stroke_box(LOOP)], 40.0) == []


def test_the_joined_region_holds_both_pieces_ink():
    union = joined(DigitCandidate(STEM, _stroke_box(STEM)), DigitCandidate(LOOP, _stroke_box(LOOP)))
    assert union.bbox == (278, 564, 52, 64)
    assert int(np.count_nonzero(union.ink)) > np.count_nonzero(_stroke_box(LOOP))


def test_joined_only_where_it_reads_better_than_apart():
    assert reads_better_joined(0.996, [0.996, 0.996])  # a 6 read "10" surely in both pieces
    assert reads_better_joined(0.969, [0.996, 0.996])  # a piece beyond the first costs as much
    assert not reads_better_joined(0.6, [0.996, 0.996])  # joined in doubt: two digits
    assert not reads_better_joined(0.9, [0.996, 0.996])


@pytest.mark.parametrize("seed, index, point", [(404, 5, (300, 600)), (409, 0, (333, 1036)), (410, 12, (155, 1228))])
def test_a_six_whose_stem_stands_apart_reads_six(tmp_path, default_classifier, seed, index, point):
    """Clean development worksheets of validation digits (`benchmarks.worksheets --digits
    validation --seed SEED`) where main read a 6 "10"."""
    image, truth = development_page(tmp_path, seed, index)
    digits = PageReader(default_classifier).read(image).digits
    assert read_at(digits, truth, point) == ("6", "6")
