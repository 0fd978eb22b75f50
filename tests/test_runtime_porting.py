"""The porting kit and the packaged model: manifest specs, golden.json, the independent check.

These need only the runtime's dependencies (the golden check imports numpy and the plain
interpreters), so they also run where TensorFlow is not installed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from export import golden_check
from runtime import models
from runtime.classifier import Classifier
from runtime.normalize import normalize_digit
from runtime.paths import REPO_ROOT

EDGE = REPO_ROOT / "models" / "edge"
STDLIB_OR_INTERPRETERS = {"__future__", "argparse", "json", "sys", "pathlib", "numpy",
                          "ai_edge_litert", "tflite_runtime", "onnxruntime"}


def test_golden_check_imports_nothing_of_edgedigits() -> None:
    """A porter's reference must stand on manifest.json + golden.json + an interpreter alone."""
    tree = ast.parse(Path(golden_check.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= STDLIB_OR_INTERPRETERS, imported - STDLIB_OR_INTERPRETERS


def test_every_shipped_artifact_reproduces_its_golden_top1(tmp_path: Path) -> None:
    """Run as a porter would, from another folder: every artifact, every golden crop."""
    done = subprocess.run([sys.executable, "-m", "export.golden_check", str(EDGE), "--json"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = json.loads(done.stdout)
    manifest = json.loads((EDGE / "manifest.json").read_text(encoding="utf-8"))
    assert {v["file"] for v in verdicts} == {a["file"] for a in manifest["artifacts"]}
    for verdict in verdicts:
        assert verdict["passed"] and verdict["top1_mismatches"] == [], verdict
        assert verdict["inputs"] >= 64 and verdict["accuracy"] >= 0.95


def test_golden_check_catches_a_wrong_input_mapping(tmp_path: Path) -> None:
    """A manifest that described the int8 input wrongly (zero point 0) must fail the check."""
    for path in EDGE.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    int8 = next(a for a in manifest["artifacts"] if a["format"] == "tflite-int8")
    int8["input"]["zero_point"] = 0
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    verdicts = {v["format"]: v for v in golden_check.check_folder(tmp_path, {"tflite-int8", "onnx"})}
    assert not verdicts["tflite-int8"]["passed"]
    assert verdicts["onnx"]["passed"]
    assert golden_check.main([str(tmp_path), "--formats", "tflite-int8"]) == 1


def test_golden_check_without_a_golden_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": []}), encoding="utf-8")
    assert golden_check.main([str(tmp_path)]) == 2
    assert "names no golden file" in capsys.readouterr().err


def test_manifest_tells_a_porter_what_to_feed_and_what_comes_out() -> None:
    manifest = json.loads((EDGE / "manifest.json").read_text(encoding="utf-8"))
    preprocessing = manifest["preprocessing"]
    assert preprocessing["digit_box_px"] == 20 and preprocessing["image_side_px"] == 28
    assert preprocessing["centre_of_mass_px"] == [14, 14]
    assert preprocessing["pixel_scale"] == pytest.approx(1 / 255)
    assert "white ink" in preprocessing["polarity"]
    assert manifest["golden"] == "golden.json"
    # The shipped model has the ten digits and then "not a digit", and says so to a porter.
    assert manifest["labels"] == [*"0123456789", "not a digit"]
    for artifact in manifest["artifacts"]:
        output = artifact["output"]
        assert output["kind"] in ("probabilities", "logits") and output["shape"] == [11]
        assert output["not_digit_index"] == 10 and "not a digit" in output["classes"]
        assert (output["scale"] is None) == (output["dtype"] == "float32")
    int8 = next(a for a in manifest["artifacts"] if a["format"] == "tflite-int8")
    assert int8["output"]["dtype"] == "int8" and int8["output"]["kind"] == "probabilities"


def test_golden_inputs_are_preprocessed_crops_with_labels() -> None:
    golden = json.loads((EDGE / "golden.json").read_text(encoding="utf-8"))
    inputs = np.asarray(golden["inputs"], dtype=np.uint8)
    assert inputs.shape[1:] == (28, 28) and len(inputs) == len(golden["labels"]) >= 64
    assert golden["sources"].count("mnist-test") == 64
    assert any(source.startswith("scanner:") for source in golden["sources"])
    # each crop is already normalized: normalizing it again changes (almost) nothing
    for crop in inputs[:8]:
        assert np.abs(normalize_digit(crop).astype(int) - crop).mean() < 8


def test_packaged_model_is_the_exported_int8_model() -> None:
    """The wheel's copy comes from the same export as models/edge/ (make export refreshes both)."""
    packaged = models.read_manifest(models.DEFAULT_MANIFEST)
    exported = models.read_manifest(EDGE)
    (artifact,) = packaged["artifacts"]
    assert artifact["format"] == models.DEFAULT_FORMAT
    assert packaged["source_model_sha256"] == exported["source_model_sha256"]
    path = models.DEFAULT_MANIFEST.parent / artifact["file"]
    same = next(a for a in exported["artifacts"] if a["format"] == models.DEFAULT_FORMAT)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact["sha256"] == same["sha256"]
    assert packaged["preprocessing"] == exported["preprocessing"]
    assert path.stat().st_size < 100_000  # tens of KB in the wheel
    assert Classifier.load().format == "tflite-int8"
