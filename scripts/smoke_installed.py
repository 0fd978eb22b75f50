"""Check an installed edgedigits the way a new user meets it: from a folder outside the checkout.

Run with the Python of the environment edgedigits was installed into (a wheel, non-editable).
In a fresh temporary folder it writes the bundled sample worksheet as `page.jpg`, then checks
that each of these prints the page's numbers:
- the console script `edgedigits-scan page.jpg`,
- `python -m runtime.scan page.jpg`,
- the README's "Use it from Python" example, taken from the README itself;
and, when asked, that `edgedigits-camera` reads the numbers in a short video made from the
page (`--camera`), that every exported artifact reproduces golden.json with only the manifest
and a plain interpreter (`--golden`), and that `edgedigits-benchmark --quick` times the
packaged model (`--benchmark`). It also proves the runtime was not imported from the checkout.

A digit string is accepted when at least MIN_DIGIT_SHARE of the sample's digits are read in
order (the reader is not perfect on a degraded photo), and all three ways must agree exactly.

Usage: python scripts/smoke_installed.py --checkout . [--camera] [--golden] [--benchmark]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIN_DIGIT_SHARE = 0.95
"""Share of the sample page's digits the installed scanner must read, in order."""

TIMEOUT_S = 900
"""Per command: generous, because under qemu (the aarch64 check) everything is ~10x slower."""


def fail(message: str) -> None:
    print(f"smoke: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def run(command: list[str], folder: Path) -> str:
    started = time.perf_counter()
    # No PYTHONPATH: the installed package must be the one that runs, not a checkout.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S,
                          env=environment)
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    print(f"smoke: {' '.join(command)}: exit 0 in {time.perf_counter() - started:.1f} s")
    return done.stdout


def script(name: str) -> str:
    """A console script installed beside this Python."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        fail(f"console script {name} is not installed beside {sys.executable}")
    return str(path)


def digit_share(read: str, truth: str) -> float:
    """Share of the truth's digits found, in order, in what was read."""
    read_digits, true_digits = re.sub(r"\D", "", read), re.sub(r"\D", "", truth)
    matcher = difflib.SequenceMatcher(None, read_digits, true_digits, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(true_digits))


def readme_example(checkout: Path) -> str:
    """The first python code block under the README heading "Use it from Python"."""
    text = (checkout / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it from Python", 1)
    if len(section) != 2:
        fail("README.md has no '## Use it from Python' section")
    match = re.search(r"```python\n(.*?)```", section[1], re.S)
    if not match:
        fail("the README's 'Use it from Python' section has no python code block")
    return match.group(1)


def check_pages(checkout: Path, folder: Path) -> None:
    import cv2

    page = cv2.imread(str(checkout / "samples" / "worksheet.png"))
    cv2.imwrite(str(folder / "page.jpg"), page, [cv2.IMWRITE_JPEG_QUALITY, 95])
    truth = json.loads((checkout / "samples" / "worksheet.json").read_text(encoding="utf-8"))
    expected = " | ".join(line["text"] for line in truth["files"][0]["lines"])
    outputs = {
        "edgedigits-scan": run([script("edgedigits-scan"), "page.jpg", "--quiet"], folder),
        "python -m runtime.scan": run([sys.executable, "-m", "runtime.scan", "page.jpg",
                                       "--quiet"], folder),
    }
    (folder / "example.py").write_text(readme_example(checkout), encoding="utf-8")
    outputs["README example"] = " | ".join(
        run([sys.executable, "example.py"], folder).strip().splitlines())
    texts = {name: output.strip().removeprefix("page.jpg:").strip()
             for name, output in outputs.items()}
    if len(set(texts.values())) != 1:
        fail(f"the three ways read different numbers: {texts}")
    text = next(iter(texts.values()))
    share = digit_share(text, expected)
    if share < MIN_DIGIT_SHARE:
        fail(f"read {text!r}, expected {expected!r} ({share:.0%} of digits)")
    print(f"smoke: all three read the sample page alike, {share:.1%} of its digits: {text}")


def check_camera(checkout: Path, folder: Path) -> None:
    """A 2-second 640x480 video drifting over the page's top; the camera must read its numbers
    and report no digit that is not on the page."""
    import cv2
    import numpy as np

    page = cv2.imread(str(checkout / "samples" / "worksheet.png"))
    truth = json.loads((checkout / "samples" / "worksheet.json").read_text(encoding="utf-8"))
    # Rows 90-570 hold the first five lines whole; no digit is cut by the frame's edges.
    top, left, height, width, frames = 90, 60, 480, 640, 30
    writer = cv2.VideoWriter(str(folder / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 15,
                             (width, height))
    for frame_index in range(frames):
        shift = frame_index // 3  # a hand-held drift of a few pixels
        writer.write(np.ascontiguousarray(page[top : top + height,
                                               left + shift : left + shift + width]))
    writer.release()
    lines = [line for line in truth["files"][0]["lines"]
             if top <= line["numbers"][0]["bbox"][1] <= top + height - 40]
    in_view = {number["text"] for line in lines for number in line["numbers"]}
    line_digits = [line["text"].replace(" ", "") for line in lines]
    output = run([script("edgedigits-camera"), "--source", "clip.avi", "--headless", "--quiet"],
                 folder)
    stable = {reading["text"] for line in output.splitlines() if line.startswith("{")
              for reading in json.loads(line).get("stable", [])}
    found = stable & in_view
    phantoms = {text for text in stable if not any(text in digits for digits in line_digits)}
    if len(found) < max(1, len(in_view) // 2) or phantoms:
        fail(f"camera read {sorted(stable)}; numbers in view {sorted(in_view)}")
    print(f"smoke: camera read {len(found)} of the {len(in_view)} numbers in view exactly, "
          f"nothing that is not on the page: {sorted(stable)}")


def check_golden(checkout: Path, folder: Path) -> None:
    print(run([sys.executable, "-m", "export.golden_check", str(checkout / "models" / "edge")],
              folder).rstrip())


def check_benchmark(folder: Path) -> None:
    output = run([script("edgedigits-benchmark"), "--quick"], folder)
    if "| edge | tflite-int8 | passed |" not in output:
        fail(f"edgedigits-benchmark --quick did not time the packaged model:\n{output}")
    print("smoke: edgedigits-benchmark --quick timed the packaged int8 model")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, required=True,
                        help="the source tree (for samples/, README.md, models/edge/)")
    parser.add_argument("--camera", action="store_true", help="also read a short video")
    parser.add_argument("--golden", action="store_true", help="also run the golden check")
    parser.add_argument("--benchmark", action="store_true",
                        help="also run edgedigits-benchmark --quick")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    with tempfile.TemporaryDirectory(prefix="edgedigits-smoke-") as name:
        folder = Path(name)
        where = run([sys.executable, "-c", "import runtime; print(runtime.__file__)"], folder)
        if Path(where.strip()).resolve().is_relative_to(checkout / "runtime"):
            fail(f"runtime was imported from the checkout ({where.strip()}), not the install")
        check_pages(checkout, folder)
        if args.camera:
            check_camera(checkout, folder)
        if args.golden:
            check_golden(checkout, folder)
        if args.benchmark:
            check_benchmark(folder)
    print("smoke: passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
