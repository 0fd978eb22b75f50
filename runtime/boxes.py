"""Box geometry shared by the camera's tracker and the benchmarks' scorer: overlap and pairing.

Boxes are `x, y, w, h` in pixels (`runtime.results.BBox`), as lists, tuples or array rows.
"""

from __future__ import annotations

import numpy as np

from runtime.results import BBox


def iou_matrix(first, second) -> np.ndarray:
    """Intersection over union of every box in `first` (rows) with every box in `second` (columns)."""
    a = np.asarray(first, np.float64).reshape(-1, 1, 4)
    b = np.asarray(second, np.float64).reshape(1, -1, 4)
    overlap_w = np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    overlap_h = np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    intersection = np.clip(overlap_w, 0, None) * np.clip(overlap_h, 0, None)
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def box_iou(first: BBox, second: BBox) -> float:
    """Intersection over union of two boxes (0 when either is empty)."""
    return float(iou_matrix([first], [second])[0, 0])


def greedy_pairs(related: np.ndarray, *sort_keys: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one (row, column) pairs among the True cells of `related`, best first.

    Cells are taken in `np.lexsort` order of `sort_keys` (matrices shaped like `related`; the
    LAST key is the primary one, so pass `-overlap` last to take the largest overlap first);
    ties keep row-major order, so the pairing is deterministic. Each row and column is used once.
    """
    rows, columns = np.nonzero(related)
    order = np.lexsort(tuple(key[related] for key in sort_keys)) if sort_keys else np.arange(rows.size)
    used_rows: set[int] = set()
    used_columns: set[int] = set()
    pairs = []
    for row, column in zip(rows[order].tolist(), columns[order].tolist(), strict=True):
        if row in used_rows or column in used_columns:
            continue
        used_rows.add(row)
        used_columns.add(column)
        pairs.append((row, column))
    return pairs
