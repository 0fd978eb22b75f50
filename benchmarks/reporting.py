"""What the benchmark commands share at their edge: their error type and how a run is reported.

Usage: imported by benchmarks.latency and benchmarks.pipeline.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path


class BenchmarkError(Exception):
    """Bad input to a benchmark (a missing manifest or model, no MNIST); the message is one line."""


def run_and_report(run: Callable[[], dict], write: Callable[[dict, Path], list[Path]],
                   markdown: Callable[[dict], str], out: Path | None, as_json: bool,
                   quiet: bool) -> int:
    """Run a benchmark, write its results to `out` (None: nowhere) and print them; the exit code."""
    try:
        result = run()
        written = write(result, out) if out is not None else []
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write results to {out}: {error.strerror}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(result, indent=2))
    elif not quiet:
        print(markdown(result))
        if written:
            print("wrote " + ", ".join(f"{p} ({p.stat().st_size / 1024:.1f} KB)" for p in written))
    return 0
