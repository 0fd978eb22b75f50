"""Cut a region holding two digits one above the other, as small writing's stacked cells leave.

On a 640x480 photo of a worksheet written one digit per grid cell, cells are 20 px and the
digits 14-18 px tall: the digit in a cell and the one in the cell below all but touch, and the
grid line between them, where it is not erased, joins them into one region twice a digit's
height (a 4 over a 9 read "8"). The touching-digit cutter (`runtime.reading.touching`) cuts
across, at column valleys; this module offers the cut along the row where such a region holds
the least ink, and the cutter reads its two pieces beside the whole. Only on pages of small
writing (`MAX_DIGIT_PX`), and only for a region at least `MIN_HEIGHT_RATIO` digits tall.

Usage:
    parts = stacked_cut(candidate, digit_height)  # None, or [top, bottom]
"""

from __future__ import annotations

import numpy as np

from runtime.reading.seams import masked_piece
from runtime.reading.segment import DigitCandidate
from runtime.reading.sharpen import SMALL_WRITING_PX

MIN_HEIGHT_RATIO = 1.7
"""A region this many times the page's typical digit height may be two digits stacked. The
segmenter merges the pieces of one digit only while they stay within 1.5 digit heights
(`broken_strokes.MERGED_MAX_HEIGHT`); two stacked 14-18 px digits with a grid line between measure 30-50
px on a page whose digits are 15 px."""

MAX_DIGIT_PX = 1.5 * SMALL_WRITING_PX
"""Cuts across are offered on pages whose digits are at most this tall: small writing
(`sharpen.SMALL_WRITING_PX`), and an A4 grid written small (digits 21-30 px at 150 dpi), whose
cells stack as close: on a development page (`benchmarks.worksheets --digits validation --seed
203`, page 21), an 8 over a 5, 22 px tall, joined through the erased grid line between them and
read as nothing. On 200 development pages of validation digits (clean seeds 201, 203, 301;
squared paper 303; touching pairs 205; mixed capture 212; 640x480 214) that was the only
reading changed. Bigger writing leaves its cells room."""

MIN_PIECE_RATIO = 0.5
"""Neither piece is shorter than this share of the typical digit height: the row is sought only
that far from the region's top and bottom."""

MIN_PIECE_CONFIDENCE = 0.9
"""A stacked cut may win only where the model reads both pieces at this confidence or more: a
tall single digit cut across (a 9's tail, a 7's stem) leaves a piece that reads with doubt."""


SURE_WHOLE_HEIGHT_RATIO = 2.0
"""A region the model reads surely as one digit (`touching.whole_beats_any_cut`) is cut across
only from this many digit heights: a digit written tall reaches 1.7, and the segmenter joins one
digit's pieces only within 1.5 (`segment.MERGED_MAX_HEIGHT`); two stacked digits joined by the
line between them measure twice a digit or more, and the model reads them surely as one (a 3 over
a 7 read "3" at 0.996). Such a cut wins only where both pieces read beyond doubt
(`touching.tall_pair`)."""


def tall_for_page(candidate: DigitCandidate, digit_height: float | None) -> bool:
    """Whether a region is tall enough for two stacked digits to be cut across even where the
    model reads it surely as one (`SURE_WHOLE_HEIGHT_RATIO`), on a page of small writing."""
    return (digit_height is not None and digit_height <= MAX_DIGIT_PX
            and candidate.ink.shape[0] >= SURE_WHOLE_HEIGHT_RATIO * digit_height)


class StackedCut(list):
    """A cut across a region (`stacked_cut`): its top and bottom pieces, marked for the cutter."""


def stacked_cut(candidate: DigitCandidate, digit_height: float | None) -> StackedCut | None:
    """The region cut at its row of least ink into a top and a bottom piece, each trimmed to its
    ink; None unless the page holds small writing (`MAX_DIGIT_PX`) and the region is tall enough
    for two digits."""
    height = candidate.ink.shape[0]
    if digit_height is None or digit_height > MAX_DIGIT_PX or height < MIN_HEIGHT_RATIO * digit_height:
        return None
    margin = int(np.ceil(MIN_PIECE_RATIO * digit_height))
    if height - 2 * margin < 1:
        return None
    row_ink = candidate.ink.sum(axis=1, dtype=np.float32)
    smooth = np.convolve(row_ink, np.ones(3, np.float32) / 3.0, mode="same")
    row = margin + int(np.argmin(smooth[margin: height - margin]))
    parts = [_rows_piece(candidate, 0, row), _rows_piece(candidate, row, height)]
    return None if None in parts else StackedCut(parts)


def _rows_piece(candidate: DigitCandidate, start: int, stop: int) -> DigitCandidate | None:
    """Rows start:stop of `candidate`, trimmed to their ink; None if they hold none."""
    kept = np.zeros_like(candidate.ink)
    kept[start:stop] = candidate.ink[start:stop]
    return masked_piece(candidate, kept)
