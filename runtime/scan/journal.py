"""The scanner's journal: an append-only JSON Lines file of page records, the source of truth.

Every record is written (one line, `runtime.scan.records.json_line`) the moment its page is
read, straight to the operating system, so a run that is killed keeps every page it finished.
The main process keeps only an index, (path, page) -> where the line starts, so its memory
does not grow with what the pages hold, and the final JSON and CSV are assembled from the file
in one pass each (`runtime.scan.writers`). A record for the same page later in the file
replaces an earlier one (a page that failed and was read on `--resume`).

Usage: journal = Journal("out.json.partial.jsonl"); journal.open(truncate=True); journal.append(r)
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

from runtime.scan.inputs import path_key
from runtime.scan.outputs import OutputError
from runtime.scan.records import PageRecord, RecordError, json_line, record_from_dict


@dataclass(frozen=True, slots=True)
class Entry:
    """Where one record's line is, and what the summary needs from it."""

    offset: int
    failed: bool
    numbers: int


class Journal:
    """An append-only record file with an index; `path=None` is an unnamed temporary file."""

    def __init__(self, path: str | None):
        self.path = path
        self.index: dict[tuple[str, int | None], Entry] = {}
        self._descriptor: int | None = None
        self._size = 0
        self._reader = None

    def open(self, *, truncate: bool) -> None:
        try:
            if self.path is None:
                self._descriptor, name = tempfile.mkstemp(prefix="scan-journal-", suffix=".jsonl")
                os.unlink(name)  # unnamed: it goes when the process does
            else:
                flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if truncate else 0)
                self._descriptor = os.open(self.path, flags, 0o644)
            self._size = os.fstat(self._descriptor).st_size
        except OSError as error:
            raise OutputError(f"cannot write {self.path}: {error.strerror or error}") from None

    def load(self) -> list[str]:
        """Index the records already in the file (for `--resume`); return one warning per line
        skipped. Failures are not indexed: `--resume` tries them again. A last line cut short
        by a kill is removed so that appended records start on a line of their own."""
        warnings: list[str] = []
        if self.path is None or not os.path.exists(self.path):
            return warnings
        offset = 0
        with open(self.path, "rb") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.endswith(b"\n"):
                    os.truncate(self.path, offset)
                    break
                try:
                    record = record_from_dict(json.loads(line))
                except (ValueError, RecordError) as error:  # JSONDecodeError, UnicodeDecodeError too
                    warnings.append(f"{self.path} line {number} skipped on resume: "
                                    f"{str(error)[:200]}")
                else:
                    if not record.failed:
                        self._index(record, offset)
                offset += len(line)
        return warnings

    def append(self, record: PageRecord) -> None:
        """Write `record` as one line before returning; raise `OutputError` if the disk refuses."""
        data = json_line(record).encode("utf-8")
        if self._descriptor is not None:
            self._check_still_there()
            try:
                written = 0
                while written < len(data):
                    written += os.write(self._descriptor, data[written:])
            except OSError as error:
                raise OutputError(f"cannot write {self.path}: {error.strerror or error}") from None
        self._index(record, self._size)
        self._size += len(data)

    def read(self, entry: Entry) -> PageRecord:
        """The record an index entry points at."""
        return record_from_dict(json.loads(self.read_line(entry)))

    def read_line(self, entry: Entry) -> str:
        """The JSON text (one line, with its newline) of the record an index entry points at."""
        if self._reader is None:
            self._reader = os.fdopen(os.dup(self._descriptor), "rb")
        self._reader.seek(entry.offset)
        return self._reader.readline().decode("utf-8")

    @property
    def record_count(self) -> int:
        return len(self.index)

    def close(self, *, remove: bool = False) -> None:
        for closer in (getattr(self._reader, "close", None),
                       None if self._descriptor is None else (lambda: os.close(self._descriptor))):
            if closer is not None:
                try:
                    closer()
                except OSError:
                    pass
        self._reader = None
        self._descriptor = None
        if remove and self.path is not None:
            try:
                os.remove(self.path)
            except OSError:
                pass

    def _index(self, record: PageRecord, offset: int) -> None:
        numbers = 0 if record.failed else record.number_count
        self.index[(path_key(record.path), record.page)] = Entry(offset, record.failed, numbers)

    def _check_still_there(self) -> None:
        # A journal whose folder was removed would swallow every later page without a trace.
        if self.path is not None and os.fstat(self._descriptor).st_nlink == 0:
            raise OutputError(f"{self.path} was deleted during the run (was its folder removed?)")
