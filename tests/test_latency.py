"""The latency benchmark: quick mode on a tiny model, its output files, statuses and ratios.

Timings are not checked (speed targets live in the benchmark's own report); what a user would
notice is: every artifact of the manifest gets a row with the right status, the files are
written with the documented keys, and bad input is a one-line error.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from model_fixtures import write_tiny_onnx

from benchmarks import latency
from benchmarks.reporting import BenchmarkError

pytest.importorskip("onnx", reason="onnx builds the tiny test model")
pytest.importorskip("onnxruntime", reason="onnxruntime runs the tiny test model")


@pytest.fixture(scope="module")
def tiny_manifest(tmp_path_factory) -> Path:
    """A manifest (in a folder with a space) with one artifact of each outcome."""
    folder = tmp_path_factory.mktemp("models") / "edge model"
    folder.mkdir()
    write_tiny_onnx(folder / "edge.onnx")
    (folder / "edge_int8.tflite").write_bytes(b"not a flatbuffer")  # corrupt: fails to run
    manifest = {
        "source_model": "models/edge.keras",
        "keras_accuracy": 0.99,
        "artifacts": [
            {"file": "edge.onnx", "format": "onnx", "accuracy": 0.98, "agreement": 0.995,
             "status": "passed"},
            {"file": "edge.onnx", "format": "onnx-int8", "accuracy": 0.5, "agreement": 0.6,
             "status": "parity-failed"},
            {"file": "edge_int8.tflite", "format": "tflite-int8", "accuracy": 0.97,
             "agreement": 0.99, "status": "passed"},
            {"format": "ort", "status": "export-failed"},
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "manifest.json"


@pytest.fixture(scope="module")
def quick_run(tiny_manifest: Path, tmp_path_factory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("results")
    code = latency.main(["--manifest", str(tiny_manifest), "--no-reference", "--no-keras",
                         "--quick", "--threads", "1", "--out", str(out), "--quiet"])
    return code, out


def test_quick_run_writes_every_output(quick_run) -> None:
    code, out = quick_run
    assert code == 0
    for name in ("latency.md", "latency.json", "latency.png", "throughput.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_row_per_artifact_with_distinct_statuses(quick_run) -> None:
    _, out = quick_run
    result = json.loads((out / "latency.json").read_text())
    assert set(result) >= {"machine", "options", "rows", "ratios", "goals", "notes"}
    statuses = {row["format"]: row["status"] for row in result["rows"]}
    assert statuses == {
        "onnx": latency.STATUS_PASSED,
        "onnx-int8": latency.STATUS_PARITY_FAILED,
        "tflite-int8": latency.STATUS_RUN_FAILED,
        "ort": latency.STATUS_EXPORT_FAILED,
    }
    failed = next(row for row in result["rows"] if row["format"] == "tflite-int8")
    assert "ModelError" in failed["error"]


def test_measured_row_has_latency_throughput_memory(quick_run) -> None:
    _, out = quick_run
    result = json.loads((out / "latency.json").read_text())
    row = next(row for row in result["rows"] if row["format"] == "onnx")
    run = row["runs"]["1"]
    assert set(run["latency"]) >= {"median_s", "p90_s", "p99_s", "calls"}
    assert run["latency"]["median_s"] > 0
    assert set(run["throughput"]) == {"1", "32", "256"}
    assert all(point["images_per_s"] > 0 for point in run["throughput"].values())
    assert run["raw"]["median_s"] > 0  # the bare onnxruntime call was timed too
    assert run["peak_rss_bytes"] >= run["rss_loaded_bytes"] > 0
    assert row["accuracy"] == 0.98 and row["size_bytes"] == Path(row["file"]).stat().st_size


def test_machine_and_markdown_name_the_libraries(quick_run) -> None:
    _, out = quick_run
    result = json.loads((out / "latency.json").read_text())
    assert result["machine"]["cores"] >= 1
    assert "onnxruntime" in result["machine"]["libraries"]
    text = (out / "latency.md").read_text()
    assert "| edge | onnx | passed |" in text  # named after its source model
    assert result["machine"]["cpu"] in text


def test_missing_keras_is_a_note_not_a_failure(tiny_manifest, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(latency, "keras_available", lambda: False)
    options = latency.quick_options(latency.LatencyOptions(
        manifest=tiny_manifest, reference=None, out=tmp_path, thread_counts=(1,),
        formats=("ort",), quiet=True))
    result = latency.run_benchmark(options)
    assert [row["format"] for row in result["rows"]] == ["ort"]
    assert any("TensorFlow" in note for note in result["notes"])


def test_missing_manifest_is_one_line_error(tmp_path, capsys) -> None:
    code = latency.main(["--manifest", str(tmp_path / "nowhere.json"), "--quiet",
                         "--out", str(tmp_path)])
    error = capsys.readouterr().err.strip()
    assert code == 1
    assert error.startswith("error: manifest not found") and "\n" not in error


def test_bad_thread_count_is_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        latency.main(["--threads", "1,many"])
    assert exit_info.value.code == 2
    assert "'many'" in capsys.readouterr().err


def _row(model_format: str, median_us: float, reference: bool = False) -> dict:
    run = {"threads": 1, "latency": {"median_s": median_us * 1e-6},
           "throughput": {"256": {"images_per_s": 1e5}}}
    return {"model": "seed" if reference else "edge", "format": model_format,
            "reference": reference, "runs": {"1": run}}


def test_ratios_compare_int8_with_the_notebook_and_the_reference() -> None:
    rows = [_row("tflite-int8", 20.0), _row("keras-predict", 30_000.0),
            _row("tflite-int8", 80.0, reference=True)]
    ratios = latency.compute_ratios(rows, macs=2_000_000)
    assert ratios["vs_keras_predict"] == pytest.approx(1500.0)
    assert ratios["vs_reference_int8"] == pytest.approx(4.0)
    assert ratios["vs_keras_call"] is None  # not measured: no made-up number
    assert ratios["single_image_macs_per_s"] == pytest.approx(2e6 / 20e-6)
    assert ratios["peak_macs_per_s"] == pytest.approx(2e6 * 1e5)
    assert latency.goals(rows)[0]["met"] is True


def test_manifest_status_words() -> None:
    manifest = Path("models/edge/manifest.json")
    assert latency.report_status({"file": "a", "status": "passed"}, manifest) == latency.STATUS_PASSED
    assert latency.report_status({"file": "a"}, manifest) == latency.STATUS_PASSED
    assert latency.report_status({"file": "a", "status": "parity-failed"}, manifest) == \
        latency.STATUS_PARITY_FAILED
    assert latency.report_status({"status": "export-failed"}, manifest) == \
        latency.STATUS_EXPORT_FAILED
    assert latency.report_status({"status": "passed"}, manifest) == latency.STATUS_EXPORT_FAILED


@pytest.mark.parametrize("status", ["ok", "Parity failed", "exported, failed parity"])
def test_a_status_the_export_never_writes_is_an_error_not_a_guess(status) -> None:
    with pytest.raises(BenchmarkError, match=f"status '{status}', not one of passed, "
                       "parity-failed, export-failed"):
        latency.report_status({"file": "a", "format": "onnx", "status": status},
                              Path("models/edge/manifest.json"))


def test_a_changed_keras_model_is_flagged(tmp_path) -> None:
    (tmp_path / "edge").mkdir()
    (tmp_path / "edge.keras").write_bytes(b"retrained since the export")
    manifest = tmp_path / "edge" / "manifest.json"
    manifest.write_text(json.dumps({"source_model": "edge.keras", "artifacts": [],
                                    "source_model_sha256": "0" * 64}))
    notes = latency.stale_source_notes([manifest])
    assert len(notes) == 1 and "re-export" in notes[0]
    manifest.write_text(json.dumps({
        "source_model": "edge.keras", "artifacts": [],
        "source_model_sha256": hashlib.sha256(b"retrained since the export").hexdigest()}))
    assert latency.stale_source_notes([manifest]) == []
