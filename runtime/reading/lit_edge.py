"""Whether a sheet found in a photo ends where the light does, not where the paper does.

The sheet finder (`runtime.reading.sheet`) takes the picture's bright, four-cornered region for
the sheet. Under strong uneven light (a lamp low on one side, a window) part of the sheet lies
as dark as the desk, and the lit part alone was taken for the sheet: the writing in the dark
part was cut away (development worksheets under `benchmarks.worksheets --condition harsh-light`,
seed 311: one page read none of its 22 digits, three others lost 11 to 49; F1 0.923, 0.983
with this test; seed 313, mixed captures, 0.946 -> 0.967). On sheets photographed on a desk or
a floor (`benchmarks.sheet_on_surface`, seed 9201) no point of the border was soft; on the lit
parts of sheets under uneven light 0.12-0.47 of them were.

A sheet's edge is a step: the paper's brightness drops to the desk's within a few pixels. Where
the light falls off, the brightness drops over a tenth of the picture and more. So the step
across the found region's border is measured from `FAR_PX` on one side to as far on the other,
and the steepest step over `2 * NEAR_PX` along that profile: at an edge that step is most of
the whole one, along a fall-off of light only a small share. Where more than `MAX_SOFT_SHARE` of the border that lies inside the picture is soft,
the region is no sheet and the picture is read whole, as it was before sheets were looked for.
"""

from __future__ import annotations

import cv2
import numpy as np

NEAR_PX = 3
"""The steepest step is taken over twice this (pixels of the picture, whatever its size: a
camera's blur is a pixel or two on any picture; scaled down with a 640x480 photo, it took the
blurred edges of 2 of 11 sheets on development photos, seed 231, for soft ones)."""

FAR_PX = 48
"""The whole step is taken from this far on one side to as far on the other, scaled with the
picture's longer side against an A4 page at 150 dpi (1,754 px): light falls off over a share of
the picture."""

REFERENCE_SIDE_PX = 1754

MIN_FAR_STEP = 12.0
"""A point of the border whose far step is under this (grey levels) has no step to judge."""

SOFT_NEAR_SHARE = 0.35
"""A point is soft where its near step is under this share of its far step: at a sheet's edge,
blurred by a phone's optics, the near step is over half the far one; across light falling off
over a tenth of the picture, a few hundredths."""

MAX_SOFT_SHARE = 0.1
"""More of the border soft than this and the region is where the light ends, not the sheet (a
whole side of a region is about a quarter of its border; a sheet's border showed none soft)."""

SAMPLES = 240
"""Points of the border looked across (evenly spaced)."""

BORDER_MARGIN_PX = 4
"""Points this close to the picture's edge are where the sheet runs off the frame: not judged."""


def ends_where_the_light_does(gray: np.ndarray, left: int, top: int, mask: np.ndarray) -> bool:
    """Whether the sheet region (`mask`, uint8, 1 on it, over the box at `left`, `top` of the
    picture `gray`) is bounded over much of its border by a fall-off of light, not by an edge."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return False
    outline = max(contours, key=len)[:, 0, :].astype(np.float64) + (left, top)
    count = len(outline)
    if count < 16:
        return False
    scale = max(gray.shape) / REFERENCE_SIDE_PX
    near, far = float(NEAR_PX), max(4.0 * NEAR_PX, FAR_PX * scale)
    picks = np.linspace(0, count, min(SAMPLES, count), endpoint=False).astype(int)
    step = max(2, count // 100)  # the tangent from points a little way along the border
    points = outline[picks]
    tangents = outline[(picks + step) % count] - outline[(picks - step) % count]
    normals = np.stack([tangents[:, 1], -tangents[:, 0]], axis=1)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)
    height, width = gray.shape
    inside_picture = ((points[:, 0] >= BORDER_MARGIN_PX + far) & (points[:, 0] < width - BORDER_MARGIN_PX - far)
                      & (points[:, 1] >= BORDER_MARGIN_PX + far) & (points[:, 1] < height - BORDER_MARGIN_PX - far))
    points, normals = points[inside_picture], normals[inside_picture]
    if len(points) < 16:
        return False
    profiles = _profiles(cv2.blur(gray, (5, 5)), points, normals, far)
    far_step = np.abs(profiles[:, -1] - profiles[:, 0])
    span = round(2 * near)
    near_step = np.abs(profiles[:, span:] - profiles[:, :-span]).max(axis=1)
    judged = far_step >= MIN_FAR_STEP
    if not judged.any():
        return False
    soft = judged & (near_step < SOFT_NEAR_SHARE * far_step)
    return np.count_nonzero(soft) > MAX_SOFT_SHARE * len(points)


def _profiles(gray: np.ndarray, points: np.ndarray, normals: np.ndarray, reach: float) -> np.ndarray:
    """The picture's grey levels across the border at each point, pixel by pixel from `reach`
    on one side to `reach` on the other (float32, one row a point): the region's border, found
    on a small copy, lies within a few pixels of the sheet's edge, not on it."""
    height, width = gray.shape
    offsets = np.arange(-int(np.ceil(reach)), int(np.ceil(reach)) + 1, dtype=np.float64)
    xs = np.rint(points[:, :1] + offsets[None, :] * normals[:, :1]).astype(int).clip(0, width - 1)
    ys = np.rint(points[:, 1:] + offsets[None, :] * normals[:, 1:]).astype(int).clip(0, height - 1)
    return gray[ys, xs].astype(np.float32)
