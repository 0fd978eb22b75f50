"""What ten live-view viewers cost the camera's reader: frames/s with 0 and with 10 stream clients.

Runs the real command, `python -m runtime.camera --source VIDEO --loop --headless --serve
127.0.0.1:0`, reading a synthetic worksheet video (640x480, 20 handwritten digits per frame) as
fast as the reader can, and counts its JSON lines. In the one run, phases without viewers and
with 10 clients reading `/stream.mjpg` alternate (so a busy neighbour on a shared machine
weighs on both alike); each phase's rate is lines per second after a settling second. The cost
is the median over rounds of 1 - (rate with viewers / rate without) of the two neighbouring
phases. The camera process's CPU time per frame is reported too: on a busy machine the frame
rate follows other people's jobs, the CPU time spent per frame much less.

Usage: python -m benchmarks.camera_serve [--source clip.avi] [--viewers 10] [--phase-seconds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from benchmarks.machine import describe, machine_info
from benchmarks.reporting import BenchmarkError, run_and_report
from runtime.paths import REPO_ROOT

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
SETTLE_S = 1.0  # after viewers come or go, before counting: connections up, queues steady


@dataclass
class ServeBenchOptions:
    source: Path | None = None  # a video; None: a synthetic 640x480 worksheet video
    viewers: int = 10  # stream clients in the "with viewers" phases
    phase_s: float = 4.0  # counted seconds per phase
    rounds: int = 8  # pairs of (no viewers, viewers) phases
    seed: int = 3  # synthetic video seed
    out: Path = DEFAULT_OUT
    quiet: bool = False


@dataclass
class Viewer:
    """One /stream.mjpg client on a thread: reads and drops everything, counting the parts."""

    port: int
    parts: int = 0
    bytes_read: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Viewer:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(b"GET /stream.mjpg HTTP/1.0\r\n\r\n")
            while not self._stop.is_set():
                chunk = connection.recv(1 << 16)
                if not chunk:
                    return
                self.bytes_read += len(chunk)
                self.parts += chunk.count(b"Content-Type: image/jpeg")


def synthetic_video(path: Path, seed: int, frames: int = 30) -> Path:
    """A 640x480 worksheet video with 20 handwritten MNIST test digits per frame."""
    from benchmarks.pipeline_frames import FrameSpec, make_frames

    try:
        made = make_frames(FrameSpec(640, 480, 20, camera=True), frames, seed)
    except Exception as error:  # noqa: BLE001 - the dataset loader's errors vary; report any
        raise BenchmarkError(f"cannot make the synthetic video ({error}); give --source") from None
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 480))
    for frame in made:
        writer.write(frame.image)
    writer.release()
    return path


class ServingCamera:
    """The camera command with --serve, its JSON lines counted as they come."""

    def __init__(self, source: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "runtime.camera", "--source", str(source), "--loop",
             "--headless", "--serve", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        first = self.process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        if match is None:
            self.process.kill()
            raise BenchmarkError(f"the camera did not start serving: {first.strip()}")
        self.port = int(match.group(1))
        self.lines = 0
        threading.Thread(target=self._count, daemon=True).start()

    def _count(self) -> None:
        for _ in self.process.stdout:
            self.lines += 1

    def rate(self, seconds: float) -> tuple[float, float]:
        """(frames read per second, CPU ms of the process per frame) over the next `seconds`."""
        start_lines, start_cpu, started = self.lines, self._cpu_s(), time.perf_counter()
        time.sleep(seconds)
        frames = self.lines - start_lines
        cpu_ms = 1000.0 * (self._cpu_s() - start_cpu) / frames if frames else float("nan")
        return frames / (time.perf_counter() - started), cpu_ms

    def _cpu_s(self) -> float:
        """User + system CPU seconds of the camera process, all its threads (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_benchmark(options: ServeBenchOptions) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        source = options.source or synthetic_video(Path(folder) / "worksheet.avi", options.seed)
        if not source.is_file():
            raise BenchmarkError(f"--source {source} is not a file")
        camera = ServingCamera(source)
        try:
            while camera.lines < 10:  # the model is loaded and frames flow
                if camera.process.poll() is not None:
                    raise BenchmarkError("the camera command ended before reading frames")
                time.sleep(0.1)
            without, with_viewers, viewer_fps, cpu_without, cpu_with = [], [], [], [], []
            for round_index in range(options.rounds):
                time.sleep(SETTLE_S)
                fps, cpu_ms = camera.rate(options.phase_s)
                without.append(fps)
                cpu_without.append(cpu_ms)
                viewers = [Viewer(camera.port).start() for _ in range(options.viewers)]
                time.sleep(SETTLE_S)
                parts_before = [viewer.parts for viewer in viewers]
                fps, cpu_ms = camera.rate(options.phase_s)
                with_viewers.append(fps)
                cpu_with.append(cpu_ms)
                viewer_fps.append(statistics.median(
                    (viewer.parts - before) / options.phase_s
                    for viewer, before in zip(viewers, parts_before)))
                for viewer in viewers:
                    viewer.stop()
                _say(options, f"round {round_index + 1}: {without[-1]:.1f} fps without viewers, "
                              f"{with_viewers[-1]:.1f} fps with {options.viewers} "
                              f"(each viewer got {viewer_fps[-1]:.1f} frames/s)")
        finally:
            camera.stop()
    base, loaded = statistics.median(without), statistics.median(with_viewers)
    paired_costs = [1.0 - loaded_fps / base_fps
                    for base_fps, loaded_fps in zip(without, with_viewers) if base_fps > 0]
    return {"source": "synthetic 640x480 worksheet, 20 digits" if options.source is None
            else str(options.source), "viewers": options.viewers, "phase_s": options.phase_s,
            "fps_without_viewers": [round(v, 2) for v in without],
            "fps_with_viewers": [round(v, 2) for v in with_viewers],
            "viewer_frames_per_s": [round(v, 2) for v in viewer_fps],
            "median_fps_without_viewers": round(base, 2),
            "median_fps_with_viewers": round(loaded, 2),
            "cost_percent": round(100.0 * statistics.median(paired_costs), 1)
            if paired_costs else None,
            "cpu_ms_per_frame_without_viewers": round(statistics.median(cpu_without), 2),
            "cpu_ms_per_frame_with_viewers": round(statistics.median(cpu_with), 2),
            "machine": machine_info()}


def markdown(result: dict) -> str:
    return "\n".join([
        f"# Live view: the reader's frame rate with {result['viewers']} stream viewers",
        "",
        f"Machine: {describe(result['machine'])} (load {result['machine']['load_average_1m']}). "
        f"Source: {result['source']}, read as fast as the reader goes, "
        f"{result['phase_s']:g} s phases alternating.",
        "",
        "| | frames/s per phase | median |",
        "|---|---|---:|",
        f"| no viewers | {', '.join(map(str, result['fps_without_viewers']))} | "
        f"{result['median_fps_without_viewers']} |",
        f"| {result['viewers']} viewers of /stream.mjpg | "
        f"{', '.join(map(str, result['fps_with_viewers']))} | {result['median_fps_with_viewers']} |",
        "",
        f"Cost of the viewers: **{result['cost_percent']}%** of the reader's frame rate (median "
        f"over rounds of the paired phases); each viewer received a median "
        f"{statistics.median(result['viewer_frames_per_s']):.1f} frames/s. CPU time of the "
        f"camera process per frame: {result['cpu_ms_per_frame_without_viewers']} ms without "
        f"viewers, {result['cpu_ms_per_frame_with_viewers']} ms with them.",
        *_oversubscribed_warning(result["machine"]),
    ])


def _oversubscribed_warning(machine: dict) -> list[str]:
    load, cores = machine.get("load_average_1m"), machine.get("cores")
    if load is None or not cores or load <= cores:
        return []
    # The scheduler shares a busy CPU per thread: while 10 server threads are runnable the
    # camera process gets a bigger share, so its frame rate can even rise with viewers.
    return ["", f"Warning: the machine was oversubscribed (load {load} on {cores} cores): the "
                "frame rates follow other jobs and the scheduler's per-thread sharing; the CPU "
                "time per frame is the steadier figure. Re-run on a quiet machine."]


def write_outputs(result: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "camera_serve.json", out / "camera_serve.md"]
    paths[0].write_text(json.dumps(result, indent=2) + "\n")
    paths[1].write_text(markdown(result) + "\n")
    return paths


def _say(options: ServeBenchOptions, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.camera_serve",
                                     description=__doc__.split("Usage:")[0].strip())
    parser.add_argument("--source", type=Path, help="video to read (default: a synthetic one)")
    parser.add_argument("--viewers", type=int, default=10, help="stream clients (default 10)")
    parser.add_argument("--phase-seconds", type=float, default=4.0, metavar="S",
                        help="counted seconds per phase (default 4)")
    parser.add_argument("--rounds", type=int, default=8,
                        help="pairs of phases without and with viewers (default 8)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for camera_serve.md/.json (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines or table")
    args = parser.parse_args(argv)
    if args.viewers < 1 or args.rounds < 1 or args.phase_seconds <= 0:
        parser.error("--viewers and --rounds must be 1 or more, --phase-seconds positive")
    options = ServeBenchOptions(source=args.source, viewers=args.viewers,
                                phase_s=args.phase_seconds, rounds=args.rounds, out=args.out,
                                quiet=args.quiet)
    return run_and_report(lambda: run_benchmark(options), write_outputs, markdown, options.out,
                          args.json, args.quiet)


if __name__ == "__main__":
    raise SystemExit(main())
