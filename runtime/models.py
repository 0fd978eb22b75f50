"""Where the shipped models live and how to read the manifest that describes them.

`python -m export` writes the model artifacts and a `manifest.json` beside them; the runtime
finds its default model through that manifest instead of hard-coding a file name, so a new
export (or a different quantization) is picked up without code changes.

The default model travels inside the package (`runtime/default_model/`: the int8 TFLite file
and its manifest, tens of KB), found beside this module, so an installed wheel reads pages from
any folder. `python -m export ... --package runtime/default_model/` (`make export`)
refreshes that copy from the same export run that writes `models/edge/`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from runtime.spec import ExportStatus

PACKAGED_MODEL_DIR = "default_model"
"""Folder of package data inside `runtime` holding the default model and its manifest."""

DEFAULT_MANIFEST = Path(__file__).parent / PACKAGED_MODEL_DIR / "manifest.json"
"""The packaged manifest, written by `python -m export models/edge.keras --out models/edge/
--package runtime/default_model/`; a real file in every ordinary (unzipped) install. Found from
this module's own path, as `importlib.resources.files("runtime")` finds it in such an install:
that module costs every process that loads a model, and the scan's main process, 10 ms of CPU
to import."""

REFRESH_HINT = ("reinstall edgedigits, or in a checkout run `make export` (which refreshes "
                "runtime/default_model/)")

DEFAULT_FORMAT = "tflite-int8"
"""The artifact the device runs unless told otherwise: smallest and fastest on a CPU."""

MODEL_ENV_VAR = "EDGEDIGITS_MODEL"
"""Environment variable naming a model file to use instead of the shipped default."""


class ModelError(Exception):
    """A model file is missing, unreadable or not a digit classifier; the message is one line."""


def read_manifest(path: str | Path) -> dict:
    """Return the parsed manifest at `path` (a manifest.json or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise ModelError(f"model manifest not found: {path}; {_missing_hint(path)}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read model manifest {path}: {error}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
        raise ModelError(f"model manifest {path} has no 'artifacts' list; re-run the export")
    return manifest


def artifact_path(manifest_path: str | Path, model_format: str = DEFAULT_FORMAT) -> Path:
    """Return the file of the artifact with format `model_format` listed in a manifest."""
    manifest_path = Path(manifest_path)
    if manifest_path.is_dir():
        manifest_path = manifest_path / "manifest.json"
    manifest = read_manifest(manifest_path)
    for artifact in manifest["artifacts"]:
        if isinstance(artifact, dict) and artifact.get("format") == model_format:
            if artifact.get("status") == ExportStatus.EXPORT_FAILED or "file" not in artifact:
                break
            path = manifest_path.parent / artifact["file"]
            if not path.is_file():
                raise ModelError(f"model file listed in {manifest_path} is missing: {path}; "
                                 f"{_missing_hint(manifest_path)}")
            return path
    formats = [a.get("format") for a in manifest["artifacts"] if isinstance(a, dict)]
    raise ModelError(f"no '{model_format}' model in {manifest_path} (it has {formats}); "
                     f"{_missing_hint(manifest_path)}")


def default_model_path() -> Path:
    """The model the runtime loads when none is named: $EDGEDIGITS_MODEL, else edge int8 TFLite."""
    override = os.environ.get(MODEL_ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ModelError(f"{MODEL_ENV_VAR}={override} is not a file; "
                             "point it at a .tflite/.onnx/.ort model or unset it")
        return path
    return artifact_path(DEFAULT_MANIFEST, DEFAULT_FORMAT)


def _missing_hint(path: Path) -> str:
    """What to do about a missing model: the packaged one is reinstalled, others re-exported."""
    if Path(path).resolve().parent == DEFAULT_MANIFEST.resolve().parent:
        return REFRESH_HINT
    return "export it with `python -m export MODEL.keras --out DIR` or pass an existing model"
