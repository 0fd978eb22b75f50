"""Pages of handwritten words with numbers beside them, as real worksheets have them.

"Name: Anna  Age 7", "Q3 42", "apples 12  pears 7", "Score 17 of 20": lines of words in letters
(`benchmarks.surfaces.written_word`: Hershey fonts bent like handwriting) with numbers of MNIST
digits (`benchmarks.handwriting`) written between them in the same pen, on plain or ruled paper,
scanned or photographed. The truth holds every digit, the 3 of "Q3" too (a digit glued to a
letter); the words are not in it, so a letter read as a digit counts as a phantom. A reader that
drops the digit-shaped letters of words must still read these numbers: `benchmarks.hard_pages`
writes such pages as the kind `words-numbers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks import surfaces
from benchmarks.degrade import PROFILES, degrade_page
from benchmarks.handwriting import DigitBank, write_glyph
from benchmarks.layout import PagePlan, PlacedGlyph, PlannedLine, PlannedNumber
from benchmarks.paper import blank_paper
from benchmarks.worksheets import _ink, _truth

NAMES = ("Anna", "Ben", "Lena", "Omar", "Maria", "Tom", "Sofia", "Jonas")


@dataclass(frozen=True)
class Number:
    """A number of `low`..`high` digits; with `glued_to`, written right after those letters ("Q3")."""

    low: int
    high: int
    glued_to: str = ""


NAME, WORD = "<name>", "<word>"
"""Tokens that stand for a random name (NAMES) or word (`surfaces.WORDS`)."""

TEMPLATES = (
    ("Name:", NAME, "Age", Number(1, 2)),
    (Number(1, 1, glued_to="Q"), Number(1, 3)),
    (WORD, Number(1, 3), WORD, Number(1, 3)),
    ("Total", Number(2, 3)),
    ("Score", Number(1, 2), "of", Number(2, 2)),
    ("Page", Number(1, 2)),
    (Number(1, 2), WORD),
    ("Date", Number(1, 2), WORD, Number(4, 4)),
)
"""What a line says: words (a name, a word, or as written) and numbers."""


@dataclass
class WordsPage:
    image: np.ndarray  # (H, W, 3) uint8 BGR, as captured
    truth: dict  # PageResult.to_dict() of the digits
    degrade: str  # the capture profile used
    jpeg_quality: int | None


def make_words_page(bank: DigitBank, rng: np.random.Generator, size: tuple[int, int]) -> WordsPage:
    """One page of lines from TEMPLATES, written with digits from `bank`."""
    width, height = size
    page = blank_paper(width, height, rng)
    surfaces.paint_paper(page, str(rng.choice(["plain", "ruled"])), rng)
    colour = (rng.uniform(100, 160), rng.uniform(30, 70), rng.uniform(10, 40)) if rng.random() < 0.5 \
        else (rng.uniform(20, 60),) * 3
    plan = PagePlan(width=width, height=height, style="words-numbers", ink_colour=colour)
    letter_px = rng.uniform(0.018, 0.04) * height
    words = np.zeros((height, width), np.float32)
    y = rng.uniform(0.08, 0.15) * height
    while y + 2 * letter_px < 0.9 * height:
        line = _write_line(TEMPLATES[rng.integers(len(TEMPLATES))], words, bank, y, letter_px, rng)
        if line.numbers:
            plan.lines.append(line)
        y += rng.uniform(2.2, 3.2) * letter_px
    surfaces._darken(page, words * rng.uniform(0.85, 1.0), np.asarray(colour, np.float32))
    outlines = []
    for placed in (placed for line in plan.lines for number in line.numbers for placed in number.glyphs):
        _ink(page, placed, colour, rng.uniform(0.85, 1.0))
        outlines.append(placed.glyph.ink_points() + (placed.x, placed.y))
    profile = PROFILES[str(rng.choice(["light", "photo"]))]
    captured = degrade_page(page, profile, rng, keep_visible=np.concatenate(outlines) if outlines else None)
    truth = _truth(plan, outlines, captured.homography)
    return WordsPage(captured.image, truth.to_dict(), captured.profile, captured.jpeg_quality)


def _write_line(template: tuple, words: np.ndarray, bank: DigitBank, baseline: float, letter_px: float,
                rng: np.random.Generator) -> PlannedLine:
    """Write one template's words into `words` and plan its numbers, left to right on `baseline`."""
    width = words.shape[1]
    capital_px = cv2.getTextSize("H", cv2.FONT_HERSHEY_SIMPLEX, letter_px / 16.0, 1)[0][1]
    x = rng.uniform(0.06, 0.12) * width
    numbers = []
    for token in template:
        if isinstance(token, Number):
            if token.glued_to:
                x = _write_word(token.glued_to, words, x, baseline, letter_px, rng)
                x += rng.uniform(0.05, 0.2) * letter_px
            glyphs = [write_glyph(bank, int(label), capital_px * rng.uniform(0.9, 1.15), rng)
                      for label in rng.integers(0, 10, size=int(rng.integers(token.low, token.high + 1)))]
            if x + sum(g.width for g in glyphs) * 1.3 > 0.92 * width:
                break
            placed = []
            for glyph in glyphs:
                bottom = baseline + rng.uniform(-0.04, 0.04) * glyph.height
                placed.append(PlacedGlyph(glyph, int(round(x)), int(round(bottom - glyph.height))))
                x += glyph.width + glyph.height * rng.uniform(0.10, 0.35)
            numbers.append(PlannedNumber(placed))
        else:
            text = str(rng.choice(NAMES)) if token == NAME else str(rng.choice(surfaces.WORDS)) \
                if token == WORD else token
            x = _write_word(text, words, x, baseline, letter_px, rng)
            if x > 0.92 * width:
                break
        x += rng.uniform(0.8, 2.0) * letter_px
    return PlannedLine(numbers)


def _write_word(text: str, words: np.ndarray, x: float, baseline: float, letter_px: float,
                rng: np.random.Generator) -> float:
    """Write `text` with its baseline on `baseline` from `x` (where its ink starts); the x after it."""
    coverage, word_baseline = surfaces.written_word(text, letter_px, rng)
    columns = np.flatnonzero(coverage.max(axis=0) > 0.3)
    if columns.size == 0:
        return x
    left, right = int(columns[0]), int(columns[-1]) + 1
    top = int(round(baseline)) - word_baseline
    into_x = int(round(x)) - left
    height, width = words.shape
    y0, y1 = max(0, top), min(height, top + coverage.shape[0])
    x0, x1 = max(0, into_x), min(width, into_x + coverage.shape[1])
    if y0 < y1 and x0 < x1:
        region = words[y0:y1, x0:x1]
        np.maximum(region, coverage[y0 - top : y1 - top, x0 - into_x : x1 - into_x], out=region)
    return x + (right - left)
