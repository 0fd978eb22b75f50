"""Generate photos of a written worksheet lying on a desk or a tiled floor, with exact ground truth.

The commonest phone photo of a sheet shows what it lies on around it. Each page here is a
worksheet from `benchmarks.worksheets` (the same page that command writes for the same seed and
index), laid unscaled and level on a wooden desk or a tiled floor (`benchmarks.surfaces.wood`,
`benchmarks.surfaces.tiles`) grown so the sheet covers `--share` of the picture's area, at a
random place (30-70% of the spare room across and down); the truth boxes move with it. Truth
goes to `truth.json` in the shape `python -m benchmarks.accuracy --synthetic DIR` reads, with
per file `surface` and `sheet_share` besides the worksheet's own `style` and `degrade`.

Page i depends only on (seed, i). Develop on `--digits validation` and seeds of your own; the
benchmark set is one fresh seed of MNIST test digits, measured once.

Usage: python -m benchmarks.sheet_on_surface --out DIR [--count 10] [--seed 0] [--surface mixed]
       [--share 0.5,0.7] [--digits test|validation] [--degrade none]
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


def lay_on_surface(image: np.ndarray, truth: PageResult, surface: str, share: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, PageResult]:
    """`image` (uint8 BGR) laid level and unscaled on `surface`, which is grown so the sheet covers
    `share` of the picture; the truth's boxes moved with it."""
    height, width = image.shape[:2]
    grow = 1.0 / math.sqrt(share)
    floor_width, floor_height = int(round(width * grow)), int(round(height * grow))
    floor = SURFACES[surface](floor_width, floor_height, rng)
    left = int(rng.uniform(*PLACE_RANGE) * (floor_width - width))
    top = int(rng.uniform(*PLACE_RANGE) * (floor_height - height))
    picture = np.clip(floor, 0, 255).astype(np.uint8)
    picture[top:top + height, left:left + width] = image
    lines = [Line([Number([Digit(d.digit, d.confidence, (d.bbox[0] + left, d.bbox[1] + top, d.bbox[2], d.bbox[3]))
                           for d in number.digits]) for number in line.numbers]) for line in truth.lines]
    return picture, PageResult(lines=lines, rotation_deg=truth.rotation_deg)


def write_sheets(out_dir: Path, count: int, seed: int, surface: str, shares: tuple[float, ...],
                 options: WorksheetOptions, bank) -> dict:
    """Write `count` photos and truth.json into `out_dir`; return the truth."""
    if count < 1 or seed < 0:
        raise ValueError(f"--count {count} must be >= 1 and --seed {seed} >= 0")
    options.validate()
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous_set(out_dir)
    files = []
    for index in range(count):
        rng = np.random.default_rng([seed, index])
        sheet = make_worksheet(bank, rng, options)  # first, so the sheet is worksheets' page `index`
        on = str(rng.choice(sorted(SURFACES))) if surface == MIXED else surface
        share = float(rng.choice(shares))
        picture, truth = lay_on_surface(sheet.image, sheet.truth, on, share, rng)
        name = f"page_{index:04d}." + ("png" if sheet.jpeg_quality is None else "jpg")
        save_image(out_dir / name, picture, sheet.jpeg_quality)
        files.append({"path": name, "page": 1, **truth.to_dict(), "style": sheet.style,
                      "degrade": sheet.degrade, "surface": on, "sheet_share": share})
    truth = {"generator": {"tool": "benchmarks.sheet_on_surface", "source": bank.source, "seed": seed,
                           "count": count, "size": list(options.size), "degrade": options.degrade,
                           "surface": surface, "shares": list(shares)},
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
                             WorksheetOptions(degrade=args.degrade), bank)
    except (DatasetError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    digit_count = sum(len(line["digits"]) for entry in truth["files"] for line in entry["lines"])
    print(f"wrote {args.count} pages ({digit_count} digits) and {args.out / TRUTH_NAME} "
          f"in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
