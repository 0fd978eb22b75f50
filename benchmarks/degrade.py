"""Camera and scanner effects for synthetic pages, with the geometry kept for ground truth.

A profile names how rough the capture is: `none` (the clean page), `light` (a flatbed scan:
slight turn, faint blur and noise), `photo` (a decent phone photo: perspective, the desk
around the page, uneven light, a shadow, JPEG) and `heavy` (a poor phone photo: more of
everything). `mixed` draws one of those four per page. `dim` is a phone photo in poor light:
underexposed by half or more, so the sensor's grain (in grey and colour) is strong against
the little contrast left, as in a classroom photo taken without a flash.

The geometric part is one homography (page -> image); `transform_points` maps ground-truth
ink outlines with the same matrix, so boxes stay true after the warp. The photometric part
(lighting ramp, vignette, shadow, white balance, blur, lost resolution, noise) moves no pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class DegradeProfile:
    """How far a capture is from the clean page; each range is drawn from uniformly per page."""

    name: str
    max_rotation_deg: float  # the page turns by up to this either way
    max_perspective: float  # each corner moves up to this share of the shorter side (camera not square-on)
    page_scale: tuple[float, float]  # page size in the frame; below 1 the surface around it shows
    background_grey: tuple[float, float]  # what surrounds the page: scanner lid (light) or a desk
    max_gradient: float  # light lost on the darker side of a lighting ramp, 0..1
    shadow_probability: float  # chance of a soft-edged shadow across part of the page
    max_shadow: float  # light a shadow takes away, 0..1
    max_vignette: float  # light lost in the corners, 0..1
    colour_cast: float  # spread of per-channel gains (wrong white balance)
    blur_sigma: tuple[float, float]  # Gaussian blur (focus, shake), pixels
    resolution: tuple[float, float]  # share of the resolution the optics really resolve
    noise_sigma: tuple[float, float]  # sensor noise, grey levels
    jpeg_quality: tuple[int, int] | None  # saved as JPEG of this quality; None: lossless PNG
    exposure: tuple[float, float] = (1.0, 1.0)  # share of the light reaching the sensor (dim: < 1)
    colour_noise: float = 0.0  # per-channel sensor noise as a share of the grey noise


PROFILES: dict[str, DegradeProfile] = {
    profile.name: profile
    for profile in (
        DegradeProfile("none", 0.0, 0.0, (1.0, 1.0), (255.0, 255.0), 0.0, 0.0, 0.0, 0.0, 0.0,
                       (0.0, 0.0), (1.0, 1.0), (0.0, 0.0), None),
        DegradeProfile("light", 1.5, 0.0, (0.97, 1.0), (235.0, 255.0), 0.08, 0.0, 0.0, 0.0, 0.02,
                       (0.3, 0.7), (1.0, 1.0), (1.0, 3.0), None),
        DegradeProfile("photo", 4.0, 0.03, (0.85, 0.97), (90.0, 170.0), 0.25, 0.5, 0.3, 0.15, 0.06,
                       (0.5, 1.0), (0.8, 1.0), (2.0, 4.0), (70, 90)),
        DegradeProfile("heavy", 6.0, 0.06, (0.8, 0.95), (40.0, 160.0), 0.4, 0.8, 0.45, 0.3, 0.1,
                       (0.7, 1.4), (0.65, 0.9), (3.0, 7.0), (45, 75)),
        DegradeProfile("dim", 3.0, 0.03, (0.85, 0.97), (40.0, 110.0), 0.3, 0.3, 0.3, 0.3, 0.06,
                       (0.5, 1.0), (0.75, 0.95), (5.0, 10.0), (60, 85), exposure=(0.25, 0.45),
                       colour_noise=0.6),
    )
}

MIXED = "mixed"
"""Profile name meaning: draw one of MIXED_PROFILES per page, equally often."""

MIXED_PROFILES = ("none", "light", "photo", "heavy")
"""What `mixed` draws from (fixed, so a seed makes the same pages as profiles are added)."""

CHOICES = (*PROFILES, MIXED)


@dataclass
class DegradedPage:
    """A captured page and how its pixels moved."""

    image: np.ndarray  # (H, W, 3) uint8 BGR
    homography: np.ndarray  # (3, 3) float64, clean page coordinates -> image coordinates
    profile: str  # name of the profile used
    jpeg_quality: int | None  # quality to save it with, or None for PNG


def resolve_profile(name: str, rng: np.random.Generator) -> DegradeProfile:
    """The profile called `name`; for "mixed", one drawn at random."""
    if name == MIXED:
        return PROFILES[MIXED_PROFILES[rng.integers(len(MIXED_PROFILES))]]
    if name not in PROFILES:
        raise ValueError(f"unknown degradation {name!r}; use one of {', '.join(CHOICES)}")
    return PROFILES[name]


def degrade_page(page: np.ndarray, profile: DegradeProfile, rng: np.random.Generator,
                 keep_visible: np.ndarray | None = None) -> DegradedPage:
    """Capture `page` (float32 BGR 0..255) as `profile` describes.

    `keep_visible`, points (n, 2) of the clean page (the ink outlines), are kept inside the
    frame: the page is shrunk as needed so no written digit is cut off by the warp.
    """
    height, width = page.shape[:2]
    homography = random_homography(width, height, profile, rng)
    if keep_visible is not None and keep_visible.size:
        homography = keep_inside(homography, keep_visible, width, height, margin_px=2.0)
    background = rng.uniform(*profile.background_grey)
    tint = 1.0 + rng.uniform(-0.06, 0.06, size=3) * (background < 250)
    image = page
    if not np.allclose(homography, np.eye(3)):
        image = cv2.warpPerspective(page, homography, (width, height), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT,
                                    borderValue=tuple(float(v) for v in background * tint))
    image = _light(image, profile, rng)
    image = _optics(image, profile, rng)
    if profile.exposure != (1.0, 1.0):
        image = image * np.float32(rng.uniform(*profile.exposure))
    sigma = rng.uniform(*profile.noise_sigma)
    if sigma > 0:
        image = image + rng.standard_normal(image.shape, dtype=np.float32) * np.float32(sigma)
    if profile.colour_noise > 0:
        # Grain differs per colour channel too (the sensor's Bayer filter): coloured speckle.
        grain = rng.standard_normal(image.shape, dtype=np.float32)
        image = image + grain * np.float32(sigma * profile.colour_noise)
    quality = None
    if profile.jpeg_quality is not None:
        quality = int(rng.integers(profile.jpeg_quality[0], profile.jpeg_quality[1] + 1))
    pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return DegradedPage(pixels, homography, profile.name, quality)


def random_homography(width: int, height: int, profile: DegradeProfile,
                      rng: np.random.Generator) -> np.ndarray:
    """Page -> frame: turn, shrink, shift and tilt (perspective) the page by chance."""
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    scale = rng.uniform(*profile.page_scale)
    angle = np.deg2rad(rng.uniform(-profile.max_rotation_deg, profile.max_rotation_deg))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([width / 2.0, height / 2.0])
    # The page need not sit in the middle of the frame: shift it within the room left over.
    shift = rng.uniform(-0.5, 0.5, size=2) * (1.0 - scale) * np.array([width, height])
    jitter = rng.uniform(-1.0, 1.0, size=(4, 2)) * profile.max_perspective * min(width, height)
    moved = centre + shift + scale * (corners - centre) @ rotation.T + jitter
    return cv2.getPerspectiveTransform(corners.astype(np.float32), moved.astype(np.float32))


def keep_inside(homography: np.ndarray, points: np.ndarray, width: int, height: int,
                margin_px: float) -> np.ndarray:
    """Shrink the warp about the frame centre just enough that `points` land inside the frame."""
    moved = transform_points(points, homography)
    centre = np.array([width / 2.0, height / 2.0])
    half = centre - margin_px
    reach = np.abs(moved - centre).max(axis=0)
    factor = float(min(1.0, *(half / np.maximum(reach, 1e-9))))
    if factor >= 1.0:
        return homography
    shrink = np.array([[factor, 0, centre[0] * (1 - factor)],
                       [0, factor, centre[1] * (1 - factor)],
                       [0, 0, 1]], np.float64)
    return shrink @ homography


def transform_points(points: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Map points (n, 2) through a homography."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    if points.size == 0:
        return points
    homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ np.asarray(homography).T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def _light(image: np.ndarray, profile: DegradeProfile, rng: np.random.Generator) -> np.ndarray:
    """Uneven light: a ramp, a vignette and maybe a shadow, built small and enlarged smoothly."""
    height, width = image.shape[:2]
    small_h, small_w = max(2, height // 8), max(2, width // 8)
    ys, xs = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    ys /= small_h - 1
    xs /= small_w - 1
    field = np.ones((small_h, small_w), np.float32)
    gradient = rng.uniform(0.0, profile.max_gradient)
    direction = rng.uniform(0.0, 2 * np.pi)
    if gradient > 0:
        ramp = np.cos(direction) * xs + np.sin(direction) * ys
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        field *= 1.0 - gradient * ramp
    vignette = rng.uniform(0.0, profile.max_vignette)
    if vignette > 0:
        radius = ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) / 0.5
        field *= 1.0 - vignette * radius
    if rng.random() < profile.shadow_probability:
        field *= 1.0 - rng.uniform(0.3, 1.0) * profile.max_shadow * _shadow_mask(small_w, small_h, rng)
    gains = 1.0 + rng.uniform(-profile.colour_cast, profile.colour_cast, size=3).astype(np.float32)
    if np.all(field == 1.0) and np.all(gains == 1.0):
        return image
    full = cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)
    return image * full[:, :, None] * gains[None, None, :]


def _shadow_mask(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A soft-edged polygon from one side of the frame: a hand, a phone or the photographer."""
    side = rng.integers(4)
    depth = rng.uniform(0.15, 0.5)
    along = np.sort(rng.uniform(0.0, 1.0, size=2))
    # Polygon in unit coordinates hugging one edge, with a slanted inner edge.
    inner = [along[0] * rng.uniform(0.5, 1.0), along[1] + (1 - along[1]) * rng.uniform(0.0, 1.0)]
    polygon = np.array([[along[0], 0.0], [along[1], 0.0], [inner[1], depth],
                        [inner[0], depth * rng.uniform(0.6, 1.4)]])
    if side == 1:  # bottom edge
        polygon[:, 1] = 1.0 - polygon[:, 1]
    elif side == 2:  # left edge
        polygon = polygon[:, ::-1]
    elif side == 3:  # right edge
        polygon = polygon[:, ::-1]
        polygon[:, 0] = 1.0 - polygon[:, 0]
    mask = np.zeros((height, width), np.float32)
    pixels = np.round(polygon * [width - 1, height - 1]).astype(np.int32)
    cv2.fillPoly(mask, [pixels], 1.0)
    softness = max(0.5, rng.uniform(0.02, 0.08) * min(width, height))  # pixels of the small field
    return cv2.GaussianBlur(mask, (0, 0), softness)


def _optics(image: np.ndarray, profile: DegradeProfile, rng: np.random.Generator) -> np.ndarray:
    """Lost sharpness: a lens blur, and a sensor that resolves less than the page holds."""
    sigma = rng.uniform(*profile.blur_sigma)
    if sigma > 0.05:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    resolution = rng.uniform(*profile.resolution)
    if resolution < 0.99:
        height, width = image.shape[:2]
        small = cv2.resize(image, (max(1, int(width * resolution)), max(1, int(height * resolution))),
                           interpolation=cv2.INTER_AREA)
        image = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return image
