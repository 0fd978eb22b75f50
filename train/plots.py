"""The report's pictures: learning curves, confusion matrix, and a block diagram of the layers.

matplotlib only (headless Agg backend); pydot / graphviz are not needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from runtime.spec import LABELS
from train.macs import LayerCost


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def plot_learning_curves(history: dict, best_epoch: int, augmented: bool, path: Path) -> None:
    """Loss and accuracy per epoch, training vs validation, best epoch marked."""
    pyplot = _pyplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, (loss_axes, accuracy_axes) = pyplot.subplots(1, 2, figsize=(10, 4))
    for axes, metric, title in (
        (loss_axes, "loss", "loss (cross-entropy)"),
        (accuracy_axes, "accuracy", "accuracy"),
    ):
        axes.plot(epochs, history[metric], label="training (augmented)" if augmented else "training")
        axes.plot(epochs, history[f"val_{metric}"], label="validation")
        axes.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
        axes.set_xlabel("epoch")
        axes.set_title(title)
        axes.grid(alpha=0.3)
    loss_axes.set_yscale("log")
    accuracy_axes.set_ylim(max(0.0, min(history["val_accuracy"]) - 0.01), 1.0)
    accuracy_axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def plot_confusion_matrix(confusion: np.ndarray, accuracy: float, path: Path,
                          output_labels: list[str] | None = None) -> None:
    """Counts of (true, predicted) on the test set; the diagonal is dimmed to show errors.

    `confusion` is (10, outputs): an 11th column counts digits called "not a digit".
    """
    pyplot = _pyplot()
    output_labels = list(output_labels or LABELS)
    errors = confusion.astype(float)
    np.fill_diagonal(errors, 0.0)
    figure, axes = pyplot.subplots(figsize=(6.5 + 0.5 * (len(output_labels) - len(LABELS)), 5.5))
    image = axes.imshow(errors, cmap="Reds")
    for true in range(confusion.shape[0]):
        for predicted in range(confusion.shape[1]):
            count = confusion[true, predicted]
            if count:
                weight = "bold" if true == predicted else "normal"
                axes.text(
                    predicted, true, str(count), ha="center", va="center", fontsize=7, fontweight=weight
                )
    axes.set_xticks(range(len(output_labels)), ["not\ndigit" if len(name) > 1 else name for name in output_labels])
    axes.set_yticks(range(len(LABELS)), LABELS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"test set confusion (accuracy {accuracy:.2%}); colour = errors")
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


_KIND_COLOURS = {
    "InputLayer": "#dddddd",
    "Conv2D": "#8ecae6",
    "DepthwiseConv2D": "#bde0fe",
    "Dense": "#ffb703",
    "BatchNormalization": "#e9edc9",
    "ReLU": "#f1faee",
    "MaxPooling2D": "#cdb4db",
    "GlobalAveragePooling2D": "#cdb4db",
    "Flatten": "#f1faee",
    "Dropout": "#f1faee",
}


def plot_architecture(costs: list[LayerCost], title: str, path: Path) -> None:
    """One box per layer, top to bottom: name, type, output shape, parameters and MACs."""
    pyplot = _pyplot()
    box_height, gap = 0.8, 0.35
    figure_height = 1.0 + len(costs) * (box_height + gap) * 0.42
    figure, axes = pyplot.subplots(figsize=(7.5, figure_height))
    total_macs = sum(cost.macs for cost in costs) or 1
    for index, cost in enumerate(costs):
        top = -index * (box_height + gap)
        colour = _KIND_COLOURS.get(cost.kind, "#ffffff")
        axes.add_patch(
            pyplot.Rectangle(
                (0, top - box_height), 10, box_height, facecolor=colour, edgecolor="black", linewidth=0.8
            )
        )
        shape = "x".join(str(size) for size in cost.output_shape)
        axes.text(
            0.2,
            top - box_height / 2,
            f"{cost.name}  ({cost.kind})",
            va="center",
            fontsize=8,
            fontweight="bold",
        )
        detail = f"-> {shape}"
        if cost.params:
            detail += f"   {cost.params:,} params"
        if cost.macs:
            detail += f"   {cost.macs:,} MACs ({cost.macs / total_macs:.0%})"
        axes.text(9.8, top - box_height / 2, detail, va="center", ha="right", fontsize=7.5)
        if index + 1 < len(costs):
            axes.annotate(
                "",
                xy=(5, top - box_height - gap),
                xytext=(5, top - box_height),
                arrowprops={"arrowstyle": "->", "linewidth": 0.8},
            )
    bottom = -len(costs) * (box_height + gap)
    axes.set_xlim(-0.1, 10.1)
    axes.set_ylim(bottom, 0.2)
    axes.axis("off")
    axes.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
