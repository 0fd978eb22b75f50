"""`python -m benchmarks.not_digit_threshold`: the sweep on validation pages, and its refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from model_fixtures import write_tiny_onnx

from runtime.paths import REPO_ROOT


def run_tool(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.not_digit_threshold", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def test_a_model_without_the_output_is_refused_in_one_line(tmp_path) -> None:
    result = run_tool(tmp_path, "--model", str(write_tiny_onnx(tmp_path / "ten.onnx")))
    assert result.returncode == 2 and "no 'not a digit' output" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_higher_threshold_never_drops_more(tmp_path) -> None:
    model = write_tiny_onnx(tmp_path / "eleven.onnx", outputs=11)
    result = run_tool(tmp_path, "--model", str(model), "--pages", "1", "--thresholds", "0.5,1.01",
                      "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    low, off = json.loads(result.stdout)
    assert (low["threshold"], off["threshold"]) == (0.5, 1.01)
    assert off["phantoms_on_no_digit_pages"] >= low["phantoms_on_no_digit_pages"]
    assert off["recall"] >= low["recall"] and low["digits"] == off["digits"] > 0
