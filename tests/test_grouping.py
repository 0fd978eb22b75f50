"""Digits into numbers and lines, in reading order."""

from runtime.reading.grouping import group_lines
from runtime.results import Digit


def digit(text, x, y, w=20, h=30):
    return Digit(digit=text, confidence=0.99, bbox=(x, y, w, h))


def test_lines_top_to_bottom_numbers_split_by_wide_gaps():
    digits = [digit("4", 200, 100), digit("1", 10, 10), digit("2", 35, 12), digit("3", 120, 8),
              digit("5", 225, 102)]
    lines = group_lines(digits)
    assert [line.text for line in lines] == ["12 3", "45"]
    assert lines[0].numbers[0].bbox == (10, 10, 45, 32)


def test_a_tilted_line_stays_one_line():
    # Each digit 6 px lower than the last: over ten digits the line drops two digit heights.
    digits = [digit(str(i), 10 + 25 * i, 10 + 6 * i) for i in range(10)]
    lines = group_lines(digits)
    assert [line.text for line in lines] == ["0123456789"]


def test_two_close_lines_do_not_merge():
    top = [digit(str(i), 10 + 25 * i, 10) for i in range(4)]
    bottom = [digit(str(9 - i), 10 + 25 * i, 50) for i in range(4)]
    assert [line.text for line in group_lines(bottom + top)] == ["0123", "9876"]


def test_no_digits_no_lines():
    assert group_lines([]) == []


def test_median_is_the_standard_librarys():
    # the reader's own median (quantiles.median) spares every worker's start importing `statistics` (18 ms).
    import random
    import statistics

    from runtime.reading.quantiles import median

    rng = random.Random(4)
    for size in range(1, 12):
        for values in ([rng.randint(0, 90) for _ in range(size)], [rng.uniform(-5, 300) for _ in range(size)]):
            assert median(values) == statistics.median(values)
            assert type(median(values)) is type(statistics.median(values))
