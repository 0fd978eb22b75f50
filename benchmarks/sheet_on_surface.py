"""Generate photos of a written worksheet lying on a desk or a tiled floor, with exact ground truth.

The commonest phone photo of a sheet shows what it lies on around it. Each page here is a
worksheet from `benchmarks.worksheets` (the same page that command writes for the same seed and
index), laid unscaled and level on a wooden desk or a tiled floor (`benchmarks.surfaces.wood`,
`benchmarks.surfaces.tiles`) grown so the sheet covers `--share` of the picture's area, at a
random place (30-70% of the spare room across and down); the truth boxes move with it. Truth
goes to `truth.json` in the shape `python -m benchmarks.accuracy --synthetic DIR` reads, with
per file `surface` and `sheet_share` besides the worksheet's own `style` and `degrade`.

`--off-frame 1` or `2` lays the sheet instead so it runs off one side of the picture or two
meeting at a corner (the commonest phone photo), drawn per page, 5-20% of the sheet cut off
on each; a digit whose box the picture's border cuts is dropped from the truth (reading part of
a digit is no reading), and per file `off_frame` lists the sides cut. `--off-frame 0` (default)
writes the same pages as before.

Page i depends only on (seed, i). Develop on `--digits validation` and seeds of your own; the
benchmark set is one fresh seed of MNIST test digits, measured once.

Usage: python -m benchmarks.sheet_on_surface --out DIR [--count 10] [--seed 0] [--surface mixed]
       [--share 0.5,0.7] [--off-frame 0|1|2] [--digits test|validation] [--degrade none]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import surfaces
from benchmarks.degrade import CHOICES
from benchmarks.worksheets import (
    TRUTH_NAME,
    WorksheetOptions,
    _remove_previous_set,
    _validation_bank,
    load_test_digits,
    make_worksheet,
    save_image,
)
from runtime.results import Digit, Line, Number, PageResult

SURFACES = {"desk": surfaces.wood, "tiles": surfaces.tiles}
"""What a sheet lies on, by name; `mixed` draws one of them per page."""
MIXED = "mixed"
PLACE_RANGE = (0.3, 0.7)
"""Where the sheet lies in the spare room, as a share of it across and down: never at an edge."""
SIDES = ("left", "right", "top", "bottom")
CUT_RANGE = (0.05, 0.2)
"""How much of the sheet a side running off the frame loses, as a share of its width or height."""


def lay_on_surface(image: np.ndarray, truth: PageResult, surface: str, share: float,
                   rng: np.random.Generator, off_frame: int = 0) -> tuple[np.ndarray, PageResult, list[str]]:
    """`image` (uint8 BGR) laid level and unscaled on `surface`, which is grown so the whole sheet
    would cover `share` of the picture; with `off_frame` 1 or 2, run off that many sides (two
    meeting at a corner). Returns the picture, the truth's boxes moved with it (digits the
    border cuts dropped) and the sides cut."""
    height, width = image.shape[:2]
    grow = 1.0 / math.sqrt(share)
    floor_width, floor_height = int(round(width * grow)), int(round(height * grow))
    floor = SURFACES[surface](floor_width, floor_height, rng)
    left = int(rng.uniform(*PLACE_RANGE) * (floor_width - width))
    top = int(rng.uniform(*PLACE_RANGE) * (floor_height - height))
    sides = _sides_cut(off_frame, rng)
    for side in sides:  # drawn after the place, so --off-frame 0 draws as it always did
        cut = rng.uniform(*CUT_RANGE)
        if side in ("left", "right"):
            left = -int(cut * width) if side == "left" else floor_width - width + int(cut * width)
        else:
            top = -int(cut * height) if side == "top" else floor_height - height + int(cut * height)
    picture = np.clip(floor, 0, 255).astype(np.uint8)
    seen_x, seen_y = slice(max(left, 0), min(left + width, floor_width)), slice(max(top, 0), min(top + height, floor_height))
    picture[seen_y, seen_x] = image[seen_y.start - top:seen_y.stop - top, seen_x.start - left:seen_x.stop - left]
    moved = [[[Digit(d.digit, d.confidence, (d.bbox[0] + left, d.bbox[1] + top, d.bbox[2], d.bbox[3]))
               for d in number.digits] for number in line.numbers] for line in truth.lines]
    inside = [[[d for d in number if _wholly_inside(d.bbox, floor_width, floor_height)] for number in line]
              for line in moved]
    lines = [Line([Number(number) for number in line if number]) for line in inside if any(line)]
    return picture, PageResult(lines=lines, rotation_deg=truth.rotation_deg), sides


def _sides_cut(off_frame: int, rng: np.random.Generator) -> list[str]:
    """The sides of the picture the sheet runs off: none, one, or two meeting at a corner."""
    if off_frame == 0:
        return []
    if off_frame == 1:
        return [str(rng.choice(SIDES))]
    return [str(rng.choice(SIDES[:2])), str(rng.choice(SIDES[2:]))]


def _wholly_inside(bbox: tuple[int, int, int, int], width: int, height: int) -> bool:
    x, y, w, h = bbox
    return x >= 0 and y >= 0 and x + w <= width and y + h <= height


def make_sheet_photo(bank, seed: int, index: int, surface: str, shares: tuple[float, ...],
                     options: WorksheetOptions, off_frame: int = 0) -> tuple:
    """Page `index` of the set of `seed`: the worksheet, the photo of it on its surface, the
    truth moved with it, the surface's name, the sheet's share and the sides cut."""
    rng = np.random.default_rng([seed, index])
    sheet = make_worksheet(bank, rng, options)  # first, so the sheet is worksheets' page `index`
    on = str(rng.choice(sorted(SURFACES))) if surface == MIXED else surface
    share = float(rng.choice(shares))
    picture, truth, sides = lay_on_surface(sheet.image, sheet.truth, on, share, rng, off_frame)
    return sheet, picture, truth, on, share, sides


def write_sheets(out_dir: Path, count: int, seed: int, surface: str, shares: tuple[float, ...],
                 options: WorksheetOptions, bank, off_frame: int = 0) -> dict:
    """Write `count` photos and truth.json into `out_dir`; return the truth."""
    if count < 1 or seed < 0:
        raise ValueError(f"--count {count} must be >= 1 and --seed {seed} >= 0")
    if off_frame not in (0, 1, 2):
        raise ValueError(f"--off-frame {off_frame} must be 0, 1 or 2")
    options.validate()
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous_set(out_dir)
    files = []
    for index in range(count):
        sheet, picture, truth, on, share, sides = make_sheet_photo(bank, seed, index, surface, shares, options,
                                                                   off_frame)
        name = f"page_{index:04d}." + ("png" if sheet.jpeg_quality is None else "jpg")
        save_image(out_dir / name, picture, sheet.jpeg_quality)
        files.append({"path": name, "page": 1, **truth.to_dict(), "style": sheet.style,
                      "degrade": sheet.degrade, "surface": on, "sheet_share": share,
                      **({"off_frame": sides} if off_frame else {})})
    truth = {"generator": {"tool": "benchmarks.sheet_on_surface", "source": bank.source, "seed": seed,
                           "count": count, "size": list(options.size), "degrade": options.degrade,
                           "surface": surface, "shares": list(shares), "off_frame": off_frame},
             "files": files}
    (out_dir / TRUTH_NAME).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def _parse_shares(text: str) -> tuple[float, ...]:
    try:
        shares = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        shares = ()
    if not shares or not all(0.05 <= share <= 1.0 for share in shares):
        raise argparse.ArgumentTypeError(f"sheet share {text!r} must be a comma list of numbers in 0.05..1")
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sheet_on_surface",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write pages and truth.json into")
    parser.add_argument("--count", type=int, default=10, help="number of pages (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; page i depends only on (seed, i)")
    parser.add_argument("--surface", choices=(*sorted(SURFACES), MIXED), default=MIXED,
                        help="what the sheet lies on: desk, tiles, or mixed (one per page; default)")
    parser.add_argument("--share", type=_parse_shares, default=(0.5, 0.7),
                        help="comma list of the picture's shares the sheet may cover, one drawn per page "
                             "(default 0.5,0.7)")
    parser.add_argument("--off-frame", type=int, choices=(0, 1, 2), default=0,
                        help="sides of the picture the sheet runs off: 0 (default), 1, or 2 at a corner")
    parser.add_argument("--digits", choices=("test", "validation"), default="test",
                        help="MNIST digits: test (default; pages that measure) or validation (to tune on)")
    parser.add_argument("--degrade", choices=CHOICES, default="none",
                        help="capture of the worksheet itself (benchmarks.worksheets; default none)")
    parser.add_argument("--mnist-dir", type=Path, default=None,
                        help="folder with the MNIST files (default: see python -m train.data)")
    args = parser.parse_args(argv)
    from train.data import DatasetError

    started = time.perf_counter()
    try:
        bank = load_test_digits(args.mnist_dir) if args.digits == "test" else _validation_bank()
        truth = write_sheets(args.out, args.count, args.seed, args.surface, args.share,
                             WorksheetOptions(degrade=args.degrade), bank, args.off_frame)
    except (DatasetError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    digit_count = sum(len(line["digits"]) for entry in truth["files"] for line in entry["lines"])
    print(f"wrote {args.count} pages ({digit_count} digits) and {args.out / TRUTH_NAME} "
          f"in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
