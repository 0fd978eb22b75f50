"""Printed cells: whether two digits stand in neighbouring cells of a grid or a form's comb box.

On squared paper written one digit per square, and in a form's row of character cells, the
digits of one number stand a whole cell apart: their ink gap is often wider than a digit is tall
(a 1 in a cell 1.5 digits wide leaves 1.2 heights to the next digit), and the gap alone splits
the number. The printed walls tell instead: one wall between two digits, neither crossed by
one, means neighbouring cells (one number); an empty cell between puts two walls there.

Usage:
    walls = CellWalls(upright_printed_mask, factor)
    walls.between(left_box, right_box)  # -> printed walls between them, or None if not in cells
"""

from __future__ import annotations

import numpy as np

from runtime.results import BBox

INSIDE_MARGIN = 0.15
"""A digit's box less this share of its width on each side must be free of walls for it to stand
in a cell: a stroke may touch its cell's wall, and on squared paper finer than the writing the
grid crosses the digits (there the walls say nothing of numbers)."""


class CellWalls:
    """The upright printed strokes of a page (grid lines, box sides), as rule removal found them."""

    def __init__(self, upright: np.ndarray, factor: int = 1):
        self.columns_hit = upright > 0  # where the printed walls are, in the segmented map's pixels
        self.factor = factor  # digit boxes are in pixels `factor` times finer

    def between(self, left: BBox, right: BBox) -> int | None:
        """The walls standing between two digits of a line (`left` before `right`), over the rows
        both share; None unless both stand free of walls (each in a cell of its own)."""
        top = max(left[1], right[1])
        bottom = min(left[1] + left[3], right[1] + right[3])
        if bottom <= top:
            return None
        rows = slice(top // self.factor, -(-bottom // self.factor))
        if self._crossed(left, rows) or self._crossed(right, rows):
            return None
        return _runs(self._walls(rows, left[0] + left[2], right[0]))

    def _crossed(self, box: BBox, rows: slice) -> bool:
        margin = int(INSIDE_MARGIN * box[2])
        return _runs(self._walls(rows, box[0] + margin, box[0] + box[2] - margin)) > 0

    def _walls(self, rows: slice, start: int, stop: int) -> np.ndarray:
        """Per column from `start` to `stop` (digit pixels), whether a wall runs down it there."""
        columns = slice(max(0, start // self.factor), max(0, -(-stop // self.factor)))
        window = self.columns_hit[rows, columns]
        return window.any(axis=0) if window.size else np.zeros(0, bool)


def _runs(hit: np.ndarray) -> int:
    """How many separate stretches of True `hit` holds."""
    if not hit.size:
        return 0
    return int(hit[0]) + int(np.count_nonzero(hit[1:] & ~hit[:-1]))
