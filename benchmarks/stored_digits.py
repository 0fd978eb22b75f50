"""MNIST test images as a user saves them, read by the page reader: does "predict one image" work?

Every seed notebook ends by predicting a single MNIST test image; a user who saves one as it is
stored (a 28x28 PNG, white digit on black) and runs the scanner on it should get that digit.
This writes the images as PNGs, loads each the way `python -m runtime.scan` does
(`runtime.scan.pages`), reads it with `runtime.reading.reader.PageReader`, and scores the text
against the label by edit distance, so a phantom digit (two digits read where there is one)
counts against precision. The same images inverted (black on white, as drawn on paper) are
scored beside them, and the classifier's own accuracy on the raw images is the reference.

MNIST's test split is evaluation data: nothing here tunes anything.

Usage: python -m benchmarks.stored_digits [--count 1000] [--model PATH] [--mnist-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from benchmarks.metrics import Counts, score_sequences


def score_stored(reader, images: np.ndarray, labels: np.ndarray, folder: Path, progress: bool) -> dict:
    """Save each image as a PNG in `folder`, load and read it as the scanner does, and score."""
    from runtime.scan.pages import iter_pages

    counts, exact = Counts(), 0
    for index, (image, label) in enumerate(tqdm(list(zip(images, labels)), desc="reading", unit="image",
                                                disable=not progress)):
        path = folder / f"digit_{index:05d}.png"
        if not cv2.imwrite(str(path), image):
            raise OSError(f"could not write {path}")
        text = "".join(reader.read(page).text for _, page in iter_pages(path))
        counts = counts + score_sequences(str(int(label)), text)
        exact += text == str(int(label))
    return {**counts.to_dict(), "images": int(len(labels)), "read_exactly": round(exact / max(1, len(labels)), 6)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stored_digits",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="first N MNIST test images (default 1000)")
    parser.add_argument("--model", default=None, help="model file (default: the shipped int8 TFLite)")
    parser.add_argument("--mnist-dir", type=Path, default=None, help="folder with the MNIST files")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 10000:
        parser.error(f"--count must lie in 1..10000, got {args.count}")
    from runtime.classifier import Classifier
    from runtime.models import ModelError
    from runtime.reading.reader import PageReader
    from train.data import DatasetError, load_mnist

    try:
        images, labels = load_mnist("test", args.mnist_dir)
        classifier = Classifier.load(args.model)
    except (DatasetError, ModelError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    images, labels = images[: args.count], labels[: args.count]
    reader = PageReader(classifier)
    with tempfile.TemporaryDirectory(prefix="stored_digits_") as folder:
        as_stored = score_stored(reader, images, labels, Path(folder), not (args.quiet or args.json))
        inverted = score_stored(reader, 255 - images, labels, Path(folder), not (args.quiet or args.json))
    model_accuracy = float(np.mean(classifier.predict(images).labels == labels))
    result = {"model": str(classifier.path), "source": "MNIST test split", "images": int(len(labels)),
              "model_accuracy": round(model_accuracy, 6), "as_stored": as_stored, "inverted": inverted}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{len(labels)} MNIST test images; the classifier alone reads {model_accuracy:.2%} of them right")
    for name, scores in (("as stored (white on black)", as_stored), ("inverted (black on white)", inverted)):
        print(f"{name:<28} read exactly {scores['read_exactly']:.2%}  precision {scores['precision']:.2%}  "
              f"recall {scores['recall']:.2%}  F1 {scores['f1']:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
