"""`python -m runtime.scan --engine ray`: same results as the local engine, whatever Ray does.

Ray takes seconds to start (tens on a busy 2-core machine), so every test that starts it is
marked slow and reads only a few pages. The two-node test uses Ray's own
`ray.cluster_utils.Cluster` (two raylets on this machine) and removes one mid-run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from processes import alive, children_of, command_line
from test_scan_fakes import LOG_ENV_VAR, BlobReader, blob_page, write_image, write_pdf

from runtime.paths import REPO_ROOT
from runtime.scan.batch import BatchOptions, Task, TaskResult, run_tasks
from runtime.scan.ray_engine import is_uri
from runtime.scan.writers import JOURNAL_SUFFIX

TESTS_DIR = Path(__file__).resolve().parent
SAMPLE_PAGE = REPO_ROOT / "samples" / "worksheet.png"
SLOW_PAGE_SECONDS = 0.3
"""Reading time of a page in the node and kill tests: long enough to act in the middle of a run."""


class SlowPageReader(BlobReader):
    def read(self, image):
        time.sleep(SLOW_PAGE_SECONDS)
        return super().read(image)


def slow_page_reader_factory(options) -> SlowPageReader:
    """Module-level, so Ray actors (with tests/ on their PYTHONPATH) unpickle it by name."""
    return SlowPageReader(min_confidence=options.min_confidence)


def cli(arguments: list, *, cwd: Path, factory: str | None = None, wait: bool = True):
    """Run the scanner as a user does, from `cwd` (outside the checkout); with `factory` (a
    function of tests/test_scan_fakes.py) the reader is that fake, in every Ray actor too."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    if factory is None:
        command = [sys.executable, "-m", "runtime.scan"]
    else:
        command = [sys.executable, "-c",
                   "import sys; from runtime.scan.cli import main; "
                   f"from test_scan_ray import {factory}; "
                   f"sys.exit(main(sys.argv[1:], reader_factory={factory}))"]
    command += [str(argument) for argument in arguments]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_without_ray_the_engine_is_one_line_saying_what_to_install(tmp_path, monkeypatch):
    from runtime.scan.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where it is missing
    write_image("page.png", blob_page(2))
    with pytest.raises(SystemExit) as stopped:
        main(["page.png", "--engine", "ray", "--json", "out.json"])
    assert stopped.value.code == 2
    assert not Path("out.json").exists()


def test_ray_options_need_the_ray_engine(tmp_path, capsys):
    from runtime.scan.cli import main

    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path), "--ray-actors", "2"])
    assert stopped.value.code == 2
    assert "--engine ray" in capsys.readouterr().err


def test_an_address_nobody_answers_at_is_one_line_in_seconds(tmp_path):
    pytest.importorskip("ray")
    write_image(tmp_path / "page.png", blob_page(1))
    started = time.monotonic()
    run = cli(["page.png", "--engine", "ray", "--ray-address", "127.0.0.1:1", "--json", "out.json"],
              cwd=tmp_path)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "127.0.0.1:1" in errors[0] and "ray start" in errors[0]
    assert "Traceback" not in run.stderr
    assert time.monotonic() - started < 60


def test_uris_are_listed_and_planned_like_files(tmp_path):
    pytest.importorskip("pyarrow")  # comes with the cluster extra (ray[data])
    from runtime.scan import ray_engine

    write_image(tmp_path / "scans" / "a.png", blob_page(1))
    write_pdf(tmp_path / "scans" / "sub" / "b.pdf", [blob_page(1), blob_page(2)])
    (tmp_path / "scans" / "notes.txt").write_text("not a page")
    uri = (tmp_path / "scans").as_uri()
    files, problems = ray_engine.expand_inputs([uri, uri + "/missing.png"])
    assert files == [uri + "/a.png", uri + "/sub/b.pdf"]
    assert [problem.reason for problem in problems] == ["no such file or folder"]
    tasks, errors = ray_engine.plan_tasks(files, done={(os.path.abspath(uri + "/sub/b.pdf"), 1)})
    assert errors == []
    assert [(task.index, task.path, task.page_index) for task in tasks] == [
        (0, uri + "/a.png", None), (1, uri + "/sub/b.pdf", 1)]


@pytest.mark.slow
def test_same_json_as_the_local_engine_with_a_corrupt_file_among_good_ones(tmp_path):
    pytest.importorskip("ray")
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(SAMPLE_PAGE, scans / "a worksheet.png")
    write_pdf(scans / "two pages.pdf", [blob_page(3, height=120), blob_page(5, height=120)])
    (scans / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    local = cli(["scans", "--json", "local.json", "--quiet"], cwd=tmp_path)
    ray = cli(["scans", "--engine", "ray", "--json", "ray.json", "--csv", "ray.csv"], cwd=tmp_path)
    assert local.returncode == ray.returncode == 1  # the corrupt file, and only it, failed
    assert "Traceback" not in ray.stderr
    assert [line for line in ray.stderr.splitlines() if line.startswith("warning:")] == [
        line for line in local.stderr.splitlines() if line.startswith("warning:")]
    assert (tmp_path / "ray.json").read_bytes() == (tmp_path / "local.json").read_bytes()
    document = json.loads((tmp_path / "ray.json").read_text())
    assert len(document["files"]) == 3 and len(document["errors"]) == 1
    assert sum(len(line["numbers"]) for page in document["files"] for line in page["lines"]) > 10


@pytest.mark.slow
def test_node_removed_mid_run_and_every_page_comes_back_once(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from runtime.scan.ray_engine import run_tasks_ray

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    monkeypatch.chdir(tmp_path)
    paths = [str(write_image(f"p{index:02d}.png", blob_page(1 + index % 3))) for index in range(16)]
    tasks = [Task(index, path, None) for index, path in enumerate(paths)]
    options = BatchOptions(reader_factory=slow_page_reader_factory)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1},
                      connect=False)
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    results: list[TaskResult] = []

    def on_result(result: TaskResult) -> None:
        results.append(result)
        if len(results) == 3:
            cluster.remove_node(worker)  # for good: its actor and the page it held are lost

    try:
        run_tasks_ray(tasks, options, on_result, address=cluster.address, actors=2)
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert sorted(result.task.index for result in results) == list(range(len(tasks)))
    assert all(not record.failed for result in results for record in result.records)
    assert [len(result.records) for result in results] == [1] * len(tasks)


@pytest.mark.slow
def test_a_page_that_kills_its_actor_is_one_error_and_the_rest_is_read_uris_too(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    from test_scan_fakes import blob_reader_factory, crashing_reader_factory

    from runtime.scan import ray_engine
    from runtime.scan.batch import plan_tasks
    from runtime.scan.ray_engine import CRASH_REASON

    monkeypatch.setattr(ray_engine, "WINDOW_TASKS", 4)  # two Ray Data runs, as a big batch has
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)]))
    monkeypatch.chdir(tmp_path)
    for index in range(4):
        write_image(f"scans/p{index}.png", blob_page(1 + index, crash_mark=index == 2))
    write_pdf("scans/two.pdf", [blob_page(2), blob_page(3)])
    local_files, _ = ray_engine.expand_inputs(["scans"])
    uri_files, _ = ray_engine.expand_inputs([(tmp_path / "scans").as_uri()])
    tasks, errors = ray_engine.plan_tasks(local_files + uri_files, set())
    assert errors == [] and len(tasks) == 2 * 6
    temporary = Path(tempfile.gettempdir())
    folders_before = set(temporary.iterdir())
    results: list[TaskResult] = []
    # One retry, not three: each costs an actor restart, and the crash is the same every time.
    ray_engine.run_with_options(tasks, BatchOptions(reader_factory=crashing_reader_factory),
                                results.append, ray_engine.RayOptions(actors=2, task_retries=1))
    assert sorted(result.task.index for result in results) == list(range(len(tasks)))
    failed = sorted(record.path for result in results for record in result.records
                    if record.failed and record.error == CRASH_REASON)
    assert failed == [(tmp_path / "scans" / "p2.png").as_uri(), os.path.join("scans", "p2.png")]
    assert all(not record.failed for result in results for record in result.records
               if "p2.png" not in record.path)
    # The actors that died on p2 (a URI, copied to a temporary folder first) left no copy behind.
    left = [folder for folder in set(temporary.iterdir()) - folders_before if (folder / "p2.png").exists()]
    assert left == []
    # The same pages as local files and as file:// URIs read the same, page by page.
    expected = {}
    readable = [task for task in plan_tasks(local_files, set())[0] if "p2" not in task.path]
    run_tasks(readable, BatchOptions(reader_factory=blob_reader_factory),
              lambda result: expected.update(_by_name_and_page(result)))
    by_uri = {key: lines for result in results if is_uri(result.task.path)
              for key, lines in _by_name_and_page(result).items() if "p2" not in key[0]}
    assert by_uri == expected and len(expected) == 5


def _by_name_and_page(result: TaskResult) -> dict:
    return {(Path(record.path).name, record.page): record.lines for record in result.records
            if not record.failed}


def test_without_ray_address_a_run_starts_its_own_instance_whatever_ray_address_says(tmp_path, monkeypatch):
    """README: without --ray-address a Ray instance is started for the run. Ray itself reads no
    address as RAY_ADDRESS (or the last `ray start` on the machine, as a test's cluster in the
    next process), then refused the run's CPU count: "cannot start or join Ray at a local
    instance: When connecting to an existing cluster, num_cpus and num_gpus must not be
    provided" (a flaky `test_driver_killed...` beside `test_node_removed...`)."""
    pytest.importorskip("ray")
    write_image(tmp_path / "scans" / "page.png", blob_page(2))
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:9")  # nobody answers there
    run = cli(["scans", "--engine", "ray", "--json", "out.json", "--quiet"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert len(json.loads((tmp_path / "out.json").read_text())["files"]) == 1


@pytest.mark.slow
def test_driver_killed_keeps_its_pages_and_resume_reads_only_the_rest(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    log = tmp_path / "reads.log"
    monkeypatch.setenv(LOG_ENV_VAR, str(log))  # every actor appends "read PID" per page
    page_count = 40
    for index in range(page_count):
        write_image(tmp_path / "scans" / f"p{index:02d}.png", blob_page(1))
    arguments = ["scans", "--engine", "ray", "--json", "out.json", "--quiet"]
    process = cli(arguments, cwd=tmp_path, factory="slow_page_reader_factory", wait=False)
    journal = tmp_path / ("out.json" + JOURNAL_SUFFIX)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and (not journal.exists()
                                           or journal.read_text().count("\n") < 5):
        time.sleep(0.1)
    # The local Ray instance: GCS, raylet, actors. Ray's two node agents are left out: they
    # notice their raylet is gone in 2 s but then wait on the dead GCS (60-90 s seen) to exit.
    ray_processes = [pid for pid in children_of(process.pid) if not command_line(pid).endswith("Agent")]
    assert ray_processes
    process.send_signal(signal.SIGKILL)  # no chance to clean up or shut Ray down
    process.wait(timeout=30)
    deadline = time.monotonic() + 30  # Ray's reaper notices its driver is gone
    while time.monotonic() < deadline and any(alive(pid) for pid in ray_processes):
        time.sleep(0.5)
    assert not [pid for pid in ray_processes if alive(pid)]
    kept = {json.loads(line)["path"] for line in journal.read_text().splitlines()}
    assert 5 <= len(kept) < page_count

    reads_before = log.read_text().count("read")
    resumed = cli(arguments + ["--resume"], cwd=tmp_path, factory="slow_page_reader_factory")
    assert resumed.returncode == 0, resumed.stderr
    assert log.read_text().count("read") - reads_before == page_count - len(kept)
    files = json.loads((tmp_path / "out.json").read_text())["files"]
    assert [Path(page["path"]).name for page in files] == [f"p{i:02d}.png" for i in range(page_count)]
    assert not journal.exists()

