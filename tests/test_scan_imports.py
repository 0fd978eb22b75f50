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
    found = _printed_by(probe, tmp_path)
    assert found == "[]"


def test_the_scan_command_line_imports_no_progress_bar_until_it_shows_one(tmp_path):
    # tqdm (and the package metadata it reads) cost a quiet run's main process 0.05 s of CPU.
    probe = "import sys, runtime.scan.cli; print('tqdm' in sys.modules)"
    found = _printed_by(probe, tmp_path)
    assert found == "False"


def test_a_local_scan_imports_neither_the_ray_engine_nor_importlib_resources(tmp_path):
    # The Ray engine's module cost every local run's main process 8-15 ms of CPU, and
    # importlib.resources (which found the packaged model) 10 ms there and in the fork server.
    probe = ("import sys, runtime.scan.cli, runtime.scan.pool, runtime.classifier; "
             "print(sorted(name for name in ('runtime.scan.ray_engine', 'importlib.resources') "
             "if name in sys.modules))")
    found = _printed_by(probe, tmp_path)
    assert found == "[]"


def test_the_scan_command_line_imports_multiprocessing_only_to_start_workers(tmp_path):
    # A run read in this process (one worker, one page) needs no fork server: multiprocessing
    # and its fork server's modules cost 10-20 ms of CPU to import.
    probe = ("import sys, runtime.scan.cli; from runtime.scan import fork_server; "
             "fork_server.stop(); print('multiprocessing' in sys.modules)")
    found = _printed_by(probe, tmp_path)
    assert found == "False"


def test_the_reader_imports_no_statistics_module(tmp_path):
    # `statistics` (with `fractions` and `decimal`) costs every worker's start 18 ms; the reader's
    # medians come from `runtime.reading.quantiles.median`.
    probe = "import sys, runtime.reading.reader, runtime.camera.stream; print('statistics' in sys.modules)"
    found = _printed_by(probe, tmp_path)
    assert found == "False"


def _printed_by(probe: str, folder: Path, extra_env: dict[str, str] | None = None,
                extra_path: str | None = None) -> str:
    """What Python code `probe` prints, run in a fresh interpreter from `folder` (outside the
    checkout), with the checkout first on the path, as the other command tests do."""
    env = {"PYTHONPATH": str(REPO) if extra_path is None else f"{REPO}:{extra_path}", "PATH": "/usr/bin:/bin",
           **(extra_env or {})}
    return subprocess.run([sys.executable, "-c", probe], cwd=folder, env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def _blas_threads_seen_by_a_command(tmp_path, user_setting: str | None) -> str:
    """OPENBLAS_NUM_THREADS as a command module sees it when it is imported by `run_command`
    (the scan and camera commands' entry point), before it imports numpy."""
    (tmp_path / "probe_command.py").write_text(
        "import os, sys\n"
        "SEEN = os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules\n"
        "def main():\n    print(SEEN)\n    return 0\n")
    probe = "from runtime.extras import run_command; run_command('runtime', 'probe_command')"
    setting = {} if user_setting is None else {"OPENBLAS_NUM_THREADS": user_setting}
    return _printed_by(probe, tmp_path, setting, extra_path=str(tmp_path))


def test_the_commands_start_numpy_with_one_blas_thread_unless_the_user_chose(tmp_path):
    # OpenBLAS's threads spin for a while after numpy is imported: 35-100 ms of CPU a process on
    # 2 cores (the scan's fork server inherits the setting), and the readers never use them.
    assert _blas_threads_seen_by_a_command(tmp_path, None) == "('1', False)"
    assert _blas_threads_seen_by_a_command(tmp_path, "3") == "('3', False)"
