"""Keep the scanner's results on disk as they are made: journal, JSON and CSV.

Every page's record is appended to a JSON Lines journal (`<output>.partial.jsonl`) and to the
CSV, and flushed, the moment it arrives, so a run that is killed keeps every page it finished.
The JSON file is rewritten atomically (temporary file + `os.replace`) every
`JSON_REWRITE_SECONDS` and at the end, so it is always complete, valid JSON; at the end the
JSON and CSV are put in input order and the journal is removed. `--resume` reads the JSON, the
journal of a killed run, or failing both the CSV, and the new run adds to what they hold.

A record is `{"path", "page", "lines", "rotation"}` for a page read (page counted from 1) or
`{"path", "page", "error"}` for a failure (`page` is null when the whole file failed). The
final JSON is `{"files": [page records...], "errors": [failure records...]}`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from pathlib import Path

from runtime.scan.inputs import path_key

JSON_REWRITE_SECONDS = 10.0
"""How often the JSON is rewritten during a run: bounds what a reader of it can miss."""

JOURNAL_SUFFIX = ".partial.jsonl"
"""Appended to the output file's name to make the journal's name."""

STDOUT = "-"
"""`--json -` writes the JSON to standard output at the end."""

CSV_COLUMNS = ("file", "page", "line", "number", "text", "confidence", "x", "y", "w", "h")
"""One CSV row per number; `line` and `number` count from 1 like `page`."""


class OutputError(Exception):
    """An output file cannot be written or a previous one cannot be resumed; one-line message."""


class ResultStore:
    """Collects page records, journals them as they come, and writes the final JSON and CSV."""

    def __init__(self, json_path: str | None, csv_path: str | None, *, resume: bool = False):
        self.json_path = json_path
        self.csv_path = csv_path
        self._records: dict[tuple[str, int | None], dict] = {}
        self._rank: dict[str, int] = {}
        self._last_json_write = time.monotonic()
        primary = json_path if json_path not in (None, STDOUT) else csv_path
        self.journal_path = primary + JOURNAL_SUFFIX if primary else None
        if resume:
            self._load_previous()
        self._journal = self._open_journal(append=resume)
        self._csv_stream = self._open_csv()
        if json_path and json_path != STDOUT:
            # Replace a previous run's file now: a run killed early must not leave old results
            # that look like its own.
            self._write_json_file()

    # -- what the batch asks -------------------------------------------------------------------

    def done_pages(self) -> set[tuple[str, int]]:
        """(path key, page) of every page already read, for `--resume` to skip."""
        return {(path_key(record["path"]), record["page"]) for record in self._records.values()
                if "error" not in record}

    def set_input_order(self, paths: list[str]) -> None:
        """Order of the final outputs: files as listed here, earlier results after them."""
        self._rank = {path_key(path): rank for rank, path in enumerate(paths)}

    def add(self, record: dict) -> None:
        """Keep one page record, appending it to the journal and the CSV before returning."""
        self._records[(path_key(record["path"]), record["page"])] = record
        line = json.dumps(record, ensure_ascii=False) + "\n"
        if self._journal is not None:
            self._journal.write(line)
            self._journal.flush()
        if self._csv_stream is not None and "error" not in record:
            writer = csv.writer(self._csv_stream)
            writer.writerows(csv_rows(record))
            self._csv_stream.flush()
        if self.json_path not in (None, STDOUT) and \
                time.monotonic() - self._last_json_write >= JSON_REWRITE_SECONDS:
            self._write_json_file()

    @property
    def records(self) -> list[dict]:
        """Every record, in output order."""
        return sorted(self._records.values(), key=self._sort_key)

    def finish(self) -> list[Path]:
        """Write the final JSON and CSV in input order, remove the journal; return files written."""
        self._close_streams()
        written = []
        if self.json_path == STDOUT:
            json.dump(self.document(), sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
            sys.stdout.flush()
        elif self.json_path:
            written.append(self._write_json_file())
        if self.csv_path:
            written.append(self._write_csv_file())
        if self.journal_path and os.path.exists(self.journal_path):
            os.remove(self.journal_path)
        return written

    def abandon(self) -> None:
        """On interruption: save a JSON snapshot, keep the journal (if any record) for `--resume`."""
        self._close_streams()
        if self.json_path and self.json_path != STDOUT:
            self._write_json_file()
        if self.journal_path and os.path.exists(self.journal_path) \
                and os.path.getsize(self.journal_path) == 0:
            os.remove(self.journal_path)

    def document(self) -> dict:
        """The final JSON: pages read in `files`, failures in `errors`."""
        records = self.records
        return {"files": [r for r in records if "error" not in r],
                "errors": [r for r in records if "error" in r]}

    # -- files ---------------------------------------------------------------------------------

    def _sort_key(self, record: dict) -> tuple[int, int]:
        rank = self._rank.get(path_key(record["path"]), len(self._rank))
        return rank, record["page"] or 0

    def _write_json_file(self) -> Path:
        text = json.dumps(self.document(), ensure_ascii=False, indent=1) + "\n"
        self._last_json_write = time.monotonic()
        return write_atomically(self.json_path, text)

    def _write_csv_file(self) -> Path:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for record in self.records:
            if "error" not in record:
                writer.writerows(csv_rows(record))
        return write_atomically(self.csv_path, buffer.getvalue())

    def _open_journal(self, *, append: bool):
        if not self.journal_path:
            return None
        if append:
            _drop_partial_last_line(self.journal_path)
        return _open_text(self.journal_path, "a" if append else "w")

    def _open_csv(self):
        if not self.csv_path:
            return None
        # Start from what is already kept (nothing, or the previous run's pages on --resume),
        # so the file holds exactly the kept pages plus those appended from now on.
        self._write_csv_file()
        return _open_text(self.csv_path, "a")

    def _close_streams(self) -> None:
        for stream in (self._journal, self._csv_stream):
            if stream is not None:
                stream.close()
        self._journal = self._csv_stream = None

    def _load_previous(self) -> None:
        """Fill `_records` from the previous run's outputs; its failures are tried again."""
        found = False
        if self.json_path and self.json_path != STDOUT and os.path.exists(self.json_path):
            document = _read_json_document(self.json_path)
            for record in document.get("files", []):
                self._keep_previous(record)
            found = True
        if self.journal_path and os.path.exists(self.journal_path):
            for record in _read_journal(self.journal_path):
                self._keep_previous(record)
            found = True
        if not found and self.csv_path and os.path.exists(self.csv_path):
            for record in _records_from_csv(self.csv_path):
                self._keep_previous(record)

    def _keep_previous(self, record: dict) -> None:
        if isinstance(record, dict) and "error" not in record and _is_page_record(record):
            self._records[(path_key(record["path"]), record["page"])] = record


def csv_rows(record: dict) -> list[list]:
    """The CSV rows (one per number) of one page record."""
    rows = []
    for line_number, line in enumerate(record.get("lines", []), start=1):
        for number_index, number in enumerate(line.get("numbers", []), start=1):
            x, y, w, h = number["bbox"]
            rows.append([record["path"], record["page"], line_number, number_index,
                         number["text"], number["confidence"], x, y, w, h])
    return rows


def write_atomically(path: str | Path, text: str) -> Path:
    """Replace `path` with `text` so that a reader sees the old file or the new, never half."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def _open_text(path: str, mode: str):
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode, encoding="utf-8", newline="")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _drop_partial_last_line(path: str) -> None:
    """Cut a line a killed run left half-written, so appended records start on a fresh line."""
    if not os.path.exists(path):
        return
    with open(path, "rb+") as stream:
        data = stream.read()
        if data and not data.endswith(b"\n"):
            stream.truncate(data.rfind(b"\n") + 1)


def _read_json_document(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OutputError(f"cannot resume from {path}: not a scan result ({error}); "
                          "remove it or drop --resume") from None
    if not isinstance(document, dict) or not isinstance(document.get("files", []), list):
        raise OutputError(f"cannot resume from {path}: no 'files' list; "
                          "remove it or drop --resume")
    return document


def _read_journal(path: str) -> list[dict]:
    """Every complete record in a journal; a line cut short by a kill is skipped."""
    records = []
    with open(path, encoding="utf-8", errors="replace") as stream:
        for line in stream:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def _records_from_csv(path: str) -> list[dict]:
    """Page records rebuilt from a CSV (numbers only; blank pages are not in a CSV)."""
    pages: dict[tuple[str, int], dict] = {}
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                page = int(row["page"])
                record = pages.setdefault((row["file"], page), {"path": row["file"],
                                                                "page": page, "lines": []})
                line_index = int(row["line"]) - 1
                while len(record["lines"]) <= line_index:
                    record["lines"].append({"text": "", "numbers": [], "digits": []})
                line = record["lines"][line_index]
                bbox = [int(row[key]) for key in ("x", "y", "w", "h")]
                line["numbers"].append({"text": row["text"],
                                        "confidence": float(row["confidence"]), "bbox": bbox})
                line["text"] = " ".join(number["text"] for number in line["numbers"])
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise OutputError(f"cannot resume from {path}: not a scan CSV ({error}); "
                          "remove it or drop --resume") from None
    return list(pages.values())


def _is_page_record(record: dict) -> bool:
    return (isinstance(record.get("path"), str) and isinstance(record.get("page"), int)
            and isinstance(record.get("lines"), list))
