"""golden.json: crops and the answers every exported artifact gives, for checking a port.

A phone developer who re-implements the pipeline (LiteRT on Android, ONNX Runtime Mobile on
iOS) feeds `inputs` to their build of an artifact and must get the same `top1` (and
probabilities within `tolerance`). The crops are the first MNIST *test* digits plus digits the
scanner cut from the bundled sample page (`samples/worksheet.png`), both already preprocessed
as the manifest's `preprocessing` says. `expected` comes from the runtime's own classifier;
`python -m export` then re-checks the file with `export.golden_check`, which knows only the
manifest, this file and a plain interpreter.

Usage: imported by export.pipeline (written on every export).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runtime.classifier import Classifier
from runtime.paths import REPO_ROOT

GOLDEN_NAME = "golden.json"
GOLDEN_VERSION = 1

MNIST_CROPS = 64
"""The first this-many MNIST test digits: the same for every export, chosen by position only."""

SCANNER_CROPS = 8
"""Digits cut by the scanner from the sample page, spread over the page."""

NEGATIVE_CROPS = 8
"""Not-a-digit crops (`train.negatives`, fixed seed) for a model with that output."""
NEGATIVE_SEED = 0

SAMPLE_PAGE = REPO_ROOT / "samples" / "worksheet.png"
"""A page generated from MNIST test digits (`benchmarks.sample`), with its ground truth beside it."""

FLOAT_TOLERANCE = 1e-4
"""Largest probability difference allowed for float32 artifacts (other CPUs round differently)."""

HALF_TOLERANCE = 5e-3
"""float16 weights: some CPUs (ARM with fp16 arithmetic) may compute in half precision."""

QUANTIZED_TOLERANCE = 0.05
"""int8 arithmetic: another CPU's kernels land several quantization steps (1/256 each) away.
Measured on 2026-11-30, LiteRT on aarch64 (the Pi's target, under qemu) against x86: at most
0.039 (10 steps, a not-a-digit crop of letters) and 0.012 on a digit, with every top-1 the same.
A wrong port (input scale, zero point, polarity) moves probabilities by far more and its top-1."""


@dataclass
class GoldenInputs:
    """The crops in golden.json, with their true digits and where each came from."""

    images: np.ndarray  # uint8 (N, 28, 28), white ink on black
    labels: list[int]
    sources: list[str] = field(default_factory=list)


def golden_inputs(test_images: np.ndarray, test_labels: np.ndarray, not_digit: bool = False) -> GoldenInputs:
    """The first MNIST test digits, then the scanner's crops of the sample page (if present),
    then, for a model with a "not a digit" output, a few seeded negatives (label 10)."""
    count = min(MNIST_CROPS, len(test_images))
    images = [test_images[:count]]
    labels = [int(label) for label in test_labels[:count]]
    sources = ["mnist-test"] * count
    crops, crop_labels = scanner_crops(SAMPLE_PAGE)
    if len(crops):
        images.append(crops)
        labels += crop_labels
        sources += [f"scanner:samples/{SAMPLE_PAGE.name}"] * len(crop_labels)
    if not_digit:
        from train.negatives import NOT_DIGIT_CLASS, draw_negatives

        negatives, kinds = draw_negatives(NEGATIVE_CROPS, NEGATIVE_SEED)
        images.append(negatives)
        labels += [NOT_DIGIT_CLASS] * len(kinds)
        sources += [f"negative:{kind}" for kind in kinds]
    return GoldenInputs(np.concatenate(images).astype(np.uint8), labels, sources)


def scanner_crops(page_path: Path, count: int = SCANNER_CROPS) -> tuple[np.ndarray, list[int]]:
    """Normalized crops the segmenter cuts from `page_path`, each matched to a ground-truth digit
    (the JSON beside the page) by box overlap; empty when the page or its truth is missing."""
    import cv2

    from runtime.normalize import normalize_batch
    from runtime.reading.ink import ink_map
    from runtime.reading.segment import find_digits_in

    truth_path = page_path.with_suffix(".json")
    page = cv2.imread(str(page_path), cv2.IMREAD_GRAYSCALE)
    if page is None or not truth_path.is_file():
        return np.zeros((0, 28, 28), np.uint8), []
    truth = [(digit["bbox"], int(digit["digit"]))
             for entry in json.loads(truth_path.read_text(encoding="utf-8"))["files"]
             for line in entry["lines"] for digit in line["digits"]]
    matched = []
    for candidate in find_digits_in(ink_map(page)):
        best = max(truth, key=lambda item: _overlap(candidate.bbox, item[0]), default=None)
        if best is not None and _overlap(candidate.bbox, best[0]) >= 0.5:
            matched.append((candidate.ink, best[1]))
    if not matched:
        return np.zeros((0, 28, 28), np.uint8), []
    chosen = [matched[int(i)] for i in np.linspace(0, len(matched) - 1, min(count, len(matched)))]
    return normalize_batch([ink for ink, _ in chosen]), [label for _, label in chosen]


def _overlap(a, b) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def tolerance(artifact: dict) -> float:
    """Largest probability difference a faithful port of `artifact` may show."""
    if artifact.get("quantized"):
        return QUANTIZED_TOLERANCE
    if "fp16" in str(artifact.get("format", "")):
        return HALF_TOLERANCE
    return FLOAT_TOLERANCE


def expected_outputs(out_dir: Path, artifacts: list[dict], images: np.ndarray) -> dict:
    """Per artifact file name: the format, top-1 digits and probabilities from the runtime."""
    expected = {}
    for artifact in artifacts:
        path = out_dir / str(artifact.get("file", ""))
        if not artifact.get("file") or not path.is_file():
            continue
        # Every output, "not a digit" included: top1 is the argmax over all of them.
        outputs = Classifier.load(path).predict_outputs(images)
        expected[artifact["file"]] = {
            "format": artifact.get("format"),
            "top1": [int(label) for label in outputs.argmax(axis=1)],
            "probabilities": np.round(outputs.astype(np.float64), 6).tolist(),
            "tolerance": tolerance(artifact),
        }
    return expected


def golden_document(inputs: GoldenInputs, keras_top1: np.ndarray, expected: dict) -> dict:
    return {
        "golden_version": GOLDEN_VERSION,
        "about": ("Preprocessed 28x28 crops and what each artifact answers. Feed each input "
                  "through the artifact's input mapping (manifest.json: preprocessing, and the "
                  "artifact's input); top1 must match exactly, probabilities within the "
                  "artifact's tolerance."),
        "input_layout": "each input is 28 rows of 28 uint8 pixels (row-major), white ink on black",
        "sources": inputs.sources,
        "labels": inputs.labels,
        "keras_top1": [int(label) for label in keras_top1],
        "inputs": inputs.images.tolist(),
        "expected": expected,
    }


def write_golden(out_dir: Path, document: dict) -> Path:
    """Write golden.json atomically, one crop or one probability row per line (readable diffs)."""
    path = out_dir / GOLDEN_NAME
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=".golden-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(_layout(document))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _layout(document: dict) -> str:
    """JSON with long lists broken one item per line instead of one number per line."""
    def rows(items) -> str:
        return "[\n    " + ",\n    ".join(json.dumps(item, separators=(",", ":"))
                                         for item in items) + "\n  ]"

    parts = []
    for key, value in document.items():
        if key == "inputs":
            text = rows(value)
        elif key == "expected":
            text = "{\n" + ",\n".join(
                f"  {json.dumps(name)}: {{\"format\": {json.dumps(entry['format'])}, "
                f"\"tolerance\": {json.dumps(entry['tolerance'])}, "
                f"\"top1\": {json.dumps(entry['top1'])}, "
                f"\"probabilities\": " + rows(entry["probabilities"]).replace("\n", "\n  ") + "}"
                for name, entry in value.items()) + "\n  }"
        else:
            text = json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
