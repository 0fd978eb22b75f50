"""Generate the pages real paper is hard on: sheets with no digit at all, and digits on squared,
dotted-grid paper and in dim light, with exact ground truth (truth.json, as `benchmarks.worksheets`).

Every kind is one row of `KINDS`. No-digit kinds (a reader should report nothing):

    noise     a frame of pure colour noise
    shadow    a blank sheet photographed with a hand's or a phone's hard shadow over it
    ruled     blank ruled paper, photographed
    squared   blank squared paper (5 mm cells, solid or dotted lines), photographed
    dotted    blank dotted-grid paper, photographed
    tiles     a blank sheet lying on a tiled floor (grout lines, speckle, stains)
    desk      a blank sheet lying on a wooden desk (grain, plank seams)
    dim       a blank sheet photographed underexposed (strong sensor grain)
    letters   handwritten-looking words in letters
    script    handwritten-looking words in a cursive script of loops and hooks

Kinds with digits (MNIST test digits written freely over the paper): `digits-squared`,
`digits-dotted` (phone photos), `digits-dim` (plain paper, underexposed photo) and, to compare
them with, `digits-plain` (plain paper, phone photo). One more kind is written only when asked
for by name (so the default sets stay the pages of earlier runs): `words-numbers`, handwritten
words with numbers beside them ("Name: Anna  Age 7", "Q3 42"; `benchmarks.word_pages`). Their
truth has digit boxes; the no-digit pages' truth is empty, so every digit reported on them is
a false positive. `python -m benchmarks.accuracy --synthetic DIR` reads them and reports the
digits per no-digit page beside precision and recall.

Page i depends only on (seed, i); kinds take turns (page i is kind i mod the number of kinds).

Usage: python -m benchmarks.hard_pages --out DIR [--count 28] [--seed 0] [--kinds noise,tiles] [--size 1240x1754]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from benchmarks import surfaces
from benchmarks.degrade import PROFILES, DegradeProfile, degrade_page
from benchmarks.layout import A4_150DPI_PX, LayoutOptions
from benchmarks.paper import blank_paper
from benchmarks.word_pages import make_words_page
from benchmarks.worksheets import (
    TRUTH_NAME,
    WorksheetOptions,
    load_test_digits,
    make_worksheet,
    parse_size,
    save_image,
)

_FLAT_PHOTO = dataclasses.replace(PROFILES["photo"], max_rotation_deg=0.0, max_perspective=0.0,
                                  page_scale=(1.0, 1.0), shadow_probability=0.0)
"""A phone photo whose framing is already in the picture (a sheet laid on a surface)."""


@dataclass(frozen=True)
class Kind:
    """One kind of hard page."""

    name: str
    has_digits: bool
    describe: str  # what the page shows, for --help and the report


NO_DIGIT_KINDS = (
    Kind("noise", False, "pure colour noise"),
    Kind("shadow", False, "blank sheet under a hand's or phone's hard shadow"),
    Kind("ruled", False, "blank ruled paper"),
    Kind("squared", False, "blank squared paper, solid or dotted lines"),
    Kind("dotted", False, "blank dotted-grid paper"),
    Kind("tiles", False, "blank sheet on a tiled floor"),
    Kind("desk", False, "blank sheet on a wooden desk"),
    Kind("dim", False, "blank sheet, underexposed photo"),
    Kind("letters", False, "words in letters"),
    Kind("script", False, "words in a cursive script of loops"),
)
DIGIT_KINDS = (
    Kind("digits-squared", True, "digits on squared paper, phone photo"),
    Kind("digits-dotted", True, "digits on dotted-grid paper, phone photo"),
    Kind("digits-dim", True, "digits on plain paper, underexposed photo"),
    Kind("digits-plain", True, "digits on plain paper, phone photo (the reference for the three above)"),
)
WORDS_NUMBERS = Kind("words-numbers", True, "handwritten words with numbers beside them ('Name: Anna  Age 7', "
                     "'Q3 42'); only when named")
KINDS = {kind.name: kind for kind in NO_DIGIT_KINDS + DIGIT_KINDS + (WORDS_NUMBERS,)}
DEFAULT_KINDS = tuple(kind.name for kind in NO_DIGIT_KINDS + DIGIT_KINDS)
"""What `all` and the default mean: every kind but `words-numbers`."""


@dataclass
class HardPage:
    image: np.ndarray  # (H, W, 3) uint8 BGR
    truth: dict  # the truth.json entry without its path
    jpeg_quality: int | None


def make_hard_page(kind: str, rng: np.random.Generator, size: tuple[int, int],
                   bank=None, digit_height_px: tuple[float, float] | None = None) -> HardPage:
    """One page of `kind` (a KINDS name); `bank` (MNIST test digits) is needed for digit kinds,
    written `digit_height_px` tall (default: as on worksheets, scaled to the page)."""
    if kind not in KINDS:
        raise ValueError(f"unknown page kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == WORDS_NUMBERS.name:
        return _words_page(rng, size, bank)
    if KINDS[kind].has_digits:
        return _digit_page(kind, rng, size, bank, digit_height_px)
    width, height = size
    image, profile = _NO_DIGIT_PAINTERS[kind](width, height, rng)
    captured = degrade_page(image, profile, rng)
    truth = {"page": 0, "lines": [], "style": kind, "degrade": captured.profile}
    return HardPage(captured.image, truth, captured.jpeg_quality)


def _digit_page(kind: str, rng: np.random.Generator, size: tuple[int, int], bank,
                digit_height_px: tuple[float, float] | None) -> HardPage:
    if bank is None:
        raise ValueError(f"page kind {kind!r} writes digits: pass a DigitBank of MNIST test digits")
    paper = {"digits-squared": "squared", "digits-dotted": "dotted"}.get(kind, "plain")
    degrade = "dim" if kind == "digits-dim" else "photo"
    options = WorksheetOptions(size=size, degrade=degrade, paper=paper,
                               layout=LayoutOptions(styles=("blank",), digit_height_px=digit_height_px))
    sheet = make_worksheet(bank, rng, options)
    truth = {"page": 0, **sheet.truth.to_dict(), "style": kind, "degrade": sheet.degrade}
    return HardPage(sheet.image, truth, sheet.jpeg_quality)


def _words_page(rng: np.random.Generator, size: tuple[int, int], bank) -> HardPage:
    if bank is None:
        raise ValueError(f"page kind {WORDS_NUMBERS.name!r} writes digits: pass a DigitBank of MNIST digits")
    page = make_words_page(bank, rng, size)
    truth = {"page": 0, **page.truth, "style": WORDS_NUMBERS.name, "degrade": page.degrade}
    return HardPage(page.image, truth, page.jpeg_quality)


def _paper(width: int, height: int, rng: np.random.Generator, pattern: str = "plain") -> np.ndarray:
    page = blank_paper(width, height, rng)
    surfaces.paint_paper(page, pattern, rng)
    return page


def _on_surface(surface: Callable) -> Callable:
    def paint(width: int, height: int, rng: np.random.Generator):
        floor = surface(width, height, rng)
        pattern = str(rng.choice(["plain", "ruled", "squared"]))
        return surfaces.lay_sheet(floor, _paper(width, height, rng, pattern), rng), _FLAT_PHOTO
    return paint


def _shadowed(width: int, height: int, rng: np.random.Generator):
    page = _paper(width, height, rng, str(rng.choice(["plain", "ruled"])))
    surfaces.hard_shadow(page, rng)
    return page, PROFILES["photo"]


def _written(script: bool) -> Callable:
    def paint(width: int, height: int, rng: np.random.Generator):
        page = _paper(width, height, rng, str(rng.choice(["plain", "ruled"])))
        colour = (rng.uniform(100, 160), rng.uniform(30, 70), rng.uniform(10, 40)) if rng.random() < 0.5 \
            else (rng.uniform(20, 60),) * 3
        surfaces.write_words(page, rng, colour, script)
        return page, PROFILES[str(rng.choice(["light", "photo"]))]
    return paint


_NO_DIGIT_PAINTERS: dict[str, Callable[..., tuple[np.ndarray, DegradeProfile]]] = {
    "noise": lambda w, h, rng: (surfaces.colour_noise(w, h, rng), PROFILES["none"]),
    "shadow": _shadowed,
    "ruled": lambda w, h, rng: (_paper(w, h, rng, "ruled"), PROFILES["photo"]),
    "squared": lambda w, h, rng: (_paper(w, h, rng, "squared"), PROFILES["photo"]),
    "dotted": lambda w, h, rng: (_paper(w, h, rng, "dotted"), PROFILES["photo"]),
    "tiles": _on_surface(surfaces.tiles),
    "desk": _on_surface(surfaces.wood),
    "dim": lambda w, h, rng: (_paper(w, h, rng), PROFILES["dim"]),
    "letters": _written(False),
    "script": _written(True),
}


def write_hard_pages(out_dir: Path, count: int, seed: int, kinds: tuple[str, ...],
                     size: tuple[int, int] = A4_150DPI_PX, bank=None, progress: bool = True) -> dict:
    """Write `count` pages (kinds in turn) and truth.json into `out_dir`; return the truth."""
    if count < 1 or seed < 0:
        raise ValueError(f"page count {count} must be >= 1 and seed {seed} >= 0")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown page kind {', '.join(unknown) or kinds!r}; use some of {', '.join(KINDS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for index in tqdm(range(count), desc="hard pages", unit="page", disable=not progress):
        kind = kinds[index % len(kinds)]
        page = make_hard_page(kind, np.random.default_rng([seed, index]), size, bank)
        name = f"hard_{index:04d}_{kind}." + ("png" if page.jpeg_quality is None else "jpg")
        save_image(out_dir / name, page.image, page.jpeg_quality)
        files.append({"path": name, **page.truth})
    truth = {"generator": {"tool": "benchmarks.hard_pages", "seed": seed, "count": count,
                           "size": list(size), "kinds": list(kinds)}, "files": files}
    (out_dir / TRUTH_NAME).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def parse_kinds(text: str) -> tuple[str, ...]:
    """'noise,tiles' -> ("noise", "tiles"); "no-digit" and "digits" name the two groups."""
    groups = {"no-digit": [k.name for k in NO_DIGIT_KINDS], "digits": [k.name for k in DIGIT_KINDS],
              "all": list(DEFAULT_KINDS)}
    kinds: list[str] = []
    for part in (part.strip() for part in text.split(",") if part.strip()):
        kinds += groups.get(part, [part])
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown page kind {', '.join(unknown) or text!r}; use a comma "
                                         f"list of no-digit, digits, all or {', '.join(KINDS)}")
    return tuple(kinds)


def main(argv: list[str] | None = None) -> int:
    kinds_help = "; ".join(f"{kind.name}: {kind.describe}" for kind in KINDS.values())
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hard_pages",
        description="Write hard pages (no digits at all on noise, shadows, patterned paper, floors, desks, "
                    "dim light, words; or digits on squared/dotted paper and in dim light) and DIR/truth.json.",
        epilog=f"Kinds: {kinds_help}.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write pages and truth.json into")
    parser.add_argument("--count", type=int, default=2 * len(DEFAULT_KINDS),
                        help="number of pages, kinds taking turns (default %(default)s: two of each)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; page i depends only on (seed, i)")
    parser.add_argument("--kinds", type=parse_kinds, default=DEFAULT_KINDS,
                        help="comma list of kinds, or no-digit / digits / all (default all: every kind but "
                        "words-numbers)")
    parser.add_argument("--size", type=parse_size, default=A4_150DPI_PX,
                        help="page WIDTHxHEIGHT in pixels (default 1240x1754, A4 at 150 dpi)")
    parser.add_argument("--mnist-dir", type=Path, default=None,
                        help="folder with the MNIST files, for the digit kinds (default: see python -m train.data)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    args = parser.parse_args(argv)
    if args.count < 1 or args.seed < 0 or min(args.size) < 128:
        print(f"error: --count {args.count} must be >= 1, --seed {args.seed} >= 0 and --size at least "
              "128x128", file=sys.stderr)
        return 2
    from train.data import DatasetError

    started = time.perf_counter()
    try:
        bank = load_test_digits(args.mnist_dir) if any(KINDS[k].has_digits for k in args.kinds) else None
        write_hard_pages(args.out, args.count, args.seed, args.kinds, args.size, bank, progress=not args.quiet)
    except (DatasetError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"wrote {args.count} pages and {args.out / TRUTH_NAME} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
