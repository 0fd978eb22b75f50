"""The scan's fork server (the process its workers are forked from): started as soon as the
command knows it will read in workers, so its imports overlap the main process's own set-up;
stopped whatever happens, used or not; its workers' CPU time still counted to the command."""

from __future__ import annotations

import resource
from multiprocessing import forkserver
from pathlib import Path

import pytest
from scan_runs import start_scan
from test_scan_fakes import BUSY_SECONDS_PER_PAGE, blob_page, scan, write_image

import runtime.scan.cli as scan_cli
from runtime.scan import fork_server

pytestmark = pytest.mark.skipif("forkserver" not in __import__("multiprocessing").get_all_start_methods(),
                                reason="this system has no fork server")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fork_server_running() -> bool:
    return getattr(forkserver._forkserver, "_forkserver_pid", None) is not None


def make_pages(count: int) -> None:
    for index in range(count):
        write_image(Path("scans") / f"p{index:03d}.png", blob_page(index + 1))


def test_the_fork_server_is_starting_while_the_work_list_is_planned(monkeypatch):
    make_pages(3)
    seen_at_planning = []
    plan_tasks = scan_cli.plan_tasks

    def planning(*arguments):
        seen_at_planning.append(fork_server_running())
        return plan_tasks(*arguments)

    monkeypatch.setattr(scan_cli, "plan_tasks", planning)
    status, _, _ = scan("scans", "--json", "out.json", "--workers", "2", "--quiet")
    assert status == 0
    assert seen_at_planning == [True]
    assert not fork_server_running()


def test_a_run_that_reads_in_this_process_after_all_stops_the_fork_server_it_started():
    make_pages(2)
    assert scan("scans/p000.png", "--json", "out.json", "--quiet")[0] == 0
    # Two files and two workers, but one page was read already: one task, read here.
    status, _, _ = scan("scans", "--json", "out.json", "--workers", "2", "--resume", "--quiet")
    assert status == 0
    assert not fork_server_running()


def test_an_output_refused_after_the_fork_server_started_stops_it():
    make_pages(2)
    status, _, stderr = scan("scans", "--json", "scans/p001.png", "--workers", "2")
    assert status == 2 and "error:" in stderr
    assert not fork_server_running()


@pytest.mark.parametrize("arguments", [["scans", "--workers", "1"], ["scans/p000.png"]])
def test_no_fork_server_is_started_for_a_run_read_in_this_process(arguments, monkeypatch):
    make_pages(2)
    started = []
    monkeypatch.setattr(fork_server, "start", lambda: started.append(True))
    assert scan(*arguments, "--quiet")[0] == 0
    assert started == []


def test_the_command_counts_its_workers_cpu_time():
    # The fork server is killed at the end, not left to unload its modules: it must have
    # reaped every worker first, or their CPU time would be lost to the command's parent.
    pages = 6
    make_pages(pages)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = start_scan(["scans", "--json", "out.json", "--workers", "2", "--quiet"],
                         factory="busy_reader_factory")
    _, stderr = process.communicate(timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert process.returncode == 0, stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu >= pages * BUSY_SECONDS_PER_PAGE
