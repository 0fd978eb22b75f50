"""edgedigits runtime: the TensorFlow-free part that reads handwritten digits on a device.

It holds the single definitions the whole project shares (label set and model input spec in
`runtime.spec`, MNIST-style crop normalization in `runtime.normalize`), the batch classifier
over TFLite / ONNX models, page segmentation, grouping into numbers and lines, the Python API
below, and the two entry points `python -m runtime.scan` and `python -m runtime.camera`.

Nothing in this package imports TensorFlow, and importing it is cheap: the names below are
imported on first use.

Usage:
    import runtime
    result = runtime.read("page.jpg")      # a path, file bytes, or a BGR / grey numpy image
    print(result.text)                     # lines of numbers; result.digits for boxes
    reader = runtime.PageReader(runtime.Classifier.load(), runtime.ReaderOptions(min_confidence=0.5))
"""

from __future__ import annotations

import importlib

__all__ = [
    "read",
    "load_image",
    "PageReader",
    "ReaderOptions",
    "Classifier",
    "Predictions",
    "ModelError",
    "PageResult",
    "Line",
    "Number",
    "Digit",
    "normalize_digit",
    "normalize_batch",
]

_HOMES = {
    "read": "runtime.api",
    "load_image": "runtime.api",
    "PageReader": "runtime.reading.reader",
    "ReaderOptions": "runtime.reading.reader",
    "Classifier": "runtime.classifier",
    "Predictions": "runtime.classifier",
    "ModelError": "runtime.models",
    "PageResult": "runtime.results",
    "Line": "runtime.results",
    "Number": "runtime.results",
    "Digit": "runtime.results",
    "normalize_digit": "runtime.normalize",
    "normalize_batch": "runtime.normalize",
}
"""Where each public name lives; `runtime.X` imports its module on first use (PEP 562)."""


def __getattr__(name: str):
    if name in _HOMES:
        module = importlib.import_module(_HOMES[name])
        value = getattr(module, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'runtime' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
