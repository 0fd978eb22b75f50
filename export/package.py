"""Copy the default artifact of an export into the runtime package, so the wheel carries it.

`python -m export models/edge.keras --out models/edge/ --package runtime/default_model/` (what
`make export` runs) ends by copying the int8 TFLite file and a manifest listing only it into
`runtime/default_model/`, the package data the runtime loads when no model is named
(`runtime.models.DEFAULT_MANIFEST`). One export run writes both, so they cannot drift apart.

Usage: imported by export.cli (the --package option).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from export.errors import ExportError
from export.manifest import write_manifest
from runtime.models import DEFAULT_FORMAT

MODEL_SUFFIXES = (".tflite", ".onnx", ".ort")


def package_default(out_dir: Path, manifest: dict, destination: Path,
                    model_format: str = DEFAULT_FORMAT) -> list[Path]:
    """Copy `model_format`'s artifact and a one-artifact manifest into `destination`.

    Refuses (ExportError, nothing written) unless that artifact passed parity. Other model
    files already in `destination` are removed, so an old default cannot linger in the wheel.
    """
    chosen = [artifact for artifact in manifest.get("artifacts", [])
              if artifact.get("format") == model_format]
    if not chosen or chosen[0].get("status") != "passed":
        status = chosen[0].get("status") if chosen else "not exported"
        raise ExportError(f"cannot package {model_format} into {destination}: it is {status}; "
                          "the runtime's default model must pass parity")
    artifact = chosen[0]
    destination.mkdir(parents=True, exist_ok=True)
    source = out_dir / artifact["file"]
    temporary = destination / f".{artifact['file']}.partial"  # then renamed: never half a model
    shutil.copyfile(source, temporary)
    temporary.replace(destination / artifact["file"])
    for stale in destination.iterdir():
        if stale.suffix.lower() in MODEL_SUFFIXES and stale.name != artifact["file"]:
            stale.unlink()
    # The golden file stays with the full export (it is for porters, and three times the
    # model's size); the packaged manifest keeps everything else, including the preprocessing.
    packaged = {key: value for key, value in manifest.items() if key != "golden"}
    packaged["artifacts"] = [artifact]
    packaged["packaged_from"] = f"{out_dir.name}/manifest.json"
    return [destination / artifact["file"], write_manifest(destination, packaged)]
