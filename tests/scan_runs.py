"""The scanner run as its own process with a fake reader, and waiting on what it writes.

Shared by the scan tests that stop, kill or race a real run (tests/test_scan_cli.py and
tests/test_scan_defects.py); the fakes themselves live in tests/test_scan_fakes.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from test_scan_fakes import GATE_AFTER_ENV_VAR, GATE_ENV_VAR

from runtime.paths import REPO_ROOT

TESTS_DIR = Path(__file__).resolve().parent


def start_scan(arguments: list[str], *, factory: str = "gated_reader_factory", env=None,
               preexec_fn=None) -> subprocess.Popen:
    """The scanner as its own process, with a fake reader from tests/test_scan_fakes.py."""
    script = ("import sys; from runtime.scan.cli import main; "
              f"from test_scan_fakes import {factory}; "
              f"sys.exit(main(sys.argv[1:], reader_factory={factory}))")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]),
                       **(env or {}))
    return subprocess.Popen([sys.executable, "-c", script, *arguments], env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=preexec_fn)


def start_gated_scan(arguments: list[str], gate: Path, pages_before_gate: int) -> subprocess.Popen:
    """A run whose reader stops after `pages_before_gate` pages until `gate` is removed: the test
    knows exactly what was read when it stops the run."""
    gate.touch()
    return start_scan(arguments, env={GATE_ENV_VAR: str(gate),
                                      GATE_AFTER_ENV_VAR: str(pages_before_gate)})


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def journal_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0
