"""Turn the scanner's INPUT arguments (files, folders, glob patterns) into a list of files.

Folders are searched recursively for `runtime.scan.pages.SUPPORTED_SUFFIXES` (any case), skipping
hidden files and folders (".git", macOS "._x.png" shadows). A file named explicitly is taken
whatever its suffix: its content decides later whether it is an image. A pattern the shell did
not expand (quoted, or on Windows) is expanded here, `**` included. Every argument that yields
nothing (missing path, empty folder, pattern matching nothing) becomes an `InputProblem`, so the
batch can report it on one line and go on with the rest.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from runtime.scan.pages import SUPPORTED_SUFFIXES

_GLOB_CHARACTERS = set("*?[")


@dataclass(frozen=True)
class InputProblem:
    """An INPUT argument that gave no file to read."""

    path: str  # the argument as the user typed it
    reason: str  # one line saying why


def expand_inputs(arguments: list[str]) -> tuple[list[str], list[InputProblem]]:
    """Return the files to read, in argument order without duplicates, and the problems found.

    Folder contents come in sorted order so that runs (and `--resume`) see the same sequence.
    """
    files: list[str] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = path_key(path)
        if key not in seen:
            seen.add(key)
            files.append(path)

    for argument in arguments:
        if os.path.isdir(argument):
            found = _images_in_folder(argument)
            if not found:
                problems.append(InputProblem(argument, _empty_folder_reason()))
            for path in found:
                add(path)
        elif os.path.exists(argument):
            add(argument)
        elif _GLOB_CHARACTERS & set(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            found = []
            for match in matches:
                found.extend(_images_in_folder(match) if os.path.isdir(match) else [match])
            if not found:
                problems.append(InputProblem(argument, "no files match this pattern"))
            for path in found:
                add(path)
        else:
            problems.append(InputProblem(argument, "no such file or folder"))
    return files, problems


def path_key(path: str) -> str:
    """The identity of a file for de-duplication and `--resume`: its absolute, normalised path."""
    return os.path.normcase(os.path.abspath(path))


def _images_in_folder(folder: str) -> list[str]:
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(os.path.join(root, name))
    return found


def _empty_folder_reason() -> str:
    return "no images or PDFs in this folder (looked for " + ", ".join(SUPPORTED_SUFFIXES) + ")"
