"""An out-of-focus lens: measure its blur disk on a whole page and undo it.

A lens focused off the sheet spreads every point into a disk of one radius: strokes come out
wider and paler, and small writing blurs into soft blobs the model calls "not a digit" (then the
word context takes the page for text and drops the rest). A disk's spectrum is
2 J1(2 pi r f) / (2 pi r f), zero first at f = 3.8317 / (2 pi r) cycles a pixel: the page's
radially averaged power spectrum, whitened by f^2, dips there (`defocus_radius`). A page measured
so is read again through a Wiener filter of that disk (`refocused`), as a shaken page is through
its streak (`runtime.reading.motion_blur`), and the reader takes it only where it reads more digits
with less doubt, its doubtful digits dropped (`motion_blur.sure_lines`).

Usage:
    radius = defocus_radius(gray) if looks_defocused(crops, blurred_share) else None
    if radius is not None:
        gray = refocused(gray, radius)
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_RADIUS_PX = 1.5
MAX_RADIUS_PX = 6.0
"""Radii looked for: under 1.5 px a blur reads as it is (the sharpening of small crops,
`runtime.reading.sharpen`, handles a camera's own 1-2 px); over 6 px strokes of small writing
are gone. Development pages (worksheets seed 351, `--condition defocus`, disks of 2-4 px at A4
150 dpi) measured 2.5-4.0 (one form that read 6 digits of 184: 3.97)."""

RADIUS_SHARES_TRIED = (1.0, 0.85, 0.7)
"""The page is read again through disks of these shares of the radius measured, the best reading
kept: the dip measures roughly, and a disk too large rings strokes away (a form of 114 digits,
measured 3.84: 74 digits read through 3.2 px, 36 through 3.8; another of 184, measured 3.97:
71 through 3.2, 155 through 3.8, 6 as given)."""

MIN_BLURRED_SHARE = 0.8
MIN_CROPS = 8
"""Only a page whose crops are nearly all soft rim (`sharpen.is_blurred`), this share of at least
`MIN_CROPS` of them, is measured: a lens's disk blurs every stroke on the page. Defocused
development pages that read under 0.7 of their crops (worksheets seeds 351-353) measured 0.97 to
1.00; pages of words, letters and script (hard pages, seed 11) 0.00 to 0.53. Without it every
page of words was read three times more (words 307 -> 2,898 ms a page) and a page of script
gained a false digit."""

NOISE_TO_SIGNAL = 0.005
"""The Wiener filter's noise-to-signal ratio (as for a streak, `motion_blur.NOISE_TO_SIGNAL`).
On that form (radius 4): 175 digits read at 0.005, 160 at 0.02."""

_BINS = 200
_SMOOTH_BINS = 5
_MIN_DIP_BINS = 3
"""The dip is a bin lower than the bins this far on either side, after a running mean of
`_SMOOTH_BINS` bins (the page's grain makes the raw spectrum ragged)."""


def radial_power(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page's power spectrum averaged over rings: frequencies (cycles a pixel, 0-0.5) and power."""
    image = gray.astype(np.float32)
    image -= float(image.mean())
    height, width = image.shape
    window = np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)
    power = np.abs(np.fft.fftshift(np.fft.fft2(image * window))) ** 2
    rows, cols = np.indices(power.shape)
    frequency = np.hypot((rows - height // 2) / height, (cols - width // 2) / width)
    bins = np.clip((frequency / 0.5 * _BINS).astype(int), 0, _BINS - 1).ravel()
    counts = np.maximum(1, np.bincount(bins, None, _BINS))
    return (np.arange(_BINS) + 0.5) / _BINS * 0.5, np.bincount(bins, power.ravel(), _BINS) / counts


def defocus_radius(gray: np.ndarray) -> float | None:
    """The radius (px) of the lens's blur disk on page `gray` (H x W uint8), or None where its
    spectrum shows no dip for a radius in `MIN_RADIUS_PX`-`MAX_RADIUS_PX`."""
    if min(gray.shape[:2]) < 64:
        return None
    frequency, power = radial_power(gray)
    whitened = np.log(power + 1e-9) + 2.0 * np.log(frequency)
    smooth = np.convolve(whitened, np.ones(_SMOOTH_BINS) / _SMOOTH_BINS, "same")
    low, high = 3.8317 / (2 * np.pi * MAX_RADIUS_PX), 3.8317 / (2 * np.pi * MIN_RADIUS_PX)
    reach = _MIN_DIP_BINS
    for index in range(reach, _BINS - reach - _SMOOTH_BINS):
        if low <= frequency[index] <= high and smooth[index] < smooth[index - reach] \
                and smooth[index] < smooth[index + reach]:
            return float(3.8317 / (2 * np.pi * frequency[index]))
    return None


def looks_defocused(crops: int, blurred_share: float) -> bool:
    """Whether a page of `crops` crops, `blurred_share` of them soft rim, may be out of focus."""
    return crops >= MIN_CROPS and blurred_share >= MIN_BLURRED_SHARE


def disk(radius: float) -> np.ndarray:
    """A uniform disk of `radius` px (anti-aliased rim), summing to 1."""
    size = 2 * int(np.ceil(radius)) + 1
    scale = 8  # drawn large and shrunk: a smooth rim for a fractional radius
    big = np.zeros((size * scale, size * scale), np.float32)
    cv2.circle(big, (size * scale // 2, size * scale // 2), int(round(radius * scale)), 1.0, -1, cv2.LINE_AA)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / max(1e-9, float(kernel.sum()))


def refocused(gray: np.ndarray, radius: float) -> np.ndarray:
    """`gray` through a Wiener filter of a disk of `radius` (same size, uint8; boxes stay put)."""
    kernel = disk(radius)
    size = kernel.shape[0]
    padded = np.zeros(gray.shape, np.float32)
    padded[:size, :size] = kernel
    padded = np.roll(padded, (-(size // 2), -(size // 2)), (0, 1))
    blur = np.fft.rfft2(padded)
    restored = np.fft.irfft2(np.conj(blur) / (np.abs(blur) ** 2 + NOISE_TO_SIGNAL)
                             * np.fft.rfft2(gray.astype(np.float32)), s=gray.shape)
    return np.clip(restored, 0, 255).astype(np.uint8)
