"""manifest.json: what was exported, its checksums, input and output specs, the preprocessing a
port must reproduce, the golden file that checks a port, and how each artifact did on parity.

The runtime reads it (`runtime.models`) to find its model, so nothing there is hard-coded.
Writing is atomic (temporary file, then rename) so a crash never leaves half a manifest.
"""

from __future__ import annotations

import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from export.formats import FORMAT_NAMES
from runtime.normalize import preprocessing_spec
from runtime.spec import INPUT_SHAPE, LABELS

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

TOOL_DISTRIBUTIONS = ("tensorflow-cpu", "tensorflow", "keras", "tf2onnx", "onnx",
                      "onnxruntime", "ai-edge-litert", "numpy")
"""Packages whose versions decide the artifacts' bytes; recorded for reproducibility."""


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in TOOL_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def read_existing(out_dir: Path) -> dict | None:
    """The manifest already in `out_dir`, or None if there is none or it is unreadable."""
    path = out_dir / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


def build_manifest(source_model: Path, source_sha256: str, keras_accuracy: float,
                   parity_images: int, artifacts: list[dict], limits: dict,
                   previous: dict | None = None, labels: list[str] | None = None) -> dict:
    """The manifest dict; artifacts of other formats from `previous` are kept when it describes
    the same source model, so exporting one format does not drop the others."""
    kept = []
    if previous and previous.get("source_model_sha256") == source_sha256:
        exported = {artifact["format"] for artifact in artifacts}
        kept = [artifact for artifact in previous.get("artifacts", [])
                if isinstance(artifact, dict) and artifact.get("format") not in exported]
    return {
        "manifest_version": MANIFEST_VERSION,
        "source_model": source_model.name,
        "source_model_sha256": source_sha256,
        "keras_accuracy": round(keras_accuracy, 6),
        "parity_images": parity_images,
        "parity_limits": limits,
        # One per output: the digits, then "not a digit" for a model that has that output.
        "labels": labels or list(LABELS),
        "input_shape": list(INPUT_SHAPE),
        # What a port must do to a crop before any artifact sees it; each artifact's own
        # `input` (dtype, scale, zero point) and `output` (dtype, scale, zero point,
        # probabilities or logits) finish the description. golden.json checks a port.
        "preprocessing": preprocessing_spec(),
        "tools": tool_versions(),
        "artifacts": sorted(kept + artifacts, key=_table_order),
    }


def _table_order(artifact: dict) -> int:
    name = artifact.get("format")
    return FORMAT_NAMES.index(name) if name in FORMAT_NAMES else len(FORMAT_NAMES)


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    path = out_dir / MANIFEST_NAME
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=".manifest-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(manifest, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a manifest is for everyone
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
