"""What machine a benchmark ran on: CPU model, cores, Python and library versions, date.

Every result file carries this record, because a latency figure means nothing without the
machine it was taken on. Library versions are read from the installed package metadata, so
recording them never imports TensorFlow (or anything else heavy).

Usage: python -m benchmarks.machine   (prints the record as JSON)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from runtime.paths import REPO_ROOT

LIBRARIES: tuple[str, ...] = (
    "numpy",
    "onnxruntime",
    "ai-edge-litert",
    "tflite-runtime",
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "opencv-python-headless",
    "opencv-python",
)
"""Distributions whose version is recorded; those not installed are recorded as None."""

def cpu_model() -> str:
    """The CPU's marketing name ("AMD EPYC 9B14"), or the best the platform offers."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


NOTABLE_CPU_FLAGS: tuple[str, ...] = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni",
                                      "avx512_bf16", "amx_int8", "asimd", "asimddp")
"""SIMD features that decide how fast int8 / float inference runs (x86 and ARM names)."""


def cpu_flags() -> list[str]:
    """Which of NOTABLE_CPU_FLAGS this CPU has (Linux only; empty elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return []
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if line.lower().startswith(("flags", "features")):
            present = set(line.split(":", 1)[1].split())
            return [flag for flag in NOTABLE_CPU_FLAGS if flag in present]
    return []


def usable_cores() -> int:
    """Cores this process may run on (affinity-aware, unlike os.cpu_count on a shared box)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def library_versions() -> dict[str, str | None]:
    """Installed version of each distribution in LIBRARIES, None where it is not installed."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_info() -> dict:
    """The full record written next to every benchmark result."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": usable_cores(),
        "logical_cpus": os.cpu_count(),
        "architecture": platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "libraries": library_versions(),
        # Other people's jobs on a shared machine inflate timings; the load says how busy it was.
        "load_average_1m": round(load[0], 2) if load else None,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def describe(info: dict) -> str:
    """One line for a report header: 'AMD EPYC, 2 cores, Python 3.11.9, 2025-01-01'."""
    day = info["date"][:10]
    return f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, {day}"


def describe_flags(info: dict) -> str:
    """'AVX2, AVX512_VNNI' for a report's machine line, or '' when unknown."""
    return ", ".join(flag.upper() for flag in info.get("cpu_flags", []))


def repo_relative(path) -> str:
    """`path` relative to the checkout when inside it, so committed results name no home dir."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main() -> int:
    json.dump(machine_info(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
