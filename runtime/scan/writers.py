"""Keep the scanner's results on disk as they are made, and assemble the final JSON and CSV.

The journal (`runtime.scan.journal`) is the source of truth: every page's record is appended
to it the moment it arrives. It is the `--jsonl FILE` itself when one is asked for (kept, in
the order pages finished), else `<output>.partial.jsonl` beside the `--json`/`--csv` output
(removed at the end). `--json` and `--csv` are assembled from it once, at the end (or when
the run is stopped), in input order, each in one pass over the file and written atomically,
so the total cost is O(pages) and the main process's memory does not grow with the batch.
`--resume` indexes the journal of a stopped run, adds the pages of a finished run's JSON (or,
failing that, its CSV) to it, and the new run appends to what it holds.

The final JSON is `{"files": [page records...], "errors": [failure records...], "complete":
true}` (record shapes in `runtime.scan.records`); `"complete"` is false in the JSON of a stopped
run and in the placeholder written at the start, so a file alone says whether every page is in
it. The CSV has one row per number (`CSV_COLUMNS`).

Usage: store = ResultStore(json_path="out.json"); store.add(record); store.finish()
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

from runtime.cli import discard_standard_output
from runtime.scan.inputs import path_key
from runtime.scan.journal import Entry, Journal
from runtime.scan.outputs import STDOUT, OutputError, OutputLocks, atomic_text
from runtime.scan.records import (
    CSV_COLUMNS,
    PageRecord,
    ReadPage,
    RecordError,
    csv_cell_text,
    csv_rows,
    record_from_dict,
)

JOURNAL_SUFFIX = ".partial.jsonl"
"""Appended to the output file's name to make the journal's name."""

__all__ = ["CSV_COLUMNS", "JOURNAL_SUFFIX", "STDOUT", "OutputError", "ResultStore"]


class ResultStore:
    """Journals page records as they come and writes the final JSON and CSV from the journal."""

    def __init__(self, json_path: str | None = None, csv_path: str | None = None,
                 jsonl_path: str | None = None, *, resume: bool = False, overwrite: bool = False):
        self.json_path, self.csv_path, self.jsonl_path = json_path, csv_path, jsonl_path
        self.warnings: list[str] = []  # for the user: journal lines skipped on resume
        self._rank: dict[str, int] = {}
        self._partials = [p + JOURNAL_SUFFIX for p in (json_path, csv_path) if p and p != STDOUT]
        self._locks = OutputLocks()
        try:
            for path in (json_path, csv_path, jsonl_path):
                if path and path != STDOUT:
                    self._locks.acquire(path)
            self.journal = self._open_journal(resume, overwrite)
        except BaseException:
            self._locks.release()
            raise

    # -- what the batch asks -------------------------------------------------------------------

    def done_pages(self) -> set[tuple[str, int]]:
        """(path key, page) of every page already read, for `--resume` to skip."""
        return {key for key, entry in self.journal.index.items() if not entry.failed}

    def set_input_order(self, paths: list[str]) -> None:
        """Order of the final outputs: files as listed here, earlier results after them."""
        self._rank = {path_key(path): rank for rank, path in enumerate(paths)}

    def add(self, record: PageRecord) -> None:
        """Journal one page record before returning (raises `OutputError` if it cannot)."""
        self.journal.append(record)

    def counts(self) -> tuple[int, int, int]:
        """(pages read, numbers on them, failures) over everything kept."""
        entries = self.journal.index.values()
        return (sum(not e.failed for e in entries), sum(e.numbers for e in entries),
                sum(e.failed for e in entries))

    def finish(self) -> list[Path]:
        """Write the final JSON and CSV in input order; remove the partial journals; return the
        files written. On `OutputError` the journal is kept for `--resume`."""
        try:
            written = self._write_outputs(complete=True)
        except BaseException:
            self.fail()
            raise
        self.journal.close(remove=self.journal.path is None)
        for partial in self._partials:
            if partial != self.jsonl_path and os.path.exists(partial):
                os.remove(partial)
        self._locks.release()
        if self.jsonl_path:
            written.append(Path(self.jsonl_path))
        return written

    def abandon(self) -> list[Path]:
        """On a stop: write the JSON and CSV of what was read, keep the journal for `--resume`."""
        try:
            written = self._write_outputs(to_stdout=False)
        finally:
            self.fail()
        if self.journal.path in self._partials and self.journal.record_count == 0:
            os.remove(self.journal.path)
        return written

    def fail(self) -> None:
        """After an output error: keep every file as it is, let go of the outputs."""
        self.journal.close(remove=self.journal.path is None)
        self._locks.release()

    # -- files ---------------------------------------------------------------------------------

    def _open_journal(self, resume: bool, overwrite: bool) -> Journal:
        path = self.jsonl_path or (self._partials[0] if self._partials else None)
        if path is None and not self.json_path:
            return Journal(None)  # no output: only the summary counts
        if not resume and not overwrite:
            for partial in self._partials:
                if os.path.exists(partial):
                    raise OutputError(f"{partial} holds the pages of a run that was stopped: add "
                                      "--resume to finish it, or --overwrite to start again")
        journal = Journal(path)
        if resume:
            self.warnings += journal.load()
        journal.open(truncate=not resume)
        if resume:
            self._add_previous(journal)
        elif self.json_path or self.csv_path:
            self._write_outputs(to_stdout=False, journal=journal)  # no old results left behind
        return journal

    def _add_previous(self, journal: Journal) -> None:
        """Put the pages a previous run kept elsewhere (other journals, JSON, CSV) in the journal."""
        sources = [p for p in self._partials if p != journal.path and os.path.exists(p)]
        records: list[PageRecord] = []
        for partial in sources:
            extra = Journal(partial)
            self.warnings += extra.load()
            extra.open(truncate=False)
            records += [extra.read(entry) for entry in extra.index.values()]
            extra.close()
        if self.json_path and self.json_path != STDOUT and os.path.exists(self.json_path):
            records += _records_from_json(self.json_path)
        elif self.csv_path and os.path.exists(self.csv_path) and not journal.index and not records:
            records += _records_from_csv(self.csv_path)
        for record in records:
            if (path_key(record.path), record.page) not in journal.index:
                journal.append(record)

    def _write_outputs(self, to_stdout: bool = True, journal: Journal | None = None,
                       complete: bool = False) -> list[Path]:
        journal = journal or self.journal
        entries = sorted(journal.index.items(), key=self._sort_key)
        written = []
        if self.json_path == STDOUT and to_stdout:
            try:
                _write_json(sys.stdout, journal, entries, complete)
                sys.stdout.flush()
            except BrokenPipeError:  # its reader has gone (`| head`): the files are still written
                discard_standard_output()
        elif self.json_path and self.json_path != STDOUT:
            with atomic_text(self.json_path) as stream:
                _write_json(stream, journal, entries, complete)
            written.append(Path(self.json_path))
        if self.csv_path:
            with atomic_text(self.csv_path) as stream:
                writer = csv.writer(stream)
                writer.writerow(CSV_COLUMNS)
                for _, entry in entries:
                    if not entry.failed:
                        writer.writerows(csv_rows(journal.read(entry)))
            written.append(Path(self.csv_path))
        return written

    def _sort_key(self, item: tuple[tuple[str, int | None], Entry]):
        (key, page), _ = item
        return self._rank.get(key, len(self._rank)), key, page or 0


def _write_json(stream, journal: Journal, entries, complete: bool) -> None:
    """`{"files": [...], "errors": [...], "complete": ...}` with one page record per line, copied
    from the journal lines as they are (no parsing, no re-encoding: this is what keeps 10,000
    pages fast)."""
    for opening, failed in (('{"files": [', False), ('"errors": [', True)):
        stream.write(opening)
        first = True
        for _, entry in entries:
            if entry.failed == failed:
                stream.write("\n" if first else ",\n")
                stream.write(journal.read_line(entry).rstrip("\n"))
                first = False
        stream.write("]" if first else "\n]")
        stream.write(",\n")
    stream.write(f'"complete": {json.dumps(complete)}}}\n')


def _records_from_json(path: str) -> list[PageRecord]:
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OutputError(f"cannot resume from {path}: not a scan result ({error}); "
                          "remove it or drop --resume") from None
    if not isinstance(document, dict) or not isinstance(document.get("files", []), list):
        raise OutputError(f"cannot resume from {path}: no 'files' list; remove it or drop --resume")
    records = []
    for item in document.get("files", []):
        try:
            records.append(record_from_dict(item))
        except RecordError:
            continue  # that page is read again
    return [record for record in records if not record.failed]


def _records_from_csv(path: str) -> list[ReadPage]:
    """Page records rebuilt from a CSV (numbers only; blank pages are not in a CSV)."""
    pages: dict[tuple[str, int], ReadPage] = {}
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                name, page = csv_cell_text(row["file"]), int(row["page"])
                record = pages.setdefault((name, page), ReadPage(name, page, []))
                line_index = int(row["line"]) - 1
                while len(record.lines) <= line_index:
                    record.lines.append({"text": "", "numbers": [], "digits": []})
                line = record.lines[line_index]
                bbox = [int(row[key]) for key in ("x", "y", "w", "h")]
                line["numbers"].append({"text": csv_cell_text(row["text"]),
                                        "confidence": float(row["confidence"]), "bbox": bbox})
                line["text"] = " ".join(number["text"] for number in line["numbers"])
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise OutputError(f"cannot resume from {path}: not a scan CSV ({error}); "
                          "remove it or drop --resume") from None
    return list(pages.values())
