"""Which optional dependencies ("extras") a stage of edgedigits needs, and the one-line fix.

The bare `pip install edgedigits` needs nothing; each stage names its extra in pyproject.toml
(`runtime`, `train`, `export`, `benchmarks`). A command run without its extra says so in one
line ("install edgedigits[train]") instead of a ModuleNotFoundError traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "runtime": ("numpy", "cv2", "tqdm"),
    "train": ("tensorflow", "keras"),
    "export": ("tensorflow", "keras", "tf2onnx", "onnx"),
    "benchmarks": ("matplotlib",),
}
"""Import names each extra provides that its commands cannot start without."""


def missing_extra(extra: str) -> str | None:
    """None when `extra`'s modules import here, else the one line that tells how to get them."""
    missing = [name for name in STAGE_MODULES[extra] if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (f"{', '.join(missing)} not installed: install edgedigits[{extra}] "
            f"(pip install 'edgedigits[{extra}]'; in a checkout: pip install -e '.[{extra}]')")


def missing_before_arguments(extra: str, argv: list[str] | None) -> str | None:
    """`missing_extra(extra)`, unless help or the version is asked for (both answer without the
    extra): what is missing comes before what is wrong with the arguments, as no argument makes
    the command work without its extra."""
    argv = sys.argv[1:] if argv is None else argv
    if {"-h", "--help", "--version"} & set(argv):
        return None
    return missing_extra(extra)


def run_command(extra: str, module: str) -> int:
    """A command's entry point: the one-line fix if `extra` is missing, else `module.main()`.

    The scan and camera commands import OpenCV and tqdm at the top of their modules, so the
    check has to come before that import, and so has numpy's thread setting
    (`runtime.cli.leave_blas_one_thread`).
    """
    from runtime.cli import ExitCode, fail, leave_blas_one_thread

    problem = missing_extra(extra)
    if problem:
        return fail(problem, ExitCode.USAGE)
    leave_blas_one_thread()
    return importlib.import_module(module).main()
