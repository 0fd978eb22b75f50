"""Camera shake: measure one straight streak on a whole page and undo it.

A phone that moved during the exposure smears every stroke on the page the same way: a line of
`length` pixels at one angle. The page's gradients then run across that line far more than along
it (`anisotropy`, from the page's structure tensor), and the derivative along the streak repeats
itself, negated, one streak length further on (its autocorrelation's deepest trough). A page
measured so is read again through a Wiener filter of that line (`unblurred`): on a development
set (worksheets seed 312, `--condition motion-blur`) the smeared digits the model called "not a
digit" read as digits again. What the filter leaves that the model reads doubtfully is no digit
(`sure_lines`).

Usage:
    streak = motion_streak(gray)
    if streak is not None:
        gray = unblurred(gray, streak)
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from runtime.results import Line, Number

MIN_ANISOTROPY = 0.45
"""A page whose gradient energy across its weakest axis is under 1 - this of that across its
strongest is smeared along that axis. Plain photographed worksheets (seed 312) measured 0.19 to
0.39 (rules and box edges included); the pages that read nothing blurred 0.72 to 0.83. Unshaken
pages of other papers and pens measure more (seed 311's conditions: up to 0.85, pencil), and
read as they are all the same: only a page that mostly fails to read is measured."""

MIN_STREAK_PX = 7
"""Shortest streak worth undoing: shorter smears read as they are."""

MAX_STREAK_PX = 24
"""Longest streak looked for (a longer one leaves nothing a Wiener filter can bring back)."""

MAX_TROUGH = -0.15
"""The autocorrelation of the derivative along the streak must fall at least this low at the
streak's length (a blurred page's edges come back as their negatives there). Not -0.18: a form
shaken along its sides (worksheets seed 313) measured -0.17, and read as it was, its sides gave
57 false 1s and 8 digits right; undone, 134 right and 3 false. Unshaken phone photos measure
-0.24 to -0.07 too: what keeps them as they are is that they read (`MOTION_BLUR_MIN_YIELD`)."""

NOISE_TO_SIGNAL = 0.005
"""The Wiener filter's noise-to-signal ratio: lower sharpens more and rings more. At 0.02 a
form's level lines came back too pale for rule erasing to find, and the box sides between them,
which a streak along them leaves sharp, read as 1s (a form shaken upright: 136 digits right and
109 false, 150 and 9 at 0.005); on the 11 pages of 60 read again (worksheets seed 312) 0.005
read 1,111 digits right where 0.02 read 954, 0.002 a few more but lost three pages whole."""

MIN_SURE_CONFIDENCE = 0.8
"""Digits read through the filter with less confidence are dropped: its ringing leaves marks the
model reads as digits, doubtfully. On the 60 development pages (worksheets seed 312, 11 read
again; the pages' grey read alone) the step read 2.83 false digits a page with every digit
kept, 2.20 with this at 0.7, 2.08 at 0.8, 2.05 at 0.85, against 2.22 without the step; digits
right 4,272, 4,228, 4,199, 4,178, against 3,148 (`benchmarks.accuracy`, at 0.8: 2.13 -> 2.00
false digits a page, 3,134 -> 4,210 right). Not higher: 0.85 took development page 9 (the
test's) under 0.9 recall. (A 3x3 median after the filter, to take out the grain it lifts, read
4,232 right and 2.08 false a page at 0.85, but took 7-24 digits right off three pages: not kept.)"""


class Streak(NamedTuple):
    """One straight motion streak: its angle (degrees, image axes, y down) and length in pixels."""

    angle_deg: float
    length: int


def anisotropy_and_angle(gray: np.ndarray) -> tuple[float, float]:
    """1 - (weakest / strongest gradient energy) of the page, and the angle of the weakest axis."""
    image = gray.astype(np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    half_trace = (jxx + jyy) / 2.0
    spread = float(np.sqrt(max(0.0, half_trace * half_trace - (jxx * jyy - jxy * jxy))))
    if half_trace + spread <= 0.0:
        return 0.0, 0.0
    angle = 0.5 * np.degrees(np.arctan2(2.0 * jxy, jxx - jyy)) + 90.0
    return 1.0 - (half_trace - spread) / (half_trace + spread), float(angle % 180.0)


def streak_length(gray: np.ndarray, angle_deg: float) -> tuple[int, float]:
    """The lag along `angle_deg` where the derivative's autocorrelation is deepest, and its value."""
    image = gray.astype(np.float32)
    turn = np.radians(angle_deg)
    along = (np.cos(turn) * cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
             + np.sin(turn) * cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3))
    spectrum = np.fft.rfft2(along)
    correlation = np.fft.irfft2(np.abs(spectrum) ** 2, s=along.shape)
    if correlation[0, 0] <= 0.0:
        return 0, 0.0
    lags = np.arange(2, MAX_STREAK_PX + 1)
    xs = np.rint(lags * np.cos(turn)).astype(int) % along.shape[1]
    ys = np.rint(lags * np.sin(turn)).astype(int) % along.shape[0]
    values = correlation[ys, xs] / correlation[0, 0]
    deepest = int(np.argmin(values))
    return int(lags[deepest]), float(values[deepest])


def motion_streak(gray: np.ndarray) -> Streak | None:
    """The streak a shaken camera left on page `gray` (H x W uint8), or None for a steady one."""
    anisotropy, angle = anisotropy_and_angle(gray)
    if anisotropy < MIN_ANISOTROPY:
        return None
    length, trough = streak_length(gray, angle)
    if length < MIN_STREAK_PX or trough > MAX_TROUGH:
        return None
    return Streak(angle, length)


def sure_lines(lines: list[Line]) -> list[Line]:
    """`lines` read through the filter, without their digits under `MIN_SURE_CONFIDENCE`
    (numbers and lines left empty dropped)."""
    kept = [Line([Number([d for d in number.digits if d.confidence >= MIN_SURE_CONFIDENCE])
                  for number in line.numbers]) for line in lines]
    return [Line([number for number in line.numbers if number.digits]) for line in kept
            if any(number.digits for number in line.numbers)]


def unblurred(gray: np.ndarray, streak: Streak) -> np.ndarray:
    """`gray` through a Wiener filter of `streak` (same size, uint8; boxes stay where they were)."""
    image = gray.astype(np.float32)
    length = streak.length
    line = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0
    centre = ((length - 1) / 2.0, (length - 1) / 2.0)
    line = cv2.warpAffine(line, cv2.getRotationMatrix2D(centre, -streak.angle_deg, 1.0), (length, length))
    line /= max(1e-6, float(line.sum()))
    padded = np.zeros(image.shape, np.float32)
    padded[:length, :length] = line
    padded = np.roll(padded, (-(length // 2), -(length // 2)), (0, 1))
    blur = np.fft.rfft2(padded)
    restored = np.fft.irfft2(np.conj(blur) / (np.abs(blur) ** 2 + NOISE_TO_SIGNAL) * np.fft.rfft2(image),
                             s=image.shape)
    return np.clip(restored, 0, 255).astype(np.uint8)
