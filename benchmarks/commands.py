"""Time the commands as users run them: `runtime.scan` on A4 JPEG pages, `runtime.camera` on a video.

`benchmarks.pipeline` times the reader in-process; a user runs a whole command, with decoding,
worker start-up, inter-process traffic, journalling and progress included. This benchmark makes
its inputs with the project's generators from MNIST *test* digits (nothing here was tuned on
them) and times, each in a subprocess like a user's shell would start it:
- `python -m runtime.scan DIR --workers N` on A4 pages at 200 dpi (1654x2339 JPEG, ~100 digits),
  and with `--full-size` (every page segmented at its own size, as before pages of big digits
  were segmented on a smaller copy by default);
- the same on 640x480 pages with 20 digits, where the harness's per-page cost shows most;
- `python -m runtime.camera --source video.avi --headless` on 640x480 frames with 20 digits,
  pinned to one core (`taskset`), the way a Raspberry Pi's single busy core would run it: on a
  video showing a new page every frame (the worst case: nothing carries over between frames),
  and on one of cards held in a hand, each for 3 s, never still (`benchmarks.handheld_video`);
  its JSON lines are scored against what each frame shows.
The runtime's modules are compiled to bytecode first, as an installation has them.
Beside each it reports the reader's own time per page, measured in-process on the same pages,
so the harness's overhead outside the reader is a ratio from the same run, and the digit
precision/recall of the scans and videos against the generator's truth (phantom digits count
against precision).

Usage: python -m benchmarks.commands [--pages 60] [--frames 600] [--workers 2] [--only camera]
       [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmarks.accuracy import score_result
from benchmarks.datasets import load_dataset, page_from_json
from benchmarks.machine import describe, machine_info
from benchmarks.metrics import Counts, count_box_matches, match_boxes
from benchmarks.pipeline import set_opencv_threads
from benchmarks.pipeline_frames import FrameSpec, FrameTruth, make_frame
from benchmarks.reporting import BenchmarkError, run_and_report
from benchmarks.worksheets import WorksheetOptions, load_test_digits, write_worksheets
from runtime.cli import positive_int

A4_200DPI = (1654, 2339)
FRAME_SIZE = (640, 480)
FRAME_DIGITS = 20
JPEG_QUALITY = 90  # a phone or scanner's usual JPEG

GOALS = {"camera_fps": 300.0, "a4_pages_per_s": 25.0, "max_overhead_share": 0.10}
"""The speed issue's goals: camera frames/s on one core, A4 pages/s with 2 workers, and the
per-page cost outside the reader as a share of the reader's own time."""


@dataclass
class CommandsOptions:
    """What to generate and time."""

    pages: int = 60  # A4 pages for the scan command
    small_pages: int = 300  # 640x480 pages for the scan command's per-page overhead
    frames: int = 600  # frames of the camera video
    workers: int = 2  # the scan command's --workers
    seed: int = 2026  # generator seed; every input depends only on it
    quiet: bool = False
    only: str | None = None  # "scan" or "camera": time only that command; None = both


def make_a4_pages(folder: Path, count: int, seed: int) -> Path:
    """Worksheet pages at A4 200 dpi, mildly degraded, saved as JPEG; returns their truth.json."""
    options = WorksheetOptions(size=A4_200DPI, degrade="light")
    truth = write_worksheets(folder, count, seed, options, load_test_digits(), progress=False)
    for entry in truth["files"]:
        png = folder / entry["path"]
        jpeg = png.with_suffix(".jpg")
        cv2.imwrite(str(jpeg), cv2.imread(str(png)), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        png.unlink()
        entry["path"] = jpeg.name
    truth_path = folder / "truth.json"
    truth_path.write_text(json.dumps(truth), encoding="utf-8")
    return truth_path


def write_frames(folder: Path, count: int, seed: int) -> list[Path]:
    """640x480 webcam-like frames with 20 digits, as PNG pages in `folder`."""
    paths = []
    for index, frame in enumerate(_frames(count, seed)):
        paths.append(folder / f"frame_{index:05d}.png")
        cv2.imwrite(str(paths[-1]), frame.image)
    return paths


def write_video(video: Path, count: int, seed: int) -> list[FrameTruth]:
    """The same frames (`write_frames`, same seed) as one MJPG video; what each frame shows."""
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, FRAME_SIZE)
    truth = []
    for frame in _frames(count, seed):
        writer.write(frame.image)
        truth.append(frame.truth())
    writer.release()
    return truth


def _frames(count: int, seed: int):
    from benchmarks.handwriting import DigitBank
    from train.data import load_mnist

    images, labels = load_mnist("test")
    bank, rng = DigitBank(images, labels), np.random.default_rng(seed)
    spec = FrameSpec(*FRAME_SIZE, FRAME_DIGITS, camera=True)
    return (make_frame(spec, bank, rng) for _ in range(count))


def run_command(arguments: list[str], cpus: str | None = None) -> tuple[float, float, str, str]:
    """Run `python -m ...` as a user would; wall seconds, CPU seconds of it and its children,
    stderr and stdout."""
    prefix = ["taskset", "-c", cpus] if cpus is not None and shutil.which("taskset") else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run([*prefix, sys.executable, "-m", *arguments], capture_output=True,
                               text=True, timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise BenchmarkError(f"{' '.join(arguments[:2])} exited {completed.returncode}: "
                             f"{completed.stderr.strip().splitlines()[-1:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.stderr, completed.stdout


def reader_seconds_per_page(paths: list[Path], flags: tuple[str, ...] = ()) -> tuple[float, float]:
    """In-process decode and reader CPU seconds per page (means), one thread, as a scan worker
    loads a page it does not draw and reads it."""
    from runtime.classifier import Classifier
    from runtime.reading.reader import PageReader, ReaderOptions
    from runtime.scan.pages import open_pages

    def pages():
        for path in paths:
            with open_pages(path) as source:
                yield source.load(0, grey=True)

    set_opencv_threads(1)  # thread CPU time must see all of the reader's work
    reader = PageReader(Classifier.load(threads=1), ReaderOptions(scale_to_digits="--full-size" not in flags))
    return _decode_and_read_seconds(pages(), lambda gray, index: reader.read(gray))


def camera_seconds_per_frame(video: Path, count: int) -> tuple[float, float]:
    """In-process decode and reader CPU seconds per frame (means) over the video's first `count`
    frames, decoded and read as the headless command does: straight to grey
    (`FrameSource.grey`), in order, with the stream's shortcuts (polarity kept, tracking)."""
    from runtime.camera.capture import open_source
    from runtime.camera.cli import build_page_reader
    from runtime.camera.stream import StreamShortcuts

    set_opencv_threads(1)
    stream = StreamShortcuts(build_page_reader(None, threads=1, min_confidence=0.5))
    source = open_source(str(video))
    source.grey = True  # nothing draws the frames of a headless run
    source.open()
    try:
        frames = (source.read() for _ in range(count))
        return _decode_and_read_seconds(frames, stream.read)
    finally:
        source.close()


def _decode_and_read_seconds(images, read_gray) -> tuple[float, float]:
    """Mean thread CPU seconds spent drawing each image from `images` (decoding it) and in
    `read_gray(image, index)`.

    CPU time, not wall time: the ratio to the command's CPU time stays fair on a busy machine.
    Means, as the command's CPU time per page is one: a page that takes a second look (turned
    over, levelled) costs the command its full time."""
    from runtime.memory import keep_freed_memory_for_reuse

    keep_freed_memory_for_reuse()  # as the scan workers and the camera do, so the ratio is fair
    decode, read = [], []
    for index in itertools.count():
        started = time.thread_time()
        gray = next(images, None)
        if gray is None:
            break
        decoded = time.thread_time()
        read_gray(gray, index)
        decode.append(decoded - started)
        read.append(time.thread_time() - decoded)
    return float(np.mean(decode)), float(np.mean(read))


def scan_row(name: str, folder: Path, paths: list[Path], workers: int, truth: Path | None,
             flags: tuple[str, ...] = ()) -> dict:
    """Time the scan command over `folder`; compare with the reader's own time on the same pages."""
    out = folder.parent / f"{name}.json"
    wall, cpu, _, _ = run_command(["runtime.scan", str(folder), "--workers", str(workers),
                                "--json", str(out), "--quiet", *flags])
    decode_s, reader_s = reader_seconds_per_page(paths, flags=flags)
    pages = len(paths)
    row = {"command": " ".join([f"runtime.scan --workers {workers}", *flags]), "input": name, "pages": pages,
           "seconds": round(wall, 2), "per_s": round(pages / wall, 2),
           "cpu_ms_per_page": round(1000 * cpu / pages, 1),
           "decode_ms": round(1000 * decode_s, 1), "reader_ms": round(1000 * reader_s, 1)}
    # Everything the command spends per page beyond the reader itself: decoding, start-up, IPC,
    # journalling, progress; as a share of the reader's time.
    row["overhead_share"] = round((cpu / pages - reader_s) / reader_s, 3)
    # The same without the start-up (interpreter, imports, fork server, workers, model): the
    # command's CPU for each page beyond its first `workers` ones (a run on those alone).
    if pages > workers:
        startup_cpu = _cpu_of_first_pages(folder, paths[:workers], workers, flags)
        per_page = (cpu - startup_cpu) / (pages - workers)
        row["startup_cpu_s"] = round(startup_cpu, 2)
        row["per_page_overhead_share"] = round((per_page - reader_s) / reader_s, 3)
    if truth is not None:
        row.update(score_scan(out, truth))
    return row


def _cpu_of_first_pages(folder: Path, paths: list[Path], workers: int, flags: tuple[str, ...]) -> float:
    """CPU seconds of the scan command on `paths` alone (linked into a folder of their own)."""
    first = folder.parent / f"{folder.name}-first"
    first.mkdir(exist_ok=True)
    for path in paths:
        link = first / path.name
        if not link.exists():
            link.symlink_to(path)
    _, cpu, _, _ = run_command(["runtime.scan", str(first), "--workers", str(workers),
                             "--json", str(first.parent / f"{first.name}.json"), "--quiet", *flags])
    return cpu


def score_scan(scan_json: Path, truth: Path) -> dict:
    """Digit precision / recall / F1 of a scan's JSON against the generator's truth."""
    dataset = load_dataset(truth)
    read = {Path(entry["path"]).name: entry
            for entry in json.loads(scan_json.read_text(encoding="utf-8"))["files"]}
    total = Counts()
    for sample in dataset.samples:
        entry = read.get(sample.name)
        result = page_from_json(entry["lines"], sample.name) if entry else page_from_json([], sample.name)
        total = total + score_result(sample, result, use_boxes=True).counts
    return {"precision": round(total.precision, 4), "recall": round(total.recall, 4),
            "f1": round(total.f1, 4)}


def camera_row(video: Path, truth: list[FrameTruth], probe_frames: int,
               kind: str = "new page every frame") -> dict:
    """Time the headless camera command on the video, pinned to one core, and score its JSON
    lines against what each frame shows (`truth`).

    The decoding and reader's time are taken in-process on the video's first `probe_frames`
    frames (read as a stream), as a mean: a hand-held card's frames are mostly carried along and now and then
    read afresh, and both count in the command's time."""
    frames = len(truth)
    wall, cpu, stderr, stdout = run_command(["runtime.camera", "--source", str(video), "--headless"],
                                            cpus="0")
    summary = [line for line in stderr.splitlines() if line.startswith("read ")]
    loop_fps = float(summary[-1].split("(")[1].split()[0]) if summary else None
    decode_s, reader_s = camera_seconds_per_frame(video, probe_frames)
    return {"command": "runtime.camera --headless (1 core)", "input": f"{frames} frames 640x480, {kind}",
            "pages": frames, "seconds": round(wall, 2), "per_s": round(frames / wall, 2),
            "loop_fps": loop_fps, "cpu_ms_per_page": round(1000 * cpu / frames, 2),
            "decode_ms": round(1000 * decode_s, 2), "reader_ms": round(1000 * reader_s, 2),
            "overhead_share": round((cpu / frames - reader_s) / reader_s, 3),
            **score_frames(stdout, truth)}


def score_frames(json_lines: str, truth: list[FrameTruth]) -> dict:
    """Digit precision / recall / F1 of the camera's JSON lines (one per frame read) against
    what each frame shows, boxes matched as the scan's are (a frame not read counts its digits
    as missed)."""
    read: dict[int, list[dict]] = {}
    for line in json_lines.splitlines():
        record = json.loads(line)
        read[record["frame"]] = [digit for text_line in record["lines"] for digit in text_line["digits"]]
    total = Counts()
    for index, shown in enumerate(truth):
        digits = read.get(index, [])
        pairs = match_boxes(shown.boxes, [digit["bbox"] for digit in digits])
        total = total + count_box_matches(shown.labels, [digit["digit"] for digit in digits], pairs)
    return {"precision": round(total.precision, 4), "recall": round(total.recall, 4), "f1": round(total.f1, 4)}


def camera_rows(work: Path, options: CommandsOptions, say) -> list[dict]:
    """The camera command on a video of new pages and on one of hand-held cards."""
    from benchmarks.handheld_video import write_handheld_video

    video = work / "video.avi"
    truth = write_video(video, options.frames, options.seed + 2)
    handheld = work / "handheld.avi"
    handheld_truth = write_handheld_video(handheld, options.frames, options.seed + 3)
    say("timing runtime.camera on the videos, one core")
    return [camera_row(video, truth, probe_frames=20),
            camera_row(handheld, handheld_truth, probe_frames=90, kind="hand-held cards")]


def compile_runtime_bytecode() -> None:
    """Write the bytecode of the runtime package's modules, as `pip install` does.

    A user's second run finds it written by the first; here PYTHONDONTWRITEBYTECODE may be set
    (it was on the shared machine), and then every timed process compiled whatever modules had
    no current bytecode again: about 0.1 s of CPU a scan run (main process and fork server)."""
    import compileall

    import runtime

    compileall.compile_dir(Path(runtime.__file__).parent, quiet=2)


def run_benchmark(options: CommandsOptions) -> dict:
    compile_runtime_bytecode()
    with tempfile.TemporaryDirectory(prefix="edgedigits-commands-") as temp:
        work = Path(temp)
        say = (lambda text: None) if options.quiet else (lambda text: print(text, file=sys.stderr))
        rows, digits = [], None
        if options.only != "camera":
            say(f"generating {options.pages} A4 pages and {options.small_pages} small pages "
                f"(seed {options.seed})")
            rows, digits = scan_rows(work, options, say)
        if options.only != "scan":
            say(f"generating two {options.frames}-frame videos (seed {options.seed})")
            rows += camera_rows(work, options, say)
    return {"benchmark": "commands", "machine": machine_info(), "options": vars(options),
            "a4_digits_per_page": round(digits / options.pages, 1) if digits is not None else None,
            "goals": GOALS, "rows": rows}


def scan_rows(work: Path, options: CommandsOptions, say) -> tuple[list[dict], int]:
    """The scan command on A4 pages (1 and `options.workers` workers) and on 640x480 pages;
    with the A4 pages' number of digits."""
    a4 = work / "a4"
    truth = make_a4_pages(a4, options.pages, options.seed)
    small = work / "small"
    small.mkdir()
    small_paths = write_frames(small, options.small_pages, options.seed + 1)
    a4_paths = sorted(a4.glob("*.jpg"))
    digits = sum(len(line["digits"]) for entry in json.loads(truth.read_text())["files"]
                 for line in entry["lines"])
    rows = []
    for workers in sorted({1, options.workers}):
        say(f"timing runtime.scan --workers {workers} on A4 pages")
        rows.append(scan_row("a4", a4, a4_paths, workers, truth))
    say("timing runtime.scan --full-size on A4 pages")
    rows.append(scan_row("a4", a4, a4_paths, options.workers, truth, ("--full-size",)))
    say("timing runtime.scan on 640x480 pages")
    rows.append(scan_row("small", small, small_paths, options.workers, None))
    return rows, digits


def markdown(result: dict) -> str:
    a4_digits = result["a4_digits_per_page"]
    lines = [f"Commands as users run them ({describe(result['machine'])})"
             + (f"; A4 pages hold {a4_digits} digits on average." if a4_digits is not None else "."), "",
             "| command | input | pages/frames | seconds | per s | CPU ms each | decode ms | "
             "reader ms | overhead | overhead after start-up | digit P / R |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in result["rows"]:
        quality = (f"{row['precision']:.2%} / {row['recall']:.2%}" if "precision" in row else "–")
        after_startup = (f"{row['per_page_overhead_share']:.0%} ({row['startup_cpu_s']} s start-up)"
                         if "per_page_overhead_share" in row else "–")
        lines.append(f"| {row['command']} | {row['input']} | {row['pages']} | {row['seconds']} | "
                     f"{row['per_s']} | {row['cpu_ms_per_page']} | {row['decode_ms']} | "
                     f"{row['reader_ms']} | {row['overhead_share']:.0%} | {after_startup} | {quality} |")
    goals = result["goals"]
    lines += ["", f"Goals: camera >= {goals['camera_fps']:g} frames/s on one core, A4 scan >= "
              f"{goals['a4_pages_per_s']:g} pages/s with 2 workers, overhead outside the reader <= "
              f"{goals['max_overhead_share']:.0%} of the reader's time."]
    return "\n".join(lines)


def write_outputs(result: dict, out: Path) -> list[Path]:
    from benchmarks.plots import goal_bars

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "commands.json", out / "commands.md"]
    paths[0].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(result) + "\n", encoding="utf-8")
    bars = [(f"{row['command']}\n{row['input']}", row["per_s"]) for row in result["rows"]]
    paths.append(goal_bars(bars, out / "commands.png", "Commands as users run them (per second)"))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.commands", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=positive_int, default=CommandsOptions.pages)
    parser.add_argument("--small-pages", type=positive_int, default=CommandsOptions.small_pages)
    parser.add_argument("--frames", type=positive_int, default=CommandsOptions.frames)
    parser.add_argument("--workers", type=positive_int, default=CommandsOptions.workers)
    parser.add_argument("--seed", type=int, default=CommandsOptions.seed)
    parser.add_argument("--only", choices=("scan", "camera"),
                        help="time only the scan or only the camera command (default both)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true")
    arguments = parser.parse_args(argv)
    options = CommandsOptions(arguments.pages, arguments.small_pages, arguments.frames,
                              arguments.workers, arguments.seed, arguments.quiet, arguments.only)
    return run_and_report(lambda: run_benchmark(options), write_outputs, markdown, arguments.out,
                          arguments.json, arguments.quiet)


if __name__ == "__main__":
    sys.exit(main())
