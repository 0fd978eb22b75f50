"""A steep camera angle and an out-of-focus lens for the worksheet conditions (`benchmarks.conditions`).

- `steep`: the phone held at a steep angle to the sheet: the far edge of the page shows
  shorter, its two corners pulled in by 12-20% of the page's shorter side each, and the far
  half foreshortened (the far edge comes a further half of that toward the near one). The
  photo profiles (`benchmarks.degrade`) tilt corners by at most 6%. Applied to the flat page
  before the capture, so the capture's own small tilt, light and noise come on top; truth
  boxes follow the warp.
- `defocus`: the lens focused off the sheet: each point spreads into a disk of radius 2-4 px
  (at A4 150 dpi; scaled with the page's width), the blur of a lens, not a hand's streak.
"""

from __future__ import annotations

import cv2
import numpy as np

STEEP_PULL = (0.12, 0.20)
"""Share of the page's shorter side each far corner is pulled in by."""
DEFOCUS_RADIUS_A4 = (2.0, 4.0)
"""Disk radius in pixels on a page 1240 px wide (A4 at 150 dpi)."""
_A4_WIDTH_PX = 1240


def steep_homography(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Flat page -> the page seen at a steep angle, its far edge (top, bottom, left or right) shortened."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    pull = rng.uniform(*STEEP_PULL) * min(width, height)
    far_edge = int(rng.integers(4))  # 0 top, 1 right, 2 bottom, 3 left
    ends = ((0, 1), (1, 2), (2, 3), (3, 0))[far_edge]
    inward = np.array(((0, 1), (-1, 0), (0, -1), (1, 0))[far_edge], np.float64)
    moved = corners.copy()
    first, second = corners[ends[0]], corners[ends[1]]
    along = (second - first) / np.linalg.norm(second - first)
    moved[ends[0]] = first + along * pull + inward * pull * 0.5
    moved[ends[1]] = second - along * pull + inward * pull * 0.5
    return cv2.getPerspectiveTransform(corners.astype(np.float32), moved.astype(np.float32))


def steep_page(page: np.ndarray, homography: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Warp the flat page (float32 BGR) through `homography`; what the sheet leaves bare is desk."""
    height, width = page.shape[:2]
    desk = tuple(float(v) for v in rng.uniform(60, 170) * rng.uniform(0.9, 1.1, size=3))
    return cv2.warpPerspective(page, homography, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=desk)


def defocus_kernel(radius: float) -> np.ndarray:
    """A lens's blur: a uniform disk of `radius` pixels (anti-aliased rim), summing to 1."""
    size = 2 * int(np.ceil(radius)) + 1
    scale = 8  # draw large, shrink: a smooth rim for a fractional radius
    big = np.zeros((size * scale, size * scale), np.float32)
    centre = size * scale // 2
    cv2.circle(big, (centre, centre), int(round(radius * scale)), 1.0, -1, cv2.LINE_AA)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / max(1e-9, float(kernel.sum()))


def defocus(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur a captured page (uint8 BGR) as an out-of-focus lens does."""
    radius = rng.uniform(*DEFOCUS_RADIUS_A4) * image.shape[1] / _A4_WIDTH_PX
    blurred = cv2.filter2D(image.astype(np.float32), -1, defocus_kernel(radius), borderType=cv2.BORDER_REPLICATE)
    # The sensor's grain comes after the lens: the blur smoothed the capture's, so add it back.
    grain = rng.standard_normal(image.shape, dtype=np.float32) * np.float32(rng.uniform(2.0, 4.0))
    return np.clip(np.rint(blurred + grain), 0, 255).astype(np.uint8)
