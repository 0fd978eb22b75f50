"""Timing one call repeatedly the way a benchmark should: warm up, then run for a minimum time.

A fixed repeat count is either too short for a slow model or wastes minutes on a fast one, so
every measurement here runs until `min_time_s` has passed (and at least `min_calls` calls),
times each call on its own with `perf_counter`, and reports the median and the spread.
The garbage collector is paused while timing so a collection does not land in one sample.

Usage: imported by benchmarks.latency and benchmarks.pipeline.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class TimingOptions:
    """How long to warm up and measure one call."""

    min_time_s: float = 1.0  # keep calling until this much time has been measured
    warmup_s: float = 0.2  # untimed calls first: caches, lazy allocation, thread pools spin up
    min_calls: int = 5  # never fewer samples than this, however slow the call
    max_calls: int = 1_000_000  # stop here even if min_time_s is not reached (sub-us calls)


@dataclass
class TimingStats:
    """Per-call wall time of one measured call, in seconds."""

    calls: int  # how many timed calls the statistics come from
    median_s: float
    mean_s: float
    p90_s: float
    p99_s: float
    min_s: float
    total_s: float  # sum of all timed calls

    def to_dict(self) -> dict:
        return asdict(self)


def time_call(call: Callable[[], object], options: TimingOptions) -> TimingStats:
    """Warm `call` up, then time it call by call for at least `options.min_time_s`."""
    warmup_end = time.perf_counter() + options.warmup_s
    call()  # at least once, whatever warmup_s says: the first call pays one-off setup
    while time.perf_counter() < warmup_end:
        call()
    samples: list[float] = []
    measured = 0.0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while (measured < options.min_time_s or len(samples) < options.min_calls) and len(
            samples
        ) < options.max_calls:
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
            samples.append(elapsed)
            measured += elapsed
    finally:
        if gc_was_enabled:
            gc.enable()
    return summarize(samples)


def summarize(samples: list[float]) -> TimingStats:
    """Median, mean, p90, p99 and minimum of per-call times in seconds."""
    if not samples:
        raise ValueError("no timing samples to summarize; run the call at least once")
    values = np.asarray(samples, dtype=np.float64)
    return TimingStats(
        calls=int(values.size),
        median_s=float(np.median(values)),
        mean_s=float(values.mean()),
        p90_s=float(np.percentile(values, 90)),
        p99_s=float(np.percentile(values, 99)),
        min_s=float(values.min()),
        total_s=float(values.sum()),
    )
