"""Kraft paper's fibres kept out of the faint mask that printed lines are looked for in.

Fibres are fine streaks a few percent of the light either way (`benchmarks.coloured_paper`'s
`kraft`). Over the least faint threshold (8% darkening) they flood the fainter mask
(`runtime.reading.ink.levels_components`); long level "rules" ran through rows of digits there
and cut them. `SegmentOptions.fibrous_paper` thresholds it above the paper's grain
(`runtime.reading.segment.FAINT_GRAIN_FACTOR`); a printed rule stays in it.
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.reading.ink import darkness_map
from runtime.reading.segment import SegmentOptions, look_at

RULE_ROW = 520


def _kraft_page(rng: np.random.Generator, height: int = 600, width: int = 800) -> np.ndarray:
    """A grey picture of brown paper (160) whose fibres, streaks 13 px long at 60 degrees, vary
    its light by 6% (one standard deviation), three rows of bold digits and one pale printed
    rule (0.7 of the paper's light) across it."""
    fibres = rng.normal(0.0, 1.0, size=(height, width)).astype(np.float32)
    streak = np.zeros((13, 13), np.float32)
    streak[6, :] = 1.0 / 13
    streak = cv2.warpAffine(streak, cv2.getRotationMatrix2D((6.0, 6.0), 60.0, 1.0), (13, 13))
    fibres = cv2.filter2D(fibres, -1, streak)
    fibres *= 0.06 / fibres.std()
    page = np.clip(160.0 * (1.0 + fibres), 0, 255).astype(np.uint8)
    for row, text in enumerate(["30217", "45888", "6591"]):
        cv2.putText(page, text, (80, 150 + 150 * row), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 40, 7)
    page[RULE_ROW:RULE_ROW + 2] = (page[RULE_ROW:RULE_ROW + 2] * 0.7).astype(np.uint8)
    return page


def _faint_off_the_rule_and_ink(options: SegmentOptions) -> tuple[int, int, float]:
    """Faint pixels off the rule's rows, ink pixels, and the share of columns the rule is faint in."""
    look = look_at(darkness_map(_kraft_page(np.random.default_rng(5))), options)
    rule = look.faint_mask[RULE_ROW - 1:RULE_ROW + 3]
    off_the_rule = np.count_nonzero(look.faint_mask) - np.count_nonzero(rule)
    return off_the_rule, np.count_nonzero(look.mask), np.count_nonzero(rule.any(axis=0)) / rule.shape[1]


def test_on_fibrous_paper_the_fibres_stay_out_of_the_faint_mask_and_a_printed_rule_stays_in():
    off_the_rule, ink, rule_covered = _faint_off_the_rule_and_ink(SegmentOptions(fibrous_paper=True))
    assert off_the_rule < 1.2 * ink  # the digits and their soft rims, not the paper
    assert rule_covered > 0.95


def test_by_default_the_fibres_flood_the_faint_mask():
    """Why the option exists (it is off by default: see `FAINT_GRAIN_FACTOR`)."""
    off_the_rule, ink, _ = _faint_off_the_rule_and_ink(SegmentOptions())
    assert off_the_rule > 2 * ink
