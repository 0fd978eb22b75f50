"""The scanner's page records: a page read (`ReadPage`) or a page that failed (`FailedPage`).

One record per page is what the journal, `--jsonl`, `--json` and `--csv` are made of. Their wire
shape (unchanged from the first release):
- a page read: `{"path", "page", "lines", "rotation"}` (page counted from 1; `lines` as
  `runtime.results.PageResult.to_dict` writes them);
- a failure: `{"path", "page", "error"}` (`page` is null when the whole file failed).

Paths are `str` as Python gets them from the file system: a name that is not valid UTF-8 holds
"surrogate escapes" (PEP 383), which `json_line` writes as `\\udcXX` escapes (valid JSON that
reads back to the same bytes) and `csv_rows` writes with a replacement character.

Usage: record = record_from_dict(json.loads(line)); text = json_line(record)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

CSV_COLUMNS = ("file", "page", "line", "number", "text", "confidence", "x", "y", "w", "h")
"""One CSV row per number; `line` and `number` count from 1 like `page`."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell that starts with one of these as a formula (CSV injection)."""


class RecordError(ValueError):
    """A JSON object that is not a valid page record; the message says which field."""


@dataclass(frozen=True)
class ReadPage:
    """A page that was read (perhaps with no digits on it)."""

    path: str
    page: int  # from 1
    lines: list  # PageResult.to_dict()["lines"]
    rotation: int = 0

    failed = False

    def to_dict(self) -> dict:
        return {"path": self.path, "page": self.page, "lines": self.lines, "rotation": self.rotation}

    @property
    def number_count(self) -> int:
        return sum(len(line["numbers"]) for line in self.lines)

    @property
    def text(self) -> str:
        """The page as the console shows it: lines separated by " | "."""
        return " | ".join(line["text"] for line in self.lines) or "no digits found"


@dataclass(frozen=True)
class FailedPage:
    """A file or page that could not be read, with a one-line reason."""

    path: str
    page: int | None  # from 1; None when the whole file failed
    error: str

    failed = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", " ".join(str(self.error).split()))

    def to_dict(self) -> dict:
        return {"path": self.path, "page": self.page, "error": self.error}


PageRecord = ReadPage | FailedPage


def read_page(path: str, page: int, page_result) -> ReadPage:
    """The record of a page read into a `runtime.results.PageResult`."""
    as_dict = page_result.to_dict()
    return ReadPage(path, page, as_dict["lines"], as_dict["rotation"])


def json_line(record: PageRecord) -> str:
    """One journal / JSON Lines line (with its newline) for `record`."""
    text = json.dumps(record.to_dict(), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escape it, do not fail
        text = json.dumps(record.to_dict(), ensure_ascii=True)
    return text + "\n"


def record_from_dict(data: object) -> PageRecord:
    """Check a decoded JSON object field by field and make it a record, or raise `RecordError`."""
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    path, page = data.get("path"), data.get("page")
    if not isinstance(path, str) or not path:
        raise RecordError("no 'path' string")
    if "error" in data:
        if page is not None and not _is_page_number(page):
            raise RecordError(f"bad 'page' {page!r}")
        return FailedPage(path, page, str(data["error"]))
    if not _is_page_number(page):
        raise RecordError(f"bad 'page' {page!r}")
    lines = data.get("lines")
    if not isinstance(lines, list):
        raise RecordError("no 'lines' list")
    for line in lines:
        _check_line(line)
    rotation = data.get("rotation", 0)
    if rotation not in (0, 90, 180, 270):
        raise RecordError(f"bad 'rotation' {rotation!r}")
    return ReadPage(path, page, lines, rotation)


def csv_rows(record: ReadPage) -> list[list]:
    """The CSV rows (one per number) of a page read; text cells are made formula-safe."""
    rows = []
    path = csv_text(record.path)
    for line_number, line in enumerate(record.lines, start=1):
        for number_index, number in enumerate(line["numbers"], start=1):
            x, y, w, h = number["bbox"]
            rows.append([path, record.page, line_number, number_index, csv_text(number["text"]),
                         number["confidence"], x, y, w, h])
    return rows


def csv_text(text: str) -> str:
    """`text` safe for a CSV cell: valid UTF-8, and never run as a spreadsheet formula."""
    text = _utf8_bytes(text).decode("utf-8", "replace")
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_cell_text(cell: str) -> str:
    """The text `csv_text` made a cell from (undoes the formula guard, for `--resume`)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def display_path(path: str) -> str:
    """`path` printable on any console: bytes that are not UTF-8 shown as `\\xe9` escapes."""
    return _utf8_bytes(path).decode("utf-8", "backslashreplace")


def _utf8_bytes(text: str) -> bytes:
    """The bytes a file name came from; a lone surrogate that is no escaped byte shows as `\\ud800`."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def _is_page_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_line(line: object) -> None:
    if not isinstance(line, dict) or not isinstance(line.get("text"), str):
        raise RecordError("a line without 'text'")
    for key in ("numbers", "digits"):
        items = line.get(key, [])
        if not isinstance(items, list):
            raise RecordError(f"a line whose '{key}' is not a list")
        for item in items:
            _check_item(item, "text" if key == "numbers" else "digit")


def _check_item(item: object, text_key: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get(text_key), str):
        raise RecordError(f"an entry without '{text_key}'")
    confidence = item.get("confidence")
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool) \
            or not math.isfinite(confidence):
        raise RecordError(f"bad confidence {confidence!r}")
    bbox = item.get("bbox")
    if not (isinstance(bbox, list) and len(bbox) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) for v in bbox)):
        raise RecordError(f"bad bbox {bbox!r}")
