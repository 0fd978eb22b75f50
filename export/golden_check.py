"""Check exported models against golden.json the way a porter would: manifest, golden, interpreter.

This program is deliberately independent of edgedigits: it imports only the standard library,
numpy and the plain interpreters (LiteRT's `ai_edge_litert` or `tflite_runtime`, and
`onnxruntime`). Everything it does to a crop comes from `manifest.json` (the artifact's `input`
and `output` specs, the top-level `preprocessing`), so if it reproduces every artifact's golden
top-1, the manifest says all a phone port needs. `python -m export` runs it after writing
golden.json; the aarch64 check runs it on ARM.

Exit status: 0 every artifact reproduced, 1 some artifact did not, 2 bad input (no manifest,
no golden file, an interpreter missing for every artifact).

Usage: python -m export.golden_check models/edge/ [--formats tflite-int8,onnx] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


class GoldenError(Exception):
    """The manifest or golden file is missing or unusable; the message is one line."""


def load(folder: Path) -> tuple[dict, dict]:
    """(manifest, golden) from an export folder (or the path of its manifest.json)."""
    manifest_path = folder / "manifest.json" if folder.is_dir() else folder
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GoldenError(f"cannot read {manifest_path}: {error}") from None
    golden_name = manifest.get("golden")
    if not golden_name:
        raise GoldenError(f"{manifest_path} names no golden file (key 'golden'); re-export")
    golden_path = manifest_path.parent / golden_name
    try:
        golden = json.loads(golden_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GoldenError(f"cannot read {golden_path}: {error}") from None
    return manifest, golden


def model_input(pixels: np.ndarray, preprocessing: dict, input_spec: dict) -> np.ndarray:
    """uint8 (N, 28, 28) crops -> the artifact's input tensor, as the manifest describes."""
    real = pixels.astype(np.float64) * float(preprocessing["pixel_scale"])
    dtype = np.dtype(input_spec["dtype"])
    if np.issubdtype(dtype, np.integer) and input_spec.get("scale"):
        info = np.iinfo(dtype)
        quantized = np.round(real / input_spec["scale"]) + input_spec["zero_point"]
        values = np.clip(quantized, info.min, info.max).astype(dtype)
    else:
        values = real.astype(dtype)
    return values.reshape((len(pixels), *input_spec["shape"]))


def probabilities(raw: np.ndarray, output_spec: dict) -> np.ndarray:
    """Raw output rows -> probabilities: dequantize if quantized, softmax if logits."""
    values = raw.reshape(raw.shape[0], -1).astype(np.float64)
    if output_spec.get("scale"):
        values = (values - output_spec["zero_point"]) * output_spec["scale"]
    if output_spec.get("kind") == "logits":
        values = np.exp(values - values.max(axis=1, keepdims=True))
        values /= values.sum(axis=1, keepdims=True)
    return values


def run_tflite(path: Path, batch: np.ndarray) -> np.ndarray:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tflite_runtime.interpreter import Interpreter
    interpreter = Interpreter(model_path=str(path))
    detail = interpreter.get_input_details()[0]
    outputs = []
    for image in batch:  # one at a time: works for fixed and dynamic batch sizes alike
        interpreter.resize_tensor_input(detail["index"], (1, *image.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail["index"], image[None])
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0])
    return np.stack(outputs)


def run_onnx(path: Path, batch: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: image[None]})[0] for image in batch])


RUNNERS = {".tflite": run_tflite, ".onnx": run_onnx, ".ort": run_onnx}


def check_artifact(folder: Path, manifest: dict, golden: dict, artifact: dict) -> dict:
    """Run one artifact on the golden inputs; its verdict as a dict."""
    name = artifact["file"]
    result = {"file": name, "format": artifact.get("format"), "passed": False}
    expected = golden["expected"].get(name)
    if expected is None:
        return result | {"error": f"golden.json has no expected outputs for {name}"}
    missing = [key for key in ("input", "output") if not isinstance(artifact.get(key), dict)]
    if missing or "preprocessing" not in manifest:
        return result | {"error": f"the manifest lacks {', '.join(missing) or 'preprocessing'} "
                                  f"for {name}; re-export it"}
    pixels = np.asarray(golden["inputs"], dtype=np.uint8)
    batch = model_input(pixels, manifest["preprocessing"], artifact["input"])
    runner = RUNNERS.get(Path(name).suffix.lower())
    try:
        raw = runner(folder / name, batch)
    except ImportError as error:
        return result | {"error": f"no interpreter for {name}: {error}", "skipped": True}
    found = probabilities(raw, artifact["output"])
    top1 = found.argmax(axis=1)
    mismatches = [int(i) for i in np.flatnonzero(top1 != np.asarray(expected["top1"]))]
    difference = float(np.max(np.abs(found - np.asarray(expected["probabilities"]))))
    return result | {
        "passed": not mismatches and difference <= expected["tolerance"],
        "inputs": len(pixels), "top1_mismatches": mismatches,
        "max_probability_difference": round(difference, 6), "tolerance": expected["tolerance"],
        "accuracy": round(float(np.mean(top1 == np.asarray(golden["labels"]))), 4),
    }


def check_folder(folder: Path, formats: set[str] | None = None) -> list[dict]:
    """Verdicts for every artifact in the folder's manifest that has a file (or those in formats)."""
    manifest, golden = load(folder)
    folder = folder if folder.is_dir() else folder.parent
    return [check_artifact(folder, manifest, golden, artifact)
            for artifact in manifest.get("artifacts", [])
            if artifact.get("file") and (formats is None or artifact.get("format") in formats)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export.golden_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="export folder with manifest.json and golden.json")
    parser.add_argument("--formats", help="comma-separated formats to check (default: all)")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    args = parser.parse_args(argv)
    formats = set(args.formats.split(",")) if args.formats else None
    try:
        results = check_folder(args.folder, formats)
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            if "error" in result:
                print(f"{result['format']:<12} {'SKIPPED' if result.get('skipped') else 'FAILED'}: "
                      f"{result['error']}")
                continue
            verdict = "reproduced" if result["passed"] else "FAILED"
            print(f"{result['format']:<12} {verdict}: top-1 {result['inputs'] - len(result['top1_mismatches'])}"
                  f"/{result['inputs']}, largest probability difference "
                  f"{result['max_probability_difference']:.6f} (tolerance {result['tolerance']})")
    ran = [result for result in results if not result.get("skipped")]
    if not ran:
        print("error: no artifact could be run (install ai-edge-litert or onnxruntime)", file=sys.stderr)
        return 2
    return 0 if all(result["passed"] for result in ran) else 1


if __name__ == "__main__":
    raise SystemExit(main())
