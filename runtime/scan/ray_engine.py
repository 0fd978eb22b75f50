"""Read a batch's pages on a Ray cluster: the scanner's second engine, beside the local pool.

Same tasks, same per-page reading, same results as `runtime.scan.batch.run_tasks`: the tasks
(one per PDF page, one per raster file) become rows of a Ray Data dataset, and
`map_batches` hands them, one page per batch, to a pool of actors. Each actor is a
`_ReaderActor` that builds its reader (loads the model) once, then reads every task it is given
with `batch.read_task`, the very function the local workers use, so a page that cannot be
read is an error record, never a failed job. Results stream back to this process as they are
made (`iter_rows`) and go to `on_result` one by one, so the journal holds every finished page
even if the driver is killed.

Faults. An actor that dies (a native crash, its node removed) is restarted by Ray and its
tasks are retried (`RayOptions.task_retries`). Ray Data is told to tolerate failed tasks
(`max_errored_blocks`): a task that still failed simply never comes back. Tasks missing at the end
of the stream are run again one at a time on a single actor (a crash also takes down the tasks
queued beside the culprit); whatever still fails is an error record. Results are keyed by
task index, so `on_result` sees every task exactly once whatever Ray retried.

Inputs may be URIs that pyarrow's filesystems open (`s3://bucket/scans/`, `gs://`, `file://`):
`expand_inputs` lists them, `plan_tasks` counts a PDF's pages by reading only its page tree,
and each actor copies its file to a temporary folder to read it. Records keep the URI.

Ray is imported only here, and only when a run asks for this engine (`--engine ray`).
Usage: run_tasks_ray(tasks, options, on_result, address="auto")
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from runtime.cli import native_stderr_silenced, one_line
from runtime.scan import batch
from runtime.scan.batch import BatchOptions, Task, TaskResult, limit_worker_threads, make_reader, read_task
from runtime.scan.inputs import InputProblem
from runtime.scan.pages import PDF_SUFFIXES, SUPPORTED_SUFFIXES, PageError
from runtime.scan.records import FailedPage

RAY_MISSING = "the Ray engine needs Ray: pip install 'edgedigits[cluster]'"
CRASH_REASON = "the reader crashed on this page (its Ray actor died on every try); the rest went on"
URI_MARK = "://"
CONNECT_TIMEOUT_S = 5.0
"""How long a --ray-address may take to accept a connection."""
WINDOW_TASKS = 5000
"""Tasks per Ray Data run. The dataset is built in this process, one block per task (20,000
blocks took 29 s and 280 MB here); windows bound that, and cost one actor-pool start each."""
_BACKEND_LOG_LEVEL = "RAY_BACKEND_LOG_LEVEL"
# An actor copies a URI's file into its own folder, named for its process: a page that kills the
# actor leaves that folder behind, so the next actor on the machine and the end of the run clear
# the folders of processes that are gone.
_DOWNLOAD_PREFIX = "edgedigits-ray-"
_DOWNLOAD_FOLDER = re.compile(re.escape(_DOWNLOAD_PREFIX) + r"(\d+)-")
_PDF_HEAD_BYTES = 1024  # a PDF's "%PDF-" header lies within its first kB (as in runtime.scan.pages)


class RayEngineError(Exception):
    """Ray missing, or the cluster cannot be reached; one-line message."""


@dataclass
class RayOptions:
    """How the batch runs on Ray (the reading itself is in `BatchOptions`)."""

    address: str | None = None  # None = start a local Ray instance; "auto" or host:port joins one
    actors: int | None = None  # readers, each with its own model; None = the cluster's CPUs
    object_store_bytes: int = 200 * 1024 * 1024  # local instance only: results are small
    task_retries: int = 3  # tries after the first when an actor or its node dies


def import_ray():
    """Ray, or `RayEngineError` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the [data] extra; a bare `ray` lacks it
    except ImportError:
        raise RayEngineError(RAY_MISSING) from None
    return ray


def run_tasks_ray(tasks: list[Task], options: BatchOptions, on_result: Callable[[TaskResult], None],
                  address: str | None = None, actors: int | None = None) -> None:
    """Read every task on Ray, calling `on_result` in this process once per task as results arrive.

    Starts a local Ray instance when `address` is None (and stops it at the end), else joins the
    cluster at `address`; a Ray session this process already has is used as it is.
    """
    run_with_options(tasks, options, on_result, RayOptions(address=address, actors=actors))


def run_with_options(tasks: list[Task], options: BatchOptions,
                     on_result: Callable[[TaskResult], None], ray_options: RayOptions) -> None:
    if not tasks:
        return
    ray = import_ray()
    owns_session = not ray.is_initialized()
    if owns_session:
        _connect(ray, ray_options)
    restore_echo = _mute_raylet_echo()
    try:
        _configure_ray_data(ray)
        seen: set[int] = set()

        def deliver(result: TaskResult) -> None:
            if result.task.index not in seen:  # a retried task may come back twice
                seen.add(result.task.index)
                on_result(result)

        pool_size = min(ray_options.actors or cluster_cpus(ray), len(tasks))
        options.workers = pool_size  # what the closing summary reports
        for start in range(0, len(tasks), WINDOW_TASKS):
            _stream(ray, tasks[start:start + WINDOW_TASKS], options, deliver, pool_size,
                    ray_options.task_retries)
        missing = [task for task in tasks if task.index not in seen]
        if missing:  # lost beside a crash, or the crash itself: one at a time finds which
            _stream(ray, missing, options, deliver, 1, ray_options.task_retries, isolated=True)
        for task in tasks:
            if task.index not in seen:
                deliver(task.failed(CRASH_REASON))
    finally:
        restore_echo()
        if owns_session:
            ray.shutdown()
        clear_orphaned_downloads()


def cluster_cpus(ray) -> int:
    """CPUs of the whole cluster: one actor each. The dataset is built from items in this
    process, so no read task competes with the actors for a CPU (a read stage would stall a
    pool that took every CPU)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


LOCAL_INSTANCE = "local"
"""`ray.init`'s address for a new instance on this machine, never one already running."""


def _connect(ray, ray_options: RayOptions) -> None:
    if ray_options.address is not None:
        _check_reachable(ray_options.address)
    settings = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    if ray_options.address is None:
        settings.update(num_cpus=batch.usable_cpu_count(),
                        object_store_memory=ray_options.object_store_bytes)
    # Ray's C++ side logs expected events (actor restarts after a crash or a lost node, its
    # constructor living in the object store) to stderr as errors; the scanner reports what
    # matters per page, so only fatal ones get through. Ray announces that level on stderr
    # while it starts, hence the silence around `init` (its errors are exceptions).
    saved_level = os.environ.get(_BACKEND_LOG_LEVEL)
    os.environ[_BACKEND_LOG_LEVEL] = saved_level or "fatal"
    # Ray takes no address as "join the cluster in RAY_ADDRESS or the last `ray start` on this
    # machine", and then refuses the CPU count: without --ray-address the run is its own
    # instance, whatever else runs here (another run's `ray start`, a test's cluster).
    address = LOCAL_INSTANCE if ray_options.address is None else ray_options.address
    try:
        with native_stderr_silenced():
            ray.init(address=address, **settings)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = ray_options.address or "a local instance"
        raise RayEngineError(f"cannot start or join Ray at {where}: {error}") from None
    finally:
        if saved_level is None:
            os.environ.pop(_BACKEND_LOG_LEVEL, None)


def _mute_raylet_echo() -> Callable[[], None]:
    """Stop the driver echoing Ray's node events to stderr; returns how to undo it.

    A crashed reader or a lost node makes Ray print "(raylet) A worker died..." paragraphs on
    the driver's stderr, whatever `log_to_driver` says; the scanner reports the page instead and
    the raylet's own log keeps the details. Ray 2.60 has no switch for it, so its (private)
    printer is wrapped; if a later Ray renames it, the echo simply stays.
    """
    try:
        from ray._private import worker
    except ImportError:
        return lambda: None
    original = getattr(worker, "print_to_stdstream", None)
    if original is None:
        return lambda: None

    def print_unless_raylet(data, *args, **kwargs):
        if data.get("pid") != "raylet":
            original(data, *args, **kwargs)

    worker.print_to_stdstream = print_unless_raylet
    return lambda: setattr(worker, "print_to_stdstream", original)


def _check_reachable(address: str) -> None:
    """Fail in seconds on a host:port nobody answers at (`ray.init` would wait for minutes)."""
    import socket

    host, colon, port = address.rpartition(":")
    if address == "auto" or URI_MARK in address or not colon or not port.isdigit():
        return  # "auto" fails fast by itself; ray:// and other forms are Ray's to judge
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise RayEngineError(f"no Ray cluster answers at {address} "
                             f"({error.strerror or error}); start one with `ray start --head`") from None


def _configure_ray_data(ray) -> None:
    context = ray.data.DataContext.get_current()
    context.max_errored_blocks = -1  # a task that failed every retry is found missing, not fatal
    context.enable_progress_bars = False  # the scanner has its own
    context.execution_options.preserve_order = False  # stream results as they are made
    for name in ("ray", "ray.data"):  # failed tasks are reported per page, not as tracebacks
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _stream(ray, tasks: list[Task], options: BatchOptions, deliver: Callable[[TaskResult], None],
            pool_size: int, task_retries: int, *, isolated: bool = False) -> None:
    rows = [{"task": pickle.dumps(task)} for task in tasks]
    # One block per task: a failed block loses one page, and pages spread over every actor.
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    strategy = ray.data.ActorPoolStrategy(size=pool_size,
                                          max_tasks_in_flight_per_actor=1 if isolated else None)
    with warnings.catch_warnings():
        # Ray 2.60 deprecates remote args given this way but has no other way to bound
        # retries; its default (retry forever) would loop on a page that kills its reader.
        warnings.simplefilter("ignore")
        dataset = dataset.map_batches(
            _reader_actor_class(options, os.getcwd()), batch_size=1, batch_format="numpy",
            compute=strategy, num_cpus=options.threads, max_restarts=-1,
            max_task_retries=0 if isolated else task_retries)
    rows = iter(dataset.iter_rows())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # noqa: BLE001 - Ray's own failure, not a page's
            raise RayEngineError(f"the Ray job failed ({type(error).__name__}: {one_line(error)[:300]}); "
                                 "is edgedigits[cluster] installed on every node?") from error
        deliver(pickle.loads(row["result"]))  # its errors (an output that fails) are the caller's


def _reader_actor_class(options: BatchOptions, driver_cwd: str) -> type:
    """The actor class with the options bound in (small: they travel with the class)."""

    class BoundReaderActor(_ReaderActor):
        def __init__(self):
            super().__init__(options, driver_cwd)

    return BoundReaderActor


class _ReaderActor:
    """One reader (one model) per actor; reads the tasks of each batch in turn."""

    def __init__(self, options: BatchOptions, driver_cwd: str):
        # Relative inputs, --model and --annotate mean what they meant where the scan started
        # (true on this machine, and on a cluster sharing the same mount points).
        with contextlib.suppress(OSError):
            os.chdir(driver_cwd)
        clear_orphaned_downloads()  # a crashed actor's copy, if this one replaces it
        self.start_error = None
        self.options = options
        try:
            limit_worker_threads(options)  # an actor holds `threads` CPUs (num_cpus)
            self.reader = make_reader(options)
        except Exception as error:  # noqa: BLE001 - reported on each page instead of a dead pool
            self.reader = None
            self.start_error = f"Ray actor could not start ({type(error).__name__}: {error})"

    def __call__(self, rows: dict) -> dict:
        import numpy as np

        results = [pickle.dumps(self.read(pickle.loads(task))) for task in rows["task"]]
        return {"result": np.array(results, dtype=object)}

    def read(self, task: Task) -> TaskResult:
        if self.reader is None:
            return task.failed(self.start_error)
        if not is_uri(task.path):
            return read_task(self.reader, task, self.options)
        with tempfile.TemporaryDirectory(prefix=f"{_DOWNLOAD_PREFIX}{os.getpid()}-") as folder:
            try:
                local = _download(task.path, folder)
            except (OSError, ValueError) as error:
                return task.failed(f"cannot fetch: {error}")
            result = read_task(self.reader, replace(task, path=local), self.options)
        return TaskResult(task, [replace(record, path=task.path) for record in result.records],
                          result.warnings)


# -- URIs ------------------------------------------------------------------------------------


def is_uri(text: str) -> bool:
    """True for `scheme://...` (s3://, gs://, file://), which pyarrow's filesystems open."""
    scheme, mark, _ = text.partition(URI_MARK)
    return bool(mark) and scheme.isalnum() and len(scheme) > 1  # not a Windows drive "C:"


def expand_inputs(arguments: list[str]) -> tuple[list[str], list[InputProblem]]:
    """`runtime.scan.inputs.expand_inputs` that also takes URIs (a file, or a folder listed
    recursively for the supported suffixes); URIs are listed after local inputs' order is kept."""
    from runtime.scan import inputs

    if not any(is_uri(argument) for argument in arguments):
        return inputs.expand_inputs(arguments)
    files: list[str] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()
    for argument in arguments:
        if is_uri(argument):
            found, problem = _list_uri(argument)
            found_problems = [problem] if problem else []
        else:
            found, found_problems = inputs.expand_inputs([argument])
        new = [path for path in found if inputs.path_key(path) not in seen]
        seen.update(inputs.path_key(path) for path in new)
        files += new
        problems += found_problems
    return files, problems


def plan_tasks(files: list[str], done: set[tuple[str, int]]) -> tuple[list[Task], list[FailedPage]]:
    """`batch.plan_tasks` for local files and URIs alike (a URI PDF is split into its pages)."""
    from runtime.scan.inputs import path_key

    local = [path for path in files if not is_uri(path)]
    tasks, errors = batch.plan_tasks(local, done)
    if len(local) == len(files):
        return tasks, errors
    for uri in (path for path in files if is_uri(path)):
        key = path_key(uri)
        try:
            page_count = _uri_pdf_page_count(uri)
        except (OSError, ValueError, PageError) as error:
            errors.append(FailedPage(uri, None, f"cannot open: {error}"))
            continue
        if page_count is None:  # a raster file: one task, like a local one
            if not any(done_key == key for done_key, _ in done):
                tasks.append(Task(0, uri, None))
            continue
        tasks.extend(Task(0, uri, index) for index in range(page_count)
                     if (key, index + 1) not in done)
    order = {path: rank for rank, path in enumerate(files)}  # keep input order across both kinds
    tasks.sort(key=lambda task: (order[task.path], task.page_index or 0))
    return [replace(task, index=index) for index, task in enumerate(tasks)], errors


def _filesystem(uri: str):
    from pyarrow import fs

    return fs.FileSystem.from_uri(uri)  # (filesystem, path inside it)


def _list_uri(uri: str) -> tuple[list[str], InputProblem | None]:
    from pyarrow import fs

    try:
        filesystem, path = _filesystem(uri)
        info = filesystem.get_file_info(path)
        if info.type == fs.FileType.File:
            return [uri], None
        if info.type != fs.FileType.Directory:
            return [], InputProblem(uri, "no such file or folder")
        entries = filesystem.get_file_info(fs.FileSelector(path, recursive=True))
    except (OSError, ValueError) as error:
        return [], InputProblem(uri, f"cannot list: {error}")
    # pyarrow lists paths without the scheme: "/tmp/scans/a.png" (file), "bucket/scans/a.png" (s3).
    scheme = uri.partition(URI_MARK)[0] + URI_MARK
    found = sorted(scheme + entry.path for entry in entries
                   if entry.type == fs.FileType.File and _wanted(entry.path))
    if not found:
        return [], InputProblem(uri, "no images or PDFs under this URI")
    return found, None


def _wanted(path: str) -> bool:
    name = PurePosixPath(path).name
    return not name.startswith(".") and PurePosixPath(name).suffix.lower() in SUPPORTED_SUFFIXES


def _uri_pdf_page_count(uri: str) -> int | None:
    """Pages of a PDF at `uri` (pdfium reads only the page tree), or None if it is no PDF."""
    filesystem, path = _filesystem(uri)
    with filesystem.open_input_file(path) as stream:
        head = stream.read(_PDF_HEAD_BYTES)
        if b"%PDF-" not in head:
            if PurePosixPath(path).suffix.lower() in PDF_SUFFIXES:
                raise PageError("not a PDF")
            return None
        import pypdfium2 as pdfium

        stream.seek(0)
        try:
            document = pdfium.PdfDocument(stream)
        except pdfium.PdfiumError as error:
            raise PageError(f"not a readable PDF ({error})") from None
        try:
            return len(document)
        finally:
            document.close()


def clear_orphaned_downloads() -> None:
    """Remove the download folders (in this machine's temporary folder) of actors that died."""
    with contextlib.suppress(OSError):
        for folder in Path(tempfile.gettempdir()).iterdir():
            owner = _DOWNLOAD_FOLDER.match(folder.name)
            if owner and not _process_exists(int(owner.group(1))):
                shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _download(uri: str, folder: str) -> str:
    """Copy the file at `uri` into `folder` (keeping its name, which the reader may use)."""
    filesystem, path = _filesystem(uri)
    target = Path(folder) / (PurePosixPath(path).name or "input")
    with filesystem.open_input_stream(path) as source, open(target, "wb") as sink:
        while chunk := source.read(1 << 20):
            sink.write(chunk)
    return str(target)
