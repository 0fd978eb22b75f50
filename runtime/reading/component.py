"""One region of a page as segmenting finds it: its box, its area and the labels that make it up.

Shared by the segmenter (`runtime.reading.segment`), which finds and merges regions, and the
checks that judge them (`runtime.reading.region_filters`, `runtime.reading.bars`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Component:
    """A region of the page: its box in page pixels, its pixel count and the labels it joins."""

    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive
    area: int
    labels: list[int]  # connected-component labels that make up this region

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def absorb(self, other: Component) -> None:
        self.left, self.top = min(self.left, other.left), min(self.top, other.top)
        self.right, self.bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        self.area += other.area
        self.labels += other.labels


MAX_LABELS_COMPARED = 8
"""A region of up to this many labels is found in a box label by label (`labelled_as`)."""


def labelled_as(labels: np.ndarray, own_labels: list[int]) -> np.ndarray:
    """Where `labels` (a box of the page's labels) holds one of `own_labels`, as a bool array:
    `np.isin`'s answer, by a comparison per label for a region of a few (on a digit's box
    `np.isin` costs 17-25 µs, a comparison 1; a page holds a hundred such boxes)."""
    if len(own_labels) > MAX_LABELS_COMPARED:
        return np.isin(labels, own_labels)
    own = np.equal(labels, own_labels[0])
    for label in own_labels[1:]:
        own |= labels == label
    return own
