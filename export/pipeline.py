"""One export run: check inputs, build each requested format, check its parity, write the manifest.

Outcomes stay distinct: an artifact is "passed", "parity-failed" (written, but it disagrees
with the Keras model beyond the limits) or "export-failed" (no file), the values of
`runtime.spec.ExportStatus` that the runtime and the benchmarks read back; the run's exit
status says which of those happened (see `runtime.cli.ExitCode`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from export.build import ExportJob
from export.calibration import CalibrationOptions, load_split
from export.errors import ConversionError, ExportError
from export.formats import ExportFormat, parse_formats
from export.golden import GOLDEN_NAME, expected_outputs, golden_document, golden_inputs, write_golden
from export.golden_check import GoldenError, check_folder
from export.keras_model import file_sha256, keras_probabilities, load_keras_model
from export.manifest import build_manifest, read_existing, write_manifest
from export.parity import ParityLimits, Reference, check_parity
from runtime.classifier import Classifier, ModelError
from runtime.cli import ExitCode
from runtime.spec import NUM_CLASSES, ExportStatus, output_labels


@dataclass
class ExportOptions:
    """What to export and how strictly to check it."""

    model_path: Path  # the trained .keras model
    out_dir: Path  # folder for artifacts and manifest.json (created if missing)
    formats: str | None = None  # comma-separated format names; None exports them all
    parity_limit: int | None = None  # compare on the first N test images; None: all 10,000
    calibration: CalibrationOptions = field(default_factory=CalibrationOptions)
    limits: ParityLimits = field(default_factory=ParityLimits)
    data_dir: Path | None = None  # MNIST folder; None lets train.data find it
    show_progress: bool = True  # tqdm bars and success lines on stderr


@dataclass
class ExportReport:
    """What one run did."""

    manifest_path: Path
    manifest: dict
    artifacts: list[dict]  # this run's manifest entries, in table order
    exit_status: ExitCode


def run_export(options: ExportOptions, log=print) -> ExportReport:
    """Export every requested format, check its parity, and write the manifest."""
    requested = parse_formats(options.formats)
    if options.parity_limit is not None and options.parity_limit < 1:
        raise ExportError(f"--limit must be at least 1, got {options.parity_limit}")
    if options.calibration.image_count < 1:
        raise ExportError("the number of calibration images must be at least 1, got "
                          f"{options.calibration.image_count}")
    model_path = options.model_path.expanduser()
    if not model_path.is_file():
        raise ExportError(f"model not found: {model_path}; train one with "
                          "`python -m train` first")
    out_dir = prepare_out_dir(options.out_dir.expanduser())
    model = load_keras_model(model_path)
    reference = load_reference(model, options)
    progress = _progress_factory(options.show_progress)

    records = []
    with tempfile.TemporaryDirectory(prefix="edgedigits-export-") as scratch:
        job = ExportJob(model=model, model_stem=model_path.stem, out_dir=out_dir,
                        scratch_dir=Path(scratch), calibration_options=options.calibration,
                        data_dir=options.data_dir)
        for entry in requested:
            records.append(export_one(job, entry, reference, options.limits, progress, log))

    manifest = build_manifest(model_path, file_sha256(model_path), reference.accuracy,
                              len(reference.images), records, options.limits.to_dict(),
                              previous=read_existing(out_dir),
                              labels=output_labels(reference.probabilities.shape[1]))
    manifest_path = write_golden_and_manifest(out_dir, manifest, model, reference, log)
    statuses = {record["status"] for record in records}
    if ExportStatus.EXPORT_FAILED in statuses:
        exit_status = ExitCode.FAILED
    elif ExportStatus.PARITY_FAILED in statuses:
        exit_status = ExitCode.PARITY_FAILED
    else:
        exit_status = ExitCode.OK
    return ExportReport(manifest_path, manifest, records, exit_status)


def write_golden_and_manifest(out_dir: Path, manifest: dict, model, reference: Reference,
                              log) -> Path:
    """Write golden.json and the manifest naming it, then re-check every artifact against the
    golden file the way a porter would (`export.golden_check`: manifest + golden + a plain
    interpreter). An artifact whose golden top-1 cannot be reproduced so fails parity."""
    inputs = golden_inputs(reference.images, reference.labels,
                           not_digit=reference.probabilities.shape[1] > NUM_CLASSES)
    keras_top1 = keras_probabilities(model, inputs.images).argmax(axis=1)
    expected = expected_outputs(out_dir, manifest["artifacts"], inputs.images)
    write_golden(out_dir, golden_document(inputs, keras_top1, expected))
    manifest["golden"] = GOLDEN_NAME
    write_manifest(out_dir, manifest)  # the golden check reads it from disk, as a porter would
    try:
        verdicts = {verdict["file"]: verdict for verdict in check_folder(out_dir)}
    except GoldenError as error:
        verdicts = {}
        log(f"golden check FAILED: {error}")
    for artifact in manifest["artifacts"]:
        verdict = verdicts.get(artifact.get("file"))
        if verdict is None or verdict.get("skipped"):
            continue
        artifact["golden"] = {key: verdict[key] for key in
                              ("inputs", "top1_mismatches", "max_probability_difference")
                              if key in verdict}
        if not verdict["passed"] and artifact.get("status") == ExportStatus.PASSED:
            reason = verdict.get("error") or (
                f"golden check: top-1 differs on inputs {verdict['top1_mismatches']}, largest "
                f"probability difference {verdict['max_probability_difference']} (tolerance "
                f"{verdict['tolerance']})")
            artifact.update(status=ExportStatus.PARITY_FAILED, failures=[*artifact.get("failures", []), reason])
            log(f"{artifact['format']}: parity FAILED: {reason}")
    log(f"golden: {len(inputs.labels)} crops, every artifact checked with manifest + golden + a "
        f"plain interpreter, saved as {out_dir / GOLDEN_NAME}")
    return write_manifest(out_dir, manifest)


def prepare_out_dir(out_dir: Path) -> Path:
    """Create `out_dir` and prove it is writable before any slow work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ExportError(f"cannot write to output folder {out_dir}: {reason}; pass a "
                          "writable --out") from None
    return out_dir


def load_reference(model, options: ExportOptions) -> Reference:
    images, labels = load_split("test", options.data_dir)
    if options.parity_limit is not None:
        images, labels = images[: options.parity_limit], labels[: options.parity_limit]
    return Reference(images, labels, keras_probabilities(model, images))


def export_one(job: ExportJob, entry: ExportFormat, reference: Reference, limits: ParityLimits,
               progress, log) -> dict:
    """Build and check one format; its manifest entry, whatever happened."""
    record: dict = {"format": entry.name, "runtime": entry.runtime, "quantized": entry.quantized}
    started = time.perf_counter()
    try:
        path = job.build(entry.name)
    except ConversionError as error:
        record.update(status=ExportStatus.EXPORT_FAILED, error=str(error))
        log(f"{entry.name}: export FAILED: {error}")
        return record
    export_seconds = time.perf_counter() - started
    try:
        classifier = Classifier.load(path)
    except ModelError as error:
        record.update(status=ExportStatus.EXPORT_FAILED, error=f"written but unloadable: {error}")
        log(f"{entry.name}: export FAILED: the runtime cannot load {path.name}: {error}")
        return record
    size = path.stat().st_size
    record.update(file=path.name, size_bytes=size, sha256=file_sha256(path),
                  input=classifier.input_spec.to_dict(),
                  output=classifier.output_spec.to_dict(), labels=output_labels(classifier.output_count),
                  export_seconds=round(export_seconds, 2))
    log(f"{entry.name}: export success {export_seconds:.1f}s, saved as {path} "
        f"({size / 1024:.1f} KB)")

    started = time.perf_counter()
    with progress(total=len(reference.images), desc=f"parity {entry.name}") as bar:
        result = check_parity(path, reference, entry.quantized, limits, bar)
    record.update(result.to_dict(), parity_seconds=round(time.perf_counter() - started, 2))
    if result.passed:
        record["status"] = ExportStatus.PASSED
        log(f"{entry.name}: parity passed: accuracy {result.accuracy:.2%} "
            f"({result.accuracy_delta_pp:+.2f} pp), agreement {result.agreement:.2%}")
    else:
        record.update(status=ExportStatus.PARITY_FAILED, failures=result.failures)
        log(f"{entry.name}: parity FAILED for {path.name}: {'; '.join(result.failures)}")
    return record


def _progress_factory(enabled: bool):
    """tqdm bars on stderr when enabled, otherwise a do-nothing stand-in."""
    if enabled:
        from tqdm import tqdm

        return lambda **kwargs: tqdm(unit="img", leave=False, **kwargs)
    return lambda **kwargs: _NoProgress()


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def update(self, count: int) -> None:
        return None
