"""How the classifier does on other people's handwriting: the USPS test digits (not MNIST).

USPS digits were scanned from envelopes and deslanted into 16x16 grey boxes by other people
with another scanner; nothing of them is trained on. Each is turned white-on-black and passed
through `runtime.normalize.normalize_digit`, exactly as the runtime treats a crop, then read by
the runtime's classifier. About 2.5% error is considered excellent on this set.

Usage: python -m benchmarks.usps [--data FILE] [--model PATH] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from runtime.classifier import Classifier
from runtime.models import ModelError
from runtime.normalize import normalize_batch
from train.data import DatasetError
from train.usps import USPS_TEST, load_usps

DEFAULT_USPS_TEST = USPS_TEST
"""The shared USPS test file beside a checkout (CI puts ../shared next to the clone)."""


def evaluate(classifier, images: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy overall and per digit of the classifier on normalized USPS digits."""
    predictions = classifier.predict(normalize_batch(list(images)))
    correct = predictions.labels == labels
    per_class = {str(d): round(float(correct[labels == d].mean()), 4)
                 for d in range(10) if np.any(labels == d)}
    return {"digits": int(len(labels)), "accuracy": round(float(correct.mean()), 4),
            "errors": int((~correct).sum()), "per_class_accuracy": per_class}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_USPS_TEST,
                        help="gzipped USPS file (default: the shared test set)")
    parser.add_argument("--model", default=None, help="model file (default: the shipped int8 TFLite)")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N digits")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    try:
        images, labels = load_usps(args.data)
        classifier = Classifier.load(args.model)
    except DatasetError as error:
        print(f"error: cannot read USPS digits: {error}", file=sys.stderr)
        return 2
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result = evaluate(classifier, images[: args.limit], labels[: args.limit])
    result["model"] = str(classifier.path)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"USPS: {result['accuracy']:.2%} of {result['digits']} digits read right "
              f"({result['errors']} errors)")
        print("per digit: " + ", ".join(f"{d}: {a:.1%}" for d, a in result["per_class_accuracy"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
