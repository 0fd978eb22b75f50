"""Where the scan's worker processes spend their CPU: in the reader, and between two readings.

`benchmarks.commands` sets the command's CPU a page beside the reader's own, timed in another
process; this splits the workers' CPU within one run. The pages are read as `runtime.scan`
reads them (`run_tasks`: the same pool, fork server, options and per-page steps), by a reader
that wraps the real one and notes, in each worker, the process's CPU (user + sys, every
thread) just before and just after each `read`. So each worker's CPU falls into: before its
first reading (its start and its first page's decoding), the readings, and the time between
one reading's end and the next one's start (decoding the next page, the page's record, the
pool's queues and this probe's own note, a few tens of microseconds). The fork server and the
workers' ends are what the children cost beyond that; the main process's CPU is its own
(no outputs are written here: the command's journal and JSON come on top).

Usage: python -m benchmarks.scan_workers DIR [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

from runtime.cli import leave_blas_one_thread, positive_int

LOG_DIR_VARIABLE = "EDGEDIGITS_SCAN_WORKERS_LOG"
"""Where each worker appends its notes (one file a process); inherited by the fork server."""


def process_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class TimedReader:
    """The real page reader, noting this process's CPU around each reading."""

    def __init__(self, reader, log_path: Path):
        self.reader = reader
        self.log_path = log_path

    def read(self, image, *args, **kwargs):
        started = process_cpu_seconds()
        result = self.reader.read(image, *args, **kwargs)
        ended = process_cpu_seconds()
        with open(self.log_path, "a", encoding="ascii") as log:
            log.write(f"{started:.6f} {ended:.6f}\n")
        return result


def timed_reader(options):
    """Reader factory for the workers (module level, so a worker can unpickle it)."""
    from runtime.scan.batch import build_reader

    log_path = Path(os.environ[LOG_DIR_VARIABLE]) / f"worker-{os.getpid()}.txt"
    return TimedReader(build_reader(options), log_path)


def split_worker_cpu(log_dir: Path) -> dict[str, float]:
    """Seconds of the workers' CPU before their first reading, in readings and between them."""
    totals = {"workers": 0, "pages": 0, "before_first": 0.0, "reading": 0.0, "between": 0.0,
              "until_last": 0.0}
    for log in log_dir.glob("worker-*.txt"):
        notes = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
        totals["workers"] += 1
        totals["pages"] += len(notes)
        totals["before_first"] += notes[0][0]
        totals["reading"] += sum(ended - started for started, ended in notes)
        totals["between"] += sum(notes[i][0] - notes[i - 1][1] for i in range(1, len(notes)))
        totals["until_last"] += notes[-1][1]
    return totals


def measure(folder: Path, workers: int) -> dict[str, float]:
    """Read every image in `folder` with `workers` processes; the CPU split, in seconds."""
    from runtime.scan.batch import BatchOptions, plan_tasks, run_tasks
    from runtime.scan.inputs import expand_inputs

    files, _ = expand_inputs([str(folder)])
    tasks, _ = plan_tasks(files, set())
    options = BatchOptions(workers=workers, reader_factory=timed_reader)
    with tempfile.TemporaryDirectory(prefix="edgedigits-scan-workers-") as log_dir:
        os.environ[LOG_DIR_VARIABLE] = log_dir
        try:
            main_before = process_cpu_seconds()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            run_tasks(tasks, options, on_result=lambda result: None)
            children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            del os.environ[LOG_DIR_VARIABLE]
        totals = split_worker_cpu(Path(log_dir))
    totals["main"] = process_cpu_seconds() - main_before
    children_cpu = (children_after.ru_utime - children.ru_utime
                    + children_after.ru_stime - children.ru_stime)
    totals["fork_server_and_ends"] = children_cpu - totals.pop("until_last")
    return totals


def report(totals: dict[str, float]) -> str:
    pages = totals["pages"]
    rows = [("workers: readings (`PageReader.read`)", totals["reading"]),
            ("workers: between readings (decoding, record, queues)", totals["between"]),
            ("workers: before the first reading (start, first decoding)", totals["before_first"]),
            ("fork server and the workers' ends", totals["fork_server_and_ends"]),
            ("main process (the pool's threads included)", totals["main"])]
    lines = [f"{pages} pages, {totals['workers']} workers", "",
             "| part | CPU s | ms a page |", "|---|---:|---:|"]
    lines += [f"| {name} | {seconds:.3f} | {1000 * seconds / pages:.2f} |" for name, seconds in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scan_workers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a folder of page images")
    parser.add_argument("--workers", type=positive_int, default=2)
    arguments = parser.parse_args(argv)
    if not arguments.folder.is_dir():
        parser.error(f"not a folder: {arguments.folder}")
    if arguments.workers < 2:
        parser.error("--workers must be 2 or more: with 1 the pages are read in this process")
    leave_blas_one_thread()  # as the scan command does, before numpy is imported
    print(report(measure(arguments.folder, arguments.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
