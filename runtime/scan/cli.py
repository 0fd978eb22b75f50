"""Read the handwritten digits on scanned pages: images, folders of them, PDFs, in one batch.

INPUT may be image files (PNG, JPEG, TIFF with all its pages, BMP, WebP), PDFs (every page,
rendered at 200 dpi), folders (searched recursively) or quoted glob patterns ('scans/**/*.jpg').
Without --json the numbers read are printed, one line per page: `path: 12 345 | 67` (lines of
the page separated by " | "). Pages count from 1 everywhere.

Every page's record is appended, the moment it is read, to a journal (JSON Lines): the
`--jsonl FILE` if given, else `<output>.partial.jsonl` beside the --json/--csv output. --json
and --csv are assembled from it in input order when the run ends (or is stopped), and written
atomically; a run that is stopped or killed keeps what it read, and --resume finishes it.
Every input that cannot be read is reported on one line (`warning: path: reason`) and the
batch goes on. Outputs are never written over a file that is an input, that has an image or PDF
name, or that exists and is not an earlier result of this tool (unless --overwrite), and two
runs never write the same output at once.

A blank page is not a failure: it is a page with no lines ("no digits found"). Limits, each a
one-line error for that page: a raster page over 100 megapixels (refused from its header, before
decoding), a PDF page side over 100 inches, more than --page-timeout seconds for one page, more
than --worker-memory MB in a worker.

Exit status: 0 all read, 1 some input failed or an output could not be written (what was read
is kept), 2 usage error (bad option, unusable output, model not loadable), 130 stopped by
Ctrl+C or SIGTERM (what was read is kept; run again with --resume).

With --engine ray the pages are read on a Ray cluster (or a Ray instance started on this
machine) with the same results and outputs; see the README, "On a Ray cluster".

Usage: python -m runtime.scan scans/ worksheet.pdf --json results.json --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from runtime.cli import (
    ExitCode,
    OneLineParser,
    StopRequest,
    discard_standard_output,
    fail,
    float_between,
    non_negative_float,
    non_negative_int,
    one_line,
    positive_int,
    probability,
)
from runtime.models import ModelError
from runtime.reading.polarity_names import AUTO, POLARITIES
from runtime.scan import fork_server
from runtime.scan.annotations import is_annotation
from runtime.scan.batch import (
    PAGE_TIMEOUT_SECONDS,
    BatchOptions,
    TaskResult,
    make_reader,
    plan_tasks,
    reads_in_workers,
    run_tasks,
    usable_cpu_count,
)
from runtime.scan.inputs import expand_inputs
from runtime.scan.outputs import STDOUT, OutputError, check_annotate_folder, check_outputs
from runtime.scan.records import FailedPage, PageRecord, display_path
from runtime.scan.writers import ResultStore

AUTO_WORKERS_MIN_TASKS = 16
"""Below this many pages, starting worker processes (each loads the model) costs more than it saves."""

AUTO_WORKERS_MAX = 4
"""Default worker count on big batches: more rarely helps a small model and costs memory."""

WORKER_MEMORY_MB = 3072
"""Default memory a worker may take on top of its model: a 100 MP page needs about 2 GB."""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m runtime.scan", description=__doc__,
        epilog="Example: python -m runtime.scan scans/ --csv numbers.csv --annotate checked/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="image or PDF files, folders (recursive) or quoted glob patterns")
    parser.add_argument("--model", metavar="PATH", default=None,
                        help="classifier model (.tflite, .onnx, .ort); default: the shipped "
                             "int8 TFLite model (or $EDGEDIGITS_MODEL)")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="N",
                        help="processes reading pages; 1 reads in this process; default: 1 for "
                             f"fewer than {AUTO_WORKERS_MIN_TASKS} pages, else "
                             f"min(CPUs, {AUTO_WORKERS_MAX})")
    parser.add_argument("--threads", type=positive_int, default=1, metavar="N",
                        help="interpreter and OpenCV threads per worker process (default: 1; "
                             "with --workers 1, OpenCV keeps its own default)")
    parser.add_argument("--json", metavar="FILE", default=None,
                        help="write results as JSON, in input order, at the end ('-' for "
                             "standard output)")
    parser.add_argument("--csv", metavar="FILE", default=None,
                        help="write one row per number: file, page, line, number, text, "
                             "confidence, x, y, w, h")
    parser.add_argument("--jsonl", metavar="FILE", default=None,
                        help="append one JSON line per page the moment it is read (for tools "
                             "that follow the run); a page read again replaces its earlier line")
    parser.add_argument("--annotate", metavar="DIR", default=None,
                        help="write each page as a PNG with boxes, digits and confidences drawn")
    parser.add_argument("--min-confidence", type=probability, default=0.0, metavar="P",
                        help="digits read with a confidence below P (0..1) are written '?' (default: 0)")
    parser.add_argument("--polarity", choices=POLARITIES, default=AUTO,
                        help="dark-on-light (pen on paper), light-on-dark (chalkboards, dark "
                             "screens, negatives, MNIST images as stored) or auto: decided per page "
                             "and per patch (default: auto)")
    parser.add_argument("--no-rotate", action="store_true",
                        help="skip orientation detection (pages are known to be upright)")
    parser.add_argument("--full-size", action="store_true",
                        help="segment every page at its own size (slower). By default a page "
                             "whose digits are 96 px or taller is segmented on a copy shrunk to "
                             "keep them at least 48 px tall, crops still cut at full size: about "
                             "half the time on such pages; a page whose texture (a desk's grain) "
                             "measures otherwise when shrunk is read at full size anyway")
    parser.add_argument("--keep-motion-blur", action="store_true",
                        help="read every page as photographed. By default a page whose digits "
                             "mostly fail is read again with a shaken camera's streak undone, "
                             "where the page shows one (a phone photo taken in motion), and that "
                             "reading kept where it reads more digits with less doubt")
    # The default since the cell walls of a shaken form stopped reading as 1s; still accepted so
    # scripts keep working.
    parser.add_argument("--undo-motion-blur", action="store_true", help=argparse.SUPPRESS)
    # The default since this was made safe on textures; still accepted so scripts keep working.
    parser.add_argument("--scale-to-digits", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pdf-dpi", type=float_between(36, 1200), default=200.0, metavar="DPI",
                        help="resolution PDF pages are rendered at (default: 200)")
    parser.add_argument("--page-timeout", type=non_negative_float, default=PAGE_TIMEOUT_SECONDS,
                        metavar="SECONDS", help="give up on a page after this long, reporting it "
                        f"(default: {PAGE_TIMEOUT_SECONDS:g}; 0 = no limit)")
    parser.add_argument("--worker-memory", type=non_negative_int, default=WORKER_MEMORY_MB,
                        metavar="MB", help="memory a worker process may take on top of its model "
                        f"(default: {WORKER_MEMORY_MB}; 0 = no limit; Linux, with --workers 2+)")
    parser.add_argument("--resume", action="store_true",
                        help="skip pages already in the --jsonl/--json/--csv output of an earlier run")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace output files that exist and are not results of this tool, or "
                             "start again over a stopped run's journal")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this machine (--workers); ray: a Ray cluster, one page per "
                             "task (needs edgedigits[cluster]); inputs may then also be URIs "
                             "such as s3://bucket/scans/ (default: local)")
    parser.add_argument("--ray-address", metavar="ADDRESS", default=None,
                        help="with --engine ray: 'auto' or host:port of a running cluster "
                             "(default: start Ray on this machine for this run)")
    parser.add_argument("--ray-actors", type=positive_int, default=None, metavar="N",
                        help="with --engine ray: readers, each loading the model once "
                             "(default: one per CPU of the cluster)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or closing summary (warnings still go to stderr)")
    return parser


def check_arguments(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Reject option values that cannot work, before any page is read (exit status 2)."""
    if arguments.jsonl == STDOUT:
        parser.error("--jsonl needs a file name ('-' works for --json)")
    if arguments.resume and not (arguments.csv or arguments.jsonl
                                 or arguments.json not in (None, STDOUT)):
        parser.error("--resume needs the --json FILE, --csv FILE or --jsonl FILE of the run to resume")
    if arguments.model is not None and not Path(arguments.model).is_file():
        parser.error(f"--model {arguments.model}: no such file")
    if arguments.engine != "ray" and (arguments.ray_address or arguments.ray_actors):
        parser.error("--ray-address and --ray-actors go with --engine ray")
    if arguments.engine == "ray":
        ray_engine = _ray_engine()
        try:
            ray_engine.import_ray()  # only this engine imports Ray
        except ray_engine.RayEngineError as error:
            parser.error(str(error))


def _ray_engine():
    """The Ray engine's module, imported only for a run that asks for it: its own imports cost
    every local run's main process 8-15 ms of CPU."""
    from runtime.scan import ray_engine

    return ray_engine


def main(argv: list[str] | None = None, *, reader_factory=None) -> int:
    """Run the scanner; returns the exit status. `reader_factory` lets tests use a fake reader."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    check_arguments(arguments, parser)
    options = BatchOptions(model_path=arguments.model, threads=arguments.threads,
                           min_confidence=arguments.min_confidence,
                           detect_orientation=not arguments.no_rotate, polarity=arguments.polarity,
                           scale_to_digits=not arguments.full_size,
                           undo_motion_blur=not arguments.keep_motion_blur,
                           annotate_dir=arguments.annotate, pdf_dpi=arguments.pdf_dpi,
                           page_timeout_s=arguments.page_timeout or None,
                           worker_memory_mb=arguments.worker_memory or None,
                           reader_factory=reader_factory)
    report = Report(quiet=arguments.quiet, print_pages=arguments.json is None)
    ray = arguments.engine == "ray"
    files, problems = (_ray_engine().expand_inputs if ray else expand_inputs)(arguments.inputs)
    if arguments.annotate:
        # Annotated copies from an earlier run inside a scanned folder are not new pages; the
        # pages beside them are (the folder may be the one scanned).
        files = [path for path in files if not is_annotation(path, arguments.annotate)]
    if not ray and _worker_count(arguments, len(files)) > 1 and len(files) > 1:
        # Most likely the pages will be read in workers (a file is one task or more): their fork
        # server imports the reader while this process sets up, not after. Used or not, it is
        # stopped on the way out.
        fork_server.start()
    try:
        return _check_and_scan(arguments, files, problems, options, report)
    finally:
        fork_server.stop()


def _check_and_scan(arguments, files, problems, options: BatchOptions, report: Report) -> int:
    """Check the outputs, open the result store and scan, stopping in order on Ctrl+C."""
    try:
        check_outputs({"--json": arguments.json, "--csv": arguments.csv, "--jsonl": arguments.jsonl},
                      files, overwrite=arguments.overwrite)
        if arguments.annotate:
            check_annotate_folder(arguments.annotate)
        store = ResultStore(arguments.json, arguments.csv, arguments.jsonl,
                            resume=arguments.resume, overwrite=arguments.overwrite)
    except OutputError as error:
        return fail(error, ExitCode.USAGE)
    for warning in store.warnings:
        report.warning(warning, failed=False)
    engine_errors = (OutputError, _ray_engine().RayEngineError) if arguments.engine == "ray" \
        else (OutputError,)
    stop = StopRequest().install()
    try:
        return _scan(arguments, files, problems, options, store, report, stop)
    except KeyboardInterrupt:  # asked twice: stop now, keep the journal as it is
        store.fail()
        return fail(f"stopped at once; {_kept(store)}", ExitCode.INTERRUPTED)
    except engine_errors as error:
        store.fail()
        return fail(f"{error}; stopped. {_kept(store)}")
    finally:
        stop.restore()


def _scan(arguments, files, problems, options: BatchOptions, store: ResultStore, report: Report,
          stop: StopRequest) -> int:
    started = time.perf_counter()
    for problem in problems:
        record = FailedPage(problem.path, None, problem.reason)
        report.failure(record)
        store.add(record)
    store.set_input_order(files)
    tasks, open_errors = (_ray_engine().plan_tasks if arguments.engine == "ray" else plan_tasks)(
        files, store.done_pages())
    for record in open_errors:
        report.failure(record)
        store.add(record)
    skipped = len(files) - len({task.path for task in tasks}) - len(open_errors)
    if arguments.resume and skipped:
        report.info(f"resuming: {skipped} of {len(files)} files already read")
    options.workers = _worker_count(arguments, len(tasks))
    reader = None
    if tasks and (arguments.engine == "ray" or not reads_in_workers(options, tasks)):
        try:
            # Loaded here before a Ray cluster starts: a bad model is one clear error, not a
            # failure on every page. Local workers load it themselves, and a model they cannot
            # load stops the run with the same error (`run_tasks`): building a reader here only
            # to check it cost 0.2 s of CPU a run.
            reader = make_reader(options)
        except ModelError as error:
            store.fail()
            return fail(error, ExitCode.USAGE)
    with _progress_bar(len(tasks), hidden=report.quiet or not tasks) as progress:
        order = _InputOrder(report)

        def on_result(result: TaskResult) -> None:
            show_page = result.task.page_index is not None or len(result.records) > 1
            for record in result.records:
                store.add(record)
                if record.failed:
                    report.failure(record, show_page)
            for warning in result.warnings:
                report.warning(warning)
            order.add(result)
            progress.update(1)
            if report.stdout_gone and store.journal.path is None:
                stop.requested = True  # the page lines were the only output, and nobody reads them

        if arguments.engine == "ray":
            # Ray's engine reads to the end (a second Ctrl+C stops at once).
            _ray_engine().run_tasks_ray(tasks, options, on_result, address=arguments.ray_address,
                                        actors=arguments.ray_actors)
        else:
            try:
                run_tasks(tasks, options, on_result, reader=reader, should_stop=stop)
            except ModelError as error:  # the workers could not load the model
                store.fail()
                return fail(error, ExitCode.USAGE)
    if stop.requested:
        store.abandon()
        if report.stdout_gone:
            return int(ExitCode.OK)
        report.info(f"stopped: {_kept(store)}", force=True)
        return int(ExitCode.INTERRUPTED)
    written = store.finish()
    report.closing_summary(store, tasks, options.workers, time.perf_counter() - started, written)
    return int(ExitCode.FAILED if report.failed else ExitCode.OK)


def _kept(store: ResultStore) -> str:
    """What a stopped run leaves for the next one, in words."""
    if store.journal.path is None:
        return "nothing is kept on disk without --json FILE, --csv FILE or --jsonl FILE"
    return (f"the {store.journal.record_count} page records read are kept in "
            f"{display_path(store.journal.path)}; run the same command with --resume to finish")


def _worker_count(arguments, task_count: int) -> int:
    """Worker processes for `task_count` tasks: --workers, else `_auto_workers`; never more
    than there are tasks (each worker loads the model)."""
    return min(arguments.workers or _auto_workers(task_count), max(1, task_count))


def _auto_workers(task_count: int) -> int:
    if task_count < AUTO_WORKERS_MIN_TASKS:
        return 1
    return max(1, min(usable_cpu_count(), AUTO_WORKERS_MAX))


class Report:
    """What the user sees: page lines on stdout, warnings and progress on stderr."""

    def __init__(self, *, quiet: bool, print_pages: bool):
        self.quiet = quiet
        self.print_pages = print_pages
        self.failed = False
        self.stdout_gone = False  # the reader of the page lines closed them

    def page(self, record: PageRecord, show_page: bool) -> None:
        if self.print_pages:
            where = display_path(record.path) + (f" (page {record.page})" if show_page else "")
            try:
                _write(f"{where}: {record.text}", sys.stdout)
            except BrokenPipeError:  # `| head` has read what it wanted and gone
                discard_standard_output()
                self.print_pages = False
                self.stdout_gone = True

    def failure(self, record: FailedPage, show_page: bool = True) -> None:
        where = display_path(record.path)
        if show_page and record.page is not None:
            where += f" (page {record.page})"
        self.warning(f"{where}: {record.error}")

    def warning(self, message: str, failed: bool = True) -> None:
        self.failed = self.failed or failed
        _write(f"warning: {one_line(message)}", sys.stderr)

    def info(self, message: str, force: bool = False) -> None:
        if force or not self.quiet:
            _write(message, sys.stderr)

    def closing_summary(self, store: ResultStore, tasks, workers: int, seconds: float,
                        written: list[Path]) -> None:
        pages, numbers, failures = store.counts()
        rate = f", {len(tasks) / seconds:.1f} pages/s" if tasks and seconds > 0 else ""
        self.info(f"read {pages} pages, {numbers} numbers; {failures} failed "
                  f"({seconds:.1f} s{rate}, {workers} worker{'s' if workers > 1 else ''})")
        for path in written:
            self.info(f"wrote {display_path(str(path))} ({_size_text(path)})")


def _progress_bar(total: int, hidden: bool):
    """The progress bar on stderr; tqdm is imported only when one is shown (a quiet run's main
    process starts 0.05 s of CPU sooner)."""
    if hidden:
        return contextlib.nullcontext(_HiddenBar())
    from tqdm import tqdm

    return tqdm(total=total, unit="page", file=sys.stderr, dynamic_ncols=True)


class _HiddenBar:
    """A progress bar that shows nothing."""

    def update(self, count: int = 1) -> None:
        pass


def _write(text: str, stream) -> None:
    """Print a line, above the progress bar where one is shown (tqdm keeps its bar below)."""
    progress = sys.modules.get("tqdm")
    if progress is not None:
        progress.tqdm.write(text, file=stream)
    else:
        print(text, file=stream)


class _InputOrder:
    """Prints page lines in input order although workers finish in any order."""

    def __init__(self, report: Report):
        self.report = report
        self.waiting: dict[int, TaskResult] = {}
        self.next_index = 0

    def add(self, result: TaskResult) -> None:
        self.waiting[result.task.index] = result
        while self.next_index in self.waiting:
            ready = self.waiting.pop(self.next_index)
            show_page = ready.task.page_index is not None or len(ready.records) > 1
            for record in ready.records:
                if not record.failed:
                    self.report.page(record, show_page)
            self.next_index += 1


def _size_text(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
