"""Read many pages, in this process or in a pool of worker processes, one bad page at a time.

The work is a list of `Task`s in input order: one per PDF page (so a long PDF spreads over the
workers) and one per raster file (a multi-page TIFF is read by one worker). Each worker builds
its reader (and so loads the model) once, in the pool initializer, and then reads page after
page. Whatever happens to one page (unreadable, corrupt, too large, an exception in the
reader, even the worker process dying) comes back as an error record for that page, and the
batch goes on.

Why `concurrent.futures.ProcessPoolExecutor` rather than `multiprocessing.Pool.imap_unordered`:
when a Pool worker dies, the task it held never returns and `imap` waits forever. The executor
reports a dead worker (`BrokenProcessPool`); the tasks in flight at that moment are then re-run
one at a time in a fresh single-worker pool, which finds the page that kills the reader and
reports only that one. At most `2 x workers` tasks are in flight, which keeps every worker fed
and the retry set small.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from runtime.draw import draw_result
from runtime.scan.inputs import path_key
from runtime.scan.pages import MAX_PAGE_PIXELS, PDF_DPI, PageError, is_pdf, open_pages, pdf_page_count

IN_FLIGHT_PER_WORKER = 2
"""Tasks handed to the pool per worker: one being read, one waiting, so no worker idles."""

CRASH_REASON = "the reader crashed on this input (its worker process died); the rest went on"


@dataclass
class BatchOptions:
    """How every page is read; a copy goes to each worker process."""

    model_path: str | None = None  # classifier model; None = the shipped default model
    threads: int = 1  # interpreter threads in each worker
    workers: int = 1  # processes reading pages; 1 reads in this process
    min_confidence: float = 0.0  # digits below it are written "?"
    detect_orientation: bool = True  # let the reader try the four quarter-turns
    polarity: str = "auto"  # auto, dark-on-light or light-on-dark (runtime.read.polarity)
    annotate_dir: str | None = None  # write each page with its results drawn on it here
    pdf_dpi: float = PDF_DPI  # resolution PDF pages are rendered at
    max_pixels: int = MAX_PAGE_PIXELS  # larger raster pages are rejected (see runtime.scan.pages)
    # Builds the page reader from these options (tests pass a fake). It must be a module-level
    # function so worker processes can unpickle it; None = `build_reader`.
    reader_factory: Callable[[BatchOptions], object] | None = None


@dataclass(frozen=True)
class Task:
    """One unit of work: a page of a PDF, or every page of a raster file."""

    index: int  # position in input order
    path: str
    page_index: int | None  # 0-based page to read; None = every page of the file
    skip_pages: frozenset[int] = frozenset()  # 0-based pages already read (--resume)


@dataclass
class TaskResult:
    """What reading one task produced."""

    task: Task
    records: list[dict] = field(default_factory=list)  # see runtime.scan.writers for the shape
    warnings: list[str] = field(default_factory=list)  # problems that did not lose a result


def build_reader(options: BatchOptions):
    """The real reader: `PageReader` over `Classifier.load(model_path, threads)`."""
    from runtime.classifier import Classifier
    from runtime.memory import keep_freed_memory_for_reuse
    from runtime.read.reader import PageReader, ReaderOptions

    keep_freed_memory_for_reuse()  # every page allocates the same few big arrays again
    classifier = Classifier.load(options.model_path, threads=options.threads)
    return PageReader(classifier, ReaderOptions(min_confidence=options.min_confidence,
                                                detect_orientation=options.detect_orientation,
                                                polarity=options.polarity))


def make_reader(options: BatchOptions):
    """Build the reader the options ask for (the real one unless a factory is given)."""
    return (options.reader_factory or build_reader)(options)


def plan_tasks(files: list[str], done: set[tuple[str, int]]) -> tuple[list[Task], list[dict]]:
    """Split the files into tasks, leaving out pages in `done` ((path key, page from 1) pairs).

    PDFs are opened here (cheaply, without rendering) to count their pages; one that cannot be
    opened becomes an error record straight away.
    """
    tasks: list[Task] = []
    errors: list[dict] = []
    for path in files:
        key = path_key(path)
        if is_pdf(path):
            try:
                page_count = pdf_page_count(path)
            except PageError as error:
                errors.append(error_record(path, None, str(error)))
                continue
            for page_index in range(page_count):
                if (key, page_index + 1) not in done:
                    tasks.append(Task(len(tasks), path, page_index))
            continue
        skip = frozenset(page - 1 for done_key, page in done if done_key == key)
        if skip and Path(path).suffix.lower() not in (".tif", ".tiff"):
            continue  # a single-page image already read
        tasks.append(Task(len(tasks), path, None, skip))
    return tasks, errors


def error_record(path: str, page: int | None, reason: str) -> dict:
    """The record of a failure; `reason` is squeezed onto one line."""
    return {"path": path, "page": page, "error": " ".join(str(reason).split())}


def annotation_path(annotate_dir: str, path: str, page: int) -> Path:
    """Where the annotated copy of page `page` (from 1) of `path` goes.

    Relative inputs keep their folders under `annotate_dir`, so `a/scan.png` and `b/scan.png`
    do not collide; absolute or `..` paths keep only their file name.
    """
    relative = Path(path)
    if relative.is_absolute() or ".." in relative.parts:
        relative = Path(relative.name)
    return Path(annotate_dir) / relative.parent / f"{relative.name}.page{page}.png"


class TaskRunner:
    """Reads tasks with one reader that lives as long as the runner."""

    def __init__(self, reader, options: BatchOptions):
        self.reader = reader
        self.options = options

    def run(self, task: Task) -> TaskResult:
        result = TaskResult(task)
        try:
            with open_pages(task.path, max_pixels=self.options.max_pixels,
                            pdf_dpi=self.options.pdf_dpi) as source:
                indices = ([task.page_index] if task.page_index is not None
                           else range(source.page_count))
                for index in indices:
                    if index not in task.skip_pages:
                        self._read_page(source, index, result)
        except PageError as error:
            page = task.page_index + 1 if task.page_index is not None else None
            result.records.append(error_record(task.path, page, str(error)))
        return result

    def _read_page(self, source, index: int, result: TaskResult) -> None:
        path, page = result.task.path, index + 1
        try:
            image = source.load(index)
        except PageError as error:
            result.records.append(error_record(path, page, str(error)))
            return
        try:
            page_result = self.reader.read(image)
        except Exception as error:  # noqa: BLE001 - a page the reader chokes on must not stop a batch
            reason = f"reading failed ({type(error).__name__}: {error})"
            result.records.append(error_record(path, page, reason))
            return
        result.records.append({"path": path, "page": page, **page_result.to_dict()})
        if self.options.annotate_dir:
            self._annotate(image, page_result, annotation_path(self.options.annotate_dir,
                                                               path, page), result)

    @staticmethod
    def _annotate(image, page_result, target: Path, result: TaskResult) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            ok, encoded = cv2.imencode(".png", draw_result(image, page_result))
            if not ok:
                raise OSError("PNG encoding failed")
            target.write_bytes(encoded.tobytes())
        except OSError as error:
            result.warnings.append(f"cannot write annotated page {target}: "
                                   f"{getattr(error, 'strerror', None) or error}")


def run_tasks(tasks: list[Task], options: BatchOptions, on_result: Callable[[TaskResult], None],
              reader=None) -> None:
    """Read every task, calling `on_result` in this process as each one finishes.

    With `options.workers == 1` the tasks are read here, with `reader` if given (else one is
    built); otherwise in a pool of spawned worker processes, in whatever order they finish.
    """
    if not tasks:
        return
    if options.workers <= 1 or len(tasks) == 1:
        runner = TaskRunner(reader if reader is not None else make_reader(options), options)
        for task in tasks:
            on_result(runner.run(task))
        return
    workers = min(options.workers, len(tasks))  # each worker loads the model: no idle ones
    pending = deque(tasks)
    while pending:
        suspects = _run_until_crash(pending, options, workers, on_result)
        _run_isolated(suspects, options, on_result)


# -- worker processes ------------------------------------------------------------------------

_worker_runner: TaskRunner | None = None
_worker_start_error: str | None = None


def _start_worker(options: BatchOptions) -> None:
    """Pool initializer: build this worker's reader once, for all the pages it will read."""
    global _worker_runner, _worker_start_error
    # Ctrl-C goes to the whole process group; the main process alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _worker_runner = TaskRunner(make_reader(options), options)
    except Exception as error:  # noqa: BLE001 - reported on each task instead of a dead pool
        _worker_start_error = f"worker could not start ({type(error).__name__}: {error})"


def _run_in_worker(task: Task) -> TaskResult:
    if _worker_runner is None:
        page = task.page_index + 1 if task.page_index is not None else None
        return TaskResult(task, [error_record(task.path, page, _worker_start_error or "")])
    return _worker_runner.run(task)


def _new_pool(workers: int, options: BatchOptions) -> ProcessPoolExecutor:
    # Spawned, not forked: a fork would copy whatever threads the interpreter or OpenCV had
    # started in this process, and it is what macOS and Windows do anyway.
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(options,))


def _run_until_crash(pending: deque[Task], options: BatchOptions, workers: int,
                     on_result: Callable[[TaskResult], None]) -> list[Task]:
    """Feed `pending` to a pool until it is empty or a worker dies; return the tasks then in flight."""
    pool = _new_pool(workers, options)
    in_flight: dict[Future, Task] = {}
    suspects: list[Task] = []
    try:
        while (pending or in_flight) and not suspects:
            while pending and len(in_flight) < IN_FLIGHT_PER_WORKER * workers:
                task = pending.popleft()
                in_flight[pool.submit(_run_in_worker, task)] = task
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                outcome = _outcome_of(future, task)
                if outcome is None:
                    suspects.append(task)
                else:
                    on_result(outcome)
        suspects.extend(in_flight.values())
        return sorted(suspects, key=lambda task: task.index)
    finally:
        pool.shutdown(wait=not suspects and not in_flight, cancel_futures=True)


def _run_isolated(suspects: list[Task], options: BatchOptions,
                  on_result: Callable[[TaskResult], None]) -> None:
    """Re-run each task that was in flight when a worker died, alone, to find the culprit."""
    pool = None
    try:
        for task in suspects:
            pool = pool or _new_pool(1, options)
            outcome = _outcome_of(pool.submit(_run_in_worker, task), task)
            if outcome is None:
                pool.shutdown(wait=True)
                pool = None
                page = task.page_index + 1 if task.page_index is not None else None
                outcome = TaskResult(task, [error_record(task.path, page, CRASH_REASON)])
            on_result(outcome)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _outcome_of(future: Future, task: Task) -> TaskResult | None:
    """The task's result; None when the worker died on it (or beside it)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled back
        page = task.page_index + 1 if task.page_index is not None else None
        return TaskResult(task, [error_record(task.path, page,
                                              f"worker failed ({type(error).__name__}: {error})")])


def usable_cpu_count() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
