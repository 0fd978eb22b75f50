"""`python -m benchmarks.thin_pen`: digits redrawn with a thin pen, read with and without widening."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from benchmarks.thin_pen import draw_with_pen, skeleton
from runtime.paths import REPO_ROOT
from runtime.reading.strokes import stroke_width_px


def run_tool(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.thin_pen", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def test_the_centre_line_of_a_bar_is_one_pixel_wide():
    bar = np.zeros((20, 40), np.uint8)
    bar[6:14, 5:35] = 1
    line = skeleton(bar)
    assert line.sum() > 15 and line.sum(axis=0).max() == 1


def test_a_thin_pen_draws_thinner_strokes_than_mnist(mnist_test_digits):
    images, _ = mnist_test_digits
    rng = np.random.default_rng(0)
    for image in images[:10]:
        own = draw_with_pen(image, 80, None, rng)
        thin = draw_with_pen(image, 80, 1.0, rng)
        assert abs(thin.shape[0] - own.shape[0]) <= 2  # the same digit, as tall
        assert stroke_width_px(thin) < 0.5 * stroke_width_px(own)


def test_cli_writes_a_row_per_height_and_pen(tmp_path, mnist_test_digits):
    result = run_tool(tmp_path, "--count", "2", "--quiet", "--json", "rows.json")
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "rows.json").read_text(encoding="utf-8"))["rows"]
    assert len(rows) == 15 and all(0.0 <= row["as_is"] <= 1.0 and 0.0 <= row["widened"] <= 1.0 for row in rows)
    # MNIST's own strokes are never widened.
    assert all(row["changed"] == 0 for row in rows if row["pen_px"] is None)


def test_a_bad_count_is_a_usage_error(tmp_path):
    result = run_tool(tmp_path, "--count", "0")
    assert result.returncode == 2 and "--count" in result.stderr and "Traceback" not in result.stderr
