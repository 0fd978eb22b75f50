"""How well the reader measures and levels a page's tilt: generated pages turned by known angles.

Every page of a set with boxed truth (`benchmarks.worksheets`, `benchmarks.hard_pages`) is
rotated by each angle asked for (counter-clockwise, degrees, in its own frame, the corners that
come into view paper; digits turned out of the frame leave the truth), read, and scored. A page's true tilt is the median slope of its
truth lines (3 or more digits, Theil-Sen within a line), so the tilt a camera gave a degraded
page counts too. Reported per set and angle: the tilt the reader measured on the page as given
(its first estimate), the tilt it levelled by (0 where it left the page alone), their mean
absolute error against the truth, and digit precision, recall and F1.

`--perturb` adds one odd region to every page before it is read: `stroke` a long straight pen
stroke across the page at 30 degrees, `join` a stroke joining a digit to the one below it (two
stacked digits made one region). Besides, the estimate is measured again on each page's own
candidate boxes with one odd box put in (`--perturb` or not): two stacked boxes replaced by
their union, and one long box added; the table gives how far that moved the estimate.

Development data only (never the benchmark seeds):
    python -m benchmarks.worksheets --out /tmp/ws201 --count 8 --seed 201 --degrade light --digits validation

Usage: python -m benchmarks.tilt DIR [DIR...] [--angles 0,2,-2,5,-5,8,-8,12,-12] [--count N] [--perturb none|stroke|join]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from benchmarks.datasets import load_dataset
from benchmarks.metrics import Counts, count_box_matches, match_boxes
from runtime.classifier import Classifier
from runtime.reading import page as page_module
from runtime.reading.reader import PageReader

DEFAULT_ANGLES = (0.0, 2.0, -2.0, 5.0, -5.0, 8.0, -8.0, 12.0, -12.0)
MIN_LINE_DIGITS = 3
"""A truth line gives a slope when it holds at least this many digits."""


def rotate(image: np.ndarray, boxes: list, angle_deg: float) -> tuple[np.ndarray, list]:
    """`image` turned counter-clockwise by `angle_deg` about its centre in a frame of its own
    size, as a camera would see the page turned (the corners that come into view are paper: the
    page's median colour), and `boxes` (x, y, w, h) as the boxes around their turned corners;
    None for a box that leaves the frame.

    Not on a larger canvas: a camera turned against the page keeps its frame. (A margin of the
    page's own paper used to change what was read, 267 digits of a form page turned 12 degrees
    read 262 in its frame and 138 with 150 px more paper; now 264 either way, docs/results/reading.md: A margin
    of paper around the page.)"""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle_deg, 1.0)
    fill = tuple(float(v) for v in np.median(image.reshape(-1, image.shape[2] if image.ndim == 3 else 1), axis=0))
    turned = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    moved = []
    for x, y, w, h in boxes:
        corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], np.float64)
        points = corners @ matrix[:, :2].T + matrix[:, 2]
        low, high = points.min(axis=0), points.max(axis=0)
        inside = low.min() >= 0 and high[0] < width and high[1] < height
        moved.append((int(round(low[0])), int(round(low[1])), int(round(high[0] - low[0])),
                      int(round(high[1] - low[1]))) if inside else None)
    return turned, moved


def true_tilt_deg(lines_of_boxes: list[list]) -> float:
    """Median counter-clockwise tilt of the truth lines (Theil-Sen slope of their digits' centres)."""
    angles = []
    for boxes in lines_of_boxes:
        if len(boxes) < MIN_LINE_DIGITS:
            continue
        centres = np.array([(x + w / 2.0, y + h / 2.0) for x, y, w, h in boxes])
        slopes = [(centres[j, 1] - centres[i, 1]) / (centres[j, 0] - centres[i, 0])
                  for i in range(len(centres)) for j in range(i + 1, len(centres))
                  if abs(centres[j, 0] - centres[i, 0]) > 1.0]
        if slopes:
            angles.append(-np.degrees(np.arctan(np.median(slopes))))
    return float(np.median(angles)) if angles else 0.0


def perturb(image: np.ndarray, boxes: list, kind: str, rng: np.random.Generator) -> np.ndarray:
    """One odd region drawn onto a copy of `image` (`--perturb`)."""
    if kind == "none" or not boxes:
        return image
    out = image.copy()
    heights = np.array([b[3] for b in boxes], np.float64)
    thickness = max(2, int(round(np.median(heights) / 10)))
    ink = (40, 40, 40) if out.ndim == 3 else 40
    if kind == "stroke":
        height, width = out.shape[:2]
        length = 0.45 * width
        start = np.array([0.3 * width, 0.9 * height])
        end = start + length * np.array([np.cos(np.radians(30)), -np.sin(np.radians(30))])
        cv2.line(out, tuple(int(v) for v in start), tuple(int(v) for v in end), ink, thickness, cv2.LINE_AA)
        return out
    # join: the digit with another one nearest straight below it, joined by an upright stroke
    centres = np.array([(x + w / 2.0, y + h / 2.0) for x, y, w, h in boxes])
    order = rng.permutation(len(boxes))
    for index in order:
        x, y, w, h = boxes[index]
        below = [(c[1] - centres[index][1], j) for j, c in enumerate(centres)
                 if 0.8 * h < c[1] - centres[index][1] < 3.0 * h and abs(c[0] - centres[index][0]) < 0.5 * w]
        if below:
            _, other = min(below)
            bottom = (int(centres[index][0]), y + h - 2)
            top = (int(centres[index][0]), boxes[other][1] + 2)
            cv2.line(out, bottom, top, ink, thickness, cv2.LINE_AA)
            return out
    return out


class _Recorder:
    """Wraps the page module's tilt estimate and final page state, to see what it measured."""

    def __init__(self):
        self.estimates, self.boxes, self.levelled = [], [], None
        self.name = "measure_tilt" if hasattr(page_module, "measure_tilt") else "estimate_tilt_deg"
        self.original = getattr(page_module, self.name)
        original_map_back = page_module.Page.map_back
        recorder = self

        def estimate(boxes, *args, **kwargs):
            answer = recorder.original(boxes, *args, **kwargs)
            recorder.estimates.append(float(getattr(answer, "angle_deg", answer)))
            recorder.boxes.append(list(boxes))
            return answer

        def map_back(page, lines, shape):
            recorder.levelled = (float(page.tilt), int(page.turns))
            return original_map_back(page, lines, shape)

        setattr(page_module, self.name, estimate)
        page_module.Page.map_back = map_back

    def reset(self) -> None:
        self.estimates, self.boxes, self.levelled = [], [], None

    def angle_of(self, boxes: list) -> float:
        answer = self.original(boxes)
        return float(getattr(answer, "angle_deg", answer))


def odd_box_moves(recorder: _Recorder, boxes: list, rng: np.random.Generator) -> tuple[float, float]:
    """How far one odd box moves the estimate on `boxes`: two stacked boxes joined, a long box added."""
    if len(boxes) < 4:
        return 0.0, 0.0
    base = recorder.angle_of(boxes)
    array = np.array(boxes, np.float64)
    centres = array[:, :2] + array[:, 2:] / 2
    joined_move = 0.0
    for index in rng.permutation(len(boxes))[:8]:
        x, y, w, h = boxes[index]
        below = np.flatnonzero((centres[:, 1] - centres[index, 1] > 0.8 * h)
                               & (centres[:, 1] - centres[index, 1] < 3.0 * h)
                               & (np.abs(centres[:, 0] - centres[index, 0]) < 0.7 * w))
        if below.size:
            other = int(below[np.argmin(centres[below, 1])])
            left, top = min(x, boxes[other][0]), min(y, boxes[other][1])
            right = max(x + w, boxes[other][0] + boxes[other][2])
            bottom = max(y + h, boxes[other][1] + boxes[other][3])
            joined = [b for j, b in enumerate(boxes) if j not in (int(index), other)]
            joined.append((left, top, right - left, bottom - top))
            joined_move = max(joined_move, abs(recorder.angle_of(joined) - base))
    height = float(np.median(array[:, 3]))
    long_box = (int(array[:, 0].min()), int(array[:, 1].max()), int(8 * height), int(3 * height))
    return joined_move, abs(recorder.angle_of([*boxes, long_box]) - base)


def run(dirs: list[Path], angles: list[float], count: int | None, kind: str) -> dict:
    recorder = _Recorder()
    reader = PageReader(Classifier.load())
    rows = defaultdict(lambda: {"counts": Counts(), "estimate_errors": [], "levelled_errors": [],
                                "joined_moves": [], "long_moves": [], "pages": 0})
    for folder in dirs:
        dataset = load_dataset(folder)
        for sample in dataset.samples[:count]:
            image = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR)
            all_digits = [d for line in sample.truth.lines for d in line.digits]
            line_of = [number for number, line in enumerate(sample.truth.lines) for _ in line.digits]
            rng = np.random.default_rng(len(all_digits))
            for angle in angles:
                turned, all_boxes = rotate(image, [d.bbox for d in all_digits], angle)
                kept = [index for index, box in enumerate(all_boxes) if box is not None]
                digits, boxes = [all_digits[index] for index in kept], [all_boxes[index] for index in kept]
                truth_tilt = true_tilt_deg([[all_boxes[index] for index in kept if line_of[index] == number]
                                            for number in range(len(sample.truth.lines))])
                turned = perturb(turned, boxes, kind, rng)
                recorder.reset()
                result = reader.read(turned)
                predicted = [d for line in result.lines for d in line.digits]
                pairs = match_boxes(boxes, [d.bbox for d in predicted])
                row = rows[(folder.name, angle)]
                row["counts"] = row["counts"] + count_box_matches([d.digit for d in digits],
                                                                  [d.digit for d in predicted], pairs)
                row["pages"] += 1
                estimate = recorder.estimates[0] if recorder.estimates else 0.0
                levelled, turns = recorder.levelled or (0.0, 0)
                row["estimate_errors"].append(abs(_wrapped(estimate - truth_tilt)))
                if turns % 2 == 0:  # a page read sideways levels its tilt in the turned frame
                    row["levelled_errors"].append(abs(_wrapped(levelled - truth_tilt)))
                if recorder.boxes:
                    joined, long = odd_box_moves(recorder, recorder.boxes[0], rng)
                    row["joined_moves"].append(joined)
                    row["long_moves"].append(long)
    return rows


def _wrapped(angle: float) -> float:
    """An angle difference within [-45, 45): tilts are known modulo 90 degrees."""
    return (angle + 45.0) % 90.0 - 45.0


def report(rows: dict) -> str:
    header = (f"{'set':<10}{'angle':>6}{'pages':>6}{'est err':>9}{'est>1':>6}{'lvl err':>9}"
              f"{'join mv':>9}{'long mv':>9}{'P':>8}{'R':>8}{'F1':>8}")
    out = [header, "-" * len(header)]
    totals = defaultdict(lambda: {"counts": Counts(), "est": [], "lvl": []})
    for (name, angle), row in sorted(rows.items(), key=lambda item: (item[0][0], abs(item[0][1]), item[0][1])):
        counts = row["counts"]
        errors = np.array(row["estimate_errors"])
        out.append(f"{name:<10}{angle:>6.0f}{row['pages']:>6}{errors.mean():>9.2f}{int((errors > 1.0).sum()):>6}"
                   f"{np.mean(row['levelled_errors'] or [np.nan]):>9.2f}"
                   f"{np.max(row['joined_moves'] or [0]):>9.1f}{np.max(row['long_moves'] or [0]):>9.1f}"
                   f"{100 * counts.precision:>7.2f}%{100 * counts.recall:>7.2f}%{100 * counts.f1:>7.2f}%")
        total = totals[name]
        total["counts"] = total["counts"] + counts
        total["est"] += row["estimate_errors"]
        total["lvl"] += row["levelled_errors"]
    out.append("-" * len(header))
    for name, total in sorted(totals.items()):
        counts, errors = total["counts"], np.array(total["est"])
        out.append(f"{name:<10}{'all':>6}{len(errors):>6}{errors.mean():>9.2f}{int((errors > 1.0).sum()):>6}"
                   f"{np.mean(total['lvl']):>9.2f}{'':>18}"
                   f"{100 * counts.precision:>7.2f}%{100 * counts.recall:>7.2f}%{100 * counts.f1:>7.2f}%")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", type=Path, nargs="+", help="folders with truth.json (boxed truth)")
    parser.add_argument("--angles", default=",".join(f"{a:g}" for a in DEFAULT_ANGLES),
                        help="counter-clockwise rotations in degrees, comma-separated")
    parser.add_argument("--count", type=int, default=None, help="at most this many pages of each folder")
    parser.add_argument("--perturb", choices=("none", "stroke", "join"), default="none",
                        help="one odd region drawn on every page")
    parser.add_argument("--min-tilt", type=float, default=None,
                        help="level from this tilt (degrees) instead of the reader's MIN_TILT_DEG, to try another")
    parser.add_argument("--json", type=Path, default=None, help="write the rows here too")
    args = parser.parse_args(argv)
    try:
        angles = [float(text) for text in args.angles.split(",")]
    except ValueError:
        parser.error(f"--angles {args.angles!r}: give numbers separated by commas, e.g. 0,5,-5")
    if args.min_tilt is not None:
        page_module.MIN_TILT_DEG = args.min_tilt
    rows = run(args.dirs, angles, args.count, args.perturb)
    print(report(rows))
    if args.json is not None:
        args.json.write_text(json.dumps({f"{name}@{angle:g}": {**row, "counts": row["counts"].to_dict()}
                                         for (name, angle), row in rows.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
