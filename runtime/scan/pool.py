"""The local engine: read tasks in a pool of worker processes that die with the main process.

Why `concurrent.futures.ProcessPoolExecutor` rather than `multiprocessing.Pool.imap_unordered`:
when a Pool worker dies, the task it held never returns and `imap` waits forever. The executor
reports a dead worker (`BrokenProcessPool`); the tasks in flight at that moment are then re-run
one at a time in a fresh single-worker pool, which finds the page that kills the reader and
reports only that one. At most `2 x workers` tasks are in flight, which keeps every worker fed
and the retry set small.

Each worker builds its reader (and so loads the model) once, in the pool initializer, with
OpenCV limited to `--threads` threads (`batch.limit_worker_threads`), and reads page after page
with `runtime.scan.batch.read_task`. A model the workers cannot load is raised again in the main
process (`ModelError`) by the first task, and the run stops there: the main process does not
load the model itself. Where the system has it (Linux),
workers are forked from a fork server (`runtime.scan.fork_server`): a clean single-threaded
process started once per run, often before this module is called, that has imported the
reader's modules (numpy, OpenCV, the interpreter), so a worker starts in a few milliseconds
instead of importing them all again (0.3 s of CPU each, which on a batch of small pages was as
much as reading 20 of them). Elsewhere they are spawned.

A worker must never outlive the main process (a `kill -9` of the scanner would leave it
reading, and holding memory, for ever): on Linux the kernel kills it when its parent dies
(`PR_SET_PDEATHSIG`); everywhere a watchdog thread checks once a second that its parent is
still the process that started it. A forked worker's parent is the fork server, which exits as
soon as the main process is gone (multiprocessing's own pipe), taking its workers with it.
With its workers gone, multiprocessing's resource tracker sees its pipe close and exits too.

Usage: run_in_pool(tasks, options, on_result, should_stop)   (through batch.run_tasks)
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from runtime.models import ModelError
from runtime.scan import fork_server
from runtime.scan.batch import BatchOptions, Task, TaskResult, limit_worker_threads, make_reader, read_task

IN_FLIGHT_PER_WORKER = 2
"""Tasks handed to the pool per worker: one being read, one waiting, so no worker idles."""

CRASH_REASON = "the reader crashed on this input (its worker process died); the rest went on"

PARENT_CHECK_SECONDS = 1.0
"""How often a worker's watchdog checks that the main process is still alive."""

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

def run_in_pool(tasks: list[Task], options: BatchOptions, on_result: Callable[[TaskResult], None],
                should_stop: Callable[[], bool]) -> None:
    """Read `tasks` in `options.workers` processes, calling `on_result` here as each finishes."""
    workers = min(options.workers, len(tasks))  # each worker loads the model: no idle ones
    pending = deque(tasks)
    try:
        while pending and not should_stop():
            suspects = _run_until_crash(pending, options, workers, on_result, should_stop)
            _run_isolated(suspects, options, on_result, should_stop)
    finally:
        fork_server.stop()


# -- in the worker processes -----------------------------------------------------------------

_worker_reader = None
_worker_options: BatchOptions | None = None
_worker_start_error: str | None = None
_worker_model_error: ModelError | None = None  # the model could not be loaded: the run stops


def _start_worker(options: BatchOptions, main_pid: int) -> None:
    """Pool initializer: tie this process's life to the main one, build the reader once."""
    global _worker_reader, _worker_options, _worker_start_error, _worker_model_error
    # Ctrl-C goes to the whole process group; the main process alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(main_pid)
    _worker_options = options
    try:
        limit_worker_threads(options)
        _worker_reader = make_reader(options)
        _cap_memory(options.worker_memory_mb)
    except ModelError as error:  # raised again in the main process by the first task
        _worker_model_error = error
    except Exception as error:  # noqa: BLE001 - reported on each task instead of a dead pool
        _worker_start_error = f"worker could not start ({type(error).__name__}: {error})"


def _die_with_parent(main_pid: int) -> None:
    """End this process when the main process goes: with its parent (the main process, or the
    fork server, which exits with it) or, failing that, within a second."""
    parent_pid = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    forked = parent_pid != main_pid  # by the fork server (POSIX only)
    if forked:
        fork_server.release_in_worker()
    # The parent died before the signal was armed (this process was handed to init), or the
    # main process did while the fork server was forking this one.
    if parent_pid == 1 or (forked and not _alive(main_pid)):
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid and (not forked or _alive(main_pid)):
            threading.Event().wait(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether process `pid` exists (POSIX: signal 0 only asks; never call it on Windows, where
    os.kill ends the process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # there, but not ours to signal
    return True


def _cap_memory(extra_mb: int | None) -> None:
    """Limit this worker's address space to what it holds now (model loaded) plus `extra_mb`:
    a page that needs more fails with MemoryError, reported for that page alone."""
    if not extra_mb:
        return
    try:
        import resource

        with open("/proc/self/statm") as stream:
            current = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = current + extra_mb * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimits: the pixel limits still bound each page


def _run_in_worker(task: Task) -> TaskResult:
    if _worker_model_error is not None:
        raise _worker_model_error
    if _worker_reader is None:
        return task.failed(_worker_start_error or "worker could not start")
    return read_task(_worker_reader, task, _worker_options)


# -- in the main process ---------------------------------------------------------------------

def _new_pool(workers: int, options: BatchOptions) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=fork_server.worker_context(),
                               initializer=_start_worker, initargs=(options, os.getpid()))


def _run_until_crash(pending: deque[Task], options: BatchOptions, workers: int,
                     on_result: Callable[[TaskResult], None],
                     should_stop: Callable[[], bool]) -> list[Task]:
    """Feed `pending` to a pool until it is empty, a worker dies or a stop is asked for; return
    the tasks in flight when a worker died."""
    pool = _new_pool(workers, options)
    in_flight: dict[Future, Task] = {}
    suspects: list[Task] = []
    finished_cleanly = broken = False
    try:
        while (pending or in_flight) and not suspects and not broken:
            while pending and len(in_flight) < IN_FLIGHT_PER_WORKER * workers and not should_stop():
                task = pending.popleft()
                try:
                    in_flight[pool.submit(_run_in_worker, task)] = task
                except BrokenProcessPool:  # a worker died since the last wait: this task never ran
                    pending.appendleft(task)
                    broken = True
                    break
            if broken or not in_flight:
                break  # a dead worker (the caller starts a new pool), or a stop asked for
            finished, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                outcome = _outcome_of(future, task)
                if outcome is None:
                    suspects.append(task)
                else:
                    on_result(outcome)
        suspects.extend(in_flight.values())
        in_flight.clear()
        finished_cleanly = True
        return sorted(suspects, key=lambda task: task.index)
    finally:
        if not finished_cleanly:  # an exception (a second Ctrl+C, an output error): stop now
            _kill_workers(pool)
        pool.shutdown(wait=finished_cleanly and not suspects, cancel_futures=True)


def _run_isolated(suspects: list[Task], options: BatchOptions,
                  on_result: Callable[[TaskResult], None], should_stop: Callable[[], bool]) -> None:
    """Re-run each task that was in flight when a worker died, alone, to find the culprit.

    Not once a stop is asked for: a SIGTERM to the whole process group (`systemctl stop`,
    `kill -TERM -PGID`) kills the workers and the fork server with the main process's request,
    and their pages are no crash of the reader. Left unrecorded, `--resume` reads them."""
    pool = None
    finished_cleanly = False
    try:
        for task in suspects:
            if should_stop():
                break
            pool = pool or _new_pool(1, options)
            outcome = _outcome_of(pool.submit(_run_in_worker, task), task)
            if outcome is None:
                pool.shutdown(wait=True)
                pool = None
                outcome = task.failed(CRASH_REASON)
            on_result(outcome)
        finished_cleanly = True
    finally:
        if pool is not None:
            if not finished_cleanly:
                _kill_workers(pool)
            pool.shutdown(wait=finished_cleanly, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now, mid-page: what they were reading is not journalled."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, AttributeError):
            pass


def _outcome_of(future: Future, task: Task) -> TaskResult | None:
    """The task's result; None when the worker died on it (or beside it)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except ModelError:
        raise  # the workers cannot read a page: one error for the run, not one per page
    except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled back
        return task.failed(f"worker failed ({type(error).__name__}: {error})")
