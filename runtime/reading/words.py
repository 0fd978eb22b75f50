"""Word context: digits written inside a word of letters are letters of that word.

A model with a "not a digit" output drops most letters, but single letters shaped like digits
(o, l, s, g, z...) still come back as 0, 1, 5, 9, 2. Their neighbours give them away: a digit
that sits in one word with crops the model calls "not a digit" (same line, closer than a word
gap) is read as part of that word, and when enough of the word is "not a digit" its digits are
dropped too. A number beside one stray mark keeps its digits: the mark is a small share of it.

Usage:
    dropped = digits_in_words(digit_boxes, not_digit_boxes, WordOptions())
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.results import BBox


@dataclass(frozen=True)
class WordOptions:
    """When neighbouring crops make one word, and when that word is letters."""

    gap_factor: float = 0.6
    """Two glyphs are one word when the gap between them is under this share of the taller one's
    height (handwriting leaves about a letter height between words)."""
    min_height_ratio: float = 0.4
    """The shorter of two neighbours must be at least this share of the taller: specks, dashes
    and rule fragments beside a number do not join its word."""
    min_not_digit_share: float = 0.34
    """A word whose crops are at least this share "not a digit" is letters: its digits go; one
    mark beside two or more digits never reaches it. Chosen with `benchmarks.not_digit_threshold`
    (MNIST-validation and unused-seed no-digit pages, see README): 0.5 / 0.34 / 0.25 kept digit
    F1 98.46 / 98.46 / 98.39% and left 265 / 235 / 151 digits on the no-digit pages (327 with no
    rule). Above 1: never."""


def digits_in_words(digit_boxes: list[BBox], not_digit_boxes: list[BBox], options: WordOptions) -> set[int]:
    """Indices into `digit_boxes` of the digits that belong to a word of letters.

    Boxes are (x, y, w, h) in one page's pixels. A word is a connected group of glyphs (digits
    and not-a-digit crops) linked pairwise by `_neighbours`.
    """
    if not digit_boxes or not not_digit_boxes:
        return set()
    boxes = np.asarray(list(digit_boxes) + list(not_digit_boxes), np.float64).reshape(-1, 4)
    # Along rows or along columns: the reader may hold a page of words turned a quarter (the
    # orientation vote can prefer letters sideways), and its words then run down the page.
    linked = _neighbours(boxes, options) | _neighbours(boxes[:, [1, 0, 3, 2]], options)
    word = _components(len(boxes), np.argwhere(linked))
    is_digit = np.arange(len(boxes)) < len(digit_boxes)
    dropped: set[int] = set()
    for label in np.unique(word):
        members = word == label
        share = 1.0 - is_digit[members].mean()
        if 0.0 < share < 1.0 and share >= options.min_not_digit_share:
            dropped.update(int(i) for i in np.flatnonzero(members & is_digit))
    return dropped


def _neighbours(boxes: np.ndarray, options: WordOptions) -> np.ndarray:
    """(N, N) upper-triangular: glyphs i < j on one line, of like height, closer than a word gap."""
    left, top, width, height = boxes.T
    right, bottom, middle = left + width, top + height, top + height / 2
    taller = np.maximum(height[:, None], height[None, :])
    shorter = np.minimum(height[:, None], height[None, :])
    # The shorter glyph's middle lies within the taller one's rows: the two share a line.
    i_taller = height[:, None] >= height[None, :]
    small_middle = np.where(i_taller, middle[None, :], middle[:, None])
    big_top = np.where(i_taller, top[:, None], top[None, :])
    big_bottom = np.where(i_taller, bottom[:, None], bottom[None, :])
    one_line = (small_middle >= big_top) & (small_middle <= big_bottom)
    gap = np.maximum(left[:, None], left[None, :]) - np.minimum(right[:, None], right[None, :])
    linked = one_line & (shorter >= options.min_height_ratio * taller) & (gap < options.gap_factor * taller)
    return np.triu(linked, k=1)


def _components(count: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label per node of an undirected graph given as (i, j) pairs."""
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        parent[root(int(i))] = root(int(j))
    return np.array([root(node) for node in range(count)])
