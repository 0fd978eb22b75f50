"""Latency, throughput, size, memory and accuracy of every exported model format.

For every artifact in a model manifest (`python -m export` writes it) plus the Keras model the
way a notebook uses it (`model.predict` on one image) and as a direct call
(`model(x, training=False)`), this measures in a fresh process per model and thread setting:
single-image latency through `runtime.classifier.Classifier.predict` (median, p90, p99 after a
warm-up, run for a minimum time), the bare interpreter call for comparison, throughput at batch
sizes 1, 32 and 256 with one thread and with all cores, file size, load time and resident
memory. Accuracy and parity come from the manifest. A reference manifest (the plain "seed" CNN
exported the same way) gives the ratios the README quotes, and the edge model's multiply-
accumulate count (train report `macs`) gives the achieved MAC/s.

Results go to the terminal and, with `--out DIR`, to latency.md, latency.json, latency.png
(single-image latency per format) and throughput.png (images/s against batch size), each with
the machine they were measured on.

With no options it times the model packaged with the runtime (what an installed wheel on a
Raspberry Pi runs: `edgedigits-benchmark --quick`); in a checkout `make benchmark` times every
format of models/edge/ against models/seed/ and writes benchmarks/results/.

Usage: python -m benchmarks.latency [--manifest models/edge/] [--reference models/seed/]
       [--out benchmarks/results/] [--quick] [--no-keras]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import importlib.util
import json
import multiprocessing
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.latency_worker import Job, run_job
from benchmarks.machine import describe, describe_flags, machine_info, repo_relative, usable_cores
from benchmarks.reporting import BenchmarkError, run_and_report
from benchmarks.timing import TimingOptions
from runtime.cli import add_version_option, command_name
from runtime.extras import missing_extra
from runtime.models import DEFAULT_MANIFEST, ModelError, read_manifest
from runtime.paths import REPO_ROOT
from runtime.spec import ExportStatus

INT8_FORMAT = "tflite-int8"
"""The artifact the device runs by default, whose latency the goal and the ratios are about."""

LATENCY_GOAL_US = 50.0
"""Goal: int8 TFLite single-image median latency under this, in microseconds, on one thread."""

STATUS_PASSED = "passed"
STATUS_PARITY_FAILED = "exported, failed parity"
STATUS_EXPORT_FAILED = "failed to export"
STATUS_RUN_FAILED = "failed to run"
"""A row's status in this report's words: the export's verdict, or that measuring it failed."""

REPORT_STATUS = {ExportStatus.PASSED: STATUS_PASSED,
                 ExportStatus.PARITY_FAILED: STATUS_PARITY_FAILED,
                 ExportStatus.EXPORT_FAILED: STATUS_EXPORT_FAILED}
"""The manifest's verdict (written by `python -m export`) -> this report's words for it."""

STATUS_COLOURS = {STATUS_PASSED: "#4C72B0", STATUS_PARITY_FAILED: "#DD8452"}
"""Latency bar colour per status, so a format that failed parity does not pass for a good one."""

JOB_TIMEOUT_S = 600.0
"""A model that takes longer than this to measure is recorded as failed to run."""


@dataclass
class LatencyOptions:
    """What to measure and where to write it."""

    manifest: Path = DEFAULT_MANIFEST  # artifacts of the model under test (default: packaged)
    reference: Path | None = None  # the seed CNN's manifest, for ratios; None: skip
    reference_formats: tuple[str, ...] = (INT8_FORMAT, "keras-predict")  # rows from reference
    out: Path | None = None  # folder for latency.md / .json / .png; None: print only
    formats: tuple[str, ...] | None = None  # only these formats (None: all in the manifest)
    keras: bool = True  # also time the Keras model (needs TensorFlow; skipped if missing)
    thread_counts: tuple[int, ...] = (1, usable_cores())  # one thread, then all cores
    batch_sizes: tuple[int, ...] = (1, 32, 256)
    timing: TimingOptions = field(default_factory=TimingOptions)
    report: Path | None = None  # train report with `macs`; None: <models>/<name>_report/report.json
    quiet: bool = False  # no progress bar


@dataclass
class PlannedRow:
    """One model to measure: a manifest artifact or a Keras way of calling the source model."""

    model: str  # "edge", "seed", ... (the manifest's folder name)
    format: str  # export format name, or "keras-predict" / "keras-call"
    kind: str  # worker job kind
    path: Path | None  # None when the export failed and there is nothing to run
    manifest_status: str  # passed / parity failed / export failed as the manifest says
    size_bytes: int | None
    accuracy: float | None  # on the MNIST test set, as the export's parity check measured it
    agreement: float | None  # fraction of test images where it agrees with the Keras model
    reference: bool = False  # from the reference manifest (for ratios)


def quick_options(options: LatencyOptions) -> LatencyOptions:
    """A run of a few seconds: it checks the whole path, its numbers are rough."""
    options.timing = TimingOptions(min_time_s=0.05, warmup_s=0.01, min_calls=3)
    return options


def load_manifest(path: Path) -> dict:
    """The parsed manifest (via the runtime's own reader), or BenchmarkError naming the file."""
    path = manifest_file(path)
    if not path.is_file():
        raise BenchmarkError(f"manifest not found: {path}; run `python -m export "
                             "models/edge.keras --out models/edge/` first or pass --manifest")
    try:
        return read_manifest(path)
    except ModelError as error:
        raise BenchmarkError(str(error)) from None


def manifest_file(path: Path) -> Path:
    path = Path(path)
    return path / "manifest.json" if path.is_dir() else path


def report_status(entry: dict, manifest_path: Path) -> str:
    """The manifest's own verdict on one artifact, in this report's words.

    An entry without a status counts as passed and one without a file as failed to export,
    as `runtime.models` reads them; a status the export never writes is an error.
    """
    written = entry.get("status", ExportStatus.PASSED)
    try:
        status = ExportStatus(written)
    except ValueError:
        known = ", ".join(member.value for member in ExportStatus)
        raise BenchmarkError(f"{manifest_path}: artifact {entry.get('format')!r} has status "
                             f"{written!r}, not one of {known}; re-run the export") from None
    if entry.get("file") is None:
        status = ExportStatus.EXPORT_FAILED
    return REPORT_STATUS[status]


def plan_rows(manifest_path: Path, options: LatencyOptions, reference: bool) -> list[PlannedRow]:
    """The rows to measure for one manifest, artifacts first, then the Keras source model."""
    manifest_path = manifest_file(manifest_path)
    manifest = load_manifest(manifest_path)
    # The source model's name ("edge"), not the folder's: the packaged copy sits in default_model/.
    model_name = Path(str(manifest.get("source_model") or manifest_path.parent.name)).stem
    wanted = options.reference_formats if reference else options.formats
    rows: list[PlannedRow] = []
    for entry in manifest["artifacts"]:
        if not isinstance(entry, dict) or "format" not in entry:
            continue
        if wanted is not None and entry["format"] not in wanted:
            continue
        status = report_status(entry, manifest_path)
        path = manifest_path.parent / entry["file"] if entry.get("file") else None
        size = entry.get("size_bytes")
        if size is None and path is not None and path.is_file():
            size = path.stat().st_size
        rows.append(PlannedRow(model_name, entry["format"], "classifier",
                               None if status == STATUS_EXPORT_FAILED else path, status, size,
                               entry.get("accuracy"), entry.get("agreement"), reference))
    source = _source_model_path(manifest, manifest_path)
    if options.keras and source is not None:
        for kind in ("keras-predict", "keras-call"):
            if wanted is not None and kind not in wanted:
                continue
            rows.append(PlannedRow(model_name, kind, kind, source, STATUS_PASSED,
                                   source.stat().st_size, manifest.get("keras_accuracy"), 1.0,
                                   reference))
    return rows


def _source_model_path(manifest: dict, manifest_path: Path) -> Path | None:
    """The .keras file the manifest was exported from, looked up beside it or from the repo."""
    source = manifest.get("source_model")
    if not source:
        return None
    for candidate in (Path(source), manifest_path.parent / source,
                      manifest_path.parent.parent / Path(source).name, REPO_ROOT / source):
        if candidate.is_file():
            return candidate
    return None


def stale_source_notes(manifests: list[Path]) -> list[str]:
    """A note per manifest whose .keras file is no longer the one its artifacts came from.

    Keras rows and exported rows would then be different models; the table says so rather
    than compare them silently.
    """
    notes = []
    for manifest_path in manifests:
        manifest_path = manifest_file(manifest_path)
        manifest = load_manifest(manifest_path)
        expected = manifest.get("source_model_sha256")
        source = _source_model_path(manifest, manifest_path)
        if not expected or source is None:
            continue
        actual = hashlib.sha256(source.read_bytes()).hexdigest()
        if actual != expected:
            notes.append(f"{source} changed since {manifest_path} was exported (sha256 differs):"
                         " its Keras rows are not the model the artifacts came from; re-export")
    return notes


def keras_available() -> bool:
    """Whether TensorFlow/Keras can be imported here (a runtime-only install has neither)."""
    return all(importlib.util.find_spec(name) is not None for name in ("tensorflow", "keras"))


def measure(planned: PlannedRow, threads: int, options: LatencyOptions) -> dict:
    """Run one worker job in a fresh process; failures come back as {'error': message}."""
    job = Job(kind=planned.kind, path=str(planned.path), threads=threads,
              batch_sizes=options.batch_sizes, timing=options.timing)
    context = multiprocessing.get_context("spawn")
    executor = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        return executor.submit(run_job, job).result(timeout=JOB_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        return {"error": f"took longer than {JOB_TIMEOUT_S:.0f} s"}
    except concurrent.futures.process.BrokenProcessPool:
        return {"error": "the process measuring it crashed"}
    # Runtimes raise their own error types (pybind, ValueError, ModelError...): record any of
    # them as this row's failure and go on measuring the rest.
    except Exception as error:  # noqa: BLE001
        text = str(error).strip().splitlines()
        return {"error": f"{type(error).__name__}: {text[0] if text else ''}"}
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def run_benchmark(options: LatencyOptions) -> dict:
    """Measure every planned row and return the whole result (also what latency.json holds)."""
    notes: list[str] = []
    if options.keras and not keras_available():
        options.keras = False
        notes.append("Keras rows skipped: TensorFlow/Keras is not installed here.")
    planned = plan_rows(options.manifest, options, reference=False)
    wants_keras = options.formats is None or any(f.startswith("keras") for f in options.formats)
    manifest_path = manifest_file(options.manifest)
    if options.keras and wants_keras and _source_model_path(load_manifest(manifest_path),
                                                            manifest_path) is None:
        notes.append(f"Keras rows skipped: the source model named in {options.manifest} "
                     "was not found")
    notes += stale_source_notes([options.manifest] + (
        [options.reference] if options.reference is not None and
        manifest_file(options.reference).is_file() else []))
    if options.reference is not None:
        if manifest_file(options.reference).is_file():
            planned += plan_rows(options.reference, options, reference=True)
        else:
            notes.append(f"no reference manifest at {options.reference}; ratios to the "
                         "reference model are left out")
    thread_counts = tuple(dict.fromkeys(options.thread_counts))
    jobs = [(row, threads) for row in planned if row.path is not None for threads in thread_counts]
    progress = _progress(len(jobs), options.quiet)
    results: dict[tuple[int, int], dict] = {}
    for row, threads in jobs:
        progress.set_description(f"{row.model} {row.format} x{threads}")
        results[(id(row), threads)] = measure(row, threads, options)
        progress.update(1)
    progress.close()
    rows = [_row_record(row, {t: results.get((id(row), t)) for t in thread_counts})
            for row in planned]
    report = _report_path(options)
    macs = _read_macs(report)
    if macs is None:
        notes.append(f"no `macs` in {report}; MAC/s left out")
    ratios = compute_ratios(rows, macs)
    if options.reference is not None:
        ratios["reference_macs_per_image"] = _read_macs(_report_path(options, options.reference))
    return {
        "machine": machine_info(),
        "options": _options_record(options),
        "rows": rows,
        "ratios": ratios,
        "goals": goals(rows),
        "notes": notes,
    }


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, disable=quiet, unit="model", file=sys.stderr)


def _row_record(row: PlannedRow, runs: dict[int, dict | None]) -> dict:
    measured = {str(threads): run for threads, run in runs.items() if run is not None}
    errors = [run["error"] for run in measured.values() if "error" in run]
    if row.path is None:
        status = STATUS_EXPORT_FAILED
    elif errors:
        status = STATUS_RUN_FAILED
    else:
        status = row.manifest_status
    return {
        "model": row.model,
        "format": row.format,
        "file": repo_relative(row.path) if row.path else None,
        "reference": row.reference,
        "status": status,
        "manifest_status": row.manifest_status,
        "error": errors[0] if errors else None,
        "size_bytes": row.size_bytes,
        "accuracy": row.accuracy,
        "agreement": row.agreement,
        "runs": measured,
    }


def _options_record(options: LatencyOptions) -> dict:
    record = asdict(options)
    return json.loads(json.dumps(record, default=lambda value: repo_relative(value)
                                 if isinstance(value, Path) else str(value)))


def _report_path(options: LatencyOptions, manifest: Path | None = None) -> Path:
    """The train report beside a manifest's models: models/<name>_report/report.json."""
    if manifest is None and options.report is not None:
        return options.report
    manifest_path = manifest_file(manifest or options.manifest)
    name = manifest_path.parent.name
    return manifest_path.parent.parent / f"{name}_report" / "report.json"


def _read_macs(report: Path) -> int | None:
    try:
        macs = json.loads(report.read_text(encoding="utf-8")).get("macs")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    return int(macs) if isinstance(macs, (int, float)) and macs > 0 else None


def single_run(row: dict) -> dict | None:
    """The one-thread measurement of a row (what the latency columns show), if it ran.

    If one thread was not measured, the fewest threads that were stand in for it.
    """
    if not row["runs"]:
        return None
    run = row["runs"][min(row["runs"], key=int)]
    return run if run and "error" not in run else None


def median_us(row: dict | None) -> float | None:
    run = single_run(row) if row else None
    return run["latency"]["median_s"] * 1e6 if run else None


def find_row(rows: list[dict], model_format: str, reference: bool) -> dict | None:
    for row in rows:
        if row["format"] == model_format and row["reference"] == reference:
            return row
    return None


def compute_ratios(rows: list[dict], macs: int | None) -> dict:
    """How many times faster the int8 TFLite path is than the baselines, and its MAC/s."""
    int8 = median_us(find_row(rows, INT8_FORMAT, reference=False))
    tested = [row["model"] for row in rows if not row["reference"]]
    ratios: dict = {"model": tested[0] if tested else None, "int8_median_us": int8}
    baselines = {
        "vs_keras_predict": find_row(rows, "keras-predict", reference=False),
        "vs_keras_call": find_row(rows, "keras-call", reference=False),
        "vs_reference_int8": find_row(rows, INT8_FORMAT, reference=True),
        "vs_reference_keras_predict": find_row(rows, "keras-predict", reference=True),
    }
    for name, row in baselines.items():
        baseline = median_us(row)
        ratios[name] = baseline / int8 if baseline and int8 else None
        ratios[name + "_baseline_us"] = baseline
    ratios["macs_per_image"] = macs
    ratios["single_image_macs_per_s"] = macs / (int8 * 1e-6) if macs and int8 else None
    best = None
    int8_row = find_row(rows, INT8_FORMAT, reference=False)
    for run in (int8_row or {"runs": {}})["runs"].values():
        if "error" in run:
            continue
        for size, point in run["throughput"].items():
            if best is None or point["images_per_s"] > best["images_per_s"]:
                best = {"images_per_s": point["images_per_s"], "batch_size": int(size),
                        "threads": run["threads"]}
    ratios["peak_throughput"] = best
    ratios["peak_macs_per_s"] = macs * best["images_per_s"] if macs and best else None
    return ratios


def goals(rows: list[dict]) -> list[dict]:
    """The latency goal and whether this run met it."""
    measured = median_us(find_row(rows, INT8_FORMAT, reference=False))
    return [{
        "goal": f"{INT8_FORMAT} single-image median latency under {LATENCY_GOAL_US:g} µs "
                "(1 thread, through Classifier.predict)",
        "target_us": LATENCY_GOAL_US,
        "measured_us": measured,
        "met": None if measured is None else measured < LATENCY_GOAL_US,
    }]


# ---------------------------------------------------------------- output


def _label(row: dict) -> str:
    return f"{row['model']} {row['format']}"


def _fmt(value, pattern: str = "{:.1f}", missing: str = "–") -> str:
    return missing if value is None else pattern.format(value)


def markdown(result: dict) -> str:
    """The report as Markdown: machine, latency table, throughput table, ratios, goals."""
    machine = result["machine"]
    thread_keys = [str(t) for t in dict.fromkeys(result["options"]["thread_counts"])]
    lines = [
        "# Model latency and throughput",
        "",
        f"Machine: {describe(machine)} ({describe_flags(machine) or 'CPU flags unknown'}; "
        f"load average {machine['load_average_1m']} at start); "
        + ", ".join(f"{name} {version}" for name, version in machine["libraries"].items()
                    if version),
        "",
        ("Single image, 1 thread, through `Classifier.predict` (uint8 crop in, probabilities "
         "out); *raw* is the bare interpreter call on the same model. Memory: resident set size "
         "added by loading the model and running it once, and the measuring process's peak."),
        "",
        ("| model | format | status | size KB | load ms | model RSS MB | peak RSS MB "
         "| median µs | p90 µs | p99 µs | raw µs | accuracy | agreement |"),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        run = single_run(row)
        latency = run["latency"] if run else None
        raw = run.get("raw") if run else None
        lines.append("| " + " | ".join([
            row["model"], row["format"], row["status"],
            _fmt(row["size_bytes"] / 1024 if row["size_bytes"] else None),
            _fmt(run["load_s"] * 1e3 if run else None, "{:.2f}"),
            _fmt(run["rss_model_bytes"] / 2**20 if run else None),
            _fmt(run["peak_rss_bytes"] / 2**20 if run else None, "{:.0f}"),
            _fmt(latency["median_s"] * 1e6 if latency else None),
            _fmt(latency["p90_s"] * 1e6 if latency else None),
            _fmt(latency["p99_s"] * 1e6 if latency else None),
            _fmt(raw["median_s"] * 1e6 if raw else None),
            _fmt(row["accuracy"], "{:.4f}"),
            _fmt(row["agreement"], "{:.4f}"),
        ]) + " |")
    errors = [row for row in result["rows"] if row["error"]]
    for row in errors:
        lines.append(f"\n{_label(row)} failed to run: {row['error']}")
    batch_sizes = result["options"]["batch_sizes"]
    header = [f"b{size} ×{threads}" for threads in thread_keys for size in batch_sizes]
    all_cores = str(machine["cores"])
    lines += [
        "",
        ("Throughput, images per second, at batch size b with ×N threads"
         + (f" (×{all_cores} = all cores):" if all_cores in thread_keys and all_cores != "1"
            else ":")),
        "",
        "| model | format | " + " | ".join(header) + " |",
        "|---|---|" + "---:|" * len(header),
    ]
    for row in result["rows"]:
        cells = []
        for threads in thread_keys:
            run = row["runs"].get(threads)
            for size in batch_sizes:
                point = run["throughput"].get(str(size)) if run and "error" not in run else None
                cells.append(_fmt(point["images_per_s"] if point else None, "{:,.0f}"))
        lines.append(f"| {row['model']} | {row['format']} | " + " | ".join(cells) + " |")
    lines += ["", *_ratio_lines(result["ratios"]), "", "Goals:", ""]
    for goal in result["goals"]:
        verdict = {True: "met", False: "missed", None: "not measured"}[goal["met"]]
        lines.append(f"- {goal['goal']}: {_fmt(goal['measured_us'])} µs — **{verdict}**")
    for note in result["notes"]:
        lines.append(f"- note: {note}")
    return "\n".join(lines) + "\n"


def _ratio_lines(ratios: dict) -> list[str]:
    lines = ["Ratios (same run, single image, median, 1 thread):", ""]
    names = {
        "vs_keras_predict": "Keras `model.predict` on one image (the notebook way)",
        "vs_keras_call": "Keras `model(x, training=False)`",
        "vs_reference_int8": "the reference CNN (seed) as int8 TFLite",
        "vs_reference_keras_predict": "the reference CNN (seed) with `model.predict`",
    }
    for key, text in names.items():
        if ratios.get(key):
            lines.append(f"- {INT8_FORMAT} is {ratios[key]:,.1f}× faster than {text} "
                         f"({ratios[key + '_baseline_us']:,.1f} µs vs "
                         f"{ratios['int8_median_us']:.1f} µs)")
    if ratios.get("macs_per_image"):
        lines.append(f"- {ratios['model']} model: {ratios['macs_per_image']:,} "
                     "multiply-accumulates per image;"
                     f" {_fmt(_giga(ratios['single_image_macs_per_s']), '{:.2f}')} GMAC/s at "
                     "single-image latency")
        if ratios.get("reference_macs_per_image"):
            lines.append(f"- reference model: {ratios['reference_macs_per_image']:,} "
                         "multiply-accumulates per image")
        best = ratios.get("peak_throughput")
        if best:
            lines.append(f"- peak {INT8_FORMAT} throughput {best['images_per_s']:,.0f} images/s "
                         f"(batch {best['batch_size']}, {_threads(best['threads'])}) = "
                         f"{_fmt(_giga(ratios['peak_macs_per_s']), '{:.2f}')} GMAC/s")
    return lines


def _threads(count: int) -> str:
    return "1 thread" if count == 1 else f"{count} threads"


def _giga(value: float | None) -> float | None:
    return value / 1e9 if value else None


def write_outputs(result: dict, out: Path) -> list[Path]:
    """latency.md, latency.json, latency.png and throughput.png in `out`."""
    # matplotlib is imported here, not at the top: the measuring processes re-import this
    # module and must not carry its memory into their RSS figures.
    from benchmarks import plots

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "latency.md", out / "latency.json"]
    written[0].write_text(markdown(result), encoding="utf-8")
    written[1].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    machine = describe(result["machine"])
    bars = []
    for row in result["rows"]:
        run = single_run(row)
        if run:
            bars.append({"label": _label(row), "median_us": run["latency"]["median_s"] * 1e6,
                         "p90_us": run["latency"]["p90_s"] * 1e6, "status": row["status"]})
    written.append(plots.latency_bars(bars, out / "latency.png",
                                      f"Single-image latency, 1 thread\n{machine}",
                                      goal_us=LATENCY_GOAL_US, status_colours=STATUS_COLOURS))
    series = []
    for row in result["rows"]:
        for threads, run in row["runs"].items():
            if "error" in run:
                continue
            sizes = sorted(int(size) for size in run["throughput"])
            series.append({"label": _label(row), "batch_sizes": sizes,
                           "images_per_s": [run["throughput"][str(s)]["images_per_s"]
                                            for s in sizes],
                           "all_cores": int(threads) > 1})
    written.append(plots.throughput_lines(series, out / "throughput.png",
                                          f"Throughput against batch size\n{machine}"))
    return written


def parse_thread_counts(text: str) -> tuple[int, ...]:
    """'1,all' -> (1, cores); ValueError naming the bad entry otherwise."""
    counts = []
    for item in text.split(","):
        item = item.strip().lower()
        if item == "all":
            counts.append(usable_cores())
        elif item.isdigit() and int(item) > 0:
            counts.append(int(item))
        elif item:
            raise ValueError(f"--threads: {item!r} is not a positive number or 'all' "
                             "(e.g. --threads 1,all)")
    if not counts:
        raise ValueError("--threads needs at least one count, e.g. --threads 1,all")
    return tuple(dict.fromkeys(counts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=command_name("python -m benchmarks.latency"),
        description="Time every exported model format (and the Keras model) on this machine: "
                    "single-image latency, throughput at several batch sizes with 1 thread "
                    "and all cores, size, load time, memory; accuracy from the manifest.")
    add_version_option(parser)
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help="manifest.json (or its folder) of the model under test, e.g. "
                             "models/edge/ (default: the model packaged with the runtime)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="manifest of the reference CNN, for the ratios, e.g. models/seed/ "
                             "(default: none)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference model")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for latency.md/.json/.png (default: print only; "
                             "make benchmark writes benchmarks/results/)")
    parser.add_argument("--formats", help="comma-separated formats to time, e.g. "
                        "tflite-int8,onnx,keras-predict (default: all)")
    parser.add_argument("--no-keras", action="store_true",
                        help="skip the Keras rows (automatic when TensorFlow is not installed)")
    parser.add_argument("--quick", action="store_true",
                        help="a few seconds per model: checks everything runs, rough numbers")
    parser.add_argument("--min-time", type=float, metavar="SECONDS",
                        help="measure each call for at least this long (default 1.0)")
    parser.add_argument("--threads", metavar="LIST",
                        help="thread counts to measure, comma-separated; 'all' = every usable "
                             "core (default: 1,all; with --quick: 1)")
    parser.add_argument("--report", type=Path,
                        help="train report.json with `macs` (default: beside the models)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")
    args = parser.parse_args(argv)

    options = LatencyOptions(manifest=args.manifest, out=args.out, keras=not args.no_keras,
                             reference=None if args.no_reference else args.reference,
                             report=args.report, quiet=args.quiet)
    try:
        options.thread_counts = parse_thread_counts(args.threads or ("1" if args.quick else "1,all"))
    except ValueError as error:
        parser.error(str(error))
    if args.formats:
        options.formats = tuple(name.strip() for name in args.formats.split(",") if name.strip())
    if args.quick:
        quick_options(options)
    if args.min_time is not None:
        if args.min_time <= 0:
            parser.error(f"--min-time must be positive, got {args.min_time}")
        options.timing.min_time_s = args.min_time
    problem = missing_extra("benchmarks") if options.out is not None else None
    if problem:  # the plots need matplotlib; printing the table does not
        parser.error(problem)
    return run_and_report(lambda: run_benchmark(options), write_outputs, markdown, options.out,
                          args.json, args.quiet)

if __name__ == "__main__":
    raise SystemExit(main())
