"""Rule removal run on a drawn ink map, as the segmenter runs it: the tests of ruled and squared
paper draw a sheet, remove its printed lines, and look at what is left."""

from __future__ import annotations

import numpy as np

from runtime.reading.ink import ink_components
from runtime.reading.rules import remove_rules

INK_THRESHOLD = 0.18
"""The darkness the drawn sheets' ink is thresholded at (their lines at 0.3, pen at 0.9)."""

MIN_LINE_PX = 60
"""The shortest line `remove_rules` erases on the drawn sheets."""


def after_rule_removal(darkness: np.ndarray, horizontal_px: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ink mask of `darkness` and its faint ink before rule removal, the labels of what is
    left after it, and the pixels left (bool, the page's shape)."""
    mask, faint, _, _ = ink_components(darkness, INK_THRESHOLD)
    labels, _, kept = remove_rules(mask, faint, horizontal_px, MIN_LINE_PX, darkness, INK_THRESHOLD)[:3]
    return mask, faint, labels, kept[labels]
