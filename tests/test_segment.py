"""Segmentation: every digit found once, on clean, shadowed and ruled paper; junk rejected."""

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from synthetic_pages import add_rules, add_shadow, ink_page

from runtime.reading.segment import find_digits


def centre_inside(box, candidates) -> bool:
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return any(c.bbox[0] <= cx <= c.bbox[0] + c.bbox[2] and c.bbox[1] <= cy <= c.bbox[1] + c.bbox[3]
               for c in candidates)


def two_line_page(images):
    lines = [list(images[:5]) + [None] + list(images[5:8]), list(images[8:14])]
    return ink_page(lines)


def check_found(page, boxes):
    candidates = find_digits(page)
    truth = [box for line in boxes for box in line]
    assert len(candidates) == len(truth)
    assert all(centre_inside(box, candidates) for box in truth)


def test_finds_every_digit_on_clean_paper(mnist_test_digits):
    check_found(*two_line_page(mnist_test_digits[0]))


def test_finds_every_digit_under_a_shadow(mnist_test_digits):
    page, boxes = two_line_page(mnist_test_digits[0][20:])
    check_found(add_shadow(page, strength=0.6), boxes)


def test_ruled_lines_are_removed_and_digits_kept(mnist_test_digits):
    page, boxes = two_line_page(mnist_test_digits[0][40:])
    check_found(add_rules(page, spacing=36), boxes)


def test_colour_input_is_accepted(mnist_test_digits):
    page, boxes = two_line_page(mnist_test_digits[0][60:])
    check_found(np.dstack([page] * 3), boxes)


def test_blank_and_speckled_paper_has_no_digits():
    rng = np.random.default_rng(0)
    page = np.full((300, 400), 230, np.uint8)
    assert find_digits(page) == []
    for _ in range(40):  # dust: single dark pixels
        page[rng.integers(0, 300), rng.integers(0, 400)] = 40
    assert find_digits(page) == []


def test_crops_are_ink_on_black(mnist_test_digits):
    page, _ = two_line_page(mnist_test_digits[0])
    for candidate in find_digits(page):
        assert candidate.ink.dtype == np.uint8
        assert candidate.ink.shape == (candidate.bbox[3], candidate.bbox[2])
        assert candidate.ink.max() == 255 and np.median(candidate.ink) < 128


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=120),
                  elements=st.integers(0, 255)))
def test_random_images_never_crash(image):
    for candidate in find_digits(image):
        x, y, w, h = candidate.bbox
        assert 0 <= x and 0 <= y and x + w <= image.shape[1] and y + h <= image.shape[0]


def test_a_piece_cut_off_a_handwritten_bar_is_marked_and_digits_on_rules_are_not(mnist_test_digits):
    """A script's stem and loop hanging from its word's headline: rule removal erases the
    headline (a level run longer than a digit) and leaves the loop, which reads as a 6. The
    headline crosses a quarter of the page, a rule all of it."""
    page, boxes = two_line_page(mnist_test_digits[0][80:])
    page = np.vstack([add_rules(page, spacing=36), np.full((160, page.shape[1]), 255, np.uint8)])
    _assert_a_loop_hanging_from_a_headline_is_cut_off_it(page, page.shape[0] - 130, 4, margin=4)


def test_a_crumb_between_two_stacked_digits_does_not_join_them(mnist_test_digits):
    """Two lines written close, one above the other (digits in grid cells), and a dot between two
    of their digits within a fragment's reach of both (where two grid lines crossed): the dot
    joins one of them, never both into one region."""
    images = mnist_test_digits[0]
    page, boxes = ink_page([list(images[:5]), list(images[5:10])], line_spacing=0.95)
    upper, lower = boxes[0][2], boxes[1][2]
    across = (max(upper[0], lower[0]) + min(upper[0] + upper[2], lower[0] + lower[2])) // 2
    down = (upper[1] + upper[3] + lower[1]) // 2
    page[down - 2 : down + 2, across - 2 : across + 2] = 40
    check_found(page, boxes)


def _form_with_broken_boxes(images) -> tuple[np.ndarray, list]:
    """Three numbers written in boxes they touch, and an empty grid of boxes printed pale, which
    the photo broke into dark dashes 8 px long: before the boxes are erased, the dashes are most
    of the regions a digit could be."""
    page, boxes = ink_page([list(images[:5]), list(images[5:10]), list(images[10:15])])
    page = np.vstack([page, np.full((140, page.shape[1]), 235, np.uint8)])
    for line in boxes:
        left, right = min(b[0] for b in line) - 6, max(b[0] + b[2] for b in line) + 6
        top, bottom = min(b[1] for b in line), max(b[1] + b[3] for b in line)
        cv2.rectangle(page, (left, top - 1), (right, bottom), 90, 2)
    dash = 8
    for row in range(4):
        y = 330 + row * 22
        cv2.line(page, (20, y), (420, y), 170, 2)
        for x in range(20, 420, 2 * dash):
            cv2.line(page, (x, y), (x + dash, y), 70, 2)
        for x in range(20, 421, 40) if row < 3 else ():
            cv2.line(page, (x, y), (x, y + 22), 170, 2)
            for top in range(y, y + 22, 2 * dash):
                cv2.line(page, (x, top), (x, min(top + dash, y + 22)), 70, 2)
    return page, boxes


def test_digits_touching_their_boxes_keep_their_bars_beside_broken_printed_boxes(mnist_test_digits):
    """Measured among the dashes, the digits were 10 px tall, and rules looked for as 12 px runs
    were their own bars (a 7's, a 4's); measured again once the boxes are erased, they are 40."""
    page, boxes = _form_with_broken_boxes(mnist_test_digits[0])
    candidates = find_digits(page)
    found = [box for line in boxes for box in line
             if any(centre_inside(box, [c]) and c.bbox[3] > 0.6 * box[3] for c in candidates)]
    assert len(found) == 15


def test_a_headline_along_a_thin_tilted_rule_is_still_handwriting(mnist_test_digits):
    """A script's headline (a thick pen stroke) just above a thin printed rule that, slightly
    tilted, crosses the headline's rows over a third of the page: the rule does not make the
    headline a rule, and the loop hanging from it is marked as cut off it."""
    page, _ = two_line_page(mnist_test_digits[0][80:])
    page = np.vstack([page, np.full((160, page.shape[1]), 255, np.uint8)])
    width, top = page.shape[1], page.shape[0] - 130
    cv2.line(page, (0, top + 22), (width, top - 14), 150, 2)  # the rule
    _assert_a_loop_hanging_from_a_headline_is_cut_off_it(page, top, 8, margin=6)


def _assert_a_loop_hanging_from_a_headline_is_cut_off_it(page, top: int, headline_px: int, margin: int):
    """Draw a headline `headline_px` thick at row `top` of `page`, a stem and a loop hanging from
    it; the loop (the one region starting within `margin` of the headline or below) is marked as
    cut off a bar, and none of the 14 digits above it."""
    cv2.line(page, (60, top), (60 + page.shape[1] // 4, top), 40, headline_px)  # the headline
    cv2.line(page, (100, top), (100, top + 40), 40, 4)  # a stem hanging from it...
    cv2.circle(page, (110, top + 50), 10, 40, 4)  # ...into a loop
    candidates = find_digits(page)
    hanging = [c for c in candidates if c.bbox[1] >= top - margin]
    assert [c.cut_off_a_bar() for c in hanging] == [True]
    assert len(candidates) == 15 and not any(c.cut_off_a_bar() for c in candidates if c.bbox[1] < top - margin)


def test_bold_digits_blurred_into_blobs_are_found_on_pages_of_big_writing(mnist_test_digits):
    """Bold digits 28 px tall blurred by 2.5 px fill their loops, and thresholded are blobs that
    the stroke test dropped (59 of 90 found on three pages). Measured at their strokes' cores
    they are writing, as small digits already were (83 found); marked, so that they are kept
    only where the model is sure of them."""
    images = mnist_test_digits[0]
    found = blobs = 0
    for seed in range(3):
        pick = np.random.default_rng(seed).choice(len(images), 30, replace=False)
        page, boxes = ink_page([[images[i] for i in pick[row * 6:(row + 1) * 6]] for row in range(5)],
                               digit_height=28, gap=12)
        page = cv2.GaussianBlur(cv2.erode(page, np.ones((5, 5), np.uint8)).astype(np.float32), (0, 0), 2.5)
        page = np.clip(page + np.random.default_rng(seed).normal(0, 2, page.shape), 0, 255).astype(np.uint8)
        candidates = find_digits(page)
        found += sum(centre_inside(box, candidates) for line in boxes for box in line)
        blobs += sum(candidate.blurred_blob for candidate in candidates)
    assert found >= 80 and blobs >= 15


def test_bold_digits_that_all_touch_dark_rules_are_measured_once_the_rules_are_erased(mnist_test_digits):
    """Bold digits 70 px tall on dark rules 40 px apart: every digit touches a rule, and the
    regions measured before any is erased are a colon's dots (7 px, below the least digit
    size). Rules looked for as runs that short were the digits' own strokes: 0-5 of 24 digits
    were found whole on four such pages. Measured among what is left once page-long rules are
    erased, the digits are their own height, and found whole."""
    images = mnist_test_digits[0]
    for seed in range(4):
        pick = np.random.default_rng(seed).choice(len(images), 24, replace=False)
        page, boxes = ink_page([[images[i] for i in pick[row * 6:(row + 1) * 6]] for row in range(4)],
                               digit_height=70, gap=14)
        page = cv2.erode(page, np.ones((9, 9), np.uint8))  # a heavy hand
        for line in boxes:  # a colon after each row, its dots between the rules
            x, middle = line[-1][0] + line[-1][2] + 16, (line[0][1] // 40 + 1) * 40
            for dot in range(2):
                cv2.circle(page, (x, middle + 40 * dot), 3, 40, -1)
        candidates = find_digits(add_rules(page, 40, colour=90))
        whole = [box for line in boxes for box in line
                 if any(centre_inside(box, [c]) and c.bbox[3] > 0.6 * box[3] for c in candidates)]
        assert len(whole) >= 22, seed


def _small_page_and_room(images) -> tuple[np.ndarray, int, int]:
    """Two lines of MNIST digits 22 px tall, and room after the second for a digit drawn by hand:
    the page, and the top-left corner of that room."""
    page, boxes = ink_page([list(images[:6]), list(images[6:12])], digit_height=22)
    last = boxes[1][-1]
    page = np.hstack([page.astype(np.uint8), np.full((page.shape[0], 60), 235, np.uint8)])
    return page, last[0] + 30, last[1]


def test_a_small_6_broken_where_its_stem_meets_its_loop_is_one_region(mnist_test_digits):
    """A 6 whose stem comes down beside its loop with a 2 px break where they meet: the two
    pieces' boxes interlock (neither stacked nor a small fragment) and were read apart, a 6 read
    "10" (`runtime.reading.interlocked`)."""
    page, x, y = _small_page_and_room(mnist_test_digits[0])
    loop, stem = np.zeros_like(page), np.zeros_like(page)
    cv2.ellipse(loop, (x + 11, y + 15), (6, 6), 0, 0, 360, 255, 2)
    cv2.polylines(stem, [np.array([(x + 11, y), (x + 4, y + 6), (x + 3, y + 16)], np.int32)], False, 255, 3)
    stem[cv2.dilate(loop, np.ones((5, 5), np.uint8)) > 0] = 0  # the break
    page[(loop > 0) | (stem > 0)] = 20
    ours = [c.bbox for c in find_digits(page) if c.bbox[0] >= x - 5]
    assert len(ours) == 1 and ours[0][3] >= 22, ours


def test_a_1_tucked_under_a_7s_bar_stays_apart(mnist_test_digits):
    """A 1 written under the long bar of the 7 before it, 2 px below the bar: its box lies
    within the 7's and their ink as near as a broken stroke's, but the 1 stands most of a digit
    tall (a broken stroke's piece is shorter): two digits."""
    page, x, y = _small_page_and_room(mnist_test_digits[0])
    seven, one = np.zeros_like(page), np.zeros_like(page)
    cv2.line(seven, (x, y), (x + 23, y), 255, 2)
    cv2.line(seven, (x + 11, y), (x + 5, y + 21), 255, 2)
    cv2.line(one, (x + 19, y + 4), (x + 19, y + 21), 255, 2)
    page[(seven > 0) | (one > 0)] = 20
    ours = [c.bbox for c in find_digits(page) if c.bbox[0] >= x - 5]
    assert len(ours) == 2, ours


def test_the_paper_around_a_region_reads_the_same_marked_page_wide_or_window_by_window():
    # A camera frame marks its free and dark pixels once for the page, an A4 page window by
    # window (`Surroundings`): both must give every region the median test's own answer.
    from runtime.reading.component import Component
    from runtime.reading.region_filters import Surroundings

    rng = np.random.default_rng(7)
    labels = np.where(rng.random((90, 120)) < 0.3, rng.integers(1, 9, (90, 120)), 0).astype(np.uint16)
    darkness = rng.random((90, 120)).astype(np.float32)
    erased = (rng.random((90, 120)) < 0.2).astype(np.uint8) * 255
    components = []
    for _ in range(200):
        left, top = int(rng.integers(0, 110)), int(rng.integers(0, 80))
        right, bottom = left + int(rng.integers(1, 30)), top + int(rng.integers(1, 30))
        components.append(Component(left, top, min(right, 120), min(bottom, 90), 1, [1]))
    for lines in (None, erased):
        for limit in (0.3, 0.5, 0.7):
            answers = []
            for regions in (1000, 0):  # page-wide, then window by window
                surroundings = Surroundings(labels, darkness, limit, lines, regions)
                assert surroundings._surveyed == (regions > 0)
                answers.append([surroundings.paper_around(c) for c in components])
            expected = []
            for c in components:
                margin = max(2, c.height // 2)
                rows = slice(max(0, c.top - margin), c.bottom + margin, 2)
                columns = slice(max(0, c.left - margin), c.right + margin, 2)
                free = labels[rows, columns] == 0
                if lines is not None:
                    free &= lines[rows, columns] == 0
                expected.append(bool(np.sum(darkness[rows, columns][free] > limit) <= free.sum() / 2))
            assert answers[0] == answers[1] == expected
            assert 0 < sum(expected) < len(expected)  # both answers occur


def test_paper_around_a_page_of_small_digits_leaves_its_digits_found(mnist_test_digits):
    # The least digit size follows the writing, not the picture: taken from the picture alone,
    # 700 px of the page's own paper on every side put it above these 15 px digits (issue 15).
    images = list(mnist_test_digits[0][:400])
    page, boxes = ink_page([images[row * 40:(row + 1) * 40] for row in range(10)], digit_height=15)
    truth = [box for line in boxes for box in line]
    found = find_digits(page.astype(np.uint8))
    assert len(found) >= 0.95 * len(truth)
    padded = cv2.copyMakeBorder(page.astype(np.uint8), 700, 700, 700, 700, cv2.BORDER_CONSTANT, value=235)
    found_padded = find_digits(padded)
    assert len(found_padded) >= 0.95 * len(found)
    moved = [(x + 700, y + 700, w, h) for x, y, w, h in truth]
    assert sum(centre_inside(box, found_padded) for box in moved) >= 0.95 * len(truth)
