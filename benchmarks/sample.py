"""Write the demo worksheet bundled with the project: `samples/worksheet.png` and its truth.

One page from the worksheet generator with a fixed seed, photographed like a phone would
(perspective, uneven light, slight blur), small enough to keep in the repository. Its truth
`samples/worksheet.json` has the scanner's JSON shape, so the README demo can be checked with
`python -m benchmarks.accuracy --synthetic samples/worksheet.json`.

Usage: python -m benchmarks.sample [--out samples/]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks.degrade import PROFILES, DegradeProfile
from benchmarks.layout import LayoutOptions
from benchmarks.worksheets import WorksheetOptions, load_test_digits, make_worksheet
from runtime.paths import REPO_ROOT

SAMPLE_SEED = 11
"""Picked among the first dozen seeds: a well-filled page with a visible shadow."""
SAMPLE_SIZE = (900, 1200)
"""A page about A4 at 110 dpi: digits big enough to read, file small enough to ship."""

MAX_BYTES = 300_000
IMAGE_NAME = "worksheet.png"
TRUTH_NAME = "worksheet.json"
DEFAULT_OUT = REPO_ROOT / "samples"


def sample_options() -> WorksheetOptions:
    """A ruled page of moderately sized handwriting."""
    layout = LayoutOptions(styles=("ruled",), digit_height_px=(34.0, 44.0), max_numbers_per_line=3)
    return WorksheetOptions(size=SAMPLE_SIZE, degrade="photo", layout=layout)


def sample_profile() -> DegradeProfile:
    """A decent phone photo, shadow included, after the phone's own noise reduction.

    Sensor noise is left out on purpose: it is what makes a photo incompressible as PNG, and
    phones smooth it away before saving anyway.
    """
    return dataclasses.replace(PROFILES["photo"], shadow_probability=1.0, noise_sigma=(0.0, 0.0))


def write_sample(out_dir: Path, data_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write the sample image and truth; return their paths."""
    options = sample_options()
    options.validate()
    rng = np.random.default_rng(SAMPLE_SEED)
    sheet = make_worksheet(load_test_digits(data_dir), rng, options, sample_profile())
    out_dir.mkdir(parents=True, exist_ok=True)
    image_path, truth_path = out_dir / IMAGE_NAME, out_dir / TRUTH_NAME
    # PNG at full compression (lossless, so the truth boxes stay exact to the pixel).
    if not cv2.imwrite(str(image_path), sheet.image, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"could not write {image_path}; check the folder is writable")
    truth = {"generator": {"tool": "benchmarks.sample", "source": "MNIST test split", "seed": SAMPLE_SEED,
                           "size": list(SAMPLE_SIZE), "degrade": sheet.degrade},
             "files": [{"path": IMAGE_NAME, "page": 1, **sheet.truth.to_dict(), "style": sheet.style,
                        "degrade": sheet.degrade}]}
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return image_path, truth_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sample",
                                     description="Write the bundled demo worksheet and its truth.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})")
    parser.add_argument("--mnist-dir", type=Path, default=None, help="folder with the MNIST files")
    args = parser.parse_args(argv)
    from train.data import DatasetError

    try:
        image_path, truth_path = write_sample(args.out, args.mnist_dir)
    except (DatasetError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    size = image_path.stat().st_size
    print(f"wrote {image_path} ({size / 1000:.0f} KB) and {truth_path}")
    if size > MAX_BYTES:
        print(f"error: {image_path} is {size} bytes, over the {MAX_BYTES} byte budget for the repository",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
