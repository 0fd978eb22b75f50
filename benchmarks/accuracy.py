"""How well the page reader reads: digit precision, recall and F1, and exactly-read numbers.

Runs `runtime.reading.reader.PageReader` over a set of images and scores every page against its truth
(the pairing rules are in `benchmarks.metrics`):

- synthetic worksheets (`--synthetic DIR`, a folder with truth.json from
  `benchmarks.worksheets`): predicted digits are matched to true digits by box overlap; a
  true number is *read exactly* when every one of its digits is matched with the right label
  and all of them to one predicted number that holds nothing else;
- real photos (`--real [DIR]`, a folder with labels.csv; the default is the shared set at
  `<repo>/../shared/data/real`): the truth has no boxes and no number boundaries, so the
  predicted digits (lines joined by "|") are aligned to the true ones by Levenshtein
  edit distance, and *line* exact match is reported instead of number exact match.

Pages whose truth holds no digit at all (`benchmarks.hard_pages`: noise, shadows, patterned
paper, floors, desks, dim light, words) get a section of their own: digits reported per page,
the most on one page, and per kind. `--no-digit` generates such a set (seeded) and reads it.

In both, a true line counts as read exactly when some predicted line (each used once) has
exactly its digits. Totals are micro-averaged: counts are summed over all pages first.

`evaluate(reader, dataset)` is the core, for tests and other tools; any object with
`read(image) -> PageResult` will do as the reader.

Usage: python -m benchmarks.accuracy [--real [DIR] | --synthetic DIR | --no-digit] [--model PATH] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from tqdm import tqdm

from benchmarks.datasets import TAG_KEYS, Dataset, DatasetFormatError, Sample, load_dataset
from benchmarks.metrics import LINE_SEPARATOR, Counts, count_box_matches, match_boxes, score_sequences
from runtime.paths import SHARED_DATA_DIR
from runtime.reading.segment import SegmentOptions
from runtime.results import Digit, PageResult

DEFAULT_REAL_DIR = SHARED_DATA_DIR / "real"
"""The shared real photos beside a checkout."""

TABLE_MAX_ROWS = 40
"""Larger sets print only their worst pages (all of them go to --json)."""

NO_DIGIT_PAGE_LIMIT = 5
"""A page with no digit should yield at most this many (the goal the no-digit section counts against)."""

NO_DIGIT_SET = {"count": 20, "seed": 0}
"""What --no-digit generates: two pages of each no-digit kind, A4 at 150 dpi."""


class Reader(Protocol):
    def read(self, image) -> PageResult: ...


@dataclass
class PageScore:
    """How one page was read."""

    path: str  # image file name
    method: str  # "boxes" (matched by position) or "sequence" (edit-distance alignment)
    counts: Counts
    lines_total: int
    lines_exact: int
    numbers_total: int | None  # None where the truth has no number boundaries
    numbers_exact: int | None
    truth_text: str  # lines joined by "|"
    predicted_text: str
    seconds: float  # time spent in reader.read
    rotation_deg: int = 0  # the reader's page rotation
    truth_rotation_deg: int | None = None  # the rotation that reads the page upright, where known
    tags: dict[str, str] = field(default_factory=dict)  # how the page was made (style, degrade)
    error: str | None = None  # why the page could not be read, if it could not
    predicted_digits: list[Digit] = field(default_factory=list, repr=False)  # as read, for --errors
    pairs: list[tuple[int, int]] = field(default_factory=list, repr=False)  # (truth, predicted) box matches

    def to_dict(self) -> dict:
        return {"path": self.path, "method": self.method, **self.counts.to_dict(),
                "lines_total": self.lines_total, "lines_exact": self.lines_exact,
                "numbers_total": self.numbers_total, "numbers_exact": self.numbers_exact,
                "truth": self.truth_text, "predicted": self.predicted_text,
                "rotation": self.rotation_deg, "truth_rotation": self.truth_rotation_deg,
                "seconds": round(self.seconds, 4), "error": self.error, **self.tags}


@dataclass
class Report:
    """Scores of every page and of the whole set."""

    source: str  # the truth file evaluated
    kind: str  # "synthetic" or "labels"
    pages: list[PageScore]

    @property
    def counts(self) -> Counts:
        total = Counts()
        for page in self.pages:
            total = total + page.counts
        return total

    @property
    def errors(self) -> list[PageScore]:
        return [page for page in self.pages if page.error is not None]

    def share(self, exact: str, total: str) -> float | None:
        """Share of `exact` over `total` summed over pages, None where not measured."""
        values = [(getattr(page, exact), getattr(page, total)) for page in self.pages]
        if any(total_value is None for _, total_value in values):
            return None
        denominator = sum(total_value for _, total_value in values)
        return sum(exact_value for exact_value, _ in values) / denominator if denominator else 1.0

    @property
    def numbers_exact_share(self) -> float | None:
        return self.share("numbers_exact", "numbers_total")

    @property
    def lines_exact_share(self) -> float | None:
        return self.share("lines_exact", "lines_total")

    @property
    def orientation_share(self) -> float | None:
        """Share of pages turned upright correctly, where the truth knows the orientation."""
        known = [page for page in self.pages if page.truth_rotation_deg is not None]
        if not known:
            return None
        return sum(page.rotation_deg % 360 == page.truth_rotation_deg % 360 for page in known) / len(known)

    @property
    def no_digit_pages(self) -> list[PageScore]:
        """Pages whose truth holds no digit: everything read on them is a phantom."""
        return [page for page in self.pages
                if page.counts.true_positives + page.counts.false_negatives == 0 and not page.truth_text.strip("|")]

    def no_digit_summary(self) -> dict | None:
        """Digits reported on the no-digit pages: in all, per page, the most on one, per kind."""
        pages = self.no_digit_pages
        if not pages:
            return None
        reported = [page.counts.false_positives for page in pages]
        kinds: dict[str, list[int]] = {}
        for page, count in zip(pages, reported):
            kinds.setdefault(page.tags.get("style", "?"), []).append(count)
        return {"pages": len(pages), "digits_reported": int(sum(reported)),
                "per_page": round(float(np.mean(reported)), 3), "most_on_a_page": int(max(reported)),
                "pages_over_5": int(sum(count > NO_DIGIT_PAGE_LIMIT for count in reported)),
                "by_kind": {kind: {"pages": len(counts), "digits_reported": int(sum(counts)),
                                   "most_on_a_page": int(max(counts))} for kind, counts in sorted(kinds.items())}}

    def groups(self, tag: str) -> dict[str, Counts]:
        """Digit counts summed per value of a page tag (e.g. per style), sorted by value."""
        totals: dict[str, Counts] = {}
        for page in self.pages:
            if tag in page.tags:
                totals[page.tags[tag]] = totals.get(page.tags[tag], Counts()) + page.counts
        return dict(sorted(totals.items()))

    def to_dict(self) -> dict:
        counts = self.counts
        overall = {**counts.to_dict(), "pages": len(self.pages), "page_errors": len(self.errors),
                   "digits": counts.true_positives + counts.false_negatives,
                   "numbers_exact": _rounded(self.numbers_exact_share),
                   "lines_exact": _rounded(self.lines_exact_share),
                   "orientation_correct": _rounded(self.orientation_share),
                   "seconds": round(sum(page.seconds for page in self.pages), 3)}
        matching = ("digits matched by box overlap" if self.kind == "synthetic" else
                    "edit-distance alignment of digit sequences; no number boundaries, so lines_exact "
                    "stands in for numbers_exact")
        groups = {tag: {value: group.to_dict() for value, group in self.groups(tag).items()}
                  for tag in TAG_KEYS}
        return {"source": self.source, "kind": self.kind, "matching": matching, "overall": overall,
                "no_digit": self.no_digit_summary(),
                "groups": {tag: values for tag, values in groups.items() if values},
                "pages": [page.to_dict() for page in self.pages]}


def evaluate(reader: Reader, dataset: Dataset | str | Path, progress: bool = False) -> Report:
    """Read every sample with `reader` and score it against its truth (a Dataset or its path)."""
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    pages = []
    for sample in tqdm(dataset.samples, desc="reading", unit="page", disable=not progress):
        pages.append(score_page(reader, sample, dataset.has_boxes))
    return Report(source=str(dataset.source), kind=dataset.kind, pages=pages)


def score_page(reader: Reader, sample: Sample, use_boxes: bool) -> PageScore:
    """Read one image and compare; a page that cannot be read counts all its digits missed."""
    image = cv2.imread(str(sample.image_path), cv2.IMREAD_COLOR)
    started = time.perf_counter()
    error = None
    result = PageResult()
    if image is None:
        error = f"cannot decode image {sample.image_path}"
    else:
        try:
            result = reader.read(image)
        except Exception as failure:  # one broken page must not hide the rest of the report
            error = f"reader failed: {type(failure).__name__}: {failure}"
    seconds = time.perf_counter() - started
    return score_result(sample, result, use_boxes, seconds, error)


def score_result(sample: Sample, result: PageResult, use_boxes: bool, seconds: float = 0.0,
                 error: str | None = None) -> PageScore:
    """Compare a reading of `sample` (made by any means: a reader, or a command's JSON) with its truth."""
    truth_text = LINE_SEPARATOR.join(sample.lines)
    predicted_lines = ["".join(digit.digit for digit in line.digits) for line in result.lines]
    lines_exact = _lines_read_exactly(sample.lines, predicted_lines)
    page = PageScore(path=sample.name, method="boxes" if use_boxes and sample.truth else "sequence",
                     counts=Counts(), lines_total=len(sample.lines), lines_exact=lines_exact,
                     numbers_total=None, numbers_exact=None, truth_text=truth_text,
                     predicted_text=LINE_SEPARATOR.join(predicted_lines), seconds=seconds,
                     rotation_deg=int(getattr(result, "rotation_deg", 0)), error=error,
                     truth_rotation_deg=sample.truth.rotation_deg if sample.truth else None,
                     tags=dict(sample.tags),
                     predicted_digits=list(result.digits))
    if page.method == "boxes":
        _score_by_boxes(page, sample.truth, result)
    else:
        page.counts = score_sequences(truth_text, page.predicted_text)
    return page


def _score_by_boxes(page: PageScore, truth: PageResult, result: PageResult) -> None:
    true_digits, true_number_of = _flatten(truth)
    predicted_digits, predicted_number_of = _flatten(result)
    pairs = match_boxes([d.bbox for d in true_digits], [d.bbox for d in predicted_digits])
    page.pairs = pairs
    true_labels = [digit.digit for digit in true_digits]
    page.counts = count_box_matches(true_labels, [digit.digit for digit in predicted_digits], pairs)
    predicted_for = dict(pairs)
    predicted_sizes = Counter(predicted_number_of)
    members: dict[int, list[int]] = {}
    for truth_index, number_id in enumerate(true_number_of):
        members.setdefault(number_id, []).append(truth_index)
    exact = 0
    for indices in members.values():
        matched = [predicted_for.get(t) for t in indices]
        pairs_of_number = zip(indices, matched, strict=True)
        if any(p is None or predicted_digits[p].digit != true_labels[t] for t, p in pairs_of_number):
            continue
        owners = {predicted_number_of[p] for p in matched}
        if len(owners) == 1 and predicted_sizes[owners.pop()] == len(indices):
            exact += 1
    page.numbers_total = len(members)
    page.numbers_exact = exact


def _flatten(page: PageResult) -> tuple[list, list[int]]:
    """All digits of a page and, for each, an id of the number it belongs to."""
    digits, number_ids = [], []
    number_id = 0
    for line in page.lines:
        for number in line.numbers:
            for digit in number.digits:
                digits.append(digit)
                number_ids.append(number_id)
            number_id += 1
    return digits, number_ids


def _lines_read_exactly(truth_lines: list[str], predicted_lines: list[str]) -> int:
    """True lines equal to some predicted line, each predicted line used once."""
    available = Counter(predicted_lines)
    exact = 0
    for line in truth_lines:
        if available[line] > 0:
            available[line] -= 1
            exact += 1
    return exact


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def format_table(report: Report, max_rows: int = TABLE_MAX_ROWS) -> str:
    """A terminal table: one row per page (the worst ones for large sets) and the overall row."""
    has_numbers = report.numbers_exact_share is not None
    exact_header = "numbers ok" if has_numbers else "lines ok"
    header = (f"{'file':<28} {'digits':>6} {'TP':>5} {'FP':>4} {'FN':>4} {'prec':>7} {'recall':>7} "
              f"{'F1':>7} {exact_header:>11} {'ms':>7}")
    pages = report.pages
    note = ""
    if len(pages) > max_rows:
        pages = sorted(pages, key=lambda page: (page.counts.f1, page.path))[:max_rows]
        note = f"(showing the {max_rows} lowest-F1 pages of {len(report.pages)}; all are in --json)\n"
    rows = [header, "-" * len(header)]
    for page in pages:
        exact, total = ((page.numbers_exact, page.numbers_total) if has_numbers
                        else (page.lines_exact, page.lines_total))
        flag = "  ERROR: " + page.error if page.error else ""
        rows.append(_row(page.path[:28], page.counts, f"{exact}/{total}", page.seconds * 1000) + flag)
    rows.append("-" * len(header))
    counts = report.counts
    share = report.numbers_exact_share if has_numbers else report.lines_exact_share
    seconds = sum(page.seconds for page in report.pages)
    share_text = f"{share:.2%}" if share is not None else "n/a"
    rows.append(_row(f"overall ({len(report.pages)} pages)", counts, share_text,
                     seconds * 1000 / max(1, len(report.pages))))
    for tag in TAG_KEYS:
        groups = report.groups(tag)
        if len(groups) > 1:
            rows.append(f"F1 by {tag}: " + ", ".join(f"{value} {group.f1:.2%}" for value, group in groups.items()))
    summary = report.no_digit_summary()
    if summary is not None:
        rows.append(f"no-digit pages: {summary['pages']}, digits reported {summary['digits_reported']} "
                    f"({summary['per_page']:.1f} per page, at most {summary['most_on_a_page']} on one; "
                    f"{summary['pages_over_5']} pages over {NO_DIGIT_PAGE_LIMIT})")
        rows.append("  by kind: " + ", ".join(f"{kind} {value['digits_reported']}/{value['pages']}p"
                                              for kind, value in summary["by_kind"].items()))
    if not has_numbers:
        note += "labels.csv has no number boundaries: 'lines ok' counts lines read exactly instead.\n"
    return note + "\n".join(rows)


def _row(name: str, counts: Counts, exact: str, milliseconds: float) -> str:
    digits = counts.true_positives + counts.false_negatives
    return (f"{name:<28} {digits:>6} {counts.true_positives:>5} {counts.false_positives:>4} "
            f"{counts.false_negatives:>4} {counts.precision:>7.2%} {counts.recall:>7.2%} {counts.f1:>7.2%} "
            f"{exact:>11} {milliseconds:>7.1f}")


READER_EXTRAS = {
    "widen-thin-strokes": ("widen_thin_strokes", True),
    "touching-width-prior": ("touching_width_prior", True),
    "keep-motion-blur": ("undo_motion_blur", False),
    "undo-motion-blur": ("undo_motion_blur", True),  # the default now; still accepted
    "keep-defocus": ("undo_defocus", False),
    "fibrous-paper": ("segment", SegmentOptions(fibrous_paper=True)),
}
"""Optional reader steps set otherwise than by default, measured here: each name's `ReaderOptions`
field and the value it sets (on for the steps off by default; keep-motion-blur reads shaken pages
as photographed, keep-defocus out-of-focus ones; fibrous-paper: `SegmentOptions.fibrous_paper`,
for brown kraft paper)."""


def build_reader(model: str | None, min_confidence: float, detect_orientation: bool, threads: int,
                 extras: tuple[str, ...] = ()) -> Reader:
    """The runtime's page reader over a loaded classifier (imported here: tests pass fakes)."""
    from runtime.classifier import Classifier
    from runtime.reading.reader import PageReader, ReaderOptions

    options = ReaderOptions(min_confidence=min_confidence, detect_orientation=detect_orientation,
                            **dict(READER_EXTRAS[extra] for extra in extras))
    return PageReader(Classifier.load(model, threads=threads), options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy",
        description="Read a set of pages with the runtime's page reader and report digit precision, "
                    "recall and F1, and numbers (synthetic) or lines (labels.csv) read exactly.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--real", nargs="?", type=Path, const=DEFAULT_REAL_DIR, default=None, metavar="DIR",
                        help=f"folder with labels.csv and photos (default, at {DEFAULT_REAL_DIR})")
    source.add_argument("--synthetic", type=Path, default=None, metavar="DIR",
                        help="folder with truth.json from benchmarks.worksheets or benchmarks.hard_pages "
                             "(or the truth .json file)")
    source.add_argument("--no-digit", action="store_true",
                        help=f"generate {NO_DIGIT_SET['count']} pages without digits (benchmarks.hard_pages, "
                             f"seed {NO_DIGIT_SET['seed']}: noise, shadows, ruled/squared/dotted paper, floor, "
                             "desk, dim light, words) in a temporary folder and count the digits read on them")
    parser.add_argument("--model", default=None,
                        help="model file (.tflite/.onnx/.ort); default: the shipped model")
    parser.add_argument("--min-confidence", type=float, default=0.0,
                        help="digits below this confidence are read as '?' (scored as wrong); default 0")
    parser.add_argument("--no-orientation", action="store_true",
                        help="do not try the four page rotations (faster; rotated photos then fail)")
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads (default 1)")
    parser.add_argument("--reader-extra", action="append", default=[], choices=list(READER_EXTRAS),
                        help="set an optional reader step otherwise than by default (repeatable): "
                             "widen-thin-strokes, touching-width-prior (off by default: on), "
                             "keep-motion-blur (read shaken pages as photographed), "
                             "fibrous-paper (printed lines looked for above the paper's grain: kraft)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N pages")
    parser.add_argument("--errors", type=Path, default=None, metavar="DIR",
                        help="save an annotated copy of every page with a mistake into DIR")
    parser.add_argument("--fail-under", type=float, default=None, metavar="F1",
                        help="exit 1 when the overall digit F1 (0..1) is below this")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="write the full report as JSON ('-': stdout)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    args = parser.parse_args(argv)

    if args.limit is not None and args.limit < 1:
        print(f"error: --limit {args.limit} must be at least 1", file=sys.stderr)
        return 2
    if not 0.0 <= args.min_confidence <= 1.0:
        print(f"error: --min-confidence {args.min_confidence} must lie in 0..1", file=sys.stderr)
        return 2
    scratch = tempfile.TemporaryDirectory(prefix="no-digit-") if args.no_digit else None
    try:
        if scratch is not None:
            from benchmarks.hard_pages import NO_DIGIT_KINDS, write_hard_pages

            write_hard_pages(Path(scratch.name), NO_DIGIT_SET["count"], NO_DIGIT_SET["seed"],
                             tuple(kind.name for kind in NO_DIGIT_KINDS), progress=not args.quiet)
        dataset = load_dataset(Path(scratch.name) if scratch else args.synthetic or args.real or DEFAULT_REAL_DIR)
    except DatasetFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return _evaluate_and_report(args, dataset)
    finally:
        if scratch is not None:
            scratch.cleanup()


def _evaluate_and_report(args: argparse.Namespace, dataset: Dataset) -> int:
    if args.limit is not None:
        dataset.samples = dataset.samples[: args.limit]
    from runtime.models import ModelError

    try:
        reader = build_reader(args.model, args.min_confidence, not args.no_orientation, args.threads,
                              tuple(args.reader_extra))
    except ImportError as error:
        print(f"error: the page reader is not available ({error}); is runtime/reader.py in place?",
              file=sys.stderr)
        return 1
    except (ModelError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = evaluate(reader, dataset, progress=not args.quiet)
    if args.errors is not None:
        from benchmarks.mistakes import save_mistakes

        written = save_mistakes(report, dataset, args.errors)
        if not args.quiet:
            print(f"saved {written} annotated pages with mistakes to {args.errors}", file=sys.stderr)
    document = report.to_dict()
    document["model"] = str(getattr(getattr(reader, "classifier", None), "path", args.model or "default"))
    if args.json == "-":
        print(json.dumps(document, indent=1))
    elif args.json:
        Path(args.json).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    if not args.quiet and args.json != "-":
        print(format_table(report))
    for page in report.errors:
        print(f"error: {page.path}: {page.error}", file=sys.stderr)
    if report.errors:
        return 1
    if args.fail_under is not None and report.counts.f1 < args.fail_under:
        print(f"error: digit F1 {report.counts.f1:.4f} is below --fail-under {args.fail_under}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
