"""Generate synthetic worksheet pages from MNIST *test* digits, with exact ground truth.

Each page is printed paper (blank, ruled, squared or a boxed form), numbers of 1-6 MNIST test
digits written on it in dark blue or black ink (blended multiplicatively, so printed lines
show through the ink as they do on paper), then optionally captured like a scanner or a
phone camera would (`benchmarks.degrade`). Ground truth goes to `truth.json` in the shape the
scanner's `--json` writes: `{"files": [{"path", "page": 1, "lines": [{"text", "numbers":
[{"text", "confidence": 1.0, "bbox"}], "digits": [{"digit", "confidence": 1.0, "bbox"}]}]}]}`,
each `bbox` `[x, y, w, h]` of the visible ink after the same warp as the image. Extra keys
(`generator`, per file `style`, `degrade` and, off paper, `surface`) describe how the set was
made. `--surface` writes on a chalkboard, a dark screen or a negative instead of paper
(`benchmarks.chalkboard`).

Page i depends only on (seed, i): a set of 1000 pages starts with the same 10 as a set of 10,
and the same command writes a byte-identical truth.json. Only MNIST's test split is used, so
pages never overlap the training data.

Usage: python -m benchmarks.worksheets --out DIR [--count 20] [--seed 0] [--degrade mixed] [--size 640x480]
       [--paper squared]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from benchmarks import chalkboard, conditions
from benchmarks.camera_conditions import steep_homography, steep_page
from benchmarks.coloured_paper import highlight
from benchmarks.degrade import CHOICES, DegradeProfile, degrade_page, resolve_profile, transform_points
from benchmarks.handwriting import DigitBank
from benchmarks.layout import A4_150DPI_PX, STYLES, LayoutOptions, PagePlan, PlacedGlyph, plan_page
from benchmarks.paper import blank_paper, draw_marks
from benchmarks.surfaces import PAPERS, paint_paper
from runtime.results import Digit, Line, Number, PageResult

TRUTH_NAME = "truth.json"
MIN_PAGE_SIDE_PX = 128
"""Smaller pages cannot hold a line of digits of the minimum height with margins."""

PNG_COMPRESSION = 1
"""zlib level for pages: noisy pages barely compress, so the fastest level costs only ~3% bytes."""


@dataclass
class WorksheetOptions:
    """What pages to make."""

    size: tuple[int, int] = A4_150DPI_PX  # page width, height in pixels (A4 at 150 dpi)
    degrade: str = "none"  # capture profile: none, light, photo, heavy, or mixed (one per page)
    layout: LayoutOptions = field(default_factory=LayoutOptions)  # styles, sizes and spacing
    turned_rate: float = 0.0  # share of pages stored turned by 90, 180 or 270 degrees, as scans can be
    surface: str = chalkboard.PAPER  # paper, chalkboard, screen, negative or mixed (benchmarks.chalkboard)
    paper: str = "plain"  # pattern printed under everything: plain, ruled, squared or dotted (surfaces.PAPERS)
    # False leaves the page style's printed marks out (rules, grid lines, boxes, printed words):
    # the very pages on bare paper, every digit where it was, to measure what the printing costs.
    printed_marks: bool = True
    condition: str = "none"  # one paper, pen or capture condition on top (benchmarks.conditions)

    def validate(self) -> None:
        width, height = self.size
        if width < MIN_PAGE_SIDE_PX or height < MIN_PAGE_SIDE_PX:
            raise ValueError(f"page size {width}x{height} is too small; use at least "
                             f"{MIN_PAGE_SIDE_PX}x{MIN_PAGE_SIDE_PX}")
        if not 0.0 <= self.turned_rate <= 1.0:
            raise ValueError(f"turned rate {self.turned_rate} must lie in 0..1")
        chalkboard.check_surface(self.surface)
        conditions.check_condition(self.condition)
        if self.paper not in PAPERS:
            raise ValueError(f"unknown paper {self.paper!r}; use one of {', '.join(PAPERS)}")
        if self.degrade not in CHOICES:
            raise ValueError(f"unknown degradation {self.degrade!r}; use one of {', '.join(CHOICES)}")
        self.layout.validate()


@dataclass
class Worksheet:
    """One generated page and its truth."""

    image: np.ndarray  # (H, W, 3) uint8 BGR, as captured
    truth: PageResult  # every digit with confidence 1.0 and its box in `image`
    style: str  # the page style from benchmarks.layout.STYLES
    degrade: str  # the capture profile actually used
    jpeg_quality: int | None  # save as JPEG of this quality, or None for PNG
    surface: str = chalkboard.PAPER  # what it is written on (benchmarks.chalkboard)


def make_worksheet(bank: DigitBank, rng: np.random.Generator, options: WorksheetOptions,
                   profile: DegradeProfile | None = None) -> Worksheet:
    """Plan, print, write and capture one page (with `profile` instead of `options.degrade` if given)."""
    width, height = options.size
    surface = chalkboard.resolve_surface(options.surface, rng)
    plan = plan_page(bank, width, height, rng, chalkboard.layout_for(surface, options.layout, width, height))
    condition = options.condition
    condition_rng = conditions.condition_rng(rng) if condition != "none" else None
    if chalkboard.is_drawn_here(surface):
        page, outlines = chalkboard.write_on_surface(plan, surface, rng)
    else:
        page = blank_paper(width, height, rng)
        if options.paper != "plain":  # drawn only when asked for, so plain sets stay as they were
            paint_paper(page, options.paper, rng)
        if condition in conditions.PAPER_CONDITIONS:
            conditions.paint_condition_paper(page, condition, condition_rng)
        if options.printed_marks:  # drawing takes no random numbers: the rest of the page stays
            draw_marks(page, plan.marks)
        colour = conditions.pen_colour(condition, plan.ink_colour, condition_rng)
        outlines = []
        for placed in _all_glyphs(plan):
            _ink(page, placed, colour, rng.uniform(0.85, 1.0), condition_rng if condition == "pencil" else None)
            outlines.append(placed.glyph.ink_points() + (placed.x, placed.y))
        if condition == "highlighter":  # over the writing, once it is done
            highlight(page, outlines, condition_rng)
    if condition == "steep":
        tilt = steep_homography(width, height, condition_rng)
        page = steep_page(page, tilt, condition_rng)
        outlines = [transform_points(outline, tilt) for outline in outlines]
    if condition == "curl":
        bend = conditions.curl_map(width, height, condition_rng)
        page = conditions.curl_page(page, bend, condition_rng)
        outlines = [conditions.curl_points(outline, bend, height) for outline in outlines]
    profile = profile or resolve_profile(chalkboard.capture_for(surface, options.degrade), rng)
    every_point = np.concatenate(outlines) if outlines else np.zeros((0, 2))
    captured = degrade_page(page, profile, rng, keep_visible=every_point)
    truth = _truth(plan, outlines, captured.homography)
    image = captured.image
    jpeg_quality = captured.jpeg_quality
    if condition_rng is not None:
        image = conditions.capture_condition(image, condition, condition_rng)
        jpeg_quality = conditions.jpeg_quality(condition, jpeg_quality, condition_rng)
    if surface == chalkboard.NEGATIVE:
        image = chalkboard.reverse_tones(image)
    # Drawn only when asked for, so sets without turned pages stay as they were.
    if options.turned_rate > 0 and rng.random() < options.turned_rate:
        image, truth = turn_page(image, truth, int(rng.integers(1, 4)) * 90)
    return Worksheet(image, truth, plan.style, captured.profile, jpeg_quality, surface)


_CLOCKWISE_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def turn_page(image: np.ndarray, truth: PageResult, clockwise_deg: int) -> tuple[np.ndarray, PageResult]:
    """The page stored turned clockwise by `clockwise_deg`; truth boxes follow, reading order stays.

    The truth's `rotation_deg` becomes the clockwise turn that makes the page upright again,
    what the reader reports when it finds the orientation.
    """
    height, width = image.shape[:2]

    def moved(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        x, y, w, h = box
        if clockwise_deg == 90:
            return (height - (y + h), x, h, w)
        if clockwise_deg == 180:
            return (width - (x + w), height - (y + h), w, h)
        return (y, width - (x + w), h, w)

    lines = [Line([Number([Digit(d.digit, d.confidence, moved(d.bbox)) for d in number.digits])
                   for number in line.numbers]) for line in truth.lines]
    turned = cv2.rotate(image, _CLOCKWISE_TURNS[clockwise_deg])
    return turned, PageResult(lines=lines, rotation_deg=(360 - clockwise_deg) % 360)


def write_worksheets(out_dir: Path, count: int, seed: int, options: WorksheetOptions,
                     bank: DigitBank, progress: bool = True) -> dict:
    """Write `count` pages and truth.json into `out_dir`; return the truth."""
    if count < 1:
        raise ValueError(f"page count {count} must be at least 1")
    if seed < 0:
        raise ValueError(f"seed {seed} must be zero or positive")
    options.validate()
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous_set(out_dir)
    digits_width = max(4, len(str(count - 1)))
    files = []
    for index in tqdm(range(count), desc="worksheets", unit="page", disable=not progress):
        sheet = make_worksheet(bank, np.random.default_rng([seed, index]), options)
        name = f"page_{index:0{digits_width}d}." + ("png" if sheet.jpeg_quality is None else "jpg")
        save_image(out_dir / name, sheet.image, sheet.jpeg_quality)
        surface = {} if options.surface == chalkboard.PAPER else {"surface": sheet.surface}
        files.append({"path": name, "page": 1, **sheet.truth.to_dict(),
                      "style": sheet.style, "degrade": sheet.degrade, **surface})
    truth = {
        "generator": {"tool": "benchmarks.worksheets", "source": bank.source, "seed": seed,
                      "count": count, "size": list(options.size), "degrade": options.degrade,
                      "styles": list(options.layout.styles), "printed_text": options.layout.printed_text,
                      "turned_rate": options.turned_rate, "paper": options.paper,
                      **({} if options.printed_marks else {"printed_marks": False}),
                      **({} if options.condition == "none" else {"condition": options.condition}),
                      **({} if options.surface == chalkboard.PAPER else {"surface": options.surface})},
        "files": files,
    }
    (out_dir / TRUTH_NAME).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def save_image(path: Path, image: np.ndarray, jpeg_quality: int | None) -> None:
    """Write a page as PNG, or as JPEG of `jpeg_quality` (the compression is part of the test)."""
    if jpeg_quality is None:
        params = [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION]
    else:
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    if not cv2.imwrite(str(path), image, params):
        raise OSError(f"could not write image {path}; check the folder is writable")


def load_test_digits(data_dir: str | Path | None = None) -> DigitBank:
    """MNIST's test split as a DigitBank (never the training split: these pages test)."""
    from train.data import load_mnist  # imported here so the generator itself needs no data

    images, labels = load_mnist("test", data_dir)
    return DigitBank(images, labels)


def _validation_bank() -> DigitBank:
    from benchmarks.not_digit_threshold import validation_bank  # it imports this module

    return validation_bank()


def _all_glyphs(plan: PagePlan) -> list[PlacedGlyph]:
    return [placed for line in plan.lines for number in line.numbers for placed in number.glyphs]


def _ink(page: np.ndarray, placed: PlacedGlyph, colour: tuple[float, float, float], density: float,
         pencil_rng: np.random.Generator | None = None) -> None:
    """Lay ink on the page: it darkens what is under it, so printed lines stay visible in it."""
    alpha = placed.glyph.alpha * np.float32(density)
    if pencil_rng is not None:
        alpha = conditions.pencil_grain(alpha, pencil_rng)
    height, width = page.shape[:2]
    top, left = placed.y, placed.x
    bottom, right = top + alpha.shape[0], left + alpha.shape[1]
    clip_top, clip_left = max(0, top), max(0, left)
    clip_bottom, clip_right = min(height, bottom), min(width, right)
    if clip_top >= clip_bottom or clip_left >= clip_right:
        return
    alpha = alpha[clip_top - top : clip_bottom - top, clip_left - left : clip_right - left]
    absorbed = 1.0 - np.asarray(colour, np.float32) / 255.0  # share of light the ink takes per channel
    region = page[clip_top:clip_bottom, clip_left:clip_right]
    region *= 1.0 - alpha[:, :, None] * absorbed[None, None, :]


def _truth(plan: PagePlan, outlines: list[np.ndarray], homography: np.ndarray) -> PageResult:
    boxes = iter(_box(outline, homography, plan.width, plan.height) for outline in outlines)
    lines = []
    for planned_line in plan.lines:
        numbers = []
        for planned_number in planned_line.numbers:
            digits = [Digit(str(placed.glyph.label), 1.0, next(boxes)) for placed in planned_number.glyphs]
            numbers.append(Number(digits))
        lines.append(Line(numbers))
    return PageResult(lines=lines, rotation_deg=0)


def _box(outline: np.ndarray, homography: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """Pixel box of the warped ink outline, clipped to the image."""
    moved = transform_points(outline, homography)
    left, top = np.floor(moved.min(axis=0)).astype(int)
    right, bottom = np.ceil(moved.max(axis=0)).astype(int)
    left, top = max(0, int(left)), max(0, int(top))
    right, bottom = min(width, int(right)), min(height, int(bottom))
    return (left, top, max(0, right - left), max(0, bottom - top))


def _remove_previous_set(out_dir: Path) -> None:
    """Delete the pages an earlier run listed in this folder's truth.json (and nothing else)."""
    truth_path = out_dir / TRUTH_NAME
    if not truth_path.is_file():
        return
    try:
        previous = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in previous.get("files", []) if isinstance(previous, dict) else []:
        name = entry.get("path", "") if isinstance(entry, dict) else ""
        if isinstance(name, str) and name and "/" not in name and name.startswith("page_"):
            (out_dir / name).unlink(missing_ok=True)


def parse_size(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480)."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"page size {text!r} is not WIDTHxHEIGHT, e.g. 640x480")
    return int(parts[0]), int(parts[1])


def _parse_styles(text: str) -> tuple[str, ...]:
    styles = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [style for style in styles if style not in STYLES]
    if unknown or not styles:
        raise argparse.ArgumentTypeError(f"unknown page style {', '.join(unknown) or text!r}; "
                                         f"use a comma list of {', '.join(STYLES)}")
    return styles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.worksheets",
        description="Write synthetic worksheet pages (MNIST test digits on printed paper, "
                    "optionally photographed or scanned) and their ground truth DIR/truth.json.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write pages and truth.json into")
    parser.add_argument("--count", type=int, default=20, help="number of pages (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; page i depends only on (seed, i)")
    parser.add_argument("--degrade", choices=CHOICES, default="none",
                        help="capture: none (clean), light (scanner), photo (phone), heavy (poor phone), "
                             "mixed (one of those four per page), dim (underexposed phone photo, strong "
                             "sensor grain); default none")
    parser.add_argument("--paper", choices=PAPERS, default="plain",
                        help="pattern printed on every sheet under the page style's own marks: plain, "
                             "ruled, squared (5 mm, solid or dotted lines) or dotted (dot grid); default plain")
    parser.add_argument("--size", type=parse_size, default=A4_150DPI_PX,
                        help="page WIDTHxHEIGHT in pixels (default 1240x1754, A4 at 150 dpi); "
                             "handwriting scales with it")
    parser.add_argument("--styles", type=_parse_styles, default=STYLES,
                        help=f"comma list of page styles to draw from (default {','.join(STYLES)})")
    parser.add_argument("--printed-text", action="store_true",
                        help="print words and title bars on forms (letters only; a reader that takes "
                             "them for digits loses precision)")
    parser.add_argument("--no-printed-marks", action="store_true",
                        help="leave the page style's printed marks out (rules, grid, boxes): the same "
                             "pages and truth on bare paper, to measure what the printing costs")
    parser.add_argument("--close-gap-rate", type=float, default=LayoutOptions.close_gap_rate,
                        help="share of digit gaps inside numbers drawn 1-2 px wide (default %(default)s)")
    parser.add_argument("--digits", choices=("test", "validation"), default="test",
                        help="MNIST digits to write with: test (default; pages that measure) or the "
                             "training run's validation split (pages to tune the reader on)")
    parser.add_argument("--touch-rate", type=float, default=LayoutOptions.touch_rate,
                        help="share of digit gaps inside numbers where the digits touch or overlap "
                             "a little (default %(default)s)")
    parser.add_argument("--turned-rate", type=float, default=0.0,
                        help="share of pages stored turned by 90/180/270 degrees (default 0)")
    parser.add_argument("--surface", choices=chalkboard.CHOICES, default=chalkboard.PAPER,
                        help="what the digits are written on: paper (default); chalkboard (light chalk "
                             "with gaps and smudges on a dark, unevenly lit board); screen (a drawing "
                             "app's dark canvas, captured losslessly); negative (paper, tones reversed); "
                             "mixed (one of them per page)")
    parser.add_argument("--condition", choices=conditions.CONDITIONS, default="none",
                        help="one paper, pen or capture condition on the same pages (same layout, "
                             "digits and capture; its own random numbers): graph (5 mm squares, every "
                             "fifth line bold), notebook (ruled, red margin, punched holes), index-card "
                             "(cream, blue rules, red head rule), red-ink, green-ink, pencil (pale grainy "
                             "grey), glare (a reflection washing the ink out), harsh-light (one side down "
                             "to a fifth of the light), motion-blur (a 7-15 px streak), low-jpeg (quality "
                             "12-30), curl (the sheet bent up near a spine), legal-pad (yellow, blue rules, red "
                             "margin), sticky-note (pink, green or yellow), kraft (brown, fibrous), "
                             "highlighter (translucent swaths over some digits), steep (a steep camera "
                             "angle: far corners pulled in 12-20%%), defocus (a 2-4 px disk blur); "
                             "default none")
    parser.add_argument("--mnist-dir", type=Path, default=None,
                        help="folder with the MNIST files (default: see python -m train.data)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    args = parser.parse_args(argv)

    options = WorksheetOptions(
        size=args.size, degrade=args.degrade, turned_rate=args.turned_rate, surface=args.surface,
        paper=args.paper, printed_marks=not args.no_printed_marks, condition=args.condition,
        layout=LayoutOptions(styles=args.styles, printed_text=args.printed_text,
                             close_gap_rate=args.close_gap_rate, touch_rate=args.touch_rate))
    try:
        options.validate()
        if args.count < 1 or args.seed < 0:
            raise ValueError(f"--count {args.count} must be >= 1 and --seed {args.seed} >= 0")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from train.data import DatasetError

    started = time.perf_counter()
    try:
        bank = load_test_digits(args.mnist_dir) if args.digits == "test" else _validation_bank()
        truth = write_worksheets(args.out, args.count, args.seed, options, bank,
                                 progress=not (args.quiet or args.json))
    except (DatasetError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    digit_count = sum(len(line["digits"]) for entry in truth["files"] for line in entry["lines"])
    size_bytes = sum((args.out / entry["path"]).stat().st_size for entry in truth["files"])
    if args.json:
        print(json.dumps({"out": str(args.out), "truth": str(args.out / TRUTH_NAME), "pages": args.count,
                          "digits": digit_count, "bytes": size_bytes, "seconds": round(seconds, 3)}))
    elif not args.quiet:
        print(f"wrote {args.count} pages ({digit_count} digits, {size_bytes / 1e6:.1f} MB) and "
              f"{args.out / TRUTH_NAME} in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
