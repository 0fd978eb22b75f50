"""Read evaluation sets: synthetic worksheets (`truth.json`) and real photos (`labels.csv`).

Both become a `Dataset` of `Sample`s. A synthetic sample carries its truth as a `PageResult`
with a box per digit (so predictions can be matched by position); a real sample carries only
the digit strings of its lines, in reading order (matched by edit-distance alignment).

`labels.csv` columns are `file,digits,notes`: `digits` lists every digit in reading order,
lines separated by "|"; spaces inside a line carry no meaning and are dropped.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from runtime.results import Digit, Line, Number, PageResult

TRUTH_NAME = "truth.json"
LABELS_NAME = "labels.csv"
TAG_KEYS = ("style", "degrade", "surface")
"""Per-file keys of a generated truth.json that the accuracy report breaks results down by."""
LABEL_COLUMNS = ("file", "digits")
"""Columns labels.csv must have (others, like notes, are kept but not needed)."""


class DatasetFormatError(ValueError):
    """A truth.json or labels.csv is missing, malformed or names a missing image (one line)."""


@dataclass
class Sample:
    """One image and what is written on it."""

    image_path: Path
    lines: list[str]  # the digits of each line, top to bottom, e.g. ["123", "45"]
    truth: PageResult | None = None  # digits with boxes, when the truth has them
    notes: str = ""  # what is hard about the image (labels.csv only)
    tags: dict[str, str] = field(default_factory=dict)  # how a synthetic page was made: style, degrade

    @property
    def name(self) -> str:
        return self.image_path.name


@dataclass
class Dataset:
    """Samples from one truth file."""

    source: Path  # the truth.json or labels.csv read
    kind: str  # "synthetic" (boxes) or "labels" (digit strings only)
    samples: list[Sample]

    @property
    def has_boxes(self) -> bool:
        return self.kind == "synthetic"


def load_dataset(path: str | Path) -> Dataset:
    """A folder holding truth.json or labels.csv, or one of those files (or any .json/.csv)."""
    path = Path(path)
    if path.is_dir():
        if (path / TRUTH_NAME).is_file():
            return read_truth_json(path / TRUTH_NAME)
        if (path / LABELS_NAME).is_file():
            return read_labels_csv(path / LABELS_NAME)
        raise DatasetFormatError(f"{path} holds neither {TRUTH_NAME} nor {LABELS_NAME}; "
                                 "make a set with `python -m benchmarks.worksheets --out DIR`")
    if not path.exists():
        raise DatasetFormatError(f"dataset not found: {path}; "
                                 f"give a folder with {TRUTH_NAME} or {LABELS_NAME}")
    if path.suffix.lower() == ".csv":
        return read_labels_csv(path)
    if path.suffix.lower() == ".json":
        return read_truth_json(path)
    raise DatasetFormatError(f"{path} is neither a .json truth file nor a .csv label file")


def read_labels_csv(path: Path) -> Dataset:
    """Parse labels.csv (file,digits,notes); every listed image must exist beside it."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # a BOM from spreadsheet tools is fine
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetFormatError(f"cannot read {path}: {error}") from error
    missing = [column for column in LABEL_COLUMNS if column not in header]
    if not rows or missing:
        raise DatasetFormatError(f"{path} needs a header with columns {', '.join(LABEL_COLUMNS)} "
                                 f"and at least one row")
    samples = []
    for row_number, row in enumerate(rows, start=2):
        file_name = (row.get("file") or "").strip()
        lines = parse_digit_lines(row.get("digits") or "", f"{path}:{row_number}")
        image_path = path.parent / file_name
        if not file_name or not image_path.is_file():
            raise DatasetFormatError(f"{path}:{row_number}: image {file_name!r} not found beside the csv")
        samples.append(Sample(image_path=image_path, lines=lines, notes=(row.get("notes") or "").strip()))
    return Dataset(source=path, kind="labels", samples=samples)


def parse_digit_lines(text: str, where: str = "digits") -> list[str]:
    """'12 3|45' -> ['123', '45']: lines split on '|', spaces dropped, only digits allowed."""
    lines = ["".join(part.split()) for part in text.split("|")]
    for line in lines:
        if not line.isdigit() or not line.isascii():
            raise DatasetFormatError(f"{where}: line {line!r} of {text!r} is not a run of digits 0-9; "
                                     "separate lines with '|'")
    return lines


def read_truth_json(path: Path) -> Dataset:
    """Parse a truth.json in the scanner's JSON shape; each digit needs a bbox."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DatasetFormatError(f"cannot read {path}: {error}") from error
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list) or not files:
        raise DatasetFormatError(f"{path} has no 'files' list; "
                                 "is it a truth.json from benchmarks.worksheets?")
    samples = []
    for index, entry in enumerate(files):
        where = f"{path} file #{index}"
        try:
            image_path = path.parent / entry["path"]
            page = page_from_json(entry["lines"], where)
            page.rotation_deg = int(entry.get("rotation", 0))
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, DatasetFormatError):
                raise
            raise DatasetFormatError(f"{where}: malformed entry ({error!r}); expected path and "
                                     "lines with numbers and digits") from error
        if not image_path.is_file():
            raise DatasetFormatError(f"{where}: image {image_path} not found")
        lines = ["".join(digit.digit for digit in line.digits) for line in page.lines]
        tags = {key: str(entry[key]) for key in TAG_KEYS if key in entry}
        samples.append(Sample(image_path=image_path, lines=lines, truth=page, tags=tags))
    return Dataset(source=path, kind="synthetic", samples=samples)


def page_from_json(lines_json: list, where: str) -> PageResult:
    """Rebuild lines -> numbers -> digits; a line's digits list numbers' digits in order."""
    lines = []
    for line_json in lines_json:
        digits = [Digit(str(d["digit"]), float(d.get("confidence", 1.0)), tuple(int(v) for v in d["bbox"]))
                  for d in line_json["digits"]]
        numbers = []
        start = 0
        for number_json in line_json["numbers"]:
            length = len(str(number_json["text"]))
            numbers.append(Number(digits[start : start + length]))
            start += length
        if start != len(digits) or any(len(digit.bbox) != 4 for digit in digits):
            raise DatasetFormatError(f"{where}: numbers {[n['text'] for n in line_json['numbers']]} do not "
                                     f"add up to the line's {len(digits)} boxed digits")
        lines.append(Line(numbers))
    return PageResult(lines=lines)
