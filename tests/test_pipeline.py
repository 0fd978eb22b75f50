"""The pipeline benchmark: synthetic frames, digit scoring, and a quick run's outputs.

A tiny ONNX model stands in for the shipped one (its readings are mostly wrong, which is fine:
the benchmark must still find every written digit and report what it read). Timings are not
checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from model_fixtures import mnist_or_skip, write_tiny_onnx

from benchmarks import pipeline
from benchmarks.pipeline_frames import FrameSpec, SyntheticFrame, make_frame
from runtime.results import Digit

pytest.importorskip("onnxruntime", reason="onnxruntime runs the tiny test model")


@pytest.fixture(scope="module")
def digit_bank():
    from benchmarks.handwriting import DigitBank

    images, labels = mnist_or_skip("test")
    return DigitBank(images[:500], labels[:500])


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return write_tiny_onnx(tmp_path_factory.mktemp("model") / "tiny.onnx")


def test_frame_holds_exactly_the_digits_asked_for(digit_bank) -> None:
    spec = FrameSpec(640, 480, 20, camera=True)
    frame = make_frame(spec, digit_bank, np.random.default_rng(0))
    assert frame.image.shape == (480, 640, 3) and frame.image.dtype == np.uint8
    assert len(frame.labels) == len(frame.boxes) == 20
    for x, y, w, h in frame.boxes:
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480 and w > 0 and h > 0
        # Ink is darker than the paper around it: the digits are really drawn.
        assert frame.image[y : y + h, x : x + w].min() < frame.image.mean() - 60


def test_score_matches_read_digits_to_written_ones_by_centre() -> None:
    frame = SyntheticFrame(image=np.zeros((10, 10, 3), np.uint8), labels=[3, 7],
                           boxes=[(0, 0, 10, 10), (20, 0, 10, 10)])
    read = [Digit("7", 0.9, (21, 1, 8, 8)), Digit("5", 0.9, (2, 2, 6, 6)),
            Digit("1", 0.9, (100, 100, 5, 5))]
    assert pipeline.score(read, frame) == (2, 1)  # both found, only the 7 read right


@pytest.mark.slow  # draws and reads every scenario's frames: several seconds
def test_quick_run_reports_every_scenario(tiny_model, tmp_path, digit_bank) -> None:
    options = pipeline.quick_options(pipeline.PipelineOptions(
        model=tiny_model, out=tmp_path, cores=2, quiet=True))
    scenarios = [
        pipeline.Scenario("camera small", FrameSpec(320, 240, 6, camera=True), camera=True,
                          parallel=False),
        pipeline.Scenario("page small", FrameSpec(600, 850, 12, camera=False), camera=False,
                          parallel=True),
    ]
    result = pipeline.run_benchmark(options, scenarios)
    written = pipeline.write_outputs(result, tmp_path)
    assert [path.name for path in written] == ["pipeline.md", "pipeline.json", "pipeline.png"]
    saved = json.loads((tmp_path / "pipeline.json").read_text())
    assert set(saved) >= {"machine", "model", "options", "rows", "goals"}
    camera, page = saved["rows"]
    assert (camera["cores"], camera["processes"]) == (1, 1)
    assert (page["cores"], page["processes"]) == ("all", 2)
    for row in saved["rows"]:
        assert row["frames"] >= 1 and row["per_second"] > 0 and row["median_ms"] > 0
        assert {"segment", "classify"} <= set(row["stages_ms"])
        assert row["found_fraction"] > 0.8  # the reader found the digits that were drawn
    assert page["stages_ms"].get("orientation", 0.0) >= 0.0
    assert "| camera small | camera | 1 |" in (tmp_path / "pipeline.md").read_text()


def test_missing_model_is_one_line_error(tmp_path, capsys) -> None:
    code = pipeline.main(["--model", str(tmp_path / "none.tflite"), "--quick", "--quiet",
                          "--out", str(tmp_path)])
    error = capsys.readouterr().err.strip()
    assert code == 1
    assert error.startswith("error: model not found") and "\n" not in error
