"""Command line of the exporter: parse arguments, run the export, print a table or JSON.

Usage: python -m export MODEL.keras [--out DIR] [--formats tflite-int8,onnx] [--limit N]
       [--package runtime/default_model/]
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from export.calibration import CalibrationOptions
from export.errors import ExportError
from export.formats import FORMATS
from export.package import package_default
from export.parity import ParityLimits
from export.pipeline import ExportOptions, ExportReport, run_export
from runtime.cli import ExitCode, OneLineParser, fail, non_negative_float, positive_int, probability
from runtime.extras import missing_before_arguments
from runtime.spec import ExportStatus

EPILOG = "formats:\n" + "\n".join(f"  {entry.name:<12} {entry.description}" for entry in FORMATS) + """

exit status: 0 all passed, 1 an export failed, 2 bad input, 3 exported but parity failed.
example: python -m export models/edge.keras --out models/edge/ --package runtime/default_model/"""


def build_parser() -> argparse.ArgumentParser:
    defaults_limits = ParityLimits()
    defaults_calibration = CalibrationOptions()
    parser = OneLineParser(
        prog="python -m export",
        description=textwrap.fill(
            "Export a trained Keras digit model to TFLite, ONNX and ORT, check every artifact "
            "against the Keras model on the MNIST test set through the runtime classifier "
            "(the code the device runs), and write DIR/manifest.json.", width=80),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="trained model, e.g. models/edge.keras")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: beside the model, named after it, "
                             "e.g. models/edge/)")
    parser.add_argument("--formats", default="all",
                        help="comma-separated format names, or 'all' (default)")
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="check parity on the first N test images only (default: all)")
    parser.add_argument("--calibration-images", type=positive_int,
                        default=defaults_calibration.image_count, metavar="N",
                        help="training images used to calibrate int8 formats "
                             f"(default {defaults_calibration.image_count})")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="MNIST folder (default: $EDGEDIGITS_MNIST_DIR or the shared data)")
    parser.add_argument("--min-float-agreement", type=probability,
                        default=defaults_limits.float_min_agreement, metavar="SHARE",
                        help="float formats must agree with Keras on this share of images "
                             f"(default {defaults_limits.float_min_agreement})")
    parser.add_argument("--min-int8-agreement", type=probability,
                        default=defaults_limits.int8_min_agreement, metavar="SHARE",
                        help="int8 formats must agree with Keras on this share of images "
                             f"(default {defaults_limits.int8_min_agreement})")
    parser.add_argument("--max-int8-drop", type=non_negative_float,
                        default=defaults_limits.int8_max_accuracy_drop_pp, metavar="POINTS",
                        help="int8 formats may lose at most this many accuracy points "
                             f"(default {defaults_limits.int8_max_accuracy_drop_pp})")
    parser.add_argument("--package", type=Path, default=None, metavar="DIR",
                        help="also copy the tflite-int8 artifact and a manifest listing only it "
                             "into DIR, the runtime's packaged default model (make export: "
                             "runtime/default_model/); only if it passed parity")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or log lines")
    parser.add_argument("--json", action="store_true",
                        help="print the run's result as JSON on stdout")
    return parser


def format_table(report: ExportReport) -> str:
    header = (f"{'format':<12} {'status':<14} {'size KB':>8} {'accuracy':>9} {'delta pp':>9} "
              f"{'agree':>8} {'max dp':>8}")
    lines = [f"Keras accuracy {report.manifest['keras_accuracy']:.2%} on "
             f"{report.manifest['parity_images']} test images", header, "-" * len(header)]
    for record in report.artifacts:
        if record["status"] == ExportStatus.EXPORT_FAILED:
            lines.append(f"{record['format']:<12} {record['status']:<14} {record['error']}")
            continue
        lines.append(f"{record['format']:<12} {record['status']:<14} "
                     f"{record['size_bytes'] / 1024:>8.1f} {record['accuracy']:>9.2%} "
                     f"{record['accuracy_delta_pp']:>+9.2f} {record['agreement']:>8.2%} "
                     f"{record['max_probability_difference']:>8.4f}")
    lines.append(f"manifest: {report.manifest_path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    problem = missing_before_arguments("export", argv)
    if problem:
        return fail(problem, ExitCode.USAGE)
    arguments = build_parser().parse_args(argv)
    out_dir = arguments.out or arguments.model.with_suffix("")
    options = ExportOptions(
        model_path=arguments.model, out_dir=out_dir, formats=arguments.formats,
        parity_limit=arguments.limit,
        calibration=CalibrationOptions(image_count=arguments.calibration_images),
        limits=ParityLimits(float_min_agreement=arguments.min_float_agreement,
                            int8_min_agreement=arguments.min_int8_agreement,
                            int8_max_accuracy_drop_pp=arguments.max_int8_drop),
        data_dir=arguments.data, show_progress=not arguments.quiet and not arguments.json)

    def log(message: str) -> None:
        if options.show_progress:
            print(message, file=sys.stderr)

    try:
        report = run_export(options, log=log)
    except ExportError as error:
        return fail(error, ExitCode.USAGE)
    except KeyboardInterrupt:
        return fail("interrupted", ExitCode.INTERRUPTED)
    if arguments.package is not None:
        try:
            written = package_default(report.manifest_path.parent, report.manifest, arguments.package)
        except (ExportError, OSError) as error:
            return fail(error, ExitCode(int(report.exit_status) or ExitCode.FAILED))
        log(f"packaged the default model: {', '.join(str(path) for path in written)}")
    if arguments.json:
        print(json.dumps({"exit_status": int(report.exit_status),
                          "manifest": str(report.manifest_path),
                          "keras_accuracy": report.manifest["keras_accuracy"],
                          "parity_images": report.manifest["parity_images"],
                          "artifacts": report.artifacts}, indent=2))
    elif not arguments.quiet:
        print(format_table(report))
    if report.exit_status != ExitCode.OK:
        failed = [r["format"] for r in report.artifacts if r["status"] != ExportStatus.PASSED]
        fail(f"{report.exit_status.name.lower().replace('_', ' ')}: {', '.join(failed)}",
             report.exit_status)
    return int(report.exit_status)
