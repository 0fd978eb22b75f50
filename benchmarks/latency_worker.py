"""Measure one model in one fresh process: load time, memory, latency and throughput.

`benchmarks.latency` runs `run_job` in a new process per (model, thread count), so every
measurement starts from a clean interpreter: the memory figures are that model's own (resident
set size from the OS, which sees native allocations that tracemalloc cannot), the threading
settings of one runtime never leak into the next, and TensorFlow is only ever imported in the
processes that time the Keras model.

Kinds of job:
- "classifier": `runtime.classifier.Classifier.predict` on uint8 crops, the device path.
  For .tflite and .onnx/.ort files the bare interpreter call is timed as well ("raw"), which
  shows how much of the latency is the wrapper's pre- and post-processing.
- "keras-predict": `model.predict(x)` on a float image, the way a notebook does it.
- "keras-call": `model(x, training=False)` followed by `.numpy()`, Keras without `predict`'s
  per-call machinery.

Usage: imported by benchmarks.latency (not run directly).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.timing import TimingOptions, time_call

INPUT_SEED = 20240601
"""Seed of the random crops fed to the models; a dense CNN's cost does not depend on pixels."""


@dataclass
class Job:
    """One model to measure with one thread setting, in its own process."""

    kind: str  # "classifier", "keras-predict" or "keras-call"
    path: str  # the model file
    threads: int  # intra-op threads given to the runtime
    batch_sizes: tuple[int, ...] = (1, 32, 256)  # throughput is measured at each of these
    timing: TimingOptions = field(default_factory=TimingOptions)
    raw_invoke: bool = True  # also time the bare interpreter call (classifier jobs only)


def run_job(job: Job) -> dict:
    """Measure `job` in this process and return plain data (it crosses a process boundary)."""
    rss_start = current_rss_bytes()
    started = time.perf_counter()
    if job.kind == "classifier":
        import_runtime = _import_classifier
    elif job.kind in ("keras-predict", "keras-call"):
        import_runtime = _import_keras
    else:
        raise ValueError(f"unknown job kind {job.kind!r}; use classifier, keras-predict, keras-call")
    module = import_runtime(job)
    import_s = time.perf_counter() - started
    rss_imported = current_rss_bytes()

    started = time.perf_counter()
    predict_batch = _load(job, module)
    load_s = time.perf_counter() - started

    crops = np.random.default_rng(INPUT_SEED).integers(
        0, 256, size=(max(job.batch_sizes), 28, 28), dtype=np.uint8
    )
    # Black margins, as every normalized crop has (the digit fits a 20 px box): the classifier
    # refuses crops with four bright corners as dark ink on paper.
    crops[:, :4, :] = crops[:, -4:, :] = crops[:, :, :4] = crops[:, :, -4:] = 0
    inputs = {size: _prepare(job.kind, crops[:size]) for size in job.batch_sizes}
    single = inputs[1] if 1 in inputs else _prepare(job.kind, crops[:1])
    predict_batch(single)  # the first inference allocates buffers: count it in "loaded" memory
    rss_loaded = current_rss_bytes()

    result: dict = {
        "kind": job.kind,
        "threads": job.threads,
        "import_s": import_s,
        "load_s": load_s,
        "rss_imported_bytes": rss_imported,
        "rss_loaded_bytes": rss_loaded,
        "rss_model_bytes": max(0, rss_loaded - rss_imported),
        "rss_process_start_bytes": rss_start,
    }
    result["latency"] = time_call(lambda: predict_batch(single), job.timing).to_dict()
    if job.kind == "classifier" and job.raw_invoke:
        raw = _raw_interpreter_call(job)
        result["raw"] = time_call(raw, job.timing).to_dict() if raw is not None else None
    throughput = {}
    for size, batch in inputs.items():
        stats = time_call(lambda batch=batch: predict_batch(batch), job.timing)
        throughput[str(size)] = {
            "images_per_s": size * stats.calls / stats.total_s,
            "median_batch_s": stats.median_s,
            "calls": stats.calls,
        }
    result["throughput"] = throughput
    result["peak_rss_bytes"] = peak_rss_bytes()
    return result


def current_rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; the peak elsewhere)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        resident_pages = int(statm.read_text().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """Highest resident set size this process has had."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def _import_classifier(job: Job):
    from runtime import classifier

    # The classifier imports its interpreter on first load; import it here so that the
    # import's time and memory are not counted as the model's.
    if Path(job.path).suffix.lower() == ".tflite":
        try:
            classifier.import_tflite_interpreter()
        except classifier.ModelError:
            pass  # the load below reports it as the row's failure
    else:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            pass
    return classifier


def _import_keras(job: Job):
    threads = job.threads
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    # Must happen before TensorFlow runs its first op, hence one process per thread setting.
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    return keras


def _load(job: Job, module):
    """Load the model and return `predict_batch(prepared_input)` for the job's kind."""
    if job.kind == "classifier":
        classifier = module.Classifier.load(job.path, threads=job.threads)
        return classifier.predict
    model = module.models.load_model(job.path, compile=False)
    if job.kind == "keras-predict":
        return lambda x: model.predict(x, batch_size=len(x), verbose=0)
    return lambda x: np.asarray(model(x, training=False))


def _prepare(kind: str, crops: np.ndarray) -> np.ndarray:
    """What the timed call is given: uint8 crops for the device path, [0, 1] floats for Keras."""
    if kind == "classifier":
        return np.ascontiguousarray(crops)
    # Imported here, after the import timing: runtime modules loaded before it would make the
    # classifier's import look cheaper than it is.
    from runtime.model_io import to_model_input

    # A notebook scales once, outside predict; leaving it out of the timing favours Keras.
    return to_model_input(crops)


def _raw_interpreter_call(job: Job):
    """A zero-argument callable running only the interpreter on one image, or None."""
    suffix = Path(job.path).suffix.lower()
    if suffix == ".tflite":
        return _raw_tflite(job.path, job.threads)
    if suffix in (".onnx", ".ort"):
        return _raw_onnx(job.path, job.threads)
    return None


def _raw_tflite(path: str, threads: int):
    from runtime.classifier import ModelError, import_tflite_interpreter

    try:
        interpreter_class = import_tflite_interpreter()
    except ModelError:
        return None
    interpreter = interpreter_class(model_path=path, num_threads=threads)
    detail = interpreter.get_input_details()[0]
    shape = [1, *[int(d) for d in detail["shape"][1:]]]
    interpreter.resize_tensor_input(detail["index"], shape)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    data = _input_like(detail["dtype"], shape, detail.get("quantization", (0.0, 0)))
    interpreter.set_tensor(detail["index"], data)
    return interpreter.invoke


def _raw_onnx(path: str, threads: int):
    try:
        import onnxruntime
    except ImportError:
        return None
    session_options = onnxruntime.SessionOptions()
    session_options.intra_op_num_threads = threads
    session_options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        path, sess_options=session_options, providers=["CPUExecutionProvider"]
    )
    model_input = session.get_inputs()[0]
    shape = [1] + [d if isinstance(d, int) else 1 for d in model_input.shape[1:]]
    dtype = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}.get(
        model_input.type, np.float32
    )
    data = _input_like(dtype, shape, (0.0, 0))
    feed = {model_input.name: data}
    return lambda: session.run(None, feed)


def _input_like(dtype, shape: list[int], quantization: tuple[float, int]) -> np.ndarray:
    """A mid-grey image in the interpreter's own input type (quantized with its own params)."""
    from runtime.model_io import to_model_input

    scale, zero_point = quantization
    grey = np.full((1, 28, 28), 128, np.uint8)
    return to_model_input(grey, dtype, scale or None, zero_point).reshape(shape)
