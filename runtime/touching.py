"""Tell one wide digit from several touching ones by reading every way of cutting it.

Touching digits come out of segmentation as one wide region. Width alone cannot decide (a
written 0 or 2 is often as wide as it is tall), so each plausible cut into 2..n pieces is
classified alongside the whole, and the reading with the best evidence wins: the sum of the
pieces' log-confidences, plus a prior for how often a single digit is that wide, minus a cost
for every extra piece (touching digits are the exception, not the rule).
"""

from __future__ import annotations

import numpy as np

from runtime.segment import DigitCandidate, split_columns

# Share of MNIST training digits at least this wide for their height (width / height of the ink
# box), measured on the 60,000 training images. A single digit wider than about 1.3 is rare.
_ASPECTS = np.array([0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0])
_SHARE_AT_LEAST = np.array([0.5598, 0.3733, 0.2262, 0.0809, 0.0339, 0.0157, 0.0121, 0.0042,
                            0.0032, 0.0006, 0.0004])

MIN_ASPECT_TO_TRY = 0.9
"""Regions narrower than this (width / height) are read as one digit without trying cuts."""

MIN_PIECE_ASPECT = 0.3
"""No cut makes pieces narrower than this share of the region's height (a 1 is about 0.3-0.4)."""

EXTRA_PIECE_LOG_PRIOR = -1.0
"""Log-prior cost of each extra piece: a cut must earn its keep in classifier confidence."""


def cut_hypotheses(candidate: DigitCandidate) -> list[list[DigitCandidate]]:
    """Every cut of a wide candidate worth reading: into 2, 3, ... pieces."""
    height, width = candidate.ink.shape
    if width < MIN_ASPECT_TO_TRY * height:
        return []
    most_pieces = int(width / (MIN_PIECE_ASPECT * height))
    hypotheses = []
    for pieces in range(2, min(most_pieces, 8) + 1):
        parts = split_columns(candidate, pieces)
        if parts is not None:
            hypotheses.append(parts)
    return hypotheses


def log_prior_single(width: int, height: int) -> float:
    """Log-odds penalty for reading a region this wide as one digit (0 for usual widths)."""
    aspect = width / max(height, 1)
    share = np.interp(aspect, _ASPECTS, _SHARE_AT_LEAST, left=_SHARE_AT_LEAST[0],
                      right=_SHARE_AT_LEAST[-1])
    return float(min(0.0, np.log(share / _SHARE_AT_LEAST[0])))


def best_reading(whole: DigitCandidate, whole_confidence: float,
                 hypotheses: list[list[DigitCandidate]], confidences: list[np.ndarray]) -> int:
    """Index of the winning hypothesis, or -1 when the whole region reads best as one digit."""
    height, width = whole.ink.shape
    best_index = -1
    best_score = np.log(max(whole_confidence, 1e-6)) + log_prior_single(width, height)
    for index, (parts, part_confidences) in enumerate(zip(hypotheses, confidences)):
        score = float(np.sum(np.log(np.maximum(part_confidences, 1e-6))))
        score += EXTRA_PIECE_LOG_PRIOR * (len(parts) - 1)
        score += sum(log_prior_single(p.ink.shape[1], p.ink.shape[0]) for p in parts)
        if score > best_score:
            best_index, best_score = index, score
    return best_index
