"""Output files the scanner may write: which paths it refuses, how it locks and replaces them.

- `check_outputs` refuses (before anything is read) an output path that is an input, that has an
  image or PDF suffix (`--json scans/*.jpg` with the output name forgotten), that is named for
  two outputs, or that exists and is not a previous output of this tool (unless `--overwrite`);
  `check_annotate_folder` makes the `--annotate` folder or refuses it.
- `OutputLocks` holds an exclusive lock per output for the whole run (a `.NAME.lock` file beside
  it, with the owner's process id in it), so a second run on the same output stops with one line
  naming the first. The kernel drops the lock when its process dies, even by `kill -9`.
- `atomic_text` writes a file as a temporary file renamed over the target: a reader (or a
  crash) sees the old file or the new one, never half of one.

Usage: check_outputs({"--json": "out.json"}, input_files, overwrite=False)
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from runtime.scan.inputs import path_key
from runtime.scan.pages import SUPPORTED_SUFFIXES
from runtime.scan.records import CSV_COLUMNS

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; outputs are still checked and written atomically
    fcntl = None

STDOUT = "-"
"""`--json -` writes the JSON to standard output at the end."""

_SNIFF_BYTES = 4096
_JSON_START = re.compile(rb'\A\s*\{\s*"files"\s*:\s*\[')
_JSONL_START = re.compile(rb'\A\s*\{\s*"path"\s*:')


class OutputError(Exception):
    """An output cannot be used, written or resumed from; the message is one line."""


def check_outputs(outputs: dict[str, str | None], inputs: list[str], *, overwrite: bool) -> None:
    """Raise `OutputError` for the first output path (option -> path) that must not be written."""
    named = [(option, path) for option, path in outputs.items() if path and path != STDOUT]
    input_keys = {path_key(path) for path in inputs}
    for number, (option, path) in enumerate(named):
        for other_option, other in named[:number]:
            if path_key(path) == path_key(other) or _same_file(path, other):
                raise OutputError(f"{option} {path}: the same file as {other_option}; "
                                  "give each output its own name")
        if Path(path).suffix.lower() in SUPPORTED_SUFFIXES:
            raise OutputError(f"{option} {path}: that is an image or PDF name, not an output name "
                              "(was the output name forgotten before a list of files?)")
        if path_key(path) in input_keys or (os.path.exists(path)
                                            and any(_same_file(path, source) for source in inputs)):
            raise OutputError(f"{option} {path}: that file is also an input; choose another output")
        _check_existing(option, path, overwrite)


def check_annotate_folder(folder: str) -> None:
    """Make the `--annotate` folder now, or raise `OutputError`: one line before any page is
    read, rather than one warning per page after (a read-only disk, a file in the way)."""
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--annotate {folder}: not a folder; give a folder name") from None
    except OSError as error:
        raise OutputError(f"--annotate {folder}: cannot make this folder "
                          f"({error.strerror or error})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only_mount(folder) else "no permission to write"
        raise OutputError(f"--annotate {folder}: cannot write in this folder ({reason})")


def _read_only_mount(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def _check_existing(option: str, path: str, overwrite: bool) -> None:
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise OutputError(f"{option} {path}: is a folder; give a file name")
    if not os.path.isfile(path):
        raise OutputError(f"{option} {path}: not a regular file")
    if overwrite or is_previous_output(option, path):
        return
    raise OutputError(f"{option} {path}: the file exists and is not a result of this tool; "
                      "choose another name or add --overwrite to replace it")


def is_previous_output(option: str, path: str) -> bool:
    """True when `path` is empty or starts the way this tool writes the output `option`."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError:
        return False
    if not head.strip():
        return True
    if option == "--json":
        return bool(_JSON_START.match(head))
    if option == "--jsonl":
        return bool(_JSONL_START.match(head))
    first_line = head.split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    return first_line.lstrip("\ufeff") == ",".join(CSV_COLUMNS)


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


class OutputLocks:
    """Exclusive locks on output paths, held until `release()`."""

    def __init__(self) -> None:
        self._held: list[tuple[Path, int]] = []

    def acquire(self, path: str) -> None:
        """Lock `path` (creating its folder), or raise `OutputError` naming the holder."""
        if fcntl is None:
            return
        target = Path(path)
        lock_path = target.with_name(f".{target.name}.lock")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            while True:
                descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.read(descriptor, 64).decode("ascii", "replace").strip() or "?"
                    os.close(descriptor)
                    raise OutputError(f"{path} is being written by another scan (process {holder}); "
                                      "wait for it to finish or choose another output") from None
                # The holder before us may have removed the file after we opened it: then our
                # lock is on a file nobody else will see. Lock the path's current file instead.
                if _same_inode(descriptor, lock_path):
                    break
                os.close(descriptor)
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode("ascii"))
        except OSError as error:
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        self._held.append((lock_path, descriptor))

    def release(self) -> None:
        for lock_path, descriptor in self._held:
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self._held.clear()


def _same_inode(descriptor: int, path: Path) -> bool:
    try:
        mine, current = os.fstat(descriptor), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


@contextlib.contextmanager
def atomic_text(path: str | Path):
    """Yield a text stream whose content replaces `path` when the block ends without error."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
