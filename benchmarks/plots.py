"""PNG charts of benchmark results, drawn with matplotlib's file-only backend.

Each function takes the plain rows a benchmark already wrote to JSON, so a chart can be redrawn
from a results file without measuring again.

Usage: imported by benchmarks.latency and benchmarks.pipeline.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI; must precede pyplot
import matplotlib.pyplot as plt


def latency_bars(rows: list[dict], path: Path, title: str, goal_us: float | None = None,
                 status_colours: dict[str, str] | None = None) -> Path:
    """Horizontal bars of single-image median latency per model/format, p90 as a whisker.

    `rows` items need `label`, `median_us`, `p90_us`, and may carry a `status` (bars are
    coloured by it through `status_colours`, so a format that failed parity does not pass for
    a good one; other statuses get spare colours); rows without a median are left out.
    """
    measured = [row for row in rows if row.get("median_us") is not None]
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(measured) + 1.6))
    labels = [row["label"] for row in measured]
    medians = [row["median_us"] for row in measured]
    whiskers = [max(0.0, row["p90_us"] - row["median_us"]) for row in measured]
    positions = range(len(measured))
    statuses = [row.get("status", "") for row in measured]
    status_colours = status_colours or {}
    spare = iter(["#8172B3", "#937860", "#55A868"])
    colours = {status: status_colours.get(status) or next(spare, "#999999")
               for status in dict.fromkeys(statuses)}
    axes.barh(positions, medians, xerr=[[0] * len(measured), whiskers],
              color=[colours[status] for status in statuses],
              error_kw={"ecolor": "#555555", "capsize": 3})
    for status, colour in colours.items():
        if status:
            axes.barh([0], [0], color=colour, label=status)  # legend entry only
    for position, median, whisker in zip(positions, medians, whiskers, strict=True):
        axes.text(median + whisker, position, f"  {_format_us(median)}", va="center", fontsize=8)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xscale("log")
    # Room on the right for the value labels; bars on a log axis need an explicit left edge.
    highest = max([m + w for m, w in zip(medians, whiskers, strict=True)] + [goal_us or 0.0] + [1.0])
    axes.set_xlim(min(medians + [goal_us or highest]) / 2, highest * 6)
    axes.set_xlabel("single-image latency, median (whisker: p90), microseconds, log scale")
    if goal_us is not None:
        axes.axvline(goal_us, color="#C44E52", linestyle="--", linewidth=1,
                     label=f"goal {goal_us:g} µs")
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title(title, fontsize=10)
    return _save(figure, path)


def throughput_lines(series: list[dict], path: Path, title: str) -> Path:
    """Images per second against batch size, one line per model/format and thread setting.

    `series` items need `label`, `batch_sizes`, `images_per_s`, and `all_cores` (dashed if true).
    """
    figure, axes = plt.subplots(figsize=(10, 5.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    base_labels = list(dict.fromkeys(item["label"] for item in series))
    for item in series:
        colour = colours[base_labels.index(item["label"]) % len(colours)]
        style = "--" if item["all_cores"] else "-"
        axes.plot(item["batch_sizes"], item["images_per_s"], style, marker="o", color=colour,
                  markersize=4)
    # One legend entry per model (its colour) plus one per thread setting (its line style),
    # outside the axes so no line is hidden behind it.
    for label in base_labels:
        axes.plot([], [], "-", color=colours[base_labels.index(label) % len(colours)], label=label)
    axes.plot([], [], "-", color="black", label="1 thread")
    if any(item["all_cores"] for item in series):
        axes.plot([], [], "--", color="black", label="all cores")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("batch size (images per call)")
    axes.set_ylabel("images per second, log scale")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes.set_title(title, fontsize=10)
    return _save(figure, path)


def stage_bars(rows: list[dict], path: Path, title: str) -> Path:
    """Stacked bars of milliseconds per frame by pipeline stage, one bar per scenario.

    `rows` items need `label` and `stages_ms` (stage name -> ms, in drawing order); a scenario
    without a stage split gives `{"total": ms}`.
    """
    figure, axes = plt.subplots(figsize=(8, 0.55 * len(rows) + 2.0))
    stage_names: list[str] = []
    for row in rows:
        for name in row["stages_ms"]:
            if name not in stage_names:
                stage_names.append(name)
    lefts = [0.0] * len(rows)
    for name in stage_names:
        widths = [row["stages_ms"].get(name, 0.0) for row in rows]
        axes.barh(range(len(rows)), widths, left=lefts, label=name)
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for position, total in enumerate(lefts):
        axes.text(total, position, f" {total:.1f} ms", va="center", fontsize=8)
    axes.set_yticks(list(range(len(rows))), [row["label"] for row in rows])
    axes.invert_yaxis()
    axes.set_xlim(0, max(lefts + [1e-3]) * 1.2)  # room for the totals
    axes.set_xlabel("milliseconds per frame / page (median)")
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                ncol=len(stage_names), frameon=False)
    axes.set_title(title, fontsize=10)
    return _save(figure, path)


def goal_bars(bars: list[tuple[str, float]], path: Path, title: str) -> Path:
    """Horizontal bars of (label, value) pairs with the value written at each bar's end."""
    figure, axes = plt.subplots(figsize=(8, 0.6 * len(bars) + 1.4))
    positions = range(len(bars))
    values = [value for _, value in bars]
    axes.barh(positions, values, color="#4C72B0")
    for position, value in zip(positions, values, strict=True):
        axes.text(value, position, f"  {value:,.1f}", va="center", fontsize=8)
    axes.set_yticks(list(positions), [label for label, _ in bars], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, max(values + [1.0]) * 1.25)
    axes.set_title(title, fontsize=10)
    return _save(figure, path)


def _format_us(value: float) -> str:
    return f"{value / 1000:.1f} ms" if value >= 1000 else f"{value:.1f} µs"


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
