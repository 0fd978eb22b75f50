"""Batch scanning throughput: the local engine (`--workers N`) against the Ray engine on one machine.

Both engines get the same tasks and call back once per page (`runtime.scan.batch.run_tasks`,
`runtime.scan.ray_engine.run_tasks_ray`). Each run reports its total time, its start-up (until
the first page is back: worker processes or a Ray instance plus actors, each loading the model)
and its steady pages/s: every reader, in whatever process, logs when it finishes a page, and
the rate is taken over the last three quarters of those times (the first quarter covers readers
still starting). Timing the reads, not their arrival, keeps results that Ray buffers and then
delivers in a burst from flattering it.

Two workloads:
- `worksheet`: copies of samples/worksheet.png read by the real reader and shipped model,
  the way `python -m runtime.scan` reads them;
- `overhead`: 8x8 blank pages and a reader that does nothing, so what is left is the engine's
  own cost per page (loading, pickling, scheduling, streaming back). Ray's per-page overhead is
  its time per page on one actor minus the local engine's on one in-process reader.

Results go to the terminal and to cluster.md / cluster.json in --out, with the machine.

Usage: python -m benchmarks.cluster [--pages 40] [--overhead-pages 200] [--workers 1 2]
       [--out benchmarks/results/]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.machine import describe, machine_info, usable_cores
from benchmarks.reporting import BenchmarkError, run_and_report
from runtime.paths import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
SAMPLE_PAGE = REPO_ROOT / "samples" / "worksheet.png"


@dataclass
class Run:
    """One engine reading one workload."""

    workload: str  # "worksheet" or "overhead"
    engine: str  # "local" or "ray"
    workers: int  # local worker processes or Ray actors
    pages: int
    total_s: float  # call to return
    startup_s: float  # call to first page back
    steady_pages_per_s: float  # pages read per second, last three quarters (times taken in the readers)
    failed_pages: int  # error records: must be 0 for the run to count


LOG_DIR_ENV = "EDGEDIGITS_CLUSTER_BENCH_LOG"
"""Folder where every reader process appends the time it finished each page (set per run)."""


class NullReader:
    """Reads nothing: what remains of a run's time is the engine's own."""

    def read(self, image):
        from runtime.results import PageResult

        return PageResult()


class TimedReader:
    """Wraps a reader; appends the wall-clock time each page is done to this process's log."""

    def __init__(self, reader):
        self.reader = reader
        self.log = Path(os.environ[LOG_DIR_ENV]) / f"{os.getpid()}.txt"

    def read(self, image):
        result = self.reader.read(image)
        with open(self.log, "a") as stream:
            stream.write(f"{time.time()}\n")
        return result


def timed_reader_factory(options) -> TimedReader:
    """The real reader, timed. Module-level so worker processes and Ray actors unpickle it."""
    from runtime.scan.batch import build_reader

    return TimedReader(build_reader(options))


def timed_null_reader_factory(options) -> TimedReader:
    return TimedReader(NullReader())


def make_pages(folder: Path, workload: str, count: int) -> list[str]:
    """`count` page files in `folder` for `workload`."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    if workload == "overhead":
        ok, encoded = cv2.imencode(".png", np.full((8, 8, 3), 255, np.uint8))
        data = encoded.tobytes()
    else:
        data = SAMPLE_PAGE.read_bytes()
    paths = []
    for index in range(count):
        path = folder / f"page{index:04d}.png"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def run_engine(workload: str, engine: str, workers: int, paths: list[str]) -> Run:
    """Read `paths` with one engine; time every page's result."""
    from runtime.scan.batch import BatchOptions, Task, run_tasks

    tasks = [Task(index, path, None) for index, path in enumerate(paths)]
    factory = timed_null_reader_factory if workload == "overhead" else timed_reader_factory
    options = BatchOptions(workers=workers, reader_factory=factory)
    log_dir = Path(tempfile.mkdtemp(prefix="edgedigits-cluster-times-"))
    os.environ[LOG_DIR_ENV] = str(log_dir)  # before any worker or Ray process starts
    arrivals: list[float] = []
    failed = 0

    def on_result(result) -> None:
        nonlocal failed
        arrivals.append(time.perf_counter())
        failed += sum(record.failed for record in result.records)

    started = time.perf_counter()
    if engine == "ray":
        from runtime.scan.ray_engine import run_tasks_ray

        run_tasks_ray(tasks, options, on_result, actors=workers)
    else:
        run_tasks(tasks, options, on_result)
    total = time.perf_counter() - started
    finished = sorted(float(line) for log in log_dir.iterdir() for line in log.read_text().split())
    shutil.rmtree(log_dir, ignore_errors=True)
    first = len(finished) // 4  # readers still starting
    span = finished[-1] - finished[first] if finished else 0.0
    steady = (len(finished) - 1 - first) / span if span > 0 else 0.0
    return Run(workload, engine, workers, len(paths), round(total, 2),
               round(arrivals[0] - started, 2), round(steady, 2), failed)


def run_benchmark(pages: int, overhead_pages: int, worker_counts: list[int]) -> dict:
    try:
        import ray  # noqa: F401
    except ImportError:
        raise BenchmarkError("the Ray engine needs Ray: pip install 'edgedigits[cluster]'") from None
    runs: list[Run] = []
    folder = Path(tempfile.mkdtemp(prefix="edgedigits-cluster-bench-"))
    try:
        for workload, count in (("worksheet", pages), ("overhead", overhead_pages)):
            paths = make_pages(folder / workload, workload, count)
            for engine in ("local", "ray"):
                for workers in worker_counts:
                    runs.append(run_engine(workload, engine, workers, paths))
                    print(_row(runs[-1]), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"machine": machine_info(), "runs": [asdict(run) for run in runs],
            "ray_overhead_ms_per_page": _overhead_ms(runs)}


def _overhead_ms(runs: list[Run]) -> float | None:
    """Ray's extra time per page: one actor against one in-process reader, reading nothing."""
    def seconds_per_page(engine: str) -> float | None:
        for run in runs:
            if run.workload == "overhead" and run.engine == engine and run.workers == 1:
                return 1.0 / run.steady_pages_per_s if run.steady_pages_per_s else None
        return None

    ray_s, local_s = seconds_per_page("ray"), seconds_per_page("local")
    if ray_s is None or local_s is None:
        return None
    return round(1000 * (ray_s - local_s), 2)


def _row(run: Run) -> str:
    return (f"| {run.workload} | {run.engine} | {run.workers} | {run.pages} | {run.total_s:.1f} | "
            f"{run.startup_s:.1f} | {run.steady_pages_per_s:.1f} | {run.failed_pages} |")


def markdown(result: dict) -> str:
    lines = ["# Batch scanning: local engine vs Ray on one machine", "",
             f"Machine: {describe(result['machine'])}, load average "
             f"{result['machine']['load_average_1m']} at the end.", "",
             "| workload | engine | workers/actors | pages | total s | start-up s | steady pages/s "
             "| failed |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    lines += [_row(Run(**run)) for run in result["runs"]]
    lines += ["", f"Ray's overhead per page (one actor vs one in-process reader, empty pages): "
                  f"{result['ray_overhead_ms_per_page']} ms.", ""]
    return "\n".join(lines)


def write(result: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "cluster.json", out / "cluster.md"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    md_path.write_text(markdown(result))
    return [md_path, json_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40, help="worksheet pages per run (default: 40)")
    parser.add_argument("--overhead-pages", type=int, default=200,
                        help="empty pages per overhead run (default: 200)")
    parser.add_argument("--workers", type=int, nargs="+", default=sorted({1, usable_cores()}),
                        help="worker / actor counts to try (default: 1 and every core)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for cluster.md/.json")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    arguments = parser.parse_args(argv)
    return run_and_report(
        lambda: run_benchmark(arguments.pages, arguments.overhead_pages, arguments.workers),
        write, markdown, arguments.out, arguments.json, arguments.quiet)


if __name__ == "__main__":
    raise SystemExit(main())
