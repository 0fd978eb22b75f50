"""Digits sitting on the rules of ruled paper keep the strokes that lie along a rule (`runtime.reading.rules`, issue 15).

A 2's base, the bottom of a 0's or 6's loop lie along the rule the digit is written on; erased with
the rule, a 2 read as a 7, a 0 as a 1, and a 6 came apart into a 1 and a fragment."""

import cv2
import numpy as np
from rule_fixtures import after_rule_removal

from runtime.reading.reader import PageReader

RULE_DARKNESS = 0.3
PEN_DARKNESS = 0.9
RULE_ROWS = range(60, 400, 60)
HORIZONTAL_PX = 36  # the level run that makes a line for digits 30 px tall (`segment._rule_runs`)


def ruled_sheet_with_a_two() -> tuple[np.ndarray, tuple[slice, slice], tuple[slice, slice]]:
    """An ink map of ruled paper (rules 2 px thick across the sheet) with a "2" whose base lies
    along the rule at rows 120-121, and the base's pixels and those of the rule beyond the 2."""
    darkness = np.zeros((400, 600), np.float32)
    for row in RULE_ROWS:
        darkness[row : row + 2, :] = RULE_DARKNESS
    pen = np.zeros_like(darkness)
    cv2.ellipse(pen, (115, 100), (14, 10), 0, 180, 360, 1.0, 3)  # the arch
    cv2.line(pen, (129, 100), (101, 120), 1.0, 3)  # the diagonal, down to the rule
    base = (slice(119, 123), slice(101, 134))
    pen[base] = 1.0  # on the rule
    darkness = np.maximum(darkness, pen * PEN_DARKNESS)  # pen over the printed rule
    return darkness, base, (slice(120, 122), slice(200, 400))


def test_a_stroke_along_a_rule_stays_and_the_rule_goes():
    darkness, base, rule_beyond = ruled_sheet_with_a_two()
    mask, _, labels, left = after_rule_removal(darkness, HORIZONTAL_PX)
    assert mask[rule_beyond].all()
    assert left[base].mean() > 0.9  # the 2's base, lying on the rule, is still there (before: 0.0)
    assert not left[rule_beyond].any()
    assert not left[[row for row in RULE_ROWS if row != 120], :].any()  # the other rules are gone
    # One piece: arch, diagonal and base.
    assert labels[base][1, 20] == labels[90, 115] != 0


def test_darker_grain_along_thick_lines_across_the_page_is_erased_with_them():
    """A desk's grain runs across the page like rules, but lies thick: what is darker along it is
    more grain, not writing, and goes with it (kept, such knots were read as digits)."""
    darkness = np.zeros((400, 600), np.float32)
    for top in range(10, 390, 24):
        darkness[top : top + 10, :] = 0.4  # grain lines 10 px thick across the page
    darkness[204:212, 300:320] = 0.9  # a darker knot in one, shorter than a run
    assert not after_rule_removal(darkness, HORIZONTAL_PX)[3].any()


def ruled_page_of_digits_on_their_rules(images: np.ndarray, per_line: int = 8, height_px: int = 40) -> np.ndarray:
    """A page of MNIST digits (dark ink, `height_px` tall) with a pale printed rule (2 px) across
    the page under each line, each digit's lowest ink on its rule, as digits written on a rule sit."""
    side = int(round(28 * height_px / 20.0))  # MNIST digits are 20 px tall in 28 px images
    pitch = 2 * height_px
    rows = [images[start : start + per_line] for start in range(0, len(images), per_line)]
    page = np.full((pitch * (len(rows) + 1), 2 * height_px + (height_px + 10) * per_line), 235, np.float32)
    for index, row in enumerate(rows):
        rule_row = pitch * (index + 1)
        page[rule_row - 1 : rule_row + 1, :] *= 1 - RULE_DARKNESS  # printed first; ink multiplies
        for position, digit in enumerate(row):
            big = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            top = rule_row - int(np.flatnonzero((big > 60).any(axis=1)).max())
            left = height_px + (height_px + 10) * position - side // 5
            cell = page[top : top + side, left : left + side]
            cell[:] = np.minimum(cell, 235 - big * (215 / 255.0))
    return np.clip(page, 0, 255).astype(np.uint8)


def test_digits_whose_feet_lie_along_their_rule_are_read(mnist_test_digits, default_classifier):
    """2s, 0s and 6s (the first 8 MNIST test images of each) 24 px tall, written on rules. Before,
    the lines read 72722272, 00000000 and 10666101066: 2s whose base was erased read as 7s, and 6s
    whose loop lost its bottom came apart into a 1 and a 0."""
    images, labels = mnist_test_digits
    chosen = np.concatenate([np.flatnonzero(labels == digit)[:8] for digit in (2, 0, 6)])
    page = ruled_page_of_digits_on_their_rules(images[chosen], height_px=24)
    read = PageReader(default_classifier).read(page)
    assert ["".join(digit.digit for digit in line.digits) for line in read.lines] == ["2" * 8, "0" * 8, "6" * 8]


def _line_darkness_on_the_whole_map(dark: np.ndarray, run: tuple[int, int], thicken: tuple[int, int]) -> np.ndarray:
    """The lines' darkness as first written: the grey opening of the whole thickened map."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, run)
    thick = cv2.dilate(dark, cv2.getStructuringElement(cv2.MORPH_RECT, thicken))
    return cv2.dilate(cv2.erode(thick, kernel), kernel)


def test_lines_darkness_worked_out_about_the_ink_on_them_is_the_whole_map_s():
    """`_line_darkness` opens the map only about the pixels asked (the ink on the lines, a few
    digits' feet on a ruled page): there it is the whole map's opening, level and upright, for
    pixels at the map's edges, close together and far apart."""
    from runtime.reading.rules import _line_darkness

    rng = np.random.default_rng(11)
    dark = (rng.random((120, 400)) * 255).astype(np.uint8)
    dark[40:43, :] = np.maximum(dark[40:43, :], 200)  # a line across, darker than most
    asked = np.zeros_like(dark)
    for row, column in ((0, 0), (41, 3), (41, 60), (42, 61), (41, 399), (80, 200), (119, 390), (41, 250)):
        asked[row, column] = 255
    for run, thicken in (((25, 1), (1, 3)), ((1, 25), (3, 1))):
        mask = asked if run[1] == 1 else np.ascontiguousarray(asked[:, :120].T)
        ink = dark if run[1] == 1 else np.ascontiguousarray(dark[:, :120].T)
        found = _line_darkness(ink, run, thicken, mask)
        whole = _line_darkness_on_the_whole_map(ink, run, thicken)
        assert np.array_equal(found[mask > 0], whole[mask > 0])
        assert whole[mask > 0].any()


def test_printed_rules_band_is_their_lines_widened():
    """`_printed_rules` gives the band of the rules alone, as the page's widening of those lines
    would: a straight rule alone in its rows (at the page's top edge too), rules joined in one
    tall block by a stroke between them; thick or short lines left out."""
    from runtime.reading.rules import _SQUARE_3, _printed_rules

    rules, others = np.zeros((300, 500), np.uint8), np.zeros((300, 500), np.uint8)
    rules[0:2, 10:490] = 255  # at the top edge
    rules[60:62, 0:500] = 255
    rules[120:122, 5:495] = 255  # two rules joined by a stroke: one tall block, labelled, and
    rules[140:142, 5:495] = 255  # one thin long region, stroke and all
    rules[122:140, 250:253] = 255
    others[100:104, 300:400] = 255  # a short line in the rows about them
    others[200:230, 20:480] = 255  # a thick band (a shadowed edge)
    others[260:262, 100:200] = 255  # a short line
    found = cv2.bitwise_or(rules, others)
    band = cv2.dilate(found, _SQUARE_3)
    got = _printed_rules(found, band, horizontal_px=36)
    assert np.array_equal(got, cv2.dilate(rules, _SQUARE_3))
    assert _printed_rules(others[200:, :], band[200:, :], horizontal_px=36) is None
