"""The runtime is what a Raspberry Pi installs: importing any of it must not pull in TensorFlow."""

import pkgutil
import subprocess
import sys

import runtime
from runtime.paths import REPO_ROOT


def test_no_runtime_module_imports_tensorflow_or_keras():
    modules = sorted(info.name for info in pkgutil.walk_packages(runtime.__path__, "runtime."))
    assert {"runtime.scan.__main__", "runtime.camera.__main__", "runtime.reading.reader"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf2onnx'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
