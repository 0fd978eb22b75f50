"""The one convention every edgedigits command line follows: exit codes, errors, types, signals.

`python -m runtime.scan`, `runtime.camera`, `train` and `export` all
- exit with a code from `ExitCode` (documented once, in their `--help` epilogs);
- report a usage error or a failure as one `error: ...` line on stderr (`OneLineParser`,
  `fail`), never a traceback;
- check numeric options with the same argparse types (`positive_int`, `probability`, ...);
- stop on Ctrl+C or SIGTERM between two units of work (`StopRequest`), never in the middle of one.

Usage: from runtime.cli import ExitCode, OneLineParser, StopRequest, fail, positive_int
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import signal
import sys
import threading
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes shared by every command."""

    OK = 0  # everything asked for was done
    FAILED = 1  # some input, source, model or output failed; the rest was done and kept
    USAGE = 2  # a bad option or argument: nothing was done
    PARITY_FAILED = 3  # export only: every artifact was written, but one missed its parity limits
    INTERRUPTED = 130  # Ctrl+C or SIGTERM: what was done before is kept


EXIT_CODES_HELP = ("Exit status: 0 done, 1 some input/source/model/output failed (the rest is kept), "
                   "2 bad arguments, 130 interrupted (what was done is kept).")


BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def leave_blas_one_thread() -> None:
    """Ask numpy's OpenBLAS for one thread unless the user set a number; call before numpy loads.

    The readers hand BLAS nothing bigger than a 3x3 transform, so its threads never share work,
    yet OpenBLAS starts one per CPU as numpy is imported and keeps them spinning for a while:
    on 2 cores that cost 35-100 ms of CPU each time a command (or the scan's fork server, which
    inherits this environment) imported numpy (`perf stat -r 10`, 154-186 against 223-258 ms).
    """
    os.environ.setdefault(BLAS_THREADS_VARIABLE, "1")


CONSOLE_SCRIPT_PREFIX = "edgedigits-"
"""The installed commands (`[project.scripts]` in pyproject.toml) are all named so."""


def command_name(module_form: str) -> str:
    """The command as the user typed it, for usage lines and "see ... --help" hints: the console
    script's name (`edgedigits-scan`) when run as one, else `module_form` (`python -m
    runtime.scan`), so an error never names a command the user did not run."""
    called = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return called if called.startswith(CONSOLE_SCRIPT_PREFIX) else module_form


PACKAGE_NAME = "edgedigits"
"""The distribution every command belongs to (pyproject.toml's `name`)."""


def version_text() -> str:
    """`edgedigits 0.1.0`, from the installed distribution's metadata."""
    from importlib import metadata  # read only when asked: 10 ms of start-up on every command

    try:
        return f"{PACKAGE_NAME} {metadata.version(PACKAGE_NAME)}"
    except metadata.PackageNotFoundError:
        return f"{PACKAGE_NAME} (version unknown: not installed)"


class _VersionAction(argparse.Action):
    """`--version`: print `version_text()` and exit 0, before required arguments are checked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):  # noqa: A002 - argparse's own keyword
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())  # on stdout, as argparse's own version action does
        parser.exit(0)


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """Give a command `--version` (every edgedigits command has one)."""
    parser.add_argument("--version", action=_VersionAction,
                        help="print the edgedigits version and exit")


def one_line(message: object) -> str:
    """`message` with its whitespace folded, so an error never spans several lines."""
    return " ".join(str(message).split())


def fail(message: object, code: ExitCode = ExitCode.FAILED) -> int:
    """Print `error: message` as one line on stderr and return `code` for main() to return."""
    print(f"error: {one_line(message)}", file=sys.stderr)
    return int(code)


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one `error: ...` line (exit 2) with a hint.

    `choices_hint` maps an option to the names it accepts, for a "did you mean" on a typo.
    """

    def __init__(self, *args, choices_hint: dict[str, list[str]] | None = None, **kwargs):
        if kwargs.get("prog"):
            kwargs["prog"] = command_name(kwargs["prog"])
        super().__init__(*args, **kwargs)
        add_version_option(self)
        self.choices_hint = choices_hint or {}

    def error(self, message: str):
        for option, names in self.choices_hint.items():
            if "invalid choice" in message and option in message and "'" in message:
                close = difflib.get_close_matches(message.split("'")[1], names, n=1)
                if close:
                    message += f"; did you mean '{close[0]}'?"
        self.exit(int(ExitCode.USAGE), f"error: {one_line(message)} (see {self.prog} --help)\n")


def _number(text: str, kind: type, description: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {description}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _number(text, int, "a whole number of 1 or more")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    value = _number(text, int, "a whole number of 0 or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, "a number greater than 0")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float, "a number of 0 or more")
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {text!r}")
    return value


def probability(text: str) -> float:
    value = _number(text, float, "a number in 0..1")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in 0..1, got {text!r}")
    return value


def float_between(low: float, high: float):
    """An argparse type accepting a number in [low, high]."""
    def parse(text: str) -> float:
        value = _number(text, float, f"a number from {low:g} to {high:g}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {text!r}")
        return value
    return parse


def existing_directory(text: str) -> str:
    """An argparse type for a folder that must already exist."""
    if not Path(text).expanduser().is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return text


class StopRequest:
    """Ctrl+C and SIGTERM ask a command to stop between units of work; a second one stops at once.

    Raising KeyboardInterrupt wherever the main thread happens to be can leave a queue, a journal
    line or a video writer half-way through an operation (and a helper thread waiting forever);
    a flag checked once per frame or page closes everything in order. Signals can only be caught
    on the main thread; elsewhere (a test calling main() from a thread) nothing is installed.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def install(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt  # asked twice: the user wants out now
        self.requested = True


def discard_standard_output() -> None:
    """After a BrokenPipeError on stdout (`| head` has read what it wanted and gone): point file
    descriptor 1 at /dev/null, so later prints and the interpreter's final flush neither fail
    nor print a traceback."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def native_stderr_silenced():
    """Mute C++ writes to file descriptor 2 for a moment: LiteRT logs "INFO: Created TensorFlow
    Lite XNNPACK delegate for CPU." on every load and Ray's core logs as it starts, which would
    break the rule of one stderr line per problem. Python's own errors still surface as exceptions."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable file descriptor 2 (embedded interpreters): leave it alone
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
