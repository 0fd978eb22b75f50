"""Digits written with a thin pen: how the classifier reads them with and without stroke widening.

Each MNIST *validation* digit (the training run's seeded hold-out, never the test set) is
enlarged to a crop height, thinned to its centre line (Zhang-Suen) and redrawn with a pen of a
fixed width in pixels, slightly blurred and faded like a photo: a ballpoint's line does not grow
with the digit, so a big digit's strokes come out hair-thin. The crops are read as the reader
reads them (`runtime.reading.strokes.widen_thin_strokes`, then `normalize_batch`), once with
widening and once without; "pen: MNIST" keeps MNIST's own strokes, enlarged, for the control.
A digit counts as read when its top digit is right and "not a digit" stays under 0.5.

Usage: python -m benchmarks.thin_pen [--count 1000] [--seed 0] [--json FILE] [--quiet]
Exit codes: 0 done, 1 no model or no MNIST data, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import cv2
import numpy as np

from runtime.classifier import Classifier
from runtime.models import ModelError
from runtime.normalize import normalize_batch
from runtime.reading.strokes import widen_thin_strokes

HEIGHTS_PX = (28, 48, 80)
"""Crop heights: MNIST's own size, a small photo digit, a big one (src3-style webcam digits are
80-200 px tall)."""

PENS_PX = (None, 1.0, 1.5, 2.0, 3.0)
"""Pen widths in crop pixels; None draws MNIST's own strokes, enlarged."""

NOT_DIGIT_CUTOFF = 0.5
"""A crop the model calls "not a digit" this surely is not read (the reader's default)."""


@dataclass
class ThinPenOptions:
    """Which digits and how many."""

    count: int = 1000  # validation digits per (height, pen) cell
    seed: int = 0  # picks the digits and the blur / fade of each crop
    model: str | None = None  # model file; None: the shipped model


def skeleton(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a binary mask to one-pixel lines (uint8 0/1)."""
    image = (np.asarray(mask) > 0).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for step in (0, 1):
            removable = _removable(image, step)
            if removable.any():
                image[removable] = 0
                changed = True
    return image


def _removable(image: np.ndarray, step: int) -> np.ndarray:
    padded = np.pad(image, 1)
    north, north_east, east = padded[:-2, 1:-1], padded[:-2, 2:], padded[1:-1, 2:]
    south_east, south, south_west = padded[2:, 2:], padded[2:, 1:-1], padded[2:, :-2]
    west, north_west = padded[1:-1, :-2], padded[:-2, :-2]
    ring = [north, north_east, east, south_east, south, south_west, west, north_west]
    neighbours = sum(cell.astype(np.int32) for cell in ring)
    transitions = sum(((ring[i] == 0) & (ring[(i + 1) % 8] == 1)).astype(np.int32) for i in range(8))
    if step == 0:
        open_side = (north * east * south == 0) & (east * south * west == 0)
    else:
        open_side = (north * east * west == 0) & (north * south * west == 0)
    return (image == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & open_side


def draw_with_pen(digit: np.ndarray, height_px: int, pen_px: float | None, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit as a uint8 ink crop `height_px` tall, drawn with a `pen_px` pen."""
    rows = np.flatnonzero(digit.max(axis=1) > 20)
    cols = np.flatnonzero(digit.max(axis=0) > 20)
    source = digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32) / 255.0
    scale = height_px / source.shape[0]
    size = (max(1, round(source.shape[1] * scale)), height_px)
    large = np.pad(cv2.resize(source, size, interpolation=cv2.INTER_CUBIC), 4)
    if pen_px is None:
        alpha = np.clip((large - 0.15) / 0.55, 0.0, 1.0)
    else:
        # The centre line drawn with a round pen, three times finer and shrunk: anti-aliased edges.
        fine = cv2.resize(skeleton(large > 0.4).astype(np.float32), None, fx=3, fy=3,
                          interpolation=cv2.INTER_NEAREST)
        side = max(1, int(round(3 * pen_px)))
        fine = cv2.dilate(fine, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
        alpha = cv2.resize(fine, (large.shape[1], large.shape[0]), interpolation=cv2.INTER_AREA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.4, 0.8)) * rng.uniform(0.6, 1.0)
    return np.clip(alpha * 255.0, 0, 255).astype(np.uint8)


def validation_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` digits drawn (seeded) from the training run's MNIST validation split."""
    from benchmarks.not_digit_threshold import validation_bank

    bank = validation_bank()
    chosen = np.random.default_rng(seed).choice(len(bank.labels), min(count, len(bank.labels)), replace=False)
    return bank.images[chosen], bank.labels[chosen]


def measure(options: ThinPenOptions) -> list[dict]:
    """One row per (height, pen): the share read right without and with widening."""
    classifier = Classifier.load(options.model)
    images, labels = validation_digits(options.count, options.seed)
    rng = np.random.default_rng(options.seed + 1)
    rows = []
    for height in HEIGHTS_PX:
        for pen in PENS_PX:
            crops = [draw_with_pen(image, height, pen, rng) for image in images]
            widened = [widen_thin_strokes(crop) for crop in crops]
            rows.append({"height_px": height, "pen_px": pen,
                         "as_is": _read_right(classifier, crops, labels),
                         "widened": _read_right(classifier, widened, labels),
                         "changed": sum(a is not b for a, b in zip(crops, widened))})
    return rows


def _read_right(classifier, crops: list[np.ndarray], labels: np.ndarray) -> float:
    outputs = classifier.predict_outputs(normalize_batch(crops))
    right = outputs[:, :10].argmax(axis=1) == labels
    if outputs.shape[1] > 10:
        right &= outputs[:, 10] < NOT_DIGIT_CUTOFF
    return float(right.mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.thin_pen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=ThinPenOptions.count, help="digits per cell (default %(default)s)")
    parser.add_argument("--seed", type=int, default=ThinPenOptions.seed, help="random seed (default %(default)s)")
    parser.add_argument("--model", default=None, help="model file; default: the shipped model")
    parser.add_argument("--json", default=None, help="also write the rows as JSON to this file ('-': stdout)")
    parser.add_argument("--quiet", action="store_true", help="no table")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count must be at least 1, got {args.count}")
    from train.data import DatasetError

    try:
        rows = measure(ThinPenOptions(args.count, args.seed, args.model))
    except (ModelError, DatasetError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"{'height':>6} {'pen':>6} {'as is':>8} {'widened':>8} {'changed':>8}")
        for row in rows:
            pen = "MNIST" if row["pen_px"] is None else f"{row['pen_px']:g}"
            print(f"{row['height_px']:>6} {pen:>6} {100 * row['as_is']:7.2f}% {100 * row['widened']:7.2f}% "
                  f"{row['changed']:>8}")
    if args.json:
        text = json.dumps({"count": args.count, "seed": args.seed, "rows": rows}, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
