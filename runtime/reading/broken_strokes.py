"""Join the pieces of one digit that segmenting found as separate regions.

A 5's detached cap, a pencil stroke with a gap, a dot of ink, a stroke broken at its thinnest
(`runtime.reading.interlocked`): `merge_broken_strokes` joins such pieces while their union stays
digit-sized (`MERGED_MAX_HEIGHT`, `MERGED_MAX_WIDTH`), and keeps a crumb between two digits from
joining them into one.
"""

from __future__ import annotations

import numpy as np

from runtime.reading.component import Component
from runtime.reading.interlocked import interlocking
from runtime.reading.pairs import near_pairs
from runtime.reading.sharpen import is_small_writing

MERGED_MAX_HEIGHT = 1.5
MERGED_MAX_WIDTH = 1.25
"""A merged region is digit-sized while at most this many digit heights tall and wide."""


def merge_broken_strokes(components: list[Component], digit_height: float,
                          labels: np.ndarray | None = None) -> list[Component]:
    """Join pieces of one digit: a 5's detached cap, a pencil stroke with a gap, a dot of ink.

    Two regions merge when their union is still digit-sized and they stack (share most of
    their width) or one is a small fragment close to the other. Side-by-side digits share
    little width, and digits on different lines make a union too tall, so neither merges.
    """
    tiny = 0.08 * digit_height
    components = [c for c in components if c.height > tiny or c.width > tiny]
    if len(components) < 2:
        return components
    boxes = np.array([(c.left, c.top, c.right, c.bottom) for c in components], np.float32)
    first, second = near_pairs(boxes, 1.5 * digit_height)
    left, top, right, bottom = boxes.T
    width, height = right - left, bottom - top
    union_w = np.maximum(right[first], right[second]) - np.minimum(left[first], left[second])
    union_h = np.maximum(bottom[first], bottom[second]) - np.minimum(top[first], top[second])
    overlap_x = np.minimum(right[first], right[second]) - np.maximum(left[first], left[second])
    gap_x = -overlap_x
    overlap_y = np.minimum(bottom[first], bottom[second]) - np.maximum(top[first], top[second])
    gap_y = -overlap_y
    narrower = np.minimum(width[first], width[second])
    digit_sized = (union_h <= MERGED_MAX_HEIGHT * digit_height) & (union_w <= MERGED_MAX_WIDTH * digit_height)
    shorter = np.minimum(height[first], height[second])
    # Stacked: one above the other (little vertical overlap), sharing most of their width.
    # Side-by-side digits whose boxes overlap (a slanted 1 beside a 4) overlap vertically too.
    stacked = ((overlap_x >= 0.5 * narrower) & (gap_y <= 0.35 * digit_height)
               & (overlap_y <= 0.3 * shorter))
    small = (np.maximum(width, height) < 0.45 * digit_height)
    fragment = (small[first] | small[second]) & (np.maximum(gap_x, gap_y) <= 0.2 * digit_height)
    # Beside a digit (not within its column) only a crumb joins it: a piece a third of a digit
    # tall is more likely a small digit of its own (a 0 squeezed in before a 7) than a stroke.
    crumb = np.maximum(width, height) < 0.25 * digit_height
    fragment &= (overlap_x > 0) | (crumb[first] | crumb[second])
    join = digit_sized & (stacked | fragment)
    if labels is not None:  # pieces of a stroke broken at its thinnest (`interlocked`)
        join |= digit_sized & interlocking(boxes, first, second, overlap_x, overlap_y, digit_height, labels,
                                           [c.labels for c in components])
    # Each pair is judged alone, so a crumb near two digits would join both into one region: on
    # squared paper, a dot left where grid lines crossed lies within reach of the digits above and
    # below it. In small writing such a crumb joins neither (`_crumbs_between`); elsewhere it
    # keeps its nearest partner where its partners together would be too tall for one digit
    # (`_nearest_for_crumbs`: an i's dot among the pieces of a bold word still joins them all).
    if is_small_writing(digit_height):
        join &= ~_crumbs_between(first, second, join, crumb)
    join &= _nearest_for_crumbs(boxes, first, second, crumb, np.maximum(gap_x, gap_y), join, digit_height)
    parent = list(range(len(components)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for one, other in zip(first[join].tolist(), second[join].tolist()):
        parent[root(other)] = root(one)
    merged: dict[int, Component] = {}
    for index, component in enumerate(components):
        key = root(index)
        if key in merged:
            merged[key].absorb(component)
        else:
            merged[key] = Component(component.left, component.top, component.right,
                                     component.bottom, component.area, list(component.labels))
    return list(merged.values())


def _crumbs_between(first: np.ndarray, second: np.ndarray, join: np.ndarray, crumb: np.ndarray) -> np.ndarray:
    """Which of the pairs about to `join` join a crumb to a region while the crumb would join
    another region too: a crumb between two digits belongs to neither.

    Asked on pages of small writing only (`sharpen.is_small_writing`): on 300 development pages
    (640x480, seeds 55 and 56, validation digits) 117 more digits read right, 18 fewer false.
    On every page, a 640x480 page of bold letters (`benchmarks.hard_pages`, seed 56), whose
    words had chained through crumbs into one region too big to read, fell apart into five
    columns of words, which the orientation vote turned: 25 digits read where there were none."""
    one_crumb = join & (crumb[first] != crumb[second])
    crumbs = np.where(crumb[first], first, second)[one_crumb]
    partners_of = np.bincount(crumbs, minlength=len(crumb))
    between = np.zeros(len(first), bool)
    between[one_crumb] = partners_of[crumbs] >= 2
    return between


def _nearest_for_crumbs(boxes: np.ndarray, first: np.ndarray, second: np.ndarray, crumb: np.ndarray,
                       gap: np.ndarray, join: np.ndarray, digit_height: float) -> np.ndarray:
    """Which pairs may still join once a crumb lying between regions that would together be
    taller than a digit keeps only its nearest partner (that is not a crumb itself). On squared
    paper the dot left where two dark grid lines crossed lies within a fragment's reach of the
    digits in the cells above and below it, and joined to both it made them one region (a 4
    over a 2 read "3", or a region too big for a digit, dropped). A crumb among the pieces of one
    line of writing (an i's dot between the r and the t of a bold "write") still joins them all,
    as do pairs of crumbs (a dotted stroke): only the height tells stacked cells apart."""
    keep = np.ones(len(first), bool)
    one_crumb = join & (crumb[first] != crumb[second])
    pairs = np.flatnonzero(one_crumb)
    if len(pairs) < 2:
        return keep
    owner = np.where(crumb[first[pairs]], first[pairs], second[pairs])
    partner = np.where(crumb[first[pairs]], second[pairs], first[pairs])
    # The box of each crumb's partners together: (left, top) least, (right, bottom) most.
    low = np.full((len(boxes), 2), np.inf, np.float32)
    high = np.full((len(boxes), 2), -np.inf, np.float32)
    np.minimum.at(low, owner, boxes[partner, :2])
    np.maximum.at(high, owner, boxes[partner, 2:])
    extent = high[owner] - low[owner]
    bridging = extent[:, 1] > MERGED_MAX_HEIGHT * digit_height
    order = np.lexsort((gap[pairs], owner))  # by crumb, nearest partner first
    ordered = owner[order]
    later = np.concatenate(([False], ordered[1:] == ordered[:-1]))  # np.r_'s, without its 10 µs
    keep[pairs[order][later & bridging[order]]] = False
    return keep
