"""The fork server the local pool's workers are forked from: started early, stopped at the end.

Where the system has one (Linux), the scan's worker processes are forked from multiprocessing's
fork server: a clean single-threaded process, started once per run, that imports the reader's
modules (numpy, OpenCV, the interpreter), so a worker starts in a few milliseconds instead of
importing them all again (0.3 s of CPU each). Elsewhere the workers are spawned.

Those imports take the fork server about 0.2 s of CPU, and no page can be read before they are
done. `start()` starts it as soon as the command knows it will read in workers, so that they
run while this process is still setting up (its own imports, output checks, the journal, the
work list) instead of after it. This module imports multiprocessing only when it is used (a run
read in-process never needs it). Every use of multiprocessing's private fork-server state lives
here, guarded.

Usage: fork_server.start() early; fork_server.worker_context() for the pool; fork_server.stop()
at the end (also when nothing was read); fork_server.release_in_worker() in each worker.
"""

from __future__ import annotations

import os
import signal
import sys

WORKER_MODULES = ["runtime.scan.pool", "runtime.reading.reader", "runtime.classifier",
                  "ai_edge_litert.interpreter", "numpy.ma"]
"""Imported once by the fork server, so that forked workers start with them (a module missing
from this installation, such as the interpreter where ONNX Runtime is used, is skipped).
`numpy.ma` (10 ms) is imported by numpy itself the first time the reader takes a median: once
here rather than once in every worker."""


QUIET_RESOURCE_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"
"""The `-W` filter multiprocessing's resource tracker is started with (see `worker_context`)."""


def worker_context():
    """Forked from the fork server where there is one, else spawned. Never forked from this
    process: a fork would copy whatever threads the interpreter, OpenCV or tqdm had started
    here (the fork server has none), and a spawn is what macOS and Windows do anyway.

    The pool's two queues hold five POSIX named semaphores. Forked from the fork server or
    spawned, a worker opens them by name, so they stay named and are registered with
    multiprocessing's resource tracker, a process that outlives this one to unlink whatever this
    process could not. After a `kill -9` of the scanner the tracker unlinks them (nothing stays in
    /dev/shm) and then warns, on the user's terminal after the shell prompt, of "5 leaked
    semaphore objects": the very cleanup it just did. The tracker is therefore started with its
    own UserWarnings off (child interpreters take their `-W` options from `sys.warnoptions`);
    it still does the cleanup, and this process's own warnings are untouched."""
    import multiprocessing

    if QUIET_RESOURCE_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(QUIET_RESOURCE_TRACKER)
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


def start() -> None:
    """Start the fork server now, if this system has one and it is not running; it goes on
    importing `WORKER_MODULES` while this process carries on. A pool made later with
    `worker_context()` forks its workers from it; `stop()` ends it, used or not."""
    if worker_context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    forkserver.ensure_running()


def stop() -> None:
    """Stop the fork server this run started, if any, and wait for it: nothing is left running,
    and its CPU time and its workers' count to this process, as spawned workers' would.

    It is killed rather than asked to exit: it holds nothing to save, and an orderly exit spends
    30 ms of CPU, which this process waits for, unloading the modules it imported. Workers the
    pool has joined were reaped by it already (so their CPU time counts); any other worker goes
    with it (it is tied to the fork server's life, see `runtime.scan.pool`)."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    if forkserver is None:  # never started here (or no fork server on this system)
        return
    server = getattr(forkserver, "_forkserver", None)  # private, so guarded
    stop_server = getattr(server, "_stop", None)
    if stop_server is None:
        return
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # gone already: `_stop` still reaps it
    stop_server()  # closes its pipe, waits for it, removes its socket


def release_in_worker() -> None:
    """In a forked worker: close this worker's copy of the pipe that keeps the fork server
    running. The server exits when every copy is closed: it must see the main process's go,
    not wait for its workers."""
    try:
        from multiprocessing import forkserver

        server = forkserver._forkserver  # private, so guarded
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
            server._forkserver_alive_fd = None
    except (ImportError, AttributeError, OSError):
        pass  # the worker's watchdog still ends it within a second of the main process
