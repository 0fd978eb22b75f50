"""Choose the reader's "not a digit" threshold on validation pages, never on the test data.

A model with an 11th output ("not a digit") lets the reader drop crops of letters, rules and
shadow edges (`ReaderOptions.not_digit_threshold`). The threshold trades phantom digits against
real digits dropped, so it is chosen here, on pages that no benchmark uses:

- pages with digits drawn from the MNIST *validation* split (rows of the training file that
  training holds out, `train.trainer.split_data`), never MNIST test: paper with mixed capture,
  chalkboards, squared, dotted and dim paper, and handwritten words with numbers beside them
  (`words-numbers`: their numbers must be read, their words not);
- pages without digits (every `benchmarks.hard_pages` kind) with a seed the benchmarks never use.

Never the real photos. For each threshold (and each word share, `--word-shares`: the share of
"not a digit" crops that makes a word letters, and each context share, `--context-shares`: the
share of "not a digit" crops around a word that puts it in text, `runtime.reading.words`): digit
F1 on the digit pages and digits reported on the pages without any.

Usage:
    python -m benchmarks.not_digit_threshold [--model FILE] [--pages 3] [--thresholds 0.3,0.5,0.7,0.9]
        [--word-shares 0.34] [--context-shares 0.1]

Exit status: 0 done, 2 bad arguments or a model without a "not a digit" output.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from tqdm import tqdm

from benchmarks.handwriting import DigitBank
from benchmarks.hard_pages import DIGIT_KINDS, NO_DIGIT_KINDS, WORDS_NUMBERS, make_hard_page
from benchmarks.metrics import Counts, count_box_matches, match_boxes
from benchmarks.worksheets import WorksheetOptions, make_worksheet
from runtime.classifier import Classifier, ModelError
from runtime.cli import ExitCode, fail, positive_int
from runtime.reading.reader import PageReader, ReaderOptions
from runtime.reading.words import WordOptions

SEED = 4242
"""Page seed of this tool alone (the benchmarks use 0-33, 101, 102)."""

BOARD_SIZE_PX = (1280, 960)


def validation_bank() -> DigitBank:
    """The MNIST validation digits of the default training split (seed 1234, 10%)."""
    from train.config import TrainConfig
    from train.trainer import split_data

    data = split_data(TrainConfig(arch="edge", negative_fraction=0.0, usps=False).resolved())
    return DigitBank(data.validation_images, data.validation_labels,
                     source="MNIST validation split (training seed 1234, 10%)")


def validation_pages(pages: int, bank: DigitBank) -> tuple[list, list]:
    """(digit pages as (image, truth digits), no-digit page images), all seeded."""
    with_digits = []
    for index in range(pages):
        paper = make_worksheet(bank, np.random.default_rng([SEED, index]), WorksheetOptions(degrade="mixed"))
        board = make_worksheet(bank, np.random.default_rng([SEED, 100 + index]),
                               WorksheetOptions(size=BOARD_SIZE_PX, degrade="mixed", surface="chalkboard"))
        with_digits += [(sheet.image, [(d.digit, d.bbox) for d in sheet.truth.digits]) for sheet in (paper, board)]
        for kind in DIGIT_KINDS:
            page = make_hard_page(kind.name, np.random.default_rng([SEED, 200 + index]), (1240, 1754), bank)
            with_digits.append((page.image, _truth_digits(page.truth)))
        words = make_hard_page(WORDS_NUMBERS.name, np.random.default_rng([SEED, 400 + index]), (1240, 1754), bank)
        with_digits.append((words.image, _truth_digits(words.truth)))
    without = [make_hard_page(kind.name, np.random.default_rng([SEED, 300 + index]), (1240, 1754)).image
               for index in range(pages) for kind in NO_DIGIT_KINDS]
    return with_digits, without


def _truth_digits(truth: dict) -> list:
    return [(d["digit"], d["bbox"]) for line in truth["lines"] for d in line["digits"]]


def score(classifier, threshold: float, with_digits: list, without: list,
          word_share: float = WordOptions.min_not_digit_share,
          context_share: float = WordOptions.min_context_share) -> dict:
    words = WordOptions(min_not_digit_share=word_share, min_context_share=context_share)
    options = ReaderOptions(not_digit_threshold=threshold, words=words)
    reader = PageReader(classifier, options)
    counts = Counts()
    for image, truth in with_digits:
        read = reader.read(image).digits
        pairs = match_boxes([box for _, box in truth], [d.bbox for d in read])
        counts = counts + count_box_matches([label for label, _ in truth], [d.digit for d in read], pairs)
    phantoms = [len(reader.read(image).digits) for image in without]
    return {"threshold": threshold, "word_share": word_share, "context_share": context_share, "digit_f1": round(counts.f1, 5), "precision": round(counts.precision, 5),
            "recall": round(counts.recall, 5), "digits": counts.true_positives + counts.false_negatives,
            "phantoms_on_no_digit_pages": int(sum(phantoms)), "most_on_a_page": int(max(phantoms, default=0))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.not_digit_threshold", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model file with a 'not a digit' output (default: the shipped model)")
    parser.add_argument("--pages", type=positive_int, default=3, help="pages of each kind (default 3)")
    parser.add_argument("--thresholds", default="0.3,0.5,0.7,0.9",
                        help="comma list of thresholds to try (default 0.3,0.5,0.7,0.9; 1.01 = keep every crop)")
    parser.add_argument("--word-shares", default=str(WordOptions.min_not_digit_share),
                        help="comma list of word shares to try with every threshold (default "
                        f"{WordOptions.min_not_digit_share:g}; above 1 = no word rule)")
    parser.add_argument("--context-shares", default=str(WordOptions.min_context_share),
                        help="comma list of context shares to try with every setting above (default "
                        f"{WordOptions.min_context_share:g}; above 1 = no text context)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        thresholds = [float(t) for t in args.thresholds.split(",")]
        shares = [float(t) for t in args.word_shares.split(",")]
        contexts = [float(t) for t in args.context_shares.split(",")]
        classifier = Classifier.load(args.model)
    except (ValueError, ModelError) as error:
        return fail(f"{error}", ExitCode.USAGE)
    if not classifier.has_not_digit:
        return fail(f"{classifier.path} has no 'not a digit' output: nothing to choose", ExitCode.USAGE)
    with_digits, without = validation_pages(args.pages, validation_bank())
    settings = [(t, share, context) for t in thresholds for share in shares for context in contexts]
    rows = [score(classifier, t, with_digits, without, share, context)
            for t, share, context in tqdm(settings, desc="settings", disable=args.quiet)]
    if args.json:
        print(json.dumps(rows))
    else:
        print(f"{len(with_digits)} validation pages with digits, {len(without)} without")
        for row in rows:
            print(f"threshold {row['threshold']:.2f}, word share {row['word_share']:.2f}, context share "
                  f"{row['context_share']:.2f}: digit F1 {row['digit_f1']:.2%} (P {row['precision']:.2%}, "
                  f"R {row['recall']:.2%}, {row['digits']} digits); {row['phantoms_on_no_digit_pages']} digits on "
                  f"no-digit pages (at most {row['most_on_a_page']} on one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
