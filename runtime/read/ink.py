"""The page as ink: darkness relative to the paper, thresholds from the page, labelled regions.

Everything downstream (rule removal, segmentation, levelling and turning the page) works on the
ink map this module computes, never on the photo's grey levels, so lighting is dealt with once,
and so is polarity: light strokes on a dark ground (a chalkboard, a screen, MNIST's own images)
are turned over here, for the whole picture or for the patches of it that need it, as
`runtime.read.polarity` decides. Ink is always "strokes, relative to their ground".
"""

from __future__ import annotations

import cv2
import numpy as np

from runtime.read.polarity import (
    AUTO,
    DARK_ON_LIGHT,
    LIGHT_ON_DARK,
    Evidence,
    check_polarity,
    measure,
    page_polarity,
    reversed_patches,
    working_step,
)


def ink_map(gray: np.ndarray, polarity: str = AUTO) -> np.ndarray:
    """Ink strength relative to the local ground, as float32 in [0, 1] (ground ~0, ink ~1).

    `polarity` is DARK_ON_LIGHT (pen on paper), LIGHT_ON_DARK (chalk on a board) or AUTO:
    decided from the picture, per page and per patch (see `runtime.read.polarity`).
    """
    if check_polarity(polarity) == DARK_ON_LIGHT:
        return darkness_map(gray)
    if polarity == LIGHT_ON_DARK:
        return darkness_map(255 - gray)
    evidence = measure(gray)
    if page_polarity(gray, evidence) == LIGHT_ON_DARK:
        gray = 255 - gray
        evidence = Evidence(255 - evidence.small, 255 - evidence.background, evidence.dark, evidence.light)
    darkness = darkness_map(gray)
    patches = reversed_patches(evidence)
    if patches is not None:
        darkness = _turn_patches_over(gray, darkness, patches, evidence.background)
    return darkness


def _turn_patches_over(gray: np.ndarray, darkness: np.ndarray, patches: np.ndarray,
                       background: np.ndarray) -> np.ndarray:
    """Read the patches (a working-copy mask) light-on-dark and the rest as it is.

    The patch edge is placed at full resolution where the local ground crosses halfway between
    the paper and the patch, so neither reading sees much of the other side's ground.
    """
    height, width = gray.shape
    paper = float(np.percentile(background, 90))
    patch_ground = float(np.median(background[patches > 0]))
    # Reach a little beyond the working copy's patch: its edge is only known to a pixel or two.
    zone = cv2.dilate(patches, np.ones((5, 5), np.uint8))
    zone = cv2.resize(zone, (width, height), interpolation=cv2.INTER_NEAREST)
    ground = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    inside = (zone > 0) & (ground < 0.5 * (paper + patch_ground))
    return np.where(inside, darkness_map(255 - gray), darkness).astype(np.float32)


def darkness_map(gray: np.ndarray) -> np.ndarray:
    """Darkness relative to the local paper colour, as float32 in [0, 1] (paper ~0, ink ~1)."""
    gray = gray.astype(np.float32)
    height, width = gray.shape
    # The paper is the brightest thing at the scale of a few strokes: a max filter removes the
    # ink, a blur smooths the result. Done on a small copy: shadows are low-frequency.
    step = working_step(gray.shape)
    small = cv2.resize(gray, (max(1, width // step), max(1, height // step)),
                       interpolation=cv2.INTER_AREA)
    kernel_px = max(3, (min(small.shape) // 12) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_px, kernel_px))
    # A closing (max filter, then min filter) rather than a max filter alone: it removes the ink
    # just the same but keeps a shadow's sharp edge where it is, instead of spreading bright
    # paper into the shadow, where it would read as a band of faint ink.
    small_paper = cv2.erode(cv2.dilate(small, kernel), kernel)
    small_paper = cv2.GaussianBlur(small_paper, (0, 0), kernel_px / 4.0)
    paper = cv2.resize(small_paper, (width, height), interpolation=cv2.INTER_LINEAR)
    # Darkness relative to the paper, but never relative to less than half the page's bright
    # paper: beside the sheet (a dark desk, a deep shadow) sensor noise is not ink.
    floor = max(1.0, 0.5 * float(np.percentile(small_paper, 95)))
    darkness = (paper - gray) / np.maximum(paper, floor)
    return np.clip(darkness, 0.0, 1.0)


# Grana's block-based labelling: in OpenCV's default choice, computing the statistics costs
# twenty times the labelling itself on a 640x480 frame (measured 4.6 ms against 0.6 ms here).
_LABELLING = getattr(cv2, "CCL_BBDT", getattr(cv2, "CCL_GRANA", 1))


def label_regions(mask: np.ndarray):
    """8-connected regions of a 0/255 mask: (count, labels, stats) as OpenCV gives them."""
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S,
                                                                            _LABELLING)
    return count, labels, stats


def ink_components(darkness: np.ndarray, min_contrast: float):
    """Binarize with bounded hysteresis and label the ink.

    Pixels darker than a strong threshold are ink, and so are pixels darker than a weak one
    within two pixels of them: the soft rim of a stroke stays on, while a faint rule or smudge
    that merely touches a digit does not creep along into it. The strong threshold comes from
    the page (Otsu on the ink map). Returns the ink mask (uint8 0/255), a fainter mask to look
    for printed rules in, and the ink's regions (labels and stats, as `label_regions` gives).
    """
    darkness_u8 = (darkness * 255.0).astype(np.uint8)
    otsu, _ = cv2.threshold(darkness_u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    strong = float(np.clip(otsu, min_contrast * 255, 0.5 * 255))
    weak = max(min_contrast * 0.6 * 255, strong * 0.5)
    _, strong_mask = cv2.threshold(darkness_u8, strong, 255, cv2.THRESH_BINARY)
    _, weak_mask = cv2.threshold(darkness_u8, weak, 255, cv2.THRESH_BINARY)
    mask = weak_mask & cv2.dilate(strong_mask, np.ones((5, 5), np.uint8))
    _, labels, stats = label_regions(mask)
    # Printed rules are often paler than the writing and break into dashes at the ink
    # threshold; they are looked for in this fainter mask, where they run unbroken.
    _, faint_mask = cv2.threshold(darkness_u8, max(0.08 * 255, 0.3 * strong), 255, cv2.THRESH_BINARY)
    return mask, faint_mask, labels, stats
