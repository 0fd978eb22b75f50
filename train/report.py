"""Write a training run's report directory: report.json, summary.txt, per_class.csv and PNGs.

report.json is the machine-readable record other parts read (export, benchmarks, README):
test accuracy, parameters, MACs, the architecture, every option and the seed, per-class
precision / recall / F1, the confusion matrix and per-epoch history and timings.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

from runtime.spec import LABELS, NOT_DIGIT_LABEL, NUM_CLASSES
from train.architectures import ARCHITECTURES
from train.macs import LayerCost, layer_costs
from train.plots import plot_architecture, plot_confusion_matrix, plot_learning_curves
from train.trainer import TrainResult

REPORT_FILES = (
    "report.json",
    "summary.txt",
    "per_class.csv",
    "learning_curves.png",
    "confusion_matrix.png",
    "architecture.png",
)
"""Everything `write_report` creates inside the report directory."""


def confusion_matrix(true_labels: np.ndarray, predicted_labels: np.ndarray, outputs: int = NUM_CLASSES
                     ) -> np.ndarray:
    """(10, outputs) int counts, rows = true digit, columns = predicted class (the 11th column,
    if any, counts digits the model called "not a digit")."""
    counts = np.zeros((NUM_CLASSES, outputs), np.int64)
    np.add.at(counts, (true_labels.astype(np.int64), predicted_labels.astype(np.int64)), 1)
    return counts


def per_class_metrics(confusion: np.ndarray) -> list[dict]:
    """Precision, recall, F1 and support of every class (0 where undefined)."""
    rows = []
    for index, label in enumerate(LABELS):
        hits = confusion[index, index]
        predicted, actual = confusion[:, index].sum(), confusion[index, :].sum()
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {
                "label": label,
                "precision": round(float(precision), 5),
                "recall": round(float(recall), 5),
                "f1": round(float(f1), 5),
                "support": int(actual),
            }
        )
    return rows


def write_report(result: TrainResult, model_path: Path, report_dir: Path) -> dict:
    """Write every report file into `report_dir` and return the report.json content."""
    import keras

    report_dir.mkdir(parents=True, exist_ok=True)
    config, data = result.config, result.data
    outputs = result.test_probabilities.shape[1]
    # Argmax over every output: a test digit called "not a digit" is an error.
    predicted = result.test_probabilities.argmax(axis=1)
    confusion = confusion_matrix(data.test_labels, predicted, outputs)
    test_accuracy = float((predicted == data.test_labels).mean())
    digit_predicted = result.test_probabilities[:, :NUM_CLASSES].argmax(axis=1)
    picked = result.test_probabilities[np.arange(len(predicted)), data.test_labels]
    costs = layer_costs(result.model)
    history = {name: [round(float(value), 6) for value in values] for name, values in result.history.items()}
    report = {
        "architecture": config.arch,
        "description": ARCHITECTURES[config.arch].description,
        "test_accuracy": round(test_accuracy, 6),
        "test_loss": round(float(-np.log(np.clip(picked, 1e-12, 1.0)).mean()), 6),
        "test_errors": int((predicted != data.test_labels).sum()),
        "outputs": outputs,
        "output_labels": list(LABELS) + ([NOT_DIGIT_LABEL] if outputs > NUM_CLASSES else []),
        "test_accuracy_10_outputs": round(float((digit_predicted == data.test_labels).mean()), 6),
        "test_called_not_digit": int((predicted == NUM_CLASSES).sum()),
        "validation_accuracy": history["val_accuracy"][result.best_epoch - 1],
        "validation_loss": history["val_loss"][result.best_epoch - 1],
        "params": int(result.model.count_params()),
        "macs": int(sum(cost.macs for cost in costs)),
        "best_epoch": result.best_epoch,
        "epochs_run": len(history["loss"]),
        "epoch_seconds": result.epoch_seconds,
        "train_seconds": round(result.train_seconds, 1),
        "seed": config.seed,
        "options": config.to_dict(),
        "images": {
            "train": len(data.train_images),
            "validation": len(data.validation_images),
            "test": len(data.test_images),
        },
        "per_class": per_class_metrics(confusion),
        "confusion_matrix": confusion.tolist(),
        "history": history,
        # The run's own checks; an averaged run's validation figures replace the epoch's above.
        **result.extra,
        "model_file": model_path.name,
        "input": "float32 (N, 28, 28, 1) = uint8 pixels / 255, white ink on black",
        "environment": {
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "numpy": np.__version__,
        },
        "layers": [
            {
                "name": cost.name,
                "type": cost.kind,
                "output_shape": list(cost.output_shape),
                "params": cost.params,
                "macs": cost.macs,
            }
            for cost in costs
        ],
    }
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (report_dir / "summary.txt").write_text(_summary_text(report, costs, result.model))
    (report_dir / "per_class.csv").write_text(_per_class_csv(report["per_class"]))
    plot_learning_curves(
        result.history, result.best_epoch, bool(config.augment), report_dir / "learning_curves.png"
    )
    plot_confusion_matrix(confusion, test_accuracy, report_dir / "confusion_matrix.png",
                          report["output_labels"])
    plot_architecture(
        costs,
        f"{config.arch}: {report['params']:,} parameters, {report['macs']:,} MACs per image",
        report_dir / "architecture.png",
    )
    return report


def _summary_text(report: dict, costs: list[LayerCost], model) -> str:
    lines = [
        f"architecture: {report['architecture']} -- {report['description']}",
        f"test accuracy: {report['test_accuracy']:.4%} ({report['test_errors']} errors of "
        f"{report['images']['test']}; argmax over all {report['outputs']} outputs)",
        *_not_digit_lines(report),
        f"validation accuracy ({_kept(report)}): {report['validation_accuracy']:.4%}",
        *_held_out_lines(report),
        f"parameters: {report['params']:,}   multiply-accumulates per image: {report['macs']:,}",
        f"seed: {report['seed']}   training time: {report['train_seconds']} s",
        "options: " + ", ".join(f"{key}={value}" for key, value in report["options"].items()),
        "",
        f"{'layer':<18}{'type':<24}{'output':<14}{'params':>10}{'MACs':>12}",
    ]
    for cost in costs:
        shape = "x".join(str(size) for size in cost.output_shape)
        lines.append(f"{cost.name:<18}{cost.kind:<24}{shape:<14}{cost.params:>10,}{cost.macs:>12,}")
    lines += ["", f"{'class':<8}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    for row in report["per_class"]:
        lines.append(
            f"{row['label']:<8}{row['precision']:>10.4f}{row['recall']:>10.4f}"
            f"{row['f1']:>10.4f}{row['support']:>9}"
        )
    keras_summary: list[str] = []
    model.summary(print_fn=lambda text, **_: keras_summary.append(text))
    lines += ["", "Keras model summary:", *keras_summary]
    return "\n".join(lines) + "\n"


def _kept(report: dict) -> str:
    """Which weights the run kept: the best epoch, or the mean of the last epochs."""
    if report.get("averaged_epochs"):
        return f"mean of the last {report['averaged_epochs']} of {report['epochs_run']} epochs"
    return f"kept epoch {report['best_epoch']} of {report['epochs_run']}"


def _held_out_lines(report: dict) -> list[str]:
    """Validation per source and the synthetic style check, where the run measured them."""
    lines = []
    if "validation_accuracy_by_source" in report:
        lines.append("validation by source: " + ", ".join(
            f"{name} {accuracy:.4%}" for name, accuracy in report["validation_accuracy_by_source"].items()
        ))
    if "style_accuracy" in report:
        weakest = sorted(report["style_accuracy_by_template"].items(), key=lambda item: item[1])[:4]
        lines.append(
            f"synthetic styles (train.styles, unseen seed): {report['style_accuracy']:.2%}; weakest "
            + ", ".join(f"{name} {accuracy:.0%}" for name, accuracy in weakest)
        )
    return lines


def _not_digit_lines(report: dict) -> list[str]:
    """The digit-only accuracy and the negatives' check, for a model with a "not a digit" output."""
    if report["outputs"] <= NUM_CLASSES:
        return []
    lines = [
        f"test accuracy over the 10 digit outputs only: {report['test_accuracy_10_outputs']:.4%}; "
        f"test digits called not a digit: {report['test_called_not_digit']}",
    ]
    if "negatives_called_not_digit" in report:
        kinds = ", ".join(f"{kind} {share:.1%}" for kind, share in report["negatives_called_not_digit_by_kind"].items())
        lines.append(f"fresh negatives called not a digit: {report['negatives_called_not_digit']:.2%} ({kinds})")
        lines.append(
            f"validation digits: {report['validation_digit_accuracy_10_outputs']:.4%} over 10 outputs, "
            f"{report['validation_digits_called_not_digit']:.3%} called not a digit")
    return lines


def _per_class_csv(rows: list[dict]) -> str:
    lines = ["label,precision,recall,f1,support"]
    lines += [
        f"{row['label']},{row['precision']},{row['recall']},{row['f1']},{row['support']}" for row in rows
    ]
    return "\n".join(lines) + "\n"
