"""How far a frame moved against the frame last read, to a fraction of a pixel, on thumbnails.

Phase correlation (`cv2.phaseCorrelate`) finds the shift between two thumbnails to about a
thumbnail pixel; a hand-held card needs it to within about half a pixel of the full frame
before the frame last read, moved that far, matches this one (`runtime.camera.stream`).
Measuring it again by phase correlation at half size costs 0.7 ms of a 640x480 frame;
`ShiftRefiner` refines the thumbnails' estimate instead by Lucas-Kanade (inverse compositional,
translation only): the thumbnail last read, its gradients and their 2x2 normal matrix are made
once per frame read afresh, and a step warps this frame's thumbnail by the estimate and solves
the 2x2 system (about 0.1 ms on a 160x120 thumbnail). Nothing here decides that a frame moved:
the caller still checks the frame last read, moved that far, against this one at full size.

Usage:
    refiner = ShiftRefiner(last_thumbnail_float)
    shift = refiner.refine(thumbnail_float, (shift_x, shift_y))   # thumbnail px, or None
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MAX_STEPS = 1
"""Gauss-Newton steps. On two hand-held videos of MNIST *training* digits
(`benchmarks.handheld_video`, seeds 14-15, 1,200 frames) one step moved as many frames along as
two (535 and 530), and the moved frames cost 0.40-0.46 ms against 0.47-0.50 for two steps."""

_MARGIN_PX = 2
"""Thumbnail pixels left out beyond the shift at each edge: what moves out of view there, and
the gradients' border."""


class ShiftRefiner:
    """Refines shifts of frames against one thumbnail (float32), the frame last read."""

    def __init__(self, template: np.ndarray) -> None:
        self.template = template
        # Central differences (a 3x3 Sobel scaled to grey levels per pixel): the template's
        # slope, fixed for every frame compared with it.
        self._gx = cv2.Sobel(template, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
        self._gy = cv2.Sobel(template, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
        self._normal: dict[int, tuple[float, float, float]] = {}  # by margin: the 2x2 matrix

    def refine(self, current: np.ndarray, start: tuple[float, float]) -> tuple[float, float] | None:
        """The shift (dx, dy) in thumbnail px by which `current` (float32, the template's size)
        shows the template moved right and down, refined from `start`; None when the picture
        holds too little texture to measure it or the estimate runs off the picture."""
        height, width = self.template.shape
        dx, dy = start
        for _ in range(MAX_STEPS):
            margin = _MARGIN_PX + math.ceil(max(abs(dx), abs(dy)))
            if 2 * margin >= min(height, width):
                return None
            inside = (slice(margin, height - margin), slice(margin, width - margin))
            # current(x + d), which is the template(x) where the estimate is right.
            back = cv2.warpAffine(current, np.float32([[1, 0, dx], [0, 1, dy]]), (width, height),
                                  flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REPLICATE)
            step = self._step(back[inside] - self.template[inside], margin, inside)
            if step is None:
                return None
            dx, dy = dx - step[0], dy - step[1]
        return dx, dy

    def _step(self, error: np.ndarray, margin: int, inside: tuple[slice, slice]) -> tuple[float, float] | None:
        """The Gauss-Newton step for `error` (this frame warped back, less the template)."""
        gx, gy = self._gx[inside], self._gy[inside]
        if margin not in self._normal:  # the same for every frame measured with this margin
            self._normal[margin] = tuple(float(np.einsum("ij,ij->", a, b)) for a, b in ((gx, gx), (gx, gy), (gy, gy)))
        xx, xy, yy = self._normal[margin]
        det = xx * yy - xy * xy
        if det <= 1e-6 * max(xx * yy, 1e-12):
            return None  # no texture, or texture in one direction only: the shift is not defined
        ex, ey = float(np.einsum("ij,ij->", gx, error)), float(np.einsum("ij,ij->", gy, error))
        return (yy * ex - xy * ey) / det, (xx * ey - xy * ex) / det

