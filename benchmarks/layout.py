"""Plan a synthetic worksheet: which form it is printed as and where each digit is written.

A page gets one style: `blank` paper, `ruled` lines (digits sit on them), a squared `grid`
(one digit per cell) or a `form` of printed boxes (open fields or one cell per digit).
Numbers have 1 to 6 digits; digits of a number are close but (nearly always) apart, numbers
are separated by clearly wider gaps, lines by clear vertical space. Handwriting height is
chosen per page and varies a little per line and per digit.

The plan is geometry only; `benchmarks.worksheets` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.handwriting import DigitBank, Glyph, shrink_to_width, write_glyph
from benchmarks.paper import PrintedMark, text_width

STYLES = ("blank", "ruled", "grid", "form")

A4_150DPI_PX = (1240, 1754)
"""Width, height of an A4 page scanned at 150 dpi: the size the default heights are set for."""

A4_DIGIT_HEIGHT_PX = (20.0, 120.0)
"""Handwriting heights on an A4 page at 150 dpi: small neat digits to big marker ones."""

MIN_DIGIT_HEIGHT_PX = 14.0
"""Never smaller, whatever the page size: below this a digit is a smudge, not a test."""

MAX_TOUCH_OVERLAP = 0.08
"""Touching digits overlap by up to this share of the handwriting height (strokes cross)."""

FORM_WORDS = ("Name", "Date", "Total", "Qty", "Item", "Score", "Class", "Room", "Ref", "Code")
TITLE_WORDS = ("Worksheet", "Order form", "Inventory", "Results", "Exercise")


@dataclass
class LayoutOptions:
    """What kinds of pages to plan."""

    styles: tuple[str, ...] = STYLES  # page styles to choose from at random, one per page
    # Handwriting heights in px; None: 20..120 px on A4, scaled to the page size.
    digit_height_px: tuple[float, float] | None = None
    max_digits_per_number: int = 6  # numbers have 1..this many digits
    max_numbers_per_line: int = 4  # a line holds 1..this many numbers, as space allows
    close_gap_rate: float = 0.02  # share of in-number gaps drawn only a pixel or two wide
    # Share of in-number gaps where the two digits touch or overlap a little (0 keeps the seeded
    # pages of older sets unchanged: no random draw is spent on it).
    touch_rate: float = 0.0
    printed_text: bool = False  # print words and a title bar on forms (a reader may mistake them for digits)

    def validate(self) -> None:
        unknown = [style for style in self.styles if style not in STYLES]
        if unknown or not self.styles:
            raise ValueError(f"unknown page style {unknown or self.styles!r}; "
                             f"use some of {', '.join(STYLES)}")
        if not 1 <= self.max_digits_per_number <= 12:
            raise ValueError(f"max digits per number {self.max_digits_per_number} is out of range; use 1..12")
        if self.max_numbers_per_line < 1:
            raise ValueError(f"max numbers per line {self.max_numbers_per_line} must be at least 1")
        if not 0.0 <= self.close_gap_rate <= 1.0:
            raise ValueError(f"close gap rate {self.close_gap_rate} must lie in 0..1")
        if not 0.0 <= self.touch_rate <= 1.0:
            raise ValueError(f"touch rate {self.touch_rate} must lie in 0..1")
        if self.digit_height_px is not None:
            low, high = self.digit_height_px
            if not 4 <= low <= high:
                raise ValueError(f"digit height range {self.digit_height_px} must be 4 <= low <= high")


@dataclass
class PlacedGlyph:
    """A glyph and where its ink map's top-left corner goes on the page."""

    glyph: Glyph
    x: int
    y: int


@dataclass
class PlannedNumber:
    glyphs: list[PlacedGlyph]


@dataclass
class PlannedLine:
    numbers: list[PlannedNumber]


@dataclass
class PagePlan:
    """Everything needed to draw one page before any camera effects."""

    width: int
    height: int
    style: str
    ink_colour: tuple[float, float, float]  # BGR of the pen, 0..255
    marks: list[PrintedMark] = field(default_factory=list)
    lines: list[PlannedLine] = field(default_factory=list)


def digit_height_range(width: int, height: int, options: LayoutOptions) -> tuple[float, float]:
    """Handwriting heights for a page of this size: the A4 range scaled, within sane limits."""
    if options.digit_height_px is not None:
        return options.digit_height_px
    scale = min(width / A4_150DPI_PX[0], height / A4_150DPI_PX[1])
    low = max(MIN_DIGIT_HEIGHT_PX, A4_DIGIT_HEIGHT_PX[0] * scale)
    # Leave room for a whole 6-digit number across the page and a few lines down it.
    high = min(max(low, A4_DIGIT_HEIGHT_PX[1] * scale), width / 9.0, height / 5.0)
    return low, max(low, high)


def plan_page(bank: DigitBank, width: int, height: int, rng: np.random.Generator,
              options: LayoutOptions) -> PagePlan:
    """Choose a style, print its form and write numbers on it."""
    style = options.styles[rng.integers(len(options.styles))]
    low, high = digit_height_range(width, height, options)
    base_height = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    plan = PagePlan(width=width, height=height, style=style, ink_colour=_pen_colour(rng))
    writer = _Writer(bank, rng, options)
    margins = _Margins(
        left=rng.uniform(0.05, 0.10) * width, right=width - rng.uniform(0.05, 0.10) * width,
        top=rng.uniform(0.05, 0.10) * height, bottom=height - rng.uniform(0.05, 0.10) * height,
    )
    if rng.random() < 0.3:  # a partly filled page
        margins.bottom = margins.top + (margins.bottom - margins.top) * rng.uniform(0.35, 1.0)
    planner = {"blank": _plan_blank, "ruled": _plan_ruled, "grid": _plan_grid, "form": _plan_form}[style]
    planner(plan, writer, margins, base_height, rng, options)
    return plan


@dataclass
class _Margins:
    left: float
    right: float
    top: float
    bottom: float


class _Writer:
    """Writes numbers: picks digits, renders glyphs, spaces them like a person would."""

    def __init__(self, bank: DigitBank, rng: np.random.Generator, options: LayoutOptions):
        self.bank = bank
        self.rng = rng
        self.options = options

    def random_length(self) -> int:
        return int(self.rng.integers(1, self.options.max_digits_per_number + 1))

    def glyphs(self, count: int, height: float) -> list[Glyph]:
        labels = self.rng.integers(0, 10, size=count)
        return [write_glyph(self.bank, int(label), height * self.rng.uniform(0.92, 1.08), self.rng)
                for label in labels]

    def gaps(self, count: int, height: float) -> list[float]:
        """Gaps between consecutive digits of one number, in pixels."""
        gaps = []
        for _ in range(max(0, count - 1)):
            if self.options.touch_rate > 0.0 and self.rng.random() < self.options.touch_rate:
                gaps.append(-height * self.rng.uniform(0.0, MAX_TOUCH_OVERLAP))
            elif self.rng.random() < self.options.close_gap_rate:
                gaps.append(self.rng.uniform(1.0, 2.0))
            else:
                gaps.append(height * self.rng.uniform(0.10, 0.35))
        return gaps

    def number_gap(self, height: float) -> float:
        """Gap between two numbers on a line: always well over the widest in-number gap."""
        return height * self.rng.uniform(1.0, 2.5)


def _written_width(glyphs: list[Glyph], gaps: list[float]) -> float:
    return sum(glyph.width for glyph in glyphs) + sum(gaps)


def _on_baseline(glyphs: list[Glyph], gaps: list[float], x: float, baseline: float,
                 slope: float, jitter_px: float, rng: np.random.Generator) -> PlannedNumber:
    """Place glyphs left to right with their bottoms on a (slightly sloping) baseline."""
    placed = []
    for index, glyph in enumerate(glyphs):
        bottom = baseline + slope * x + rng.uniform(-jitter_px, jitter_px)
        placed.append(PlacedGlyph(glyph, int(round(x)), int(round(bottom - glyph.height))))
        x += glyph.width + (gaps[index] if index < len(gaps) else 0.0)
    return PlannedNumber(placed)


def _write_line(writer: _Writer, x_start: float, x_limit: float, baseline: float,
                height: float) -> PlannedLine | None:
    """Numbers on one free-hand line from `x_start`, as many as fit before `x_limit`."""
    rng = writer.rng
    slope = rng.uniform(-0.01, 0.01)  # free-hand lines drift a little
    # The baseline drift is measured from the line's start, so it starts at `baseline`.
    baseline_at_zero = baseline - slope * x_start
    wanted = int(rng.integers(1, writer.options.max_numbers_per_line + 1))
    numbers: list[PlannedNumber] = []
    x = x_start
    for _ in range(wanted):
        length = writer.random_length()
        glyphs = writer.glyphs(length, height)
        gaps = writer.gaps(length, height)
        while glyphs and x + _written_width(glyphs, gaps) > x_limit:
            glyphs, gaps = glyphs[:-1], gaps[:-1]  # write a shorter number where space ends
        if not glyphs:
            break
        numbers.append(_on_baseline(glyphs, gaps, x, baseline_at_zero, slope, 0.04 * height, rng))
        x += _written_width(glyphs, gaps) + writer.number_gap(height)
    return PlannedLine(numbers) if numbers else None


def _plan_blank(plan: PagePlan, writer: _Writer, margins: _Margins, base_height: float,
                rng: np.random.Generator, options: LayoutOptions) -> None:
    top = margins.top
    usable_width = margins.right - margins.left
    while True:
        height = base_height * rng.uniform(0.85, 1.15)
        baseline = top + height * 1.1
        if baseline + 0.2 * height > margins.bottom:
            break
        indent = rng.uniform(0.0, 0.25) if rng.random() < 0.3 else rng.uniform(0.0, 0.03)
        line = _write_line(writer, margins.left + indent * usable_width, margins.right, baseline, height)
        if line is not None:
            plan.lines.append(line)
        top = baseline + height * rng.uniform(0.7, 1.5)


def _plan_ruled(plan: PagePlan, writer: _Writer, margins: _Margins, base_height: float,
                rng: np.random.Generator, options: LayoutOptions) -> None:
    pitch = base_height * rng.uniform(1.6, 2.1)
    colour = _rule_colour(rng)
    thickness = max(1, int(round(pitch / 45.0)))
    first_rule = rng.uniform(0.03, 0.08) * plan.height + pitch
    rules = np.arange(first_rule, plan.height - 0.02 * plan.height, pitch)
    for y in rules:
        plan.marks.append(PrintedMark("line", (0, y, plan.width, y), colour, thickness))
    if rng.random() < 0.5:  # the red margin line of a school exercise book
        margin_x = margins.left * rng.uniform(0.6, 0.9)
        plan.marks.append(PrintedMark("line", (margin_x, 0, margin_x, plan.height),
                                      (110.0, 110.0, 225.0), thickness))
    usable_width = margins.right - margins.left
    for y in rules:
        height = min(base_height * rng.uniform(0.85, 1.1), pitch * 0.72)
        baseline = y - thickness - rng.uniform(0.0, 0.12) * height  # on the rule or just above
        if baseline - 1.2 * height < margins.top or baseline > margins.bottom or rng.random() < 0.25:
            continue
        indent = rng.uniform(0.0, 0.2) if rng.random() < 0.3 else rng.uniform(0.0, 0.03)
        line = _write_line(writer, margins.left + indent * usable_width, margins.right, baseline, height)
        if line is not None:
            plan.lines.append(line)


def _plan_grid(plan: PagePlan, writer: _Writer, margins: _Margins, base_height: float,
               rng: np.random.Generator, options: LayoutOptions) -> None:
    cell = base_height * rng.uniform(1.25, 1.5)
    colour = _rule_colour(rng)
    origin_x, origin_y = rng.uniform(0, cell), rng.uniform(0, cell)
    for x in np.arange(origin_x, plan.width, cell):
        plan.marks.append(PrintedMark("line", (x, 0, x, plan.height), colour, 1))
    for y in np.arange(origin_y, plan.height, cell):
        plan.marks.append(PrintedMark("line", (0, y, plan.width, y), colour, 1))
    first_column = int(np.ceil((margins.left - origin_x) / cell))
    last_column = int(np.floor((margins.right - origin_x) / cell)) - 1
    row_step = int(rng.integers(1, 3))  # write in every row, or every other row
    row = int(np.ceil((margins.top - origin_y) / cell))
    while origin_y + (row + 1) * cell <= margins.bottom:
        if rng.random() >= 0.2:
            line = _write_grid_row(writer, rng, origin_x, origin_y + row * cell, cell,
                                   first_column + int(rng.integers(0, 3)), last_column)
            if line is not None:
                plan.lines.append(line)
        row += row_step


def _write_grid_row(writer: _Writer, rng: np.random.Generator, origin_x: float, row_top: float,
                    cell: float, column: int, last_column: int) -> PlannedLine | None:
    """One digit per cell; numbers separated by one to three empty cells."""
    numbers: list[PlannedNumber] = []
    for _ in range(int(rng.integers(1, writer.options.max_numbers_per_line + 1))):
        length = min(writer.random_length(), last_column - column + 1)
        if length < 1:
            break
        placed = []
        for glyph in writer.glyphs(length, cell * rng.uniform(0.58, 0.75)):
            glyph = shrink_to_width(glyph, 0.85 * cell)  # stay inside the cell
            centre_x = origin_x + (column + 0.5) * cell + rng.uniform(-0.06, 0.06) * cell
            centre_y = row_top + 0.5 * cell + rng.uniform(-0.06, 0.06) * cell
            placed.append(PlacedGlyph(glyph, int(round(centre_x - glyph.width / 2)),
                                      int(round(centre_y - glyph.height / 2))))
            column += 1
        numbers.append(PlannedNumber(placed))
        column += int(rng.integers(1, 4))
    return PlannedLine(numbers) if numbers else None


def _plan_form(plan: PagePlan, writer: _Writer, margins: _Margins, base_height: float,
               rng: np.random.Generator, options: LayoutOptions) -> None:
    box_colour = (rng.uniform(40, 110),) * 3
    thickness = max(1, int(round(base_height / 40.0)))
    field_height = base_height * rng.uniform(1.45, 1.8)
    row_pitch = field_height * rng.uniform(1.3, 1.8)
    top = margins.top
    if options.printed_text:
        title_height = max(10.0, base_height * 0.6)
        title = TITLE_WORDS[rng.integers(len(TITLE_WORDS))]
        plan.marks.append(PrintedMark("fill", (margins.left, top, margins.right - margins.left,
                                               title_height * 0.4), (50.0, 50.0, 50.0)))
        plan.marks.append(PrintedMark("text", (margins.left, top + title_height * 1.9), (20.0, 20.0, 20.0),
                                      thickness + 1, title, title_height))
        top += title_height * 3.0
    while top + field_height <= margins.bottom:
        line = _write_form_row(plan, writer, rng, margins, top, field_height, box_colour, thickness)
        if line is not None:
            plan.lines.append(line)
        top += row_pitch


def _write_form_row(plan: PagePlan, writer: _Writer, rng: np.random.Generator, margins: _Margins,
                    top: float, field_height: float, box_colour: tuple[float, ...],
                    thickness: int) -> PlannedLine | None:
    """Fields left to right along one row: an optional printed label, then a box with a number."""
    numbers: list[PlannedNumber] = []
    x = margins.left + rng.uniform(0.0, 0.05) * (margins.right - margins.left)
    for _ in range(int(rng.integers(1, min(3, writer.options.max_numbers_per_line) + 1))):
        label_marks = []
        if writer.options.printed_text:
            word = FORM_WORDS[rng.integers(len(FORM_WORDS))]
            word_height = field_height * 0.3
            label_marks.append(PrintedMark("text", (x, top + field_height * 0.65), (25.0, 25.0, 25.0),
                                           1, word + ":", word_height))
            x += text_width(word + ":", word_height, 1) + field_height * 0.3
        height = field_height * rng.uniform(0.5, 0.65)
        comb = rng.random() < 0.5
        length = writer.random_length()
        while True:  # a shorter number where the row runs out, as a person would choose
            glyphs = writer.glyphs(length, height)
            if comb:
                box, number = _comb_field(glyphs, x, top, field_height, rng, box_colour, thickness)
            else:
                box, number = _open_field(writer, glyphs, x, top, field_height, height, box_colour, thickness)
            box_right = box[0].points[0] + box[0].points[2]
            if box_right <= margins.right or length == 1:
                break
            length = max(1, length // 2)
        if box_right > margins.right:
            break
        plan.marks.extend(label_marks + box)
        numbers.append(number)
        x = box_right + field_height * rng.uniform(0.8, 2.0)
    return PlannedLine(numbers) if numbers else None


def _open_field(writer: _Writer, glyphs: list[Glyph], x: float, top: float, field_height: float,
                height: float, colour: tuple[float, ...], thickness: int
                ) -> tuple[list[PrintedMark], PlannedNumber]:
    rng = writer.rng
    gaps = writer.gaps(len(glyphs), height)
    padding = field_height * rng.uniform(0.2, 0.5)
    baseline = top + field_height - (field_height - height) / 2.0
    number = _on_baseline(glyphs, gaps, x + padding, baseline, 0.0, 0.03 * height, rng)
    width = _written_width(glyphs, gaps) + 2 * padding
    return [PrintedMark("rect", (x, top, width, field_height), colour, thickness)], number


def _comb_field(glyphs: list[Glyph], x: float, top: float, field_height: float,
                rng: np.random.Generator, colour: tuple[float, ...], thickness: int
                ) -> tuple[list[PrintedMark], PlannedNumber]:
    """A row of character cells, one digit centred in each, maybe with empty cells after."""
    cell = field_height * rng.uniform(0.8, 0.95)
    glyphs = [shrink_to_width(glyph, cell - 2.0 * thickness - 4.0) for glyph in glyphs]
    cells = len(glyphs) + int(rng.integers(0, 3))
    marks = [PrintedMark("rect", (x, top, cell * cells, field_height), colour, thickness)]
    for index in range(1, cells):
        marks.append(PrintedMark("line", (x + index * cell, top, x + index * cell, top + field_height),
                                 colour, thickness))
    placed = []
    for index, glyph in enumerate(glyphs):
        centre_x = x + (index + 0.5) * cell + rng.uniform(-0.05, 0.05) * cell
        centre_y = top + field_height / 2.0 + rng.uniform(-0.05, 0.05) * field_height
        placed.append(PlacedGlyph(glyph, int(round(centre_x - glyph.width / 2)),
                                  int(round(centre_y - glyph.height / 2))))
    return marks, PlannedNumber(placed)


def _pen_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """Blue ballpoint, black pen, or (rarely) a soft pencil grey; BGR."""
    kind = rng.random()
    if kind < 0.45:
        return (rng.uniform(100, 160), rng.uniform(30, 70), rng.uniform(10, 40))
    if kind < 0.9:
        grey = rng.uniform(15, 50)
        return (grey, grey, grey + rng.uniform(0, 8))
    grey = rng.uniform(70, 95)
    return (grey, grey, grey)


def _rule_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """Light blue or light grey printing."""
    if rng.random() < 0.6:
        return (rng.uniform(215, 240), rng.uniform(175, 205), rng.uniform(130, 170))
    grey = rng.uniform(170, 210)
    return (grey, grey, grey)
