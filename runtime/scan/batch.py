"""Read many pages, one bad page at a time: the work list, the per-page reading, the engine choice.

The work is a list of `Task`s in input order: one per PDF page (so a long PDF spreads over the
workers) and one per raster file (a multi-page TIFF is read by one worker). `read_task` reads
one task with one reader into a `TaskResult` of page records; `read_page` is the step inside
it (decode one page, read it, make its record, draw its annotation), with the per-page time
budget. Whatever happens to one page (unreadable, corrupt, too large, too slow, an exception in
the reader, even the worker process dying) comes back as a `FailedPage` for that page, and the
batch goes on.

An engine runs the tasks and calls `on_result(TaskResult)` in the main process as each one
finishes; the journal, outputs, progress and exit code live above it (`runtime.scan.cli`,
`runtime.scan.writers`) and so hold for any engine. `run_tasks` is the one entry point: with
one worker the tasks are read in this process; otherwise by the local process pool in
`runtime.scan.pool`. Another engine (a cluster) takes the same tasks and calls `read_task`
in its workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from runtime.scan.inputs import path_key
from runtime.scan.pages import MAX_PAGE_PIXELS, PDF_DPI, PageError, is_pdf, open_pages, pdf_page_count
from runtime.scan.records import FailedPage, PageRecord
from runtime.scan.records import read_page as page_record

PAGE_TIMEOUT_SECONDS = 120.0
"""Default time budget for one page (decode + read): a 200 dpi A4 page takes about a second."""


@dataclass
class BatchOptions:
    """How every page is read; a copy goes to each worker process."""

    model_path: str | None = None  # classifier model; None = the shipped default model
    threads: int = 1  # interpreter threads in each worker, and OpenCV's in each worker process
    workers: int = 1  # processes reading pages; 1 reads in this process
    min_confidence: float = 0.0  # digits below it are written "?"
    detect_orientation: bool = True  # let the reader try the four quarter-turns
    # Segment pages of big digits on a smaller copy (faster); False: every page at full size.
    scale_to_digits: bool = True
    undo_motion_blur: bool = True  # read a shaken photo again through its streak undone
    polarity: str = "auto"  # auto, dark-on-light or light-on-dark (runtime.reading.polarity)
    annotate_dir: str | None = None  # write each page with its results drawn on it here
    pdf_dpi: float = PDF_DPI  # resolution PDF pages are rendered at
    max_pixels: int = MAX_PAGE_PIXELS  # larger raster pages are rejected (see runtime.scan.pages)
    page_timeout_s: float | None = PAGE_TIMEOUT_SECONDS  # budget per page; None = no limit
    worker_memory_mb: int | None = None  # extra memory a worker process may take (None = no cap)
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

    @property
    def page(self) -> int | None:
        """The page (from 1) a failure of the whole task is reported on."""
        return None if self.page_index is None else self.page_index + 1

    def failed(self, reason: str) -> TaskResult:
        """The result of a task that failed as a whole."""
        return TaskResult(self, [FailedPage(self.path, self.page, reason)])


@dataclass
class TaskResult:
    """What reading one task produced."""

    task: Task
    records: list[PageRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # problems that did not lose a result


class PageTimeout(Exception):
    """A page took longer than its time budget."""


def build_reader(options: BatchOptions):
    """The real reader: `PageReader` over `Classifier.load(model_path, threads)`."""
    from runtime.classifier import Classifier
    from runtime.memory import keep_freed_memory_for_reuse
    from runtime.reading.reader import PageReader, ReaderOptions

    keep_freed_memory_for_reuse()  # every page allocates the same few big arrays again
    classifier = Classifier.load(options.model_path, threads=options.threads)
    return PageReader(classifier, ReaderOptions(min_confidence=options.min_confidence,
                                                detect_orientation=options.detect_orientation,
                                                scale_to_digits=options.scale_to_digits,
                                                undo_motion_blur=options.undo_motion_blur,
                                                polarity=options.polarity))


def limit_worker_threads(options: BatchOptions) -> None:
    """Give OpenCV `options.threads` threads in a worker process (pool or Ray actor).

    OpenCV's default is a thread per CPU in every process: with a worker per CPU, each worker's
    parallel calls then wait on threads the other workers keep busy. On 2 cores with 2 workers
    that cost 14 ms of CPU per A4 page (107-112 -> 94-96 ms a page read, two processes run
    side by side); the work is the same, so the results are too. A reader in the main process
    (one worker) keeps OpenCV's default, which uses the CPUs no other worker needs."""
    import cv2

    cv2.setNumThreads(max(1, options.threads))


def make_reader(options: BatchOptions):
    """Build the reader the options ask for (the real one unless a factory is given)."""
    return (options.reader_factory or build_reader)(options)


def plan_tasks(files: list[str], done: set[tuple[str, int]]) -> tuple[list[Task], list[FailedPage]]:
    """Split the files into tasks, leaving out pages in `done` ((path key, page from 1) pairs).

    PDFs are opened here (cheaply, without rendering) to count their pages; one that cannot be
    opened becomes a failure straight away.
    """
    tasks: list[Task] = []
    errors: list[FailedPage] = []
    done_by_key: dict[str, set[int]] = {}
    for key, page in done:
        done_by_key.setdefault(key, set()).add(page)
    for path in files:
        done_pages = done_by_key.get(path_key(path), set())
        if is_pdf(path):
            try:
                page_count = pdf_page_count(path)
            except PageError as error:
                errors.append(FailedPage(path, None, str(error)))
                continue
            for page_index in range(page_count):
                if page_index + 1 not in done_pages:
                    tasks.append(Task(len(tasks), path, page_index))
            continue
        if done_pages and Path(path).suffix.lower() not in (".tif", ".tiff"):
            continue  # a single-page image already read
        tasks.append(Task(len(tasks), path, None, frozenset(page - 1 for page in done_pages)))
    return tasks, errors


def read_task(reader, task: Task, options: BatchOptions) -> TaskResult:
    """Read every page of `task` with `reader`; never raises for a bad file or page."""
    result = TaskResult(task)
    try:
        with open_pages(task.path, max_pixels=options.max_pixels, pdf_dpi=options.pdf_dpi,
                        mute_codec_messages=True) as source:
            indices = [task.page_index] if task.page_index is not None else range(source.page_count)
            for index in indices:
                if index not in task.skip_pages:
                    record, warning = read_page(reader, source, task.path, index, options)
                    result.records.append(record)
                    if warning:
                        result.warnings.append(warning)
    except PageError as error:
        result.records.append(FailedPage(task.path, task.page, str(error)))
    return result


def read_page(reader, source, path: str, index: int,
              options: BatchOptions) -> tuple[PageRecord, str | None]:
    """Decode page `index` of an open `source`, read it, and return its record (and a warning
    if its annotated copy could not be written), all within the page's time budget."""
    page = index + 1
    try:
        with page_time_budget(options.page_timeout_s):
            # Colour where the file has it: the reader undoes a highlighter's dye from it, and
            # an annotated picture is drawn in it.
            image = source.load(index) if options.annotate_dir else source.load_for_reading(index)
            page_result = reader.read(image)
    except PageError as error:
        return FailedPage(path, page, str(error)), None
    except PageTimeout:
        return FailedPage(path, page, f"reading took longer than the {options.page_timeout_s:g} s "
                                      "budget per page (--page-timeout)"), None
    except Exception as error:  # noqa: BLE001 - a page the reader chokes on must not stop a batch
        if isinstance(error, MemoryError) or "Insufficient memory" in str(error):  # cv2.error too
            return FailedPage(path, page, f"reading needs more than the {options.worker_memory_mb} MB "
                                          "a worker may take (--worker-memory)"), None
        return FailedPage(path, page, f"reading failed ({type(error).__name__}: {error})"), None
    warning = None
    if options.annotate_dir:
        from runtime.scan.annotations import write_annotation  # OpenCV: only where pages are read

        warning = write_annotation(image, page_result, options.annotate_dir, path, page)
    return page_record(path, page, page_result), warning


@contextlib.contextmanager
def page_time_budget(seconds: float | None):
    """Raise `PageTimeout` in this thread if the block runs longer than `seconds`.

    A SIGALRM timer: it interrupts Python code (the reader is a sequence of short OpenCV and
    model calls) but cannot cut one native call short; the pixel limits bound those. Only the
    main thread receives signals, so elsewhere (main() run from a thread) there is no budget.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_tasks(tasks: list[Task], options: BatchOptions, on_result: Callable[[TaskResult], None],
              reader=None, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Read every task, calling `on_result` in this process as each one finishes.

    The engine entry point. With `options.workers == 1` the tasks are read here, with `reader`
    if given (else one is built); otherwise in the local pool of worker processes, in whatever
    order they finish. `should_stop` is asked between tasks: once it says yes, no new task is
    started and the ones in flight are finished and reported. Raises `ModelError` when the
    reader cannot be built (its model cannot be loaded), here or in the workers.
    """
    if not tasks:
        return
    if not reads_in_workers(options, tasks):
        reader = reader if reader is not None else make_reader(options)
        for task in tasks:
            if should_stop():
                return
            on_result(read_task(reader, task, options))
        return
    from runtime.scan.pool import run_in_pool

    run_in_pool(tasks, options, on_result, should_stop)


def reads_in_workers(options: BatchOptions, tasks: list[Task]) -> bool:
    """Whether `run_tasks` reads `tasks` in worker processes rather than in this one."""
    return options.workers > 1 and len(tasks) > 1


def usable_cpu_count() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
