"""End-to-end cost of reading digits: camera frames per second and A4 pages per second.

Times `runtime.reading.reader.PageReader.read` - segmentation, classification with the shipped (or a
given) model, grouping into numbers and lines - on synthetic inputs holding an exact number of
MNIST test digits (`benchmarks.pipeline_frames`):
- camera frames, 640x480 and 1280x720 with 20 digits, read the way `runtime.camera` reads
  them (no orientation search), on one core and on all cores;
- A4 scans at 200 dpi (1654x2339) with 100 digits, read the way `runtime.scan` reads them
  (orientation search on), on one core and on all cores as a pool of one-core processes, one
  page per process at a time, as a batch scan would run.
The reader's per-stage timing hook (`read(image, timings=dict)`) splits each frame's time into
segmentation, orientation, classification and grouping. Each scenario also reports how many of
the written digits were found and read correctly, so a fast but broken reader shows.

Results go to the terminal and, in `--out`, to pipeline.md, pipeline.json and pipeline.png
(milliseconds per frame by stage), with the machine they were measured on.

Usage: python -m benchmarks.pipeline [--model models/edge/edge_int8.tflite] [--quick]
       [--out benchmarks/results/]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.machine import describe, describe_flags, machine_info, repo_relative, usable_cores
from benchmarks.pipeline_frames import (
    A4_200DPI_PX,
    FrameSpec,
    SyntheticFrame,
    make_frames,
)
from benchmarks.reporting import BenchmarkError, run_and_report
from runtime.paths import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"

CAMERA_FPS_GOAL = 100.0
"""Goal: frames per second at 640x480 with 20 digits on one core."""

PAGES_PER_S_GOAL = 10.0
"""Goal: A4 pages per second at 200 dpi with 100 digits using all cores."""

STAGES = ("segment", "orientation", "classify", "group")
"""The reader's timing keys, in pipeline order; "other" is what the stages do not cover."""


@dataclass
class Scenario:
    """One kind of input read in one way."""

    name: str  # row label, e.g. "camera 640x480"
    spec: FrameSpec
    camera: bool  # read like runtime.camera (no orientation search) or like runtime.scan
    parallel: bool  # all cores: a process pool over frames (pages) or threads in one process


@dataclass
class PipelineOptions:
    """What to run and for how long."""

    model: Path | None = None  # model file; None: the shipped default (edge int8 TFLite)
    out: Path = DEFAULT_OUT  # folder for pipeline.md / .json / .png
    frames_per_scenario: int = 8  # distinct synthetic frames, cycled while timing
    min_time_s: float = 3.0  # time each scenario for at least this long
    warmup_frames: int = 3  # untimed reads first (interpreter buffers, OpenCV pools)
    cores: int = usable_cores()  # "all cores"
    seed: int = 7  # synthetic frames are reproducible
    profile: bool = False  # write a pyinstrument profile of each one-process scenario to `out`
    quiet: bool = False  # no progress lines


def default_scenarios(cores: int) -> list[Scenario]:
    camera_640 = FrameSpec(640, 480, 20, camera=True)
    camera_720 = FrameSpec(1280, 720, 20, camera=True)
    page = FrameSpec(*A4_200DPI_PX, 100, camera=False, digit_height_px=56.0)
    scenarios = [
        Scenario("camera 640x480, 20 digits", camera_640, camera=True, parallel=False),
        Scenario("camera 1280x720, 20 digits", camera_720, camera=True, parallel=False),
        Scenario("A4 200 dpi, 100 digits", page, camera=False, parallel=False),
    ]
    if cores > 1:
        scenarios += [
            Scenario("camera 640x480, 20 digits", camera_640, camera=True, parallel=True),
            Scenario("camera 1280x720, 20 digits", camera_720, camera=True, parallel=True),
            Scenario("A4 200 dpi, 100 digits", page, camera=False, parallel=True),
        ]
    return scenarios


def quick_options(options: PipelineOptions) -> PipelineOptions:
    """A run of a few seconds: it checks the whole path, its numbers are rough."""
    options.frames_per_scenario = 2
    options.min_time_s = 0.2
    options.warmup_frames = 1
    return options


# ---------------------------------------------------------------- reading


def build_reader(model: Path | None, threads: int, camera: bool):
    """The reader the camera (no orientation search) or the scanner would build."""
    from runtime.classifier import Classifier
    from runtime.reading.reader import PageReader, ReaderOptions

    classifier = Classifier.load(model, threads=threads)
    return PageReader(classifier, ReaderOptions(detect_orientation=not camera))


def set_opencv_threads(threads: int) -> None:
    """OpenCV's own thread pool: 1 for one core, 0 for its default (all cores)."""
    import cv2

    cv2.setNumThreads(threads)


def read_timed(reader, frame: SyntheticFrame) -> tuple[float, float, dict, int, int]:
    """Read one frame: (wall s, CPU s, stage s, digits found at a written digit, read right).

    The times cover the whole `read` call (colour conversion included); scoring is not timed.
    CPU time is this process's (all its threads): on a machine shared with other jobs it
    shows the work done, where wall time also counts waiting for a core.
    """
    timings: dict[str, float] = {}
    cpu_start = time.process_time()
    start = time.perf_counter()
    result = reader.read(frame.image, timings=timings)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    found, correct = score(result.digits, frame)
    return elapsed, cpu, timings, found, correct


def score(digits, frame: SyntheticFrame) -> tuple[int, int]:
    """Match read digits to written ones by box centre; count found and correctly read."""
    found = correct = 0
    taken: set[int] = set()
    for label, (x, y, w, h) in zip(frame.labels, frame.boxes, strict=True):
        for index, digit in enumerate(digits):
            if index in taken:
                continue
            dx, dy, dw, dh = digit.bbox
            centre_x, centre_y = dx + dw / 2, dy + dh / 2
            if x <= centre_x <= x + w and y <= centre_y <= y + h:
                taken.add(index)
                found += 1
                correct += digit.digit == str(label)
                break
    return found, correct


def time_in_process(scenario: Scenario, frames: list[SyntheticFrame],
                    options: PipelineOptions) -> dict:
    """Read frames one after another in this process; per-frame totals and stage split."""
    threads = options.cores if scenario.parallel else 1
    set_opencv_threads(0 if scenario.parallel else 1)
    reader = build_reader(options.model, threads, scenario.camera)
    for index in range(options.warmup_frames):
        reader.read(frames[index % len(frames)].image)
    profiler = _start_profiler() if options.profile else None
    totals: list[float] = []
    cpu_totals: list[float] = []
    stage_samples: dict[str, list[float]] = {}
    found = correct = written = 0
    measured = 0.0
    index = 0
    while measured < options.min_time_s or index < len(frames):
        frame = frames[index % len(frames)]
        reader_s, cpu_s, timings, frame_found, frame_correct = read_timed(reader, frame)
        totals.append(reader_s)
        cpu_totals.append(cpu_s)
        for stage in STAGES:
            stage_samples.setdefault(stage, []).append(timings.get(stage, 0.0))
        found += frame_found
        correct += frame_correct
        written += len(frame.labels)
        measured += reader_s
        index += 1
    if profiler is not None:
        profiler.stop()
        _write_profile(profiler, scenario, options.out)
    set_opencv_threads(0)
    return _summary(scenario, totals, cpu_totals, stage_samples, found, correct, written,
                    threads, processes=1, wall_s=sum(totals))


def _start_profiler():
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise BenchmarkError("--profile needs pyinstrument: pip install pyinstrument") from None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    return profiler


def _write_profile(profiler, scenario: Scenario, out: Path) -> Path:
    """profile-<scenario>-<cores>.txt: where the reader's time goes, call tree by wall time."""
    cores = "all-cores" if scenario.parallel else "1-core"
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")
    path = out / f"profile-{slug}-{cores}.txt"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return path


# A pool worker's state: built once per process by the initializer, before timing starts.
_worker_reader = None
_worker_frames: list[SyntheticFrame] = []


def _pool_init(model: Path | None, camera: bool, frames: list[SyntheticFrame]) -> None:
    global _worker_reader, _worker_frames
    set_opencv_threads(1)
    _worker_reader = build_reader(model, 1, camera)
    _worker_frames = frames
    _worker_reader.read(frames[0].image)  # warm up before the first timed page


def _pool_read(index: int) -> tuple[int, int, int, float, float, dict]:
    frame = _worker_frames[index % len(_worker_frames)]
    reader_s, cpu_s, timings, found, correct = read_timed(_worker_reader, frame)
    return found, correct, len(frame.labels), reader_s, cpu_s, timings


def time_in_pool(scenario: Scenario, frames: list[SyntheticFrame],
                 options: PipelineOptions) -> dict:
    """Read frames with one single-threaded reader per core, as a batch scan would."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(options.cores, initializer=_pool_init,
                      initargs=(options.model, scenario.camera, frames)) as pool:
        # Every worker is built and warmed before the clock starts.
        pool.map(_pool_read, range(options.cores), chunksize=1)
        totals: list[float] = []
        cpu_totals: list[float] = []
        stage_samples: dict[str, list[float]] = {}
        found = correct = written = 0
        wall = 0.0
        next_index = 0
        while wall < options.min_time_s or next_index < len(frames):
            indices = range(next_index, next_index + max(len(frames), 2 * options.cores))
            start = time.perf_counter()
            results = pool.map(_pool_read, indices, chunksize=1)
            wall += time.perf_counter() - start
            next_index += len(indices)
            for frame_found, frame_correct, frame_written, reader_s, cpu_s, timings in results:
                totals.append(reader_s)
                cpu_totals.append(cpu_s)
                for stage in STAGES:
                    stage_samples.setdefault(stage, []).append(timings.get(stage, 0.0))
                found += frame_found
                correct += frame_correct
                written += frame_written
    return _summary(scenario, totals, cpu_totals, stage_samples, found, correct, written,
                    threads=1, processes=options.cores, wall_s=wall)


def _summary(scenario: Scenario, totals: list[float], cpu_totals: list[float],
             stage_samples: dict[str, list[float]], found: int, correct: int, written: int,
             threads: int, processes: int, wall_s: float) -> dict:
    # A stage the reader never reported (e.g. orientation on camera frames) is left out.
    stages_ms = {stage: float(np.median(samples)) * 1e3 for stage, samples in stage_samples.items()
                 if max(samples) > 0.0}
    return {
        "scenario": scenario.name,
        "width": scenario.spec.width,
        "height": scenario.spec.height,
        "digits_written": scenario.spec.digit_count,
        "mode": "camera" if scenario.camera else "scan",
        "cores": "all" if scenario.parallel else 1,
        "processes": processes,
        "threads_per_process": threads,
        "frames": len(totals),
        "median_ms": float(np.median(totals)) * 1e3,
        "p90_ms": float(np.percentile(totals, 90)) * 1e3,
        "mean_ms": float(np.mean(totals)) * 1e3,
        "cpu_median_ms": float(np.median(cpu_totals)) * 1e3,
        "stages_ms": stages_ms,
        "per_second": len(totals) / wall_s,  # frames (or pages) per second, wall clock
        # What the same work would give if every process had its core to itself: on a shared
        # machine the wall-clock figure also counts waiting for a core.
        "cpu_bound_per_second": processes / float(np.median(cpu_totals)),
        "found_fraction": found / written if written else None,
        "read_correct_fraction": correct / written if written else None,
    }


# ---------------------------------------------------------------- the run


def run_benchmark(options: PipelineOptions, scenarios: list[Scenario] | None = None) -> dict:
    """Generate the frames, time every scenario, and return the whole result."""
    from runtime.models import ModelError

    scenarios = scenarios or default_scenarios(options.cores)
    try:
        model_path = _resolve_model(options.model)
    except ModelError as error:
        raise BenchmarkError(str(error)) from None
    options.model = model_path
    frames_by_spec: dict[str, list[SyntheticFrame]] = {}
    rows = []
    for scenario in scenarios:
        key = repr(scenario.spec)
        if key not in frames_by_spec:
            frames_by_spec[key] = _frames(scenario.spec, options)
        frames = frames_by_spec[key]
        _say(options, f"timing {scenario.name}, {'all cores' if scenario.parallel else '1 core'}")
        if scenario.parallel and not scenario.camera:
            row = time_in_pool(scenario, frames, options)
        else:
            row = time_in_process(scenario, frames, options)
        rows.append(row)
        _say(options, f"  {row['median_ms']:.2f} ms median, {row['per_second']:.1f}/s")
    return {
        "machine": machine_info(),
        "model": repo_relative(model_path),
        "options": json.loads(json.dumps(asdict(options), default=lambda value: repo_relative(
            value) if isinstance(value, Path) else str(value))),
        "rows": rows,
        "goals": goals(rows),
    }


def _resolve_model(model: Path | None) -> Path:
    from runtime.classifier import Classifier

    return Path(Classifier.load(model).path)  # loads once: a missing model fails here, early


def _frames(spec: FrameSpec, options: PipelineOptions) -> list[SyntheticFrame]:
    from train.data import DatasetError

    try:
        return make_frames(spec, options.frames_per_scenario, options.seed)
    except DatasetError as error:
        raise BenchmarkError(f"cannot draw synthetic frames: {error}") from None


def _say(options: PipelineOptions, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


def find(rows: list[dict], width: int, mode: str, cores) -> dict | None:
    for row in rows:
        if row["width"] == width and row["mode"] == mode and row["cores"] == cores:
            return row
    return None


def goals(rows: list[dict]) -> list[dict]:
    camera = find(rows, 640, "camera", 1)
    pages = find(rows, A4_200DPI_PX[0], "scan", "all") or find(rows, A4_200DPI_PX[0], "scan", 1)
    return [
        {"goal": f"camera 640x480 with 20 digits above {CAMERA_FPS_GOAL:g} frames/s on one core",
         "target": CAMERA_FPS_GOAL, "measured": camera["per_second"] if camera else None,
         "cpu_bound": camera["cpu_bound_per_second"] if camera else None,
         "met": None if camera is None else camera["per_second"] > CAMERA_FPS_GOAL},
        {"goal": f"at least {PAGES_PER_S_GOAL:g} A4 pages/s (200 dpi, 100 digits) on all cores",
         "target": PAGES_PER_S_GOAL, "measured": pages["per_second"] if pages else None,
         "cpu_bound": pages["cpu_bound_per_second"] if pages else None,
         "cores_used": pages["processes"] if pages else None,
         "met": None if pages is None else pages["per_second"] >= PAGES_PER_S_GOAL},
    ]


# ---------------------------------------------------------------- output


def markdown(result: dict) -> str:
    machine = result["machine"]
    lines = [
        "# Pipeline cost per frame and per page",
        "",
        (f"Machine: {describe(machine)} ({describe_flags(machine) or 'CPU flags unknown'}; "
         f"load average {machine['load_average_1m']} at start). "
         f"Model: `{Path(result['model']).name}`."),
        "",
        ("Median milliseconds per frame (page) by reader stage; *per s* is frames (pages) per "
         "second over the whole timed run. *found* / *read* = written digits the reader found / "
         "read correctly. *CPU ms* = median CPU time of the reading process per frame: on a "
         "machine shared with other jobs it shows the work itself, where wall time also counts "
         "waiting for a core. All cores: camera = one reader using every core; A4 = a pool of "
         "one-core processes, one page each at a time."),
        "",
        ("| input | mode | cores | segment ms | orientation ms | classify ms | group ms "
         "| total ms | p90 ms | CPU ms | per s | found | read |"),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        stage = row["stages_ms"]
        cores = "1" if row["cores"] == 1 else f"all ({row['processes']} proc)" if row[
            "processes"] > 1 else "all (threads)"
        lines.append("| " + " | ".join([
            row["scenario"], row["mode"], cores,
            *[f"{stage[name]:.2f}" if name in stage else "–" for name in STAGES],
            f"{row['median_ms']:.2f}", f"{row['p90_ms']:.2f}", f"{row['cpu_median_ms']:.2f}",
            f"{row['per_second']:.1f}",
            _percent(row["found_fraction"]), _percent(row["read_correct_fraction"]),
        ]) + " |")
    lines += ["", "Goals:", ""]
    for goal in result["goals"]:
        verdict = {True: "met", False: "missed", None: "not measured"}[goal["met"]]
        measured = "–" if goal["measured"] is None else f"{goal['measured']:.1f}/s"
        bound = "" if goal.get("cpu_bound") is None else (
            f" ({goal['cpu_bound']:.1f}/s from CPU time alone, i.e. with the cores to itself)")
        lines.append(f"- {goal['goal']}: {measured} wall clock — **{verdict}**{bound}")
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def write_outputs(result: dict, out: Path) -> list[Path]:
    from benchmarks import plots

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "pipeline.md", out / "pipeline.json"]
    written[0].write_text(markdown(result), encoding="utf-8")
    written[1].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    bars = []
    for row in result["rows"]:
        stages = {name: row["stages_ms"][name] for name in STAGES if name in row["stages_ms"]}
        other = row["median_ms"] - sum(stages.values())
        if not stages:
            stages = {"total": row["median_ms"]}
        elif other > 0.01:
            stages["other"] = other
        cores = "1 core" if row["cores"] == 1 else "all cores"
        bars.append({"label": f"{row['scenario']}, {cores}", "stages_ms": stages})
    written.append(plots.stage_bars(bars, out / "pipeline.png",
                                    f"Reader time per frame by stage\n{describe(result['machine'])}"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline",
        description="Time the whole reader (segmentation, classification, grouping) on "
                    "synthetic camera frames (640x480, 1280x720, 20 digits) and A4 scans "
                    "(200 dpi, 100 digits), on one core and on all cores.")
    parser.add_argument("--model", type=Path,
                        help="model file (.tflite/.onnx/.ort); default: the shipped int8 model")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for pipeline.md/.json/.png (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="a few seconds in all: checks everything runs, rough numbers")
    parser.add_argument("--min-time", type=float, metavar="SECONDS",
                        help="time each scenario for at least this long (default 3)")
    parser.add_argument("--frames", type=int, metavar="N",
                        help="distinct synthetic frames per scenario (default 8)")
    parser.add_argument("--seed", type=int, default=7, help="synthetic frames seed (default 7)")
    parser.add_argument("--profile", action="store_true",
                        help="also write a pyinstrument profile of each one-process scenario "
                             "to --out (profile-*.txt); timings include its small overhead")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines or table")
    args = parser.parse_args(argv)

    options = PipelineOptions(model=args.model, out=args.out, seed=args.seed,
                              profile=args.profile, quiet=args.quiet)
    if args.quick:
        quick_options(options)
    if args.min_time is not None:
        if args.min_time <= 0:
            parser.error(f"--min-time must be positive, got {args.min_time}")
        options.min_time_s = args.min_time
    if args.frames is not None:
        if args.frames < 1:
            parser.error(f"--frames must be at least 1, got {args.frames}")
        options.frames_per_scenario = args.frames
    return run_and_report(lambda: run_benchmark(options), write_outputs, markdown, options.out,
                          args.json, args.quiet)

if __name__ == "__main__":
    raise SystemExit(main())
