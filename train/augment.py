"""Seeded training-time augmentation that makes MNIST look like digits cut out of real pages.

MNIST digits are clean, evenly thick pen strokes. Digits the runtime segments from photos and
scans are not: strokes may be hair-thin (faint grey after downscaling) or thick marker, slanted,
squashed, blurred, with a European 1 (flag and base serif) or a crossed 7, and the crop may hold
a fragment of a neighbouring digit or of a ruled line. Each augmented digit is drawn at twice
MNIST's resolution, distorted, then passed back through `runtime.normalize.normalize_digit`,
the very function the runtime applies to every crop, so training sees what inference sees
(crop to the ink's bounding box, longest side 20 px, centre of mass at the centre). A stray
fragment therefore shrinks and shifts the digit exactly as it would on a real page.

numpy + OpenCV only; about 60 us per distorted digit, so an epoch of 54k digits (half left
clean) takes about 3 s on one busy core. Threads (`workers=N`) split the work but rarely help:
the per-digit Python glue holds the GIL (on a 16-core machine 4 threads were slower than 1).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from runtime.normalize import normalize_digit
from runtime.spec import IMAGE_SIDE_PX

_UPSCALE = 2
"""Work at twice MNIST's resolution so erosion, dilation and thin lines have sub-pixel effect."""
_CANVAS_PX = 80
"""Side of the working canvas: room for a rotated, sheared 56 px digit plus a stray fragment."""
_INK_THRESHOLD = 100
"""Pixels above this count as stroke when measuring a digit's extent."""


@dataclass(frozen=True)
class AugmentConfig:
    """Strength and frequency of each distortion (probabilities are per digit).

    The frequencies are a compromise measured on the validation split: doubling every
    stroke / stray / noise probability cost about 0.1% of MNIST validation accuracy after 30
    epochs, and half the digits are left clean so MNIST itself stays well learnt.
    """

    clean_fraction: float = 0.5
    """Share of digits returned unchanged (MNIST as is)."""
    rotation_deg: float = 15.0
    """Rotations uniformly within +-this."""
    shear: float = 0.25
    """Horizontal shear factor within +-this (slanted handwriting)."""
    aspect_range: tuple[float, float] = (0.75, 1.3)
    """Width/height stretch: narrow and wide writing survive normalisation's fixed 20 px box."""
    scale_range: tuple[float, float] = (0.85, 1.15)
    """Size before normalisation; matters through stroke width and fragments, not final size."""
    shift_px: float = 2.0
    """Shift before normalisation, in 28 px units (again only matters beside a fragment)."""
    thicken_probability: float = 0.1
    """Dilate strokes (marker pens)."""
    thin_probability: float = 0.1
    """Erode strokes (fine pens photographed from afar: thin, faint strokes)."""
    faint_probability: float = 0.1
    """Scale ink intensity down (grey strokes after downscaling or poor contrast)."""
    blur_probability: float = 0.1
    """Gaussian blur (out-of-focus camera)."""
    style_probability: float = 0.35
    """Give a 1 a flag / base serif, or cross a 7 (European handwriting)."""
    stray_probability: float = 0.07
    """Add a small blob or line fragment beside the digit (neighbour digit, ruled line)."""
    jitter_probability: float = 0.25
    """Shift the normalised image by one pixel (segmenter imprecision)."""
    noise_probability: float = 0.07
    """Add mild Gaussian noise after normalisation (sensor noise surviving thresholding)."""
    noise_sigma: float = 8.0
    """Standard deviation of that noise, in uint8 grey levels."""
    chalk_probability: float = 0.0
    """Draw the strokes as chalk on a board (issue 13): grainy, with gaps where the chalk
    skipped, and a faint haze or smear of rubbed chalk around them."""
    motion_blur_probability: float = 0.0
    """Smear the strokes along a short line at a random angle (the phone moved during the shot;
    `benchmarks.conditions`' motion-blur condition), beside the Gaussian blur of `blur_probability`."""
    motion_blur_px: tuple[int, int] = (8, 24)
    """Kernel length range in working-canvas pixels (twice MNIST's, a digit some 40 px tall):
    a fifth to three fifths of the digit's height, as the condition's 7-15 px kernels are on
    worksheet digits 22-26 px tall."""


def augment_batch(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int | tuple[int, ...],
    config: AugmentConfig = AugmentConfig(),
    workers: int = 1,
) -> np.ndarray:
    """Return an augmented copy of (N, 28, 28) uint8 `images`; same seed, same result.

    The work is cut into fixed chunks, each with its own seeded generator, so the result does
    not depend on `workers`.
    """
    images = np.asarray(images, dtype=np.uint8)
    output = np.empty_like(images)
    chunk_size = 1024
    starts = range(0, len(images), chunk_size)
    seed_words = (seed,) if isinstance(seed, int) else tuple(seed)

    def run_chunk(chunk_index: int) -> None:
        start = chunk_index * chunk_size
        rng = np.random.default_rng((*seed_words, chunk_index))
        for index in range(start, min(start + chunk_size, len(images))):
            output[index] = augment_digit(images[index], int(labels[index]), rng, config)

    if workers <= 1:
        for chunk_index in range(len(starts)):
            run_chunk(chunk_index)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run_chunk, range(len(starts))))
    return output


def augment_digit(
    image: np.ndarray, label: int, rng: np.random.Generator, config: AugmentConfig
) -> np.ndarray:
    """One augmented, re-normalised 28x28 uint8 digit."""
    if rng.random() < config.clean_fraction:
        return image.copy()
    large = cv2.resize(image, None, fx=_UPSCALE, fy=_UPSCALE, interpolation=cv2.INTER_LINEAR)
    if rng.random() < config.style_probability:
        _add_regional_style(large, label, rng)
    canvas = cv2.warpAffine(
        large, _random_affine(rng, config, large.shape[0]), (_CANVAS_PX, _CANVAS_PX), flags=cv2.INTER_LINEAR
    )
    canvas = _vary_stroke(canvas, rng, config)
    # No draw at all when chalk is off: the random stream (and so `make models`) stays as before.
    if config.chalk_probability > 0 and rng.random() < config.chalk_probability:
        canvas = _chalk(canvas, rng)
    # Same guard as chalk: off draws nothing, so runs without it are unchanged.
    if config.motion_blur_probability > 0 and rng.random() < config.motion_blur_probability:
        canvas = _motion_blur(canvas, rng, config.motion_blur_px)
    if rng.random() < config.stray_probability:
        _add_stray_fragment(canvas, rng)
    digit = normalize_digit(canvas)
    if rng.random() < config.jitter_probability:
        digit = _shift_one_pixel(digit, rng)
    if rng.random() < config.noise_probability:
        noise = rng.normal(0.0, config.noise_sigma, digit.shape)
        digit = np.clip(digit + noise, 0, 255).astype(np.uint8)
    return digit


def _random_affine(rng: np.random.Generator, config: AugmentConfig, source_px: int) -> np.ndarray:
    """2x3 matrix: source centre -> canvas centre, with rotation, shear, aspect, scale, shift."""
    angle = math.radians(rng.uniform(-config.rotation_deg, config.rotation_deg))
    shear = rng.uniform(-config.shear, config.shear)
    aspect = rng.uniform(*config.aspect_range)
    scale = rng.uniform(*config.scale_range)
    # Keep the larger side at `scale`, so a stretched digit does not outgrow the canvas.
    scale_x, scale_y = (scale, scale / aspect) if aspect > 1 else (scale * aspect, scale)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    linear = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([scale_x, scale_y])
    source_centre = np.full(2, (source_px - 1) / 2.0)
    shift = rng.uniform(-config.shift_px, config.shift_px, 2) * _UPSCALE
    canvas_centre = np.full(2, (_CANVAS_PX - 1) / 2.0) + shift
    offset = canvas_centre - linear @ source_centre
    return np.hstack([linear, offset[:, None]]).astype(np.float32)


def _vary_stroke(canvas: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Thicken or thin the strokes, make them faint, blur them."""
    draw = rng.random()
    if draw < config.thicken_probability:
        size = int(rng.choice([3, 5, 7], p=[0.5, 0.35, 0.15]))
        canvas = cv2.dilate(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    elif draw < config.thicken_probability + config.thin_probability:
        size = int(rng.choice([2, 3]))
        thinned = cv2.erode(canvas, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
        # Erosion can wipe out a thin digit entirely: keep the original then.
        if (thinned > _INK_THRESHOLD).sum() > 0.3 * (canvas > _INK_THRESHOLD).sum():
            canvas = thinned
    if rng.random() < config.faint_probability:
        gain = rng.uniform(0.3, 0.8)
        canvas = (canvas * gain).astype(np.uint8)
    if rng.random() < config.blur_probability:
        sigma = rng.uniform(0.6, 1.8)
        canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    return canvas


def _motion_blur(canvas: np.ndarray, rng: np.random.Generator, length_px: tuple[int, int]) -> np.ndarray:
    """Average the canvas along a straight line of random length and angle (camera shake)."""
    length = int(rng.integers(length_px[0], length_px[1] + 1))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    centre = ((length - 1) / 2.0, (length - 1) / 2.0)
    turn = cv2.getRotationMatrix2D(centre, float(rng.uniform(0, 180)), 1.0)
    kernel = cv2.warpAffine(kernel, turn, (length, length))
    kernel /= max(1e-6, float(kernel.sum()))
    smeared = cv2.filter2D(canvas.astype(np.float32), -1, kernel, borderType=cv2.BORDER_CONSTANT)
    # A smear spreads thin strokes into grey; a dark pen keeps more of its shade. Restore a
    # random part of the lost peak so both faint and dark smeared digits are seen.
    peak = float(smeared.max())
    if peak > 0:
        smeared *= rng.uniform(1.0, max(1.0, float(canvas.max()) / peak))
    return np.clip(smeared, 0, 255).astype(np.uint8)


def _chalk(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The strokes as chalk: grain, skipped gaps across the stroke, partial density, and haze.

    Chalk leaves its mark only on the board's raised grain, so a stroke is speckled and its
    brightness uneven; where the chalk skips, a stroke breaks for a pen width or two. Rubbed
    chalk leaves a dim haze around strokes, which the reader's ink map partly keeps.
    """
    ink = canvas.astype(np.float32) / 255.0
    grain = rng.uniform(0.35, 1.0, ink.shape).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), rng.uniform(0.4, 1.0))
    # Gaps: the lowest few percent of smooth noise, blobs about a stroke width across.
    skips = cv2.GaussianBlur(rng.normal(0, 1, ink.shape).astype(np.float32), (0, 0), rng.uniform(1.5, 3.5))
    stroke = ink > 0.3
    if stroke.any():
        threshold = np.quantile(skips[stroke], rng.uniform(0.02, 0.10))
        ink *= (skips > threshold).astype(np.float32)
    ink *= grain * rng.uniform(0.6, 1.0)
    if rng.random() < 0.6:
        # Haze: a wide, dim glow of the strokes, smeared along one direction.
        sigma = rng.uniform(3.0, 8.0)
        haze = cv2.GaussianBlur(ink, (0, 0), sigmaX=sigma * rng.uniform(1.0, 2.5), sigmaY=sigma)
        # Only near the strokes: the ink map drops a far, faint glow, and normalization would
        # otherwise shrink the digit to fit the glow's extent.
        haze = np.clip(haze * rng.uniform(0.3, 0.6) - 0.06, 0.0, None)
        ink = np.maximum(ink, haze)
    return np.clip(ink * 255.0, 0, 255).astype(np.uint8)


def _add_regional_style(large: np.ndarray, label: int, rng: np.random.Generator) -> None:
    """Draw a European 1 (flag, base serif) or a crossed 7 onto the 2x-size digit in place."""
    if label not in (1, 7):
        return
    mask = large > _INK_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size < 4:
        return
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    stroke = _stroke_width(mask)
    shade = int(np.percentile(large[mask], 75))
    if label == 1:
        top_x = float(np.flatnonzero(mask[top]).mean())
        bottom_x = float(np.flatnonzero(mask[bottom]).mean())
        if rng.random() < 0.85:
            # Steep and short: a long, flat flag would turn the 1 into a 7.
            length = height * rng.uniform(0.18, 0.35)
            angle = math.radians(rng.uniform(35, 65))
            end = (top_x - length * math.cos(angle), top + length * math.sin(angle))
            _line(large, (top_x, top + stroke / 2), end, stroke, shade)
        if rng.random() < 0.5:
            half = height * rng.uniform(0.15, 0.3)
            base_y = bottom - stroke / 2
            _line(large, (bottom_x - half, base_y), (bottom_x + half, base_y), stroke, shade)
    else:
        middle = (top + bottom) // 2
        middle_columns = np.flatnonzero(mask[middle])
        if middle_columns.size == 0:
            return
        centre_x = float(middle_columns.mean())
        half = height * rng.uniform(0.15, 0.28)
        tilt = rng.uniform(-0.1, 0.1) * half
        _line(large, (centre_x - half, middle + tilt), (centre_x + half, middle - tilt), stroke, shade)


def _add_stray_fragment(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """Draw a small blob or line piece just outside the digit's bounding box, in place."""
    mask = canvas > _INK_THRESHOLD
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return
    top, bottom, left, right = rows[0], rows[-1], cols[0], cols[-1]
    gap = rng.uniform(4, 10)
    shade = int(rng.integers(120, 256))
    side = int(rng.integers(4))
    # side: 0 above, 1 below, 2 left, 3 right. No line above: a bar over a 1 makes a 7.
    if rng.random() < 0.5 and side != 0:
        # A ruled line or the edge of a box: a thin straight line along one side.
        thickness = float(rng.uniform(1.5, 3.5))
        if side == 1:
            y = bottom + gap
            x_start, x_end = left - rng.uniform(0, 10), right + rng.uniform(0, 10)
            _line(canvas, (x_start, y), (x_end, y + rng.uniform(-2, 2)), thickness, shade)
        else:
            x = left - gap if side == 2 else right + gap
            y_start, y_end = top + rng.uniform(0, 20), bottom - rng.uniform(0, 20)
            _line(canvas, (x, y_start), (x + rng.uniform(-2, 2), y_end), thickness, shade)
    else:
        # A fragment of a neighbouring digit: a short blob or stroke end.
        radius = rng.uniform(1.5, 4.0)
        along = rng.uniform(0.2, 0.8)
        if side < 2:
            x = left + along * (right - left)
            y = top - gap - radius if side == 0 else bottom + gap + radius
        else:
            y = top + along * (bottom - top)
            x = left - gap - radius if side == 2 else right + gap + radius
        axes = (max(1, round(radius)), max(1, round(radius * rng.uniform(0.5, 2.0))))
        cv2.ellipse(
            canvas, (round(x), round(y)), axes, float(rng.uniform(0, 180)), 0, 360, shade, -1, cv2.LINE_AA
        )


def _stroke_width(mask: np.ndarray) -> float:
    """Typical pen width in pixels: twice the largest distance from stroke to background."""
    distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    return float(np.clip(2.0 * distance.max(), 2.0, 8.0))


def _line(
    image: np.ndarray, start: tuple[float, float], end: tuple[float, float], thickness: float, shade: int
) -> None:
    """Anti-aliased line with sub-pixel end points (OpenCV's fixed-point `shift`)."""
    fraction_bits = 4
    factor = 1 << fraction_bits
    start_px = (round(start[0] * factor), round(start[1] * factor))
    end_px = (round(end[0] * factor), round(end[1] * factor))
    cv2.line(image, start_px, end_px, int(shade), max(1, round(thickness)), cv2.LINE_AA, fraction_bits)


def _shift_one_pixel(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move the image by one pixel in a random direction, filling with background."""
    shift_y, shift_x = rng.integers(-1, 2, 2)
    shifted = np.zeros_like(digit)
    side = IMAGE_SIDE_PX
    shifted[max(0, shift_y) : side + min(0, shift_y), max(0, shift_x) : side + min(0, shift_x)] = digit[
        max(0, -shift_y) : side + min(0, -shift_y), max(0, -shift_x) : side + min(0, -shift_x)
    ]
    return shifted
