"""The batch scanner under attack: one test (or more) per defect of issue 10, run as a user would.

Each of these failed on the scanner before the fix. Most run `main()` in this process with the
fake blob reader; the ones about processes (kill -9, a full disk, a second run) start the
command as a separate process. Runs are stopped half-way with a gated reader (it blocks after a
known number of pages), never by sleeping and hoping.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from processes import alive, children_of
from scan_runs import journal_lines, start_gated_scan, start_scan, wait_for
from test_scan_fakes import (
    CRASH_MARK_BGR,
    blob_page,
    hanging_reader_factory,
    scan,
    write_image,
)

from runtime.paths import REPO_ROOT
from runtime.scan.pages import PageError, check_image_file, open_pages
from runtime.scan.writers import JOURNAL_SUFFIX

TESTS_DIR = Path(__file__).resolve().parent
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_pages(folder: str, count: int) -> list[Path]:
    return [write_image(Path(folder) / f"p{i:03d}.png", blob_page(1 + i % 3)) for i in range(count)]


# -- 1. the README's plain usage -------------------------------------------------------------

@pytest.fixture
def fast_clock(monkeypatch):
    """time.monotonic() jumping 11 s per call: every periodic timer fires on every page."""
    now = [time.monotonic()]

    def jumping() -> float:
        now[0] += 11.0
        return now[0]

    monkeypatch.setattr(time, "monotonic", jumping)


def test_plain_run_longer_than_any_rewrite_interval_prints_every_page(fast_clock):
    make_pages("scans", 5)
    status, out, err = scan("scans")
    assert status == 0, err
    assert len(out.splitlines()) == 5 and "Traceback" not in err


def test_csv_only_run_and_resume_longer_than_any_rewrite_interval(fast_clock):
    make_pages("scans", 5)
    status, _, err = scan("scans", "--csv", "out.csv", "--quiet")
    assert status == 0, err
    make_pages("more", 2)
    status, _, err = scan("scans", "more", "--csv", "out.csv", "--quiet", "--resume")
    assert status == 0, err
    assert len({row["file"] for row in csv.DictReader(open("out.csv", encoding="utf-8"))}) == 7


def test_json_dash_goes_to_stdout_and_writes_no_file_named_dash(fast_clock):
    make_pages("scans", 2)
    status, out, _ = scan("scans", "--json", "-", "--quiet")
    assert status == 0 and len(json.loads(out)["files"]) == 2
    assert not Path("-").exists()


# -- 2. names that are not UTF-8 ---------------------------------------------------------------

@linux_only
def test_a_file_name_that_is_not_utf8_goes_through_every_output_and_resume():
    os.mkdir("scans")
    raw_name = b"scans/caf\xe9 =1+1.png"
    write_image(os.fsdecode(raw_name), blob_page(2))
    write_image("scans/ok.png", blob_page(1))
    status, _, err = scan("scans", "--json", "out.json", "--csv", "out.csv", "--jsonl", "out.jsonl",
                          "--annotate", "marked", "--quiet")
    assert status == 0, err
    files = json.loads(Path("out.json").read_text(encoding="utf-8"))["files"]
    assert {os.fsencode(f["path"]) for f in files} == {raw_name, b"scans/ok.png"}
    Path("out.csv").read_text(encoding="utf-8")  # valid UTF-8
    assert len(os.listdir("marked")) == 2
    status, _, err = scan("scans", "--json", "out.json", "--resume")
    assert status == 0 and "resuming: 2 of 2 files already read" in err


# -- 3. outputs that would overwrite data ------------------------------------------------------

def test_forgotten_output_name_does_not_turn_a_scan_into_json():
    pages = make_pages("scans", 3)
    before = pages[0].read_bytes()
    status, _, err = scan("--json", *pages)  # the shell expanded scans/*.png after --json
    assert status == 2 and err.count("\n") == 1 and "error:" in err
    assert pages[0].read_bytes() == before


def test_an_unrelated_existing_file_is_not_replaced_without_overwrite():
    make_pages("scans", 1)
    Path("notes.txt").write_text("my notes\n")
    for option in ("--json", "--csv", "--jsonl"):
        status, _, err = scan("scans", option, "notes.txt")
        assert status == 2 and "--overwrite" in err
        assert Path("notes.txt").read_text() == "my notes\n"
    status, _, _ = scan("scans", "--json", "notes.txt", "--overwrite", "--quiet")
    assert status == 0 and json.loads(Path("notes.txt").read_text())["files"]


def test_an_input_given_as_output_is_refused():
    page = make_pages("scans", 1)[0]
    renamed = Path("scans/result.json")
    page.rename(renamed)  # a PNG with an output-like name, read as an input
    status, _, err = scan(renamed, "--json", renamed, "--overwrite")
    assert status == 2 and "input" in err
    assert renamed.read_bytes().startswith(b"\x89PNG")


def test_the_same_file_for_two_outputs_is_refused():
    make_pages("scans", 1)
    status, _, err = scan("scans", "--json", "x.out", "--csv", "x.out")
    assert status == 2 and "x.out" in err and not Path("x.out").exists()


def test_a_previous_output_of_the_tool_is_replaced_without_asking():
    make_pages("scans", 2)
    assert scan("scans", "--json", "out.json", "--csv", "out.csv", "--jsonl", "out.jsonl")[0] == 0
    assert scan("scans", "--json", "out.json", "--csv", "out.csv", "--jsonl", "out.jsonl")[0] == 0


@linux_only
def test_a_second_run_on_the_same_output_is_refused_naming_the_first(in_tmp):
    make_pages("scans", 4)
    gate = in_tmp / "gate"
    first = start_gated_scan(["scans", "--json", "out.json", "--workers", "1", "--quiet"],
                             gate, pages_before_gate=1)
    try:
        wait_for(lambda: journal_lines(Path("out.json" + JOURNAL_SUFFIX)) == 1, "the first page")
        status, _, err = scan("scans", "--json", "out.json", "--quiet")
        assert status == 2 and f"process {first.pid}" in err
        assert err.count("\n") == 1
    finally:
        gate.unlink()
        _, stderr = first.communicate(timeout=60)
    assert first.returncode == 0, stderr
    assert len(json.loads(Path("out.json").read_text())["files"]) == 4


# -- 4. decompression bombs and slow pages -------------------------------------------------------

def tiff_with_two_widths(path: Path, first_width: int, last_width: int, height: int) -> Path:
    """A little-endian TIFF whose IFD names ImageWidth twice (libtiff uses the first)."""
    entries = [(256, 4, 1, first_width), (256, 4, 1, last_width), (257, 4, 1, height),
               (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1),
               (278, 4, 1, height), (279, 4, 1, 1)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8 + 8) + b"\x00" * 8 + ifd + b"\x00" * 4)
    return path


def test_tiff_with_a_duplicated_size_tag_is_refused_before_decoding(in_tmp, monkeypatch):
    path = tiff_with_two_widths(in_tmp / "bomb.tif", 50_000, 10, 50_000)

    def no_decoding(*args, **kwargs):
        raise AssertionError("the decoder was called")

    monkeypatch.setattr("cv2.imdecodemulti", no_decoding)
    monkeypatch.setattr("cv2.imdecode", no_decoding)
    with pytest.raises(PageError, match="twice"):
        with open_pages(path) as source:
            source.load(0)
    with pytest.raises(PageError, match="twice"):
        check_image_file(path)
    status, _, err = scan(path, "--quiet")
    assert status == 1 and "twice" in err


def test_page_guard_for_other_callers_passes_a_normal_image_and_refuses_a_giant(in_tmp):
    check_image_file(write_image("fine.png", blob_page(1)))
    giant = in_tmp / "giant.png"
    giant.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
                      + struct.pack(">IIBBBBB", 200_000, 200_000, 8, 0, 0, 0, 0) + b"\x00" * 4)
    with pytest.raises(PageError, match="MP limit"):
        check_image_file(giant)


def test_giant_pdf_pages_are_refused_per_page_quickly():
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(3):
        document.new_page(14400, 14400)  # 200 x 200 inches, the most PDF allows
    document.new_page(595, 842)  # A4
    document.save("huge.pdf")
    started = time.monotonic()
    status, _, err = scan("huge.pdf", "--json", "out.json", "--quiet")
    assert time.monotonic() - started < 10
    assert status == 1
    errors = json.loads(Path("out.json").read_text())["errors"]
    assert [e["page"] for e in errors] == [1, 2, 3] and all("pt" in e["error"] for e in errors)
    assert len(json.loads(Path("out.json").read_text())["files"]) == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_page_over_the_time_budget_is_a_per_page_error_and_the_batch_goes_on(workers):
    make_pages("scans", 2)
    stuck = blob_page(1)
    stuck[0, 0] = CRASH_MARK_BGR
    write_image("scans/p001.png", stuck)
    status, _, err = scan("scans", "--page-timeout", "0.5", "--json", "out.json", "--quiet",
                          "--workers", workers, factory=hanging_reader_factory)
    assert status == 1
    document = json.loads(Path("out.json").read_text())
    assert [Path(f["path"]).name for f in document["files"]] == ["p000.png"]
    assert "0.5 s" in document["errors"][0]["error"]


# -- 5. a full disk --------------------------------------------------------------------------------

@linux_only
def test_a_full_disk_is_one_line_and_keeps_what_was_journalled(in_tmp):
    make_pages("scans", 40)

    def small_disk():  # writes past 3 kB fail with EFBIG, as a full disk fails with ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    process = start_scan(["scans", "--json", "out.json", "--workers", "1", "--quiet"],
                         factory="blob_reader_factory", preexec_fn=small_disk)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert stderr.startswith("error: ") and "--resume" in stderr
    kept = Path("out.json" + JOURNAL_SUFFIX).read_bytes().splitlines()
    assert 1 <= len(kept) < 40
    status, _, err = scan("scans", "--json", "out.json", "--resume", "--quiet")
    assert status == 0, err
    assert len(json.loads(Path("out.json").read_text())["files"]) == 40


@linux_only
def test_an_output_folder_removed_during_the_run_stops_it_with_one_line(in_tmp):
    make_pages("scans", 6)
    gate = in_tmp / "gate"
    process = start_gated_scan(["scans", "--json", "results/out.json", "--workers", "1", "--quiet"],
                               gate, pages_before_gate=2)
    wait_for(lambda: journal_lines(Path("results/out.json" + JOURNAL_SUFFIX)) == 2, "two pages")
    for leftover in Path("results").iterdir():
        leftover.unlink()
    Path("results").rmdir()
    gate.unlink()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "Traceback" not in stderr and stderr.startswith("error: ")


# -- 6. kill -9 leaves nothing running -------------------------------------------------------------

@linux_only
def test_kill_9_of_the_main_process_leaves_no_worker_or_tracker(in_tmp):
    make_pages("scans", 20)
    gate = in_tmp / "gate"
    process = start_gated_scan(["scans", "--json", "out.json", "--workers", "2", "--quiet"],
                               gate, pages_before_gate=1)
    try:
        wait_for(lambda: journal_lines(Path("out.json" + JOURNAL_SUFFIX)) >= 2, "both workers")
        helpers = children_of(process.pid)
        assert len(helpers) >= 2
        process.kill()
        process.wait(timeout=30)
        wait_for(lambda: not any(alive(pid) for pid in helpers), "the workers to die", 15)
    finally:
        gate.unlink(missing_ok=True)
        for pid in children_of(process.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


# -- 7. annotated pages of files with the same name ------------------------------------------------

def test_annotated_pages_of_same_named_files_do_not_collide(in_tmp):
    first = write_image(in_tmp / "a" / "scan.png", blob_page(1))
    second = write_image(in_tmp / "b" / "scan.png", blob_page(2))
    status, _, err = scan(first, second, "--annotate", "marked", "--quiet")
    assert status == 0, err
    assert len(list(Path("marked").rglob("*.png"))) == 2


# -- 8. noise is not digits ------------------------------------------------------------------------

def test_a_page_of_colour_noise_reads_as_no_digits(default_classifier):
    from runtime.reading.reader import PageReader

    noise = np.random.default_rng(1).normal(128, 60, (1200, 1600, 3))
    result = PageReader(default_classifier).read(np.clip(noise, 0, 255).astype(np.uint8))
    assert result.digits == []


# -- 9. bad journal lines, formula injection, the JSON lagging -------------------------------------

def test_a_bad_journal_line_is_skipped_with_a_warning_on_resume():
    make_pages("scans", 3)
    good = {"path": str(Path("scans/p000.png")), "page": 1, "rotation": 0, "lines": []}
    bad = {"path": str(Path("scans/p001.png")), "page": 1, "rotation": 0,
           "lines": [{"text": "7", "numbers": [{"text": "7", "confidence": 0.9, "bbox": [1, 2]}],
                      "digits": []}]}
    Path("out.json" + JOURNAL_SUFFIX).write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    status, _, err = scan("scans", "--json", "out.json", "--resume", "--quiet")
    assert status == 0, err
    assert "bbox" in err and "Traceback" not in err
    files = json.loads(Path("out.json").read_text())["files"]
    assert len(files) == 3 and files[1]["lines"][0]["numbers"][0]["bbox"] != [1, 2]


def test_a_file_name_like_a_formula_is_escaped_in_the_csv():
    write_image('=HYPERLINK("http://x")+1.png', blob_page(1))
    status, _, err = scan("=HYPERLINK(\"http://x\")+1.png", "--csv", "out.csv", "--quiet")
    assert status == 0, err
    rows = list(csv.DictReader(open("out.csv", encoding="utf-8")))
    assert rows and all(row["file"].startswith("'=") for row in rows)


@linux_only
def test_jsonl_holds_every_page_as_soon_as_it_is_read(in_tmp):
    make_pages("scans", 5)
    gate = in_tmp / "gate"
    process = start_gated_scan(["scans", "--jsonl", "out.jsonl", "--json", "out.json", "--workers", "1"],
                               gate, pages_before_gate=3)
    try:
        wait_for(lambda: journal_lines(Path("out.jsonl")) == 3, "three pages")
        records = [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]
        assert [Path(r["path"]).name for r in records] == ["p000.png", "p001.png", "p002.png"]
    finally:
        gate.unlink()
        process.communicate(timeout=60)
    assert process.returncode == 0
    assert journal_lines(Path("out.jsonl")) == 5 and Path("out.json").exists()


# -- 10. big batches: flat memory, O(pages) output -------------------------------------------------

_TEN_THOUSAND_PAGES = """
import json, os, sys, time
from runtime.scan.records import FailedPage, ReadPage
from runtime.scan.writers import ResultStore

def rss() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

line = {"text": "12 345", "numbers": [{"text": "12", "confidence": 0.9, "bbox": [1, 2, 3, 4]},
                                      {"text": "345", "confidence": 0.9, "bbox": [9, 2, 3, 4]}],
        "digits": [{"digit": d, "confidence": 0.9, "bbox": [1, 2, 3, 4]} for d in "12345"]}
line_text = json.dumps([line] * 8)
paths = [f"scans/page{i:05d}.png" for i in range(10_000)]
store = ResultStore(json_path="out.json", csv_path="out.csv")
store.set_input_order(paths)
started, before = time.process_time(), rss()
for index, path in enumerate(reversed(paths)):
    lines = json.loads(line_text)  # a fresh record each time, as from a worker
    store.add(ReadPage(path, 1, lines) if index % 100 else FailedPage(path, 1, "bad"))
store.finish()
print(json.dumps({"cpu_seconds": time.process_time() - started, "growth": rss() - before}))
"""


@pytest.mark.slow
@linux_only
def test_ten_thousand_records_are_kept_and_assembled_in_bounded_time_and_memory(in_tmp):
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    run = subprocess.run([sys.executable, "-c", _TEN_THOUSAND_PAGES], env=environment,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    measured = json.loads(run.stdout)
    document = json.loads(Path("out.json").read_text())
    assert len(document["files"]) == 9_900 and len(document["errors"]) == 100
    assert [f["path"] for f in document["files"][:2]] == ["scans/page00000.png", "scans/page00001.png"]
    assert len(list(csv.DictReader(open("out.csv", encoding="utf-8")))) == 9_900 * 16
    # CPU time, not wall time, so a busy machine cannot fail it: about 3 s here, and rewriting
    # the whole JSON every few pages (the old design) took minutes.
    assert measured["cpu_seconds"] < 30, measured
    # The records themselves are ~100 MB as Python objects; kept in memory they would show here.
    assert measured["growth"] < 20e6, measured


def test_opencv_decoder_limit_is_the_page_budget():
    """The backstop behind the header checks: set before cv2 loads, to the same number."""
    import re

    import runtime.scan
    from runtime.scan.pages import MAX_PAGE_PIXELS

    source = Path(runtime.scan.__file__).read_text()
    assert re.search(r'"OPENCV_IO_MAX_IMAGE_PIXELS", "(\d+)"', source).group(1) == str(MAX_PAGE_PIXELS)
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    environment.pop("OPENCV_IO_MAX_IMAGE_PIXELS", None)
    probe = subprocess.run([sys.executable, "-c", "import runtime.scan, os; "
                            "print(os.environ['OPENCV_IO_MAX_IMAGE_PIXELS'])"],
                           env=environment, capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == str(MAX_PAGE_PIXELS)
