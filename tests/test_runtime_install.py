"""What a user meets around the install: one-line errors for a missing stage, the console
scripts and package data the wheel declares, and the test run's closing missing-data line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runtime.paths import REPO_ROOT

tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")

TESTS = Path(__file__).resolve().parent

FAKE_TESTS = '''
import pytest

def test_needs_mnist():
    pytest.skip("MNIST not available: no files in /nowhere")

def test_needs_photos():
    pytest.skip("real photos not found at /nowhere/real")

def test_needs_a_gpu():
    pytest.skip("no GPU")

def test_plain():
    pass
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_test_run_ends_naming_missing_data_and_skips(tmp_path: Path, workers: list[str]) -> None:
    if workers:
        pytest.importorskip("xdist", reason="pytest-xdist runs the suite on several cores")
    (tmp_path / "test_fake.py").write_text(FAKE_TESTS, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", *workers,
                           "test_fake.py"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={"PYTHONPATH": f"{TESTS}:{REPO_ROOT}",
                                             "PATH": "/usr/bin:/bin"})
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert lines[-1].startswith("missing data: MNIST (1 tests), real photos (1 tests): "
                                "2 tests skipped"), lines[-3:]
    assert sum(line.startswith("missing data:") for line in lines) == 1


@pytest.mark.parametrize(("module", "extra", "arguments"), [
    ("train", "train", ["--limit", "100"]),
    ("export", "export", [str(REPO_ROOT / "models" / "edge.keras")]),
    ("export", "export", []),  # the missing extra, not the missing argument, is the fix
    ("train", "train", ["--epochs", "many"]),
    ("runtime.scan", "runtime", [str(REPO_ROOT / "samples" / "worksheet.png")]),
    ("runtime.camera", "runtime", ["--source", "clip.avi"]),
])
def test_missing_stage_is_one_line_naming_the_extra(module: str, extra: str, arguments: list[str],
                                                    tmp_path: Path) -> None:
    """Without their extra (TensorFlow; OpenCV and tqdm for the runtime's commands), the commands
    said ModuleNotFoundError in a traceback."""
    hidden = ("cv2", "tqdm") if extra == "runtime" else ("tensorflow", "keras", "tf2onnx", "onnx")
    hide = ("import sys, runpy\n"
            f"for name in {hidden!r}: sys.modules[name] = None\n"
            f"sys.argv = {[module, *arguments]!r}\n"
            f"runpy.run_module('{module}', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(REPO_ROOT),
                                                          "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"install edgedigits[{extra}]" in done.stderr


@pytest.mark.parametrize(("module", "asked", "answer"), [
    ("export", "--help", "usage: "), ("export", "--version", "edgedigits "),
    ("train", "--help", "usage: "), ("train", "--version", "edgedigits "),
])
def test_help_and_version_answer_without_the_extra(module: str, asked: str, answer: str,
                                                   tmp_path: Path) -> None:
    hide = ("import sys, runpy\n"
            "for name in ('tensorflow', 'keras', 'tf2onnx', 'onnx'): sys.modules[name] = None\n"
            f"sys.argv = [{module!r}, {asked!r}]\n"
            f"runpy.run_module({module!r}, run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(REPO_ROOT),
                                                          "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.startswith(answer), done.stderr
    assert done.stderr == ""


def test_wheel_declares_the_commands_and_carries_the_model() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = project["project"]["scripts"]
    assert set(scripts) == {"edgedigits-scan", "edgedigits-camera", "edgedigits-train",
                            "edgedigits-export", "edgedigits-benchmark"}
    for target in scripts.values():  # each points at a real main()
        module, function = target.split(":")
        source = (REPO_ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        assert f"def {function}(" in source, target
    data = project["tool"]["setuptools"]["package-data"]["runtime"]
    packaged = {path.name for pattern in data for path in (REPO_ROOT / "runtime").glob(pattern)}
    assert packaged == {"edge_int8.tflite", "manifest.json"}
    assert (REPO_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_sample_truth_numbers_pages_from_one() -> None:
    import json

    truth = json.loads((REPO_ROOT / "samples" / "worksheet.json").read_text(encoding="utf-8"))
    assert [entry["page"] for entry in truth["files"]] == [1]
