"""The exporter end to end on a tiny model: every format, parity, the manifest, failure statuses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from export.build import BUILDERS
from export.errors import ConversionError
from export.formats import FORMAT_NAMES, FORMATS, get_format, parse_formats
from export.parity import ParityLimits, Reference, compare
from export.pipeline import ExportOptions, run_export
from runtime.classifier import Classifier
from runtime.cli import ExitCode
from runtime.models import artifact_path, read_manifest

if TYPE_CHECKING:
    from model_fixtures import TinyModels

pytest_plugins = ["model_fixtures"]  # the session-wide tiny_models fixture

PARITY_IMAGES = 300
"""Test images for parity in these tests; the real export uses all 10,000."""

TINY_LIMITS = ParityLimits(float_min_agreement=0.99, int8_min_agreement=0.95,
                           int8_max_accuracy_drop_pp=3.0, float_max_accuracy_drop_pp=1.0)
"""The tiny test model is barely trained (many near-ties between classes), so rounding in
float16 or int8 flips a few more of its answers than it would for the real model; exact
float formats are still held to 99.9% below."""


def run(model: Path, out_dir: Path, formats: str | None = None,
           limits: ParityLimits = TINY_LIMITS):
    return run_export(ExportOptions(model_path=model, out_dir=out_dir, formats=formats,
                                    parity_limit=PARITY_IMAGES, limits=limits,
                                    show_progress=False), log=lambda message: None)


@pytest.fixture(scope="module")
def full_export(tiny_keras_models: TinyModels, tmp_path_factory):
    return run(tiny_keras_models.keras_path, tmp_path_factory.mktemp("export out"))


def test_every_format_exports_and_passes_parity(full_export) -> None:
    assert full_export.exit_status == ExitCode.OK
    assert [record["format"] for record in full_export.artifacts] == list(FORMAT_NAMES)
    for record in full_export.artifacts:
        assert record["status"] == "passed", record
        assert record["parity_images"] == PARITY_IMAGES
        assert 0.0 <= record["max_probability_difference"] < 0.2
    exact = [r for r in full_export.artifacts if r["format"] in ("tflite-fp32", "onnx", "ort")]
    assert all(r["agreement"] >= 0.999 for r in exact)


def test_manifest_lists_files_with_matching_checksums(full_export) -> None:
    manifest_path = full_export.manifest_path
    manifest = json.loads(manifest_path.read_text())
    for key in ("source_model", "source_model_sha256", "keras_accuracy", "artifacts", "tools",
                "labels"):
        assert key in manifest
    assert manifest["labels"] == list("0123456789")
    for artifact in manifest["artifacts"]:
        path = manifest_path.parent / artifact["file"]
        assert path.stat().st_size == artifact["size_bytes"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == artifact["sha256"]
        for key in ("format", "accuracy", "agreement", "input", "status"):
            assert key in artifact


def test_int8_tflite_input_is_pixel_minus_128(full_export) -> None:
    manifest = read_manifest(full_export.manifest_path)
    (int8,) = [a for a in manifest["artifacts"] if a["format"] == "tflite-int8"]
    assert int8["input"]["dtype"] == "int8"
    assert int8["input"]["scale"] == pytest.approx(1 / 255, rel=1e-4)
    assert int8["input"]["zero_point"] == -128


def test_runtime_finds_artifacts_through_the_manifest(full_export, monkeypatch) -> None:
    path = artifact_path(full_export.manifest_path, "tflite-int8")
    assert path.name.endswith("_int8.tflite")
    monkeypatch.setenv("EDGEDIGITS_MODEL", str(path))
    classifier = Classifier.load()
    assert classifier.format == "tflite-int8"  # named by the manifest beside it
    assert classifier.predict(np.zeros((2, 28, 28), np.uint8)).labels.shape == (2,)


def test_wrong_input_scale_is_caught_as_parity_failure(tiny_keras_models: TinyModels, tmp_path,
                                                       monkeypatch) -> None:
    """A calibration set that is too dark gives a too-small input scale: bright pixels clip.
    The artifact is written but must be reported as parity-failed, not as passed."""
    import export.build
    from export.calibration import calibration_images

    def too_dark(options, data_dir=None, not_digit=False):
        return calibration_images(options, data_dir, not_digit) // 16

    monkeypatch.setattr(export.build, "calibration_images", too_dark)
    report = run(tiny_keras_models.keras_path, tmp_path, formats="tflite-int8")
    (record,) = report.artifacts
    assert report.exit_status == ExitCode.PARITY_FAILED
    assert record["status"] == "parity-failed"
    assert record["agreement"] < TINY_LIMITS.int8_min_agreement
    assert any("agreement" in failure for failure in record["failures"])
    assert (tmp_path / record["file"]).is_file()  # kept for inspection


def test_perturbed_model_fails_parity_against_the_original(tiny_keras_models: TinyModels) -> None:
    from model_fixtures import mnist_or_skip

    images, labels = mnist_or_skip("test")
    images, labels = images[:PARITY_IMAGES], labels[:PARITY_IMAGES]
    original = Classifier.load(tiny_keras_models.tflite_fp32).predict(images).probabilities
    reference = Reference(images, labels, original)
    assert compare(original, reference, quantized=False, limits=ParityLimits()).passed
    noise = np.random.default_rng(0).normal(0, 0.3, original.shape).astype(np.float32)
    broken = np.abs(original + noise)
    broken /= broken.sum(axis=1, keepdims=True)
    result = compare(broken, reference, quantized=False, limits=ParityLimits())
    assert not result.passed
    assert result.agreement < 0.999 and result.max_probability_difference > 0.1


def test_failed_conversion_is_export_failed_and_others_still_export(
        tiny_keras_models: TinyModels, tmp_path, monkeypatch) -> None:
    import export.onnx_export

    def broken_converter(onnx_path, output_path):
        raise ConversionError("ORT conversion failed: simulated")

    monkeypatch.setattr(export.onnx_export, "convert_ort", broken_converter)
    report = run(tiny_keras_models.keras_path, tmp_path, formats="onnx,ort,ort-int8")
    statuses = {r["format"]: r["status"] for r in report.artifacts}
    assert statuses == {"onnx": "passed", "ort": "export-failed", "ort-int8": "export-failed"}
    assert report.exit_status == ExitCode.FAILED
    assert not list(tmp_path.glob("*.ort"))
    failed = [r for r in report.artifacts if r["status"] == "export-failed"]
    assert all("simulated" in r["error"] and "file" not in r for r in failed)


def test_exporting_one_format_keeps_the_others_in_the_manifest(full_export, tiny_keras_models,
                                                               tmp_path) -> None:
    first = run(tiny_keras_models.keras_path, tmp_path, formats="tflite-fp32")
    second = run(tiny_keras_models.keras_path, tmp_path, formats="onnx")
    assert first.exit_status == second.exit_status == ExitCode.OK
    formats = [a["format"] for a in read_manifest(tmp_path)["artifacts"]]
    assert formats == ["tflite-fp32", "onnx"]


def test_format_table_is_consistent() -> None:
    assert len(set(FORMAT_NAMES)) == len(FORMATS)
    assert set(BUILDERS) == set(FORMAT_NAMES)
    assert [e.name for e in parse_formats("ort, tflite-int8")] == ["tflite-int8", "ort"]
    assert get_format("ONNX").name == "onnx"


def test_export_writes_golden_and_every_artifact_reproduces_it(full_export) -> None:
    """golden.json is written by the export and re-checked with manifest + golden + interpreter."""
    from export.golden_check import check_folder

    manifest = read_manifest(full_export.manifest_path)
    assert manifest["golden"] == "golden.json" and "preprocessing" in manifest
    golden = json.loads((full_export.manifest_path.parent / "golden.json").read_text())
    assert set(golden["expected"]) == {a["file"] for a in manifest["artifacts"]}
    for artifact in manifest["artifacts"]:
        assert artifact["golden"]["top1_mismatches"] == [], artifact
        assert artifact["output"]["kind"] == "probabilities"
    verdicts = check_folder(full_export.manifest_path.parent)
    assert len(verdicts) == len(FORMATS) and all(v["passed"] for v in verdicts)


def test_package_copies_only_the_passing_int8_artifact(full_export, tmp_path) -> None:
    from export.errors import ExportError
    from export.package import package_default

    destination = tmp_path / "default_model"
    destination.mkdir()
    (destination / "old_model.onnx").write_bytes(b"stale")
    written = package_default(full_export.manifest_path.parent, full_export.manifest, destination)
    assert sorted(p.name for p in destination.iterdir()) == ["manifest.json", "tiny_int8.tflite"]
    packaged = read_manifest(destination)
    assert [a["format"] for a in packaged["artifacts"]] == ["tflite-int8"] and "golden" not in packaged
    assert Classifier.load(written[0]).format == "tflite-int8"
    failed = {**full_export.manifest, "artifacts": [
        {**a, "status": "parity-failed"} for a in full_export.manifest["artifacts"]]}
    with pytest.raises(ExportError, match="must pass parity"):
        package_default(full_export.manifest_path.parent, failed, tmp_path / "other")
    assert not (tmp_path / "other").exists()


@pytest.fixture(scope="module")
def not_digit_export(tmp_path_factory):
    """A tiny 11-output model ("not a digit" last), exported as int8 TFLite and ONNX."""
    from model_fixtures import build_tiny_keras

    folder = tmp_path_factory.mktemp("eleven")
    model = build_tiny_keras(folder / "eleven.keras", not_digit=True)
    return run(model, folder / "out", formats="tflite-int8,onnx")


def test_an_eleven_output_model_exports_with_its_not_digit_output_described(not_digit_export) -> None:
    assert not_digit_export.exit_status == ExitCode.OK
    manifest = not_digit_export.manifest
    assert manifest["labels"] == [*"0123456789", "not a digit"]
    for record in not_digit_export.artifacts:
        assert record["status"] == "passed", record
        assert record["output"]["shape"] == [11] and record["output"]["not_digit_index"] == 10
        assert record["labels"][10] == "not a digit"
        assert record["golden"]["top1_mismatches"] == []
    golden = json.loads((not_digit_export.manifest_path.parent / "golden.json").read_text())
    negatives = [i for i, source in enumerate(golden["sources"]) if source.startswith("negative:")]
    assert len(negatives) == 8 and all(golden["labels"][i] == 10 for i in negatives)
    assert all(len(row) == 11 for entry in golden["expected"].values() for row in entry["probabilities"])
