"""`python -m export` on bad input: one-line errors, the right exit status, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from export.cli import main
from runtime.paths import REPO_ROOT

if TYPE_CHECKING:
    from model_fixtures import TinyModels

pytest_plugins = ["model_fixtures"]  # the session-wide tiny_models fixture



def run_main(capsys, *arguments: str) -> tuple[int, str, str]:
    try:
        status = main([str(argument) for argument in arguments])
    except SystemExit as exit_:  # usage errors leave through argparse, as on the command line
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_format_suggests_the_closest(capsys, tmp_path: Path) -> None:
    status, _, stderr = run_main(capsys, tmp_path / "m.keras", "--formats", "tflite-in8")
    assert status == 2
    assert_one_line_error(stderr, "tflite-in8", "did you mean 'tflite-int8'")


def test_missing_model(capsys, tmp_path: Path) -> None:
    status, _, stderr = run_main(capsys, tmp_path / "no such model.keras", "--out", tmp_path)
    assert status == 2
    assert_one_line_error(stderr, "model not found", "no such model.keras")


def test_corrupt_model(capsys, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 this is not a real keras archive")
    status, _, stderr = run_main(capsys, corrupt, "--out", tmp_path / "out", "--quiet")
    assert status == 2
    assert_one_line_error(stderr, "cannot load Keras model", "corrupt.keras")


def test_model_with_wrong_input_shape(capsys, tiny_keras_models: TinyModels, tmp_path: Path) -> None:
    wrong = tiny_keras_models.keras_path.parent / "wrong.keras"
    status, _, stderr = run_main(capsys, wrong, "--out", tmp_path, "--quiet")
    assert status == 2
    assert_one_line_error(stderr, "(32, 32, 1)", "28x28x1")


def test_unwritable_output_folder(capsys, tiny_keras_models: TinyModels, tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    status, _, stderr = run_main(capsys, tiny_keras_models.keras_path, "--out", blocker / "out")
    assert status == 2
    assert_one_line_error(stderr, "cannot write to output folder")


def test_bad_limit(capsys, tiny_keras_models: TinyModels, tmp_path: Path) -> None:
    status, _, stderr = run_main(capsys, tiny_keras_models.keras_path, "--out", tmp_path,
                                 "--limit", "0")
    assert status == 2
    assert_one_line_error(stderr, "--limit")


def test_json_output_and_exit_status(capsys, tiny_keras_models: TinyModels, tmp_path: Path) -> None:
    status, stdout, _ = run_main(capsys, tiny_keras_models.keras_path, "--out", tmp_path,
                                 "--formats", "tflite-fp32,onnx", "--limit", "200", "--json")
    result = json.loads(stdout)
    assert status == result["exit_status"] == 0
    assert [a["format"] for a in result["artifacts"]] == ["tflite-fp32", "onnx"]
    assert Path(result["manifest"]).is_file()


def test_parity_failure_exit_status_and_message(capsys, tiny_keras_models: TinyModels,
                                                tmp_path: Path) -> None:
    """The strictest limits (full agreement, no accuracy drop) fail the tiny model's int8 artifact:
    exit 3, named in the error."""
    status, _, stderr = run_main(capsys, tiny_keras_models.keras_path, "--out", tmp_path,
                                 "--formats", "tflite-int8", "--limit", "200",
                                 "--min-int8-agreement", "1", "--max-int8-drop", "0", "--quiet")
    assert status == 3
    assert "parity failed: tflite-int8" in stderr
    assert "Traceback" not in stderr


def test_command_line_entry_point_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "export", str(tmp_path / "absent.keras")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "model not found")


def test_package_option_refreshes_the_packaged_model(capsys, tiny_keras_models: TinyModels,
                                                     tmp_path: Path) -> None:
    status, _, _ = run_main(capsys, tiny_keras_models.keras_path, "--out", tmp_path / "out",
                            "--formats", "tflite-int8", "--limit", "200", "--quiet",
                            "--min-int8-agreement", "0.9", "--max-int8-drop", "5",
                            "--package", tmp_path / "packaged")
    assert status == 0
    packaged = json.loads((tmp_path / "packaged" / "manifest.json").read_text())
    exported = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert packaged["artifacts"][0]["sha256"] == exported["artifacts"][0]["sha256"]
    assert (tmp_path / "packaged" / packaged["artifacts"][0]["file"]).is_file()
