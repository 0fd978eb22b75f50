"""Command line of `python -m train`: train one architecture and write the model and its report.

Writes OUT/<arch>.keras and OUT/<arch>_report/ (report.json, summary.txt, per_class.csv,
learning_curves.png, confusion_matrix.png, architecture.png). Argument parsing and checking
happen before TensorFlow is imported, so --help and usage errors answer at once.

Usage: python -m train [--arch edge|seed] [--out models/] [--epochs N] [--limit N] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from runtime.cli import (
    EXIT_CODES_HELP,
    ExitCode,
    OneLineParser,
    existing_directory,
    fail,
    positive_float,
    positive_int,
    probability,
)
from runtime.extras import missing_before_arguments
from train.config import RECIPES, TrainConfig
from train.data import ENV_VAR, DatasetError
from train.warm_start import WarmStartError


def existing_file(text: str) -> str:
    """An argparse type for a file that must already exist (the --init-from model)."""
    if not Path(text).expanduser().is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file")
    return text


def build_parser() -> argparse.ArgumentParser:
    recipes = "; ".join(
        f"{name}: {recipe.epochs} epochs, batch {recipe.batch_size}, "
        f"lr {recipe.learning_rate:g}, augment {'on' if recipe.augment else 'off'}, "
        f"USPS {'on' if recipe.usps else 'off'}, styles {recipe.style_fraction:g}, "
        f"negatives {recipe.negative_fraction:g}, chalk {recipe.chalk_probability:g}"
        for name, recipe in RECIPES.items()
    )
    parser = OneLineParser(
        prog="python -m train",
        choices_hint={"--arch": list(RECIPES)},
        description="Train an MNIST digit classifier and write the model plus a report "
        "(accuracy, per-class metrics, parameters, MACs, learning curves, confusion "
        "matrix, architecture diagram).",
        epilog=f"Defaults per architecture: {recipes}. Validation is a seeded 10% of each training "
        f"set (MNIST; USPS train too with --usps; early stopping, best epoch restored); the test "
        f"set is evaluated once at the end. KERAS_BACKEND=jax also works. {EXIT_CODES_HELP}",
    )
    parser.add_argument(
        "--arch", choices=sorted(RECIPES), default="edge", help="architecture to train (default: edge)"
    )
    parser.add_argument(
        "--out",
        default="models",
        help="output directory for <arch>.keras and <arch>_report/ (default: models)",
    )
    parser.add_argument(
        "--data",
        type=existing_directory,
        help=f"MNIST directory with IDX files or mnist.npz (default: ${ENV_VAR}, "
        "then ../shared/data/mnist, then download)",
    )
    parser.add_argument("--epochs", type=positive_int, help="maximum epochs")
    parser.add_argument("--batch-size", type=positive_int, help="mini-batch size")
    parser.add_argument("--learning-rate", type=positive_float, help="peak learning rate")
    parser.add_argument(
        "--seed",
        type=int,
        default=TrainConfig.seed,
        help=f"random seed for split, weights and augmentation (default: {TrainConfig.seed})",
    )
    parser.add_argument(
        "--limit", type=positive_int, help="use only this many training images (smoke tests)"
    )
    parser.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="augment training images (default: per architecture); --no-augment turns it off",
    )
    parser.add_argument(
        "--usps",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="mix the USPS train digits (../shared/data/usps/usps_zip.train.gz) into training "
        "and validation (default: per architecture); --no-usps trains on MNIST alone",
    )
    parser.add_argument(
        "--style-fraction",
        type=probability,
        help="synthetic stroke-template digits (open 4s, flagged 1s, blocky, bold...) added per "
        "epoch, as a share of the MNIST training images (default: per architecture; 0 = none)",
    )
    parser.add_argument(
        "--negative-fraction",
        type=probability,
        help="not-a-digit crops (letters, script, rules, shadow edges, texture, digit halves and "
        "pairs) added per epoch as a share of the digits; above 0 the model gets an 11th output, "
        "'not a digit' (default: per architecture; 0 = a 10-output model)",
    )
    parser.add_argument(
        "--chalk-probability",
        type=probability,
        help="share of the augmented digits drawn as chalk: grain, gaps, haze (default: per "
        "architecture; 0 = none)",
    )
    parser.add_argument(
        "--motion-blur-probability",
        type=probability,
        default=TrainConfig.motion_blur_probability,
        help="share of the augmented digits smeared along a short line at a random angle "
        "(camera shake; default: 0 = none)",
    )
    parser.add_argument(
        "--not-digit-weight",
        type=positive_float,
        default=TrainConfig.not_digit_weight,
        help="loss weight of a not-a-digit crop against 1 for a digit; below 1 fewer odd digits are "
        f"called 'not a digit' (default: {TrainConfig.not_digit_weight:g})",
    )
    parser.add_argument(
        "--init-from",
        type=existing_file,
        help="start from this trained .keras model's weights (fine-tune) instead of random ones; "
        "a 10-output model seeds an 11-output run: its digit columns are kept and 'not a digit' "
        "starts near zero (see train/warm_start.py)",
    )
    parser.add_argument(
        "--average-epochs",
        type=positive_int,
        help="keep the mean of the weights after each of the last N epochs (batch-norm statistics "
        "measured again) instead of the best single epoch (default: off)",
    )
    parser.add_argument(
        "--warmup-epochs",
        type=positive_int,
        default=TrainConfig.warmup_epochs,
        help=f"epochs of linear learning-rate warm-up before the cosine decay "
        f"(default: {TrainConfig.warmup_epochs})",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=TrainConfig.workers,
        help="threads augmenting each epoch (default: 1; the per-digit Python "
        "work holds the GIL, so more rarely helps)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--json", action="store_true", help="print the report's headline numbers as JSON on stdout"
    )
    return parser


def parse_config(argv: list[str] | None = None) -> tuple[TrainConfig, bool]:
    """Parse the command line into a TrainConfig (and the --json flag); no TensorFlow import."""
    args = build_parser().parse_args(argv)
    config = TrainConfig(
        arch=args.arch,
        out=args.out,
        data=args.data,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        augment=args.augment,
        usps=args.usps,
        style_fraction=args.style_fraction,
        negative_fraction=args.negative_fraction,
        chalk_probability=args.chalk_probability,
        motion_blur_probability=args.motion_blur_probability,
        not_digit_weight=args.not_digit_weight,
        init_from=args.init_from,
        warmup_epochs=args.warmup_epochs,
        average_epochs=args.average_epochs or 0,
        seed=args.seed,
        limit=args.limit,
        workers=args.workers,
        quiet=args.quiet,
    )
    return config, args.json


def run(config: TrainConfig) -> dict:
    """Train, save the model and write the report; returns report.json's content."""
    # TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise in a training log.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from train.report import write_report
    from train.trainer import train_model

    out_dir = Path(config.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = train_model(config)
    model_path = out_dir / f"{config.arch}.keras"
    result.model.save(model_path)
    report_dir = out_dir / f"{config.arch}_report"
    return write_report(result, model_path, report_dir) | {
        "model_path": str(model_path),
        "report_dir": str(report_dir),
    }


def main(argv: list[str] | None = None) -> int:
    problem = missing_before_arguments("train", argv)
    if problem:
        return fail(problem, ExitCode.USAGE)
    config, as_json = parse_config(argv)
    started = time.perf_counter()
    try:
        report = run(config)
    except (DatasetError, WarmStartError) as error:
        return fail(error)
    except OSError as error:
        return fail(f"cannot write to {config.out}: {error.strerror or error}")
    except KeyboardInterrupt:
        return fail("interrupted", ExitCode.INTERRUPTED)
    headline = {
        key: report[key]
        for key in (
            "architecture",
            "test_accuracy",
            "params",
            "macs",
            "best_epoch",
            "epochs_run",
            "model_path",
            "report_dir",
        )
    }
    if as_json:
        print(json.dumps(headline))
    elif not config.quiet:
        size_kb = Path(report["model_path"]).stat().st_size / 1024
        print(
            f"trained {report['architecture']} in {time.perf_counter() - started:.0f} s: "
            f"test accuracy {report['test_accuracy']:.4%}, {report['params']:,} params, "
            f"{report['macs']:,} MACs; saved {report['model_path']} ({size_kb:.0f} KB) and "
            f"{report['report_dir']}/"
        )
    return int(ExitCode.OK)
