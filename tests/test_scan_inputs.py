"""INPUT arguments: files, folders (recursive) and glob patterns become one ordered file list."""

from __future__ import annotations

import os

import pytest

from runtime.scan.inputs import expand_inputs


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """scans/{a.png, b.JPG, notes.txt, .hidden.png, sub/c.tif, sub/d.pdf, .git/e.png}, empty/."""
    for name in ("a.png", "b.JPG", "notes.txt", ".hidden.png", "sub/c.tif", "sub/d.pdf",
                 ".git/e.png"):
        path = tmp_path / "scans" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def names(paths):
    return [path.replace(os.sep, "/") for path in paths]


def test_folder_is_searched_recursively_in_sorted_order(tree):
    files, problems = expand_inputs(["scans"])
    assert names(files) == ["scans/a.png", "scans/b.JPG", "scans/sub/c.tif", "scans/sub/d.pdf"]
    assert problems == []


def test_explicit_file_is_taken_whatever_its_suffix(tree):
    files, problems = expand_inputs(["scans/notes.txt", "scans/.hidden.png"])
    assert names(files) == ["scans/notes.txt", "scans/.hidden.png"]
    assert problems == []


def test_glob_patterns_expand_here_when_the_shell_did_not(tree):
    files, _ = expand_inputs(["scans/*.png"])
    assert names(files) == ["scans/a.png"]
    files, _ = expand_inputs(["scans/**/*.pdf"])
    assert names(files) == ["scans/sub/d.pdf"]
    files, _ = expand_inputs(["sc*"])  # a pattern matching a folder takes its images
    assert names(files) == ["scans/a.png", "scans/b.JPG", "scans/sub/c.tif", "scans/sub/d.pdf"]


def test_each_file_once_in_first_mention_order(tree):
    files, _ = expand_inputs(["scans/sub/c.tif", "scans", "./scans/a.png"])
    assert names(files) == ["scans/sub/c.tif", "scans/a.png", "scans/b.JPG", "scans/sub/d.pdf"]


def test_arguments_giving_nothing_are_problems_and_the_rest_goes_on(tree):
    files, problems = expand_inputs(["missing.png", "empty", "nothing*.png", "scans/a.png"])
    assert names(files) == ["scans/a.png"]
    assert [(p.path, p.reason.split(" (")[0]) for p in problems] == [
        ("missing.png", "no such file or folder"),
        ("empty", "no images or PDFs in this folder"),
        ("nothing*.png", "no files match this pattern"),
    ]
