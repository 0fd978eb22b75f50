"""Where on a picture the specks of a texture lie, block by block: a sheet's paper among a floor.

`segment._is_texture` calls a picture texture by its specks per megapixel over the whole of it.
Where `runtime.reading.sheet` does not isolate a sheet on a tiled floor (tiles nearly as light
as the paper; before it found sheets running off the frame, those too), the floor's speckle
around it (over 4,000 specks per megapixel where the sheet is not) puts the whole picture over
the limit: the page read nothing, its writing untouched by any speck. Counted in
blocks instead, the floor's blocks are over the limit and the sheet's are near zero; the floor is
then made paper and the sheet read. A picture whose clean blocks are too few to hold a sheet (a
frame of colour noise, a floor alone) is texture as a whole, as it always was.
"""

from __future__ import annotations

import cv2
import numpy as np

BLOCKS_ACROSS_SHORT_SIDE = 16
"""Blocks along the picture's shorter side; a block's specks are judged with its 8 neighbours'
(a window of 3 x 3 blocks, about a fifth of the shorter side), so a few specks do not decide."""

MIN_BLOCK_PX = 16
"""A block is at least this many pixels on a side: on a small picture fewer, larger blocks."""

MIN_CLEAN_SHARE = 0.25
"""A picture with less of its area in clean blocks than this is texture as a whole: no sheet of
writing lies in it (chosen on development pages, `benchmarks.sheet_on_surface --digits
validation --off-frame 1|2`, seeds 201-204)."""


def texture_blocks(stats: np.ndarray, shape: tuple[int, int], speck_height_px: int,
                   max_specks_per_mp: float) -> np.ndarray | None:
    """Where the picture (`shape`, its regions' `stats` from `cv2.connectedComponentsWithStats`)
    is texture: a bool mask of its pixels, True in the blocks whose neighbourhood holds more than
    `max_specks_per_mp` specks (regions less than `speck_height_px` tall) per megapixel. None
    where the picture is texture as a whole (`MIN_CLEAN_SHARE`)."""
    height, width = shape
    block = max(MIN_BLOCK_PX, min(height, width) // BLOCKS_ACROSS_SHORT_SIDE)
    rows, cols = -(-height // block), -(-width // block)
    regions = stats[1:]
    specks = regions[regions[:, cv2.CC_STAT_HEIGHT] < speck_height_px]
    centre_y = (specks[:, cv2.CC_STAT_TOP] + specks[:, cv2.CC_STAT_HEIGHT] // 2) // block
    centre_x = (specks[:, cv2.CC_STAT_LEFT] + specks[:, cv2.CC_STAT_WIDTH] // 2) // block
    counts = np.bincount(centre_y * cols + centre_x, minlength=rows * cols).reshape(rows, cols)
    areas = np.outer(_block_lengths(height, block, rows), _block_lengths(width, block, cols))
    near_counts = cv2.boxFilter(counts.astype(np.float32), -1, (3, 3), normalize=False,
                                borderType=cv2.BORDER_CONSTANT)
    near_areas = cv2.boxFilter(areas.astype(np.float32), -1, (3, 3), normalize=False,
                               borderType=cv2.BORDER_CONSTANT)
    texture = near_counts > max_specks_per_mp * near_areas / 1e6
    if areas[~texture].sum() < MIN_CLEAN_SHARE * height * width:
        return None
    return np.repeat(np.repeat(texture, block, axis=0), block, axis=1)[:height, :width]


def _block_lengths(length: int, block: int, count: int) -> np.ndarray:
    """The length of each of `count` blocks of `block` pixels along `length` (the last one short)."""
    lengths = np.full(count, block, np.int64)
    lengths[-1] = length - block * (count - 1)
    return lengths
