"""Finding the default model: manifest lookup, the EDGEDIGITS_MODEL override, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime import models
from runtime.models import ModelError, artifact_path, default_model_path, read_manifest


def write_manifest(folder: Path, artifacts: list[dict]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps({"source_model": "edge.keras", "keras_accuracy": 0.99,
                                "artifacts": artifacts}))
    return path


def test_artifact_path_picks_the_named_format(tmp_path: Path) -> None:
    (tmp_path / "edge_int8.tflite").write_bytes(b"model")
    (tmp_path / "edge.onnx").write_bytes(b"model")
    write_manifest(tmp_path, [{"file": "edge.onnx", "format": "onnx"},
                              {"file": "edge_int8.tflite", "format": "tflite-int8"}])
    assert artifact_path(tmp_path) == tmp_path / "edge_int8.tflite"
    assert artifact_path(tmp_path / "manifest.json", "onnx") == tmp_path / "edge.onnx"


def test_default_model_comes_from_the_edge_manifest(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "edge_int8.tflite").write_bytes(b"model")
    manifest = write_manifest(tmp_path, [{"file": "edge_int8.tflite", "format": "tflite-int8"}])
    monkeypatch.delenv(models.MODEL_ENV_VAR, raising=False)
    monkeypatch.setattr(models, "DEFAULT_MANIFEST", manifest)
    assert default_model_path() == tmp_path / "edge_int8.tflite"


def test_environment_variable_overrides(tmp_path: Path, monkeypatch) -> None:
    model = tmp_path / "mine.onnx"
    model.write_bytes(b"model")
    monkeypatch.setenv(models.MODEL_ENV_VAR, str(model))
    assert default_model_path() == model
    monkeypatch.setenv(models.MODEL_ENV_VAR, str(tmp_path / "absent.tflite"))
    with pytest.raises(ModelError, match=models.MODEL_ENV_VAR):
        default_model_path()


def test_missing_packaged_manifest_says_reinstall_or_make_export(tmp_path: Path,
                                                                 monkeypatch) -> None:
    monkeypatch.delenv(models.MODEL_ENV_VAR, raising=False)
    monkeypatch.setattr(models, "DEFAULT_MANIFEST", tmp_path / "edge" / "manifest.json")
    with pytest.raises(ModelError, match=r"reinstall edgedigits, or in a checkout run `make export`"):
        default_model_path()


def test_default_model_is_package_data_of_runtime(monkeypatch) -> None:
    """The wheel carries the model: the default manifest sits inside the `runtime` package."""
    import runtime

    monkeypatch.delenv(models.MODEL_ENV_VAR, raising=False)
    package_dir = Path(runtime.__file__).resolve().parent
    assert models.DEFAULT_MANIFEST.resolve().parent == package_dir / "default_model"
    assert default_model_path().resolve().parent == package_dir / "default_model"


def test_missing_format_file_and_broken_manifest(tmp_path: Path) -> None:
    write_manifest(tmp_path, [{"file": "edge.onnx", "format": "onnx"}])
    with pytest.raises(ModelError, match="no 'tflite-int8' model"):
        artifact_path(tmp_path)
    with pytest.raises(ModelError, match="missing"):
        artifact_path(tmp_path, "onnx")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read model manifest"):
        read_manifest(tmp_path)


def test_export_failed_artifact_is_not_offered(tmp_path: Path) -> None:
    write_manifest(tmp_path, [{"format": "tflite-int8", "status": "export-failed",
                               "error": "converter crashed"}])
    with pytest.raises(ModelError, match="tflite-int8"):
        artifact_path(tmp_path)
