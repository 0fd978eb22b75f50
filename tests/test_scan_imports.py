"""The scan command's main process starts without numpy and OpenCV: with worker processes it
decodes and reads nothing itself (the workers' fork server imports them with the reader), and
importing them cost it 0.15 s of CPU a run."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_scan_command_line_imports_neither_numpy_nor_opencv(tmp_path):
    probe = ("import sys, runtime.scan.cli, runtime.scan.pool; "
             "print(sorted(name for name in ('cv2', 'numpy') if name in sys.modules))")
    # Run from outside the checkout, with it first on the path, as the other command tests do.
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == "[]"


def test_the_scan_command_line_imports_no_progress_bar_until_it_shows_one(tmp_path):
    # tqdm (and the package metadata it reads) cost a quiet run's main process 0.05 s of CPU.
    probe = "import sys, runtime.scan.cli; print('tqdm' in sys.modules)"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == "False"


def test_the_reader_imports_no_statistics_module(tmp_path):
    # `statistics` (with `fractions` and `decimal`) costs every worker's start 18 ms; the reader's
    # medians come from `runtime.reading.quantiles.median`.
    probe = "import sys, runtime.reading.reader, runtime.camera.stream; print('statistics' in sys.modules)"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    found = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert found == "False"
