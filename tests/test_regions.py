"""The segmenter's shortcuts give what the plain way gives: regions as OpenCV labels and measures
them, rule removal's labels as a fresh labelling would number them, its test for a line beside a
box side, the polarity's working copy, the stroke-width bound that spares measuring long regions."""

import cv2
import numpy as np
import pytest

from runtime.reading.evidence import stroke_width_px
from runtime.reading.polarity import working_copy
from runtime.reading.regions import (
    _ANY_ORDER_LABELLING,
    _LABELLING,
    SPARSE_MIN_PIXELS,
    _labelled_by_blocks,
    label_regions,
    label_regions_with_pixels,
    set_pixels,
)
from runtime.reading.rules import MIN_BRIDGE_PX, _band_near, _band_within, _bridges, _thickness, remove_rules


def opencv_regions(mask):
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return count, labels, stats


def scribbles(height: int, width: int, seed: int, specks: float = 0.002) -> np.ndarray:
    """A 0/255 mask of specks, strokes and lines, as ink on a page looks."""
    rng = np.random.default_rng(seed)
    mask = ((rng.random((height, width)) < specks) * 255).astype(np.uint8)
    for _ in range(200):
        start = rng.integers(0, (width, height))
        end = start + rng.integers(-40, 40, 2)
        cv2.line(mask, tuple(int(v) for v in start), tuple(int(v) for v in end), 255, int(rng.integers(1, 4)))
    return mask


@pytest.mark.parametrize("shape, specks, framed", [((1100, 800), 0.002, False), ((1100, 800), 0.3, False),
                                                   ((300, 400), 0.002, False), ((1100, 800), 0.002, True)])
def test_regions_are_opencvs_labels_and_statistics(shape, specks, framed):
    mask = scribbles(*shape, seed=3, specks=specks)
    mask[0, :5] = 255  # a region on the edge, and background that does not reach the corner
    if framed:  # ink along the top and left edges: the background's box starts further in
        mask[0, :], mask[:, 0] = 255, 255
    count, labels, stats = label_regions(mask)
    want_count, want_labels, want_stats = opencv_regions(mask)
    assert count == want_count and count > 100
    assert np.array_equal(labels, want_labels)
    assert np.array_equal(stats, want_stats)


@pytest.mark.parametrize("shape, step", [((2339, 1654), 4), ((1100, 800), 3), ((300, 400), 3)])
def test_more_regions_than_uint16_numbers_are_labelled_as_opencv_does(shape, step):
    # Labels are uint16 where the regions fit (faster); past 65,535 regions, int32. Isolated
    # dots: 242,000 regions on a sparse A4 mask, 98,000 on a dense one, 13,000 on a small one.
    mask = np.zeros(shape, np.uint8)
    mask[::step, ::step] = 255
    count, labels, stats = label_regions(mask)
    want_count, want_labels, want_stats = opencv_regions(mask)
    assert count == want_count
    assert np.array_equal(labels, want_labels) and np.array_equal(stats, want_stats)


def test_page_sized_masks_take_the_sparse_way():
    assert 1100 * 800 >= SPARSE_MIN_PIXELS > 300 * 400


def test_regions_of_an_empty_and_a_full_page_mask():
    for value in (0, 255):
        mask = np.full((1000, 700), value, np.uint8)
        count, labels, stats = label_regions(mask)
        want_count, want_labels, want_stats = opencv_regions(mask)
        assert count == want_count
        assert np.array_equal(labels, want_labels) and np.array_equal(stats, want_stats)


def form_page(seed: int, box_width: int) -> np.ndarray:
    """Ink in boxes on ruled paper: horizontal rules, box sides between them, strokes crossing."""
    mask = scribbles(1000, 760, seed, specks=0.0005)
    for y in range(60, 1000, 90):
        mask[y : y + 2, 20:740] = 255
    for x in range(40, 740, box_width):  # box sides from one rule to the next
        mask[150:242, x : x + 2] = 255
    return mask


@pytest.mark.parametrize("seed, box_width", [(1, 70), (2, 9)])  # few box sides, and many
def test_rule_removal_keeps_the_labels_a_fresh_labelling_gives(seed, box_width):
    mask = form_page(seed, box_width)
    labels, stats, kept = remove_rules(mask, mask, 30, 60)[:3]
    cleaned = (labels > 0).astype(np.uint8) * 255
    count, fresh_labels, fresh_stats = opencv_regions(cleaned)
    assert kept.sum() == count - 1 > 50
    # The same regions, in the same order: the kept labels, numbered afresh, are the fresh labels.
    assert np.array_equal(stats[kept], fresh_stats[1:])
    renumber = np.zeros(len(stats), np.int32)
    renumber[kept] = np.arange(1, count)
    assert np.array_equal(renumber[labels], fresh_labels)


def test_a_line_beside_a_box_side_is_found_as_on_the_band_dilated_by_three_rows():
    """`_band_near` gathers three rows where a dilation of the band by three rows (the plain way)
    made a pass over the page; rows at the page's edges included."""
    rng = np.random.default_rng(4)
    for _ in range(500):
        height, width = (int(v) for v in rng.integers(1, 30, 2))
        band = ((rng.random((height, width)) < rng.uniform(0.0, 0.2)) * 255).astype(np.uint8)
        count = int(rng.integers(1, 12))
        left = rng.integers(0, width, count).astype(np.int32)
        widths = np.array([rng.integers(1, width - x + 1) for x in left], np.int32)
        rows = rng.integers(0, height, count).astype(np.int32)
        for step, anchor_row in ((-1, 2), (1, 0)):  # the two rows above, the two rows below
            dilated = cv2.dilate(band, np.ones((3, 1), np.uint8), anchor=(0, anchor_row))
            assert np.array_equal(_band_near(band, rows, left, widths, step),
                                  _band_within(dilated, rows, left, widths))


def test_rule_removal_finds_nothing_on_a_page_without_lines():
    mask = np.zeros((600, 500), np.uint8)
    cv2.circle(mask, (250, 300), 10, 255, 2)  # no run near 30 px long, even thickened
    assert remove_rules(mask, mask, 30, 60) is None


@pytest.mark.parametrize("shape", [(2339, 1654), (480, 640), (1200, 1600), (321, 500), (100, 90)])
def test_the_working_copy_from_the_float_shrink_is_opencvs(shape):
    gray = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    step = max(1, min(shape) // 160)
    size = (max(1, shape[1] // step), max(1, shape[0] // step))
    shrunk = cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    assert np.array_equal(working_copy(gray, shrunk), working_copy(gray))


def test_no_stroke_is_wider_than_the_shorter_side_plus_one():
    """What lets `looks_written` pass long regions without measuring their stroke width."""
    rng = np.random.default_rng(0)
    for _ in range(500):
        height, width = rng.integers(1, 60, 2)
        own = (rng.random((height, width)) < rng.uniform(0.5, 1.0)).astype(np.uint8)
        if rng.random() < 0.3:
            own[:] = 1  # a solid block: the widest circle there is
        assert stroke_width_px(own) <= min(height, width) + 1


def test_regions_in_any_order_are_the_same_regions():
    """The faster labelling, for callers that use regions and not their numbers: the same pixels
    in each region, and each region's box and area, numbered otherwise (here on 3,524 pixels)."""
    rng = np.random.default_rng(3)
    mask = np.zeros((1200, 1000), np.uint8)
    for _ in range(300):
        x, y = (int(v) for v in rng.integers(0, 990, 2))
        cv2.line(mask, (x, y), (x + int(rng.integers(-40, 40)), y + int(rng.integers(0, 60))), 255, 2)
    assert mask.size >= SPARSE_MIN_PIXELS
    count, labels, stats = label_regions(mask)
    any_count, any_labels, any_stats = label_regions(mask, any_order=True)
    assert any_count == count
    pairs = np.unique(np.stack([labels.ravel(), any_labels.ravel()]), axis=1)
    assert pairs.shape[1] == count  # one to one
    assert np.array_equal(stats[pairs[0]], any_stats[pairs[1]])


def lines_of_writing(seed: int, shape=(1400, 900)) -> np.ndarray:
    """A sparse page: lines of scribbles with empty rows between them, each line starting on
    an odd or even row and column, and one line at the page's bottom edge."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, np.uint8)
    for top in (*range(int(rng.integers(0, 3)), shape[0] - 60, 97), shape[0] - 25):
        left = int(rng.integers(0, 40))
        for _ in range(40):
            x, y = int(rng.integers(left, shape[1] - 30)), int(rng.integers(top, top + 20))
            cv2.line(mask, (x, y), (x + int(rng.integers(-8, 20)), min(shape[0] - 1, y + int(rng.integers(0, 6)))),
                     255, int(rng.integers(1, 3)))
        mask[top, left] = 255  # the line's first row and column set, whatever their parity
    return mask


@pytest.mark.parametrize("seed", range(4))
def test_a_sparse_page_labelled_block_by_block_is_opencvs(seed):
    """Lines of writing are labelled line by line (`_labelled_by_blocks`): OpenCV's very labels,
    numbered as its labelling of the whole page numbers them, in either algorithm."""
    mask = lines_of_writing(seed)
    for algorithm, any_order in ((_LABELLING, False), (_ANY_ORDER_LABELLING, True)):
        assert _labelled_by_blocks(mask, algorithm) is not None  # the blocks are taken
        count, labels, stats, index = label_regions_with_pixels(mask, any_order)
        want_count, want_labels, want_stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
            mask, 8, cv2.CV_32S, algorithm)
        assert count == want_count > 200
        assert np.array_equal(labels, want_labels) and np.array_equal(stats, want_stats)
        assert np.array_equal(index, set_pixels(mask))


def test_a_page_whose_ink_fills_its_rows_is_labelled_whole():
    mask = scribbles(1100, 800, seed=3)
    assert _labelled_by_blocks(mask, _LABELLING) is None
    count, labels, stats = label_regions(mask)
    assert np.array_equal(labels, opencv_regions(mask)[1])


@pytest.mark.parametrize("seed", range(3))
def test_bridges_over_level_lines_are_closed_as_on_the_whole_page(seed):
    """Level lines' bridges are closed on the band's rows and a reach around them alone: the
    closing of the whole page, within the band (lines at the page's edges too)."""
    rng = np.random.default_rng(seed)
    mask = scribbles(900, 700, seed, specks=0.0005)
    found = np.zeros_like(mask)
    for row in (0, *rng.integers(5, 890, 12).tolist(), 898):
        found[row : row + int(rng.integers(1, 4)), int(rng.integers(0, 50)) : int(rng.integers(600, 700))] = 255
    mask |= found
    erased = cv2.dilate(found, np.ones((3, 3), np.uint8))
    reach = max(MIN_BRIDGE_PX, int(np.ceil(_thickness(found, 0))) + 5)
    whole = cv2.morphologyEx(cv2.subtract(mask, erased), cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach)))
    want = cv2.bitwise_and(whole, erased)
    assert cv2.countNonZero(want) > 100
    assert np.array_equal(_bridges(mask, found, erased, 0), want)
