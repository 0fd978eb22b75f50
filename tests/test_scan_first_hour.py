"""A user's first hour with the scanner, run as a user runs it: the command in its own process,
from a folder outside the checkout, on the shipped sample page.

Each test is a surprise met while following the README on an installed wheel, and failed
before its fix: annotated pages written into the scanned folder hid its pages (0 read, exit 0);
a console script's usage and hints named `python -m runtime.scan`; an annotation folder that
could not be made gave one warning per page after reading them all; a `kill -9` left "leaked
semaphore objects" on the terminal; `| head -1` and `--json - | head` ended in BrokenPipeError
tracebacks (and the CSV beside it unwritten); a SIGTERM to the process group ended in an
EOFError traceback from retrying pages on the dead fork server; `--version` was "the following
arguments are required: INPUT"; a cut-off PNG printed libpng's own line before the warning.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from scan_runs import journal_lines, wait_for

from runtime.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "worksheet.png"

CONSOLE_SCRIPT = """\
import re, sys
from runtime.scan.__main__ import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""
"""What pip writes as `bin/edgedigits-scan` for the `[project.scripts]` entry."""


def _environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO_ROOT))


def run_scan(folder: Path, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m runtime.scan ARGUMENTS` run in `folder`, as a user types it."""
    return subprocess.run([sys.executable, "-m", "runtime.scan", *arguments], cwd=folder,
                          env=_environment(), capture_output=True, text=True, timeout=timeout)


def test_annotating_into_the_scanned_folder_still_reads_its_pages(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(SAMPLE, pages / "scan.png")
    for run in ("first", "second"):  # the second finds the first one's annotated copy there
        done = run_scan(tmp_path, "pages", "--annotate", "pages", "--json", "pages/results.json",
                        "--quiet")
        assert done.returncode == 0, done.stderr
        records = json.loads((pages / "results.json").read_text())["files"]
        assert [record["path"] for record in records] == ["pages/scan.png"], run
        assert records[0]["lines"], run
        assert len(list(pages.glob("scan.png-*.page1.png"))) == 1, run


def test_a_console_script_names_itself_in_its_messages(tmp_path: Path) -> None:
    script = tmp_path / "edgedigits-scan"
    script.write_text(CONSOLE_SCRIPT, encoding="utf-8")
    usage = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path,
                           env=_environment(), capture_output=True, text=True, timeout=60)
    assert usage.returncode == 0
    assert usage.stdout.startswith("usage: edgedigits-scan "), usage.stdout[:80]
    mistake = subprocess.run([sys.executable, str(script), "--workers", "0", "x.png"],
                             cwd=tmp_path, env=_environment(), capture_output=True, text=True,
                             timeout=60)
    assert mistake.returncode == 2
    assert mistake.stderr.strip().endswith("(see edgedigits-scan --help)"), mistake.stderr
    module_form = run_scan(tmp_path, "--workers", "0", "x.png")
    assert module_form.stderr.strip().endswith("(see python -m runtime.scan --help)")


def test_an_annotation_folder_that_cannot_be_made_is_refused_before_reading(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "scan.png")
    (tmp_path / "checked").write_text("a file where the folder should go\n", encoding="utf-8")
    done = run_scan(tmp_path, "scan.png", "--annotate", "checked", "--json", "out.json")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --annotate checked:"), lines
    assert not (tmp_path / "out.json").exists()
    assert (tmp_path / "checked").read_text(encoding="utf-8").startswith("a file where")


def test_a_killed_scan_leaves_no_process_and_no_warning_behind(tmp_path: Path) -> None:
    pages = tmp_path / "many pages"
    pages.mkdir()
    for number in range(24):
        shutil.copy(SAMPLE, pages / f"page {number:02d}.png")
    journal = tmp_path / "out.json.partial.jsonl"
    scan = subprocess.Popen([sys.executable, "-m", "runtime.scan", "many pages", "--workers", "2",
                             "--json", "out.json", "--quiet"], cwd=tmp_path, env=_environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: journal_lines(journal) >= 1, "the first page in the journal", 120)
    finally:
        scan.send_signal(signal.SIGKILL)
    # Standard error closes once every process that inherited it (fork server, workers,
    # multiprocessing's resource tracker) is gone.
    _, errors = scan.communicate(timeout=60)
    assert "leaked" not in errors and "Traceback" not in errors, errors
    resumed = run_scan(tmp_path, "many pages", "--json", "out.json", "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert len(json.loads((tmp_path / "out.json").read_text())["files"]) == 24


def _folder_of_pages(tmp_path: Path, count: int) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    for number in range(count):
        shutil.copy(SAMPLE, pages / f"page {number:02d}.png")
    return pages


def test_page_lines_piped_into_head_end_the_run_quietly(tmp_path: Path) -> None:
    _folder_of_pages(tmp_path, 20)
    scan = subprocess.Popen([sys.executable, "-m", "runtime.scan", "pages", "--quiet"],
                            cwd=tmp_path, env=_environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first = scan.stdout.readline()  # `| head -1`: one line, then the reader goes
    scan.stdout.close()
    errors = scan.stderr.read()
    assert scan.wait(timeout=120) == 0, errors
    assert first.startswith("pages/page 00.png: ")
    assert errors == "", errors


def test_json_to_a_closed_standard_output_still_writes_the_csv(tmp_path: Path) -> None:
    _folder_of_pages(tmp_path, 2)
    scan = subprocess.Popen([sys.executable, "-m", "runtime.scan", "pages", "--json", "-",
                             "--csv", "out.csv", "--quiet"], cwd=tmp_path, env=_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    scan.stdout.close()  # `| head -c 0`
    errors = scan.stderr.read()
    assert scan.wait(timeout=120) == 0, errors
    assert errors == "", errors
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert {row.split(",")[0] for row in rows[1:]} == {"pages/page 00.png", "pages/page 01.png"}


def test_sigterm_to_the_whole_process_group_stops_in_order(tmp_path: Path) -> None:
    # `systemctl stop`, `kill -TERM -PGID` and job control signal every process of the group:
    # the workers and the fork server die at once, and the main process must still stop in order.
    _folder_of_pages(tmp_path, 24)
    journal = tmp_path / "out.json.partial.jsonl"
    command = [sys.executable, "-m", "runtime.scan", "pages", "--workers", "2", "--json",
               "out.json", "--quiet"]
    scan = subprocess.Popen(command, cwd=tmp_path, env=_environment(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: journal_lines(journal) >= 1, "the first page in the journal", 120)
    finally:
        os.killpg(scan.pid, signal.SIGTERM)
    _, errors = scan.communicate(timeout=60)
    assert scan.returncode == 130, errors
    assert "Traceback" not in errors and errors.startswith("stopped: "), errors
    resumed = run_scan(tmp_path, *command[3:], "--resume")
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads((tmp_path / "out.json").read_text())
    assert len(results["files"]) == 24 and results["errors"] == [], results["errors"]


def test_every_installed_command_answers_version(tmp_path: Path) -> None:
    from importlib import metadata

    try:
        expected = f"edgedigits {metadata.version('edgedigits')}"
    except metadata.PackageNotFoundError:  # a checkout that was never installed
        expected = "edgedigits (version unknown: not installed)"
    for module in ("runtime.scan", "runtime.camera", "train", "export", "benchmarks.latency"):
        done = subprocess.run([sys.executable, "-m", module, "--version"], cwd=tmp_path,
                              env=_environment(), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (module, done.stderr)
        assert done.stdout.strip() == expected, (module, done.stdout, done.stderr)


def test_a_cut_off_png_is_one_warning_line_with_nothing_from_libpng(tmp_path: Path) -> None:
    whole = SAMPLE.read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[:len(whole) // 3])  # a copy that stopped part-way
    done = subprocess.run([sys.executable, "-m", "runtime.scan", "cut.png", "--quiet"],
                          cwd=tmp_path, env=_environment(), capture_output=True, timeout=120)
    assert done.returncode == 1
    # libpng's own "libpng error: PNG input buffer is incomplete" went straight to fd 2.
    assert done.stderr.decode(errors="replace").splitlines() == [
        "warning: cut.png: corrupt or truncated PNG (OpenCV could not decode it)"]
