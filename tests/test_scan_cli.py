"""`python -m runtime.scan` as a user meets it: outputs, bad inputs, exit codes, resume, workers.

Most tests run `main()` in this process with a fake reader (tests/test_scan_fakes.py) so they
check the batch machinery in well under a second each; one test runs the real default model.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scan_runs import journal_lines, start_gated_scan, wait_for
from test_scan_fakes import (
    LOG_ENV_VAR,
    blob_page,
    blob_reader_factory,
    crashing_reader_factory,
    raising_reader_factory,
    scan,
    stub_model_reader_factory,
    thread_counting_reader_factory,
    write_empty_pdf,
    write_image,
    write_pdf,
)

from runtime.paths import REPO_ROOT
from runtime.scan.annotations import annotation_path
from runtime.scan.writers import CSV_COLUMNS, JOURNAL_SUFFIX

TESTS_DIR = Path(__file__).resolve().parent
PAGES_IN_STOPPED_RUNS = 30
"""Pages in the runs stopped half-way (by a gated reader, at a page the test chooses)."""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fake_log(tmp_path, monkeypatch) -> Path:
    """A file the fake readers append "build PID" / "read PID" to, from any process."""
    log = tmp_path / "fake-reader.log"
    monkeypatch.setenv(LOG_ENV_VAR, str(log))
    return log


def events(log: Path, kind: str) -> list[str]:
    if not log.exists():
        return []
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith(kind)]


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def make_pages(folder: str, counts: list[int], suffix: str = ".png") -> list[Path]:
    return [write_image(Path(folder) / f"p{i:03d}{suffix}", blob_page(count))
            for i, count in enumerate(counts)]


def test_json_has_the_documented_shape_in_input_order(in_tmp):
    make_pages("scans", [2, 1])
    write_image("scans/sub/blank.png", np.full((40, 40, 3), 255, np.uint8))
    status, out, err = scan("scans", "--json", "out.json", "--quiet")
    assert status == 0, err
    assert out == "" and err == ""  # --json FILE: no page lines; --quiet: no progress
    document = json.loads(Path("out.json").read_text())
    assert set(document) == {"files", "errors", "complete"} and document["errors"] == []
    assert document["complete"] is True
    paths = [(Path(f["path"]).as_posix(), f["page"]) for f in document["files"]]
    assert paths == [("scans/p000.png", 1), ("scans/p001.png", 1), ("scans/sub/blank.png", 1)]
    first = document["files"][0]
    assert first["lines"][0]["text"] == "7 7"
    assert set(first["lines"][0]) == {"text", "numbers", "digits"}
    number = first["lines"][0]["numbers"][0]
    assert set(number) == {"text", "confidence", "bbox"} and len(number["bbox"]) == 4
    assert set(first["lines"][0]["digits"][0]) == {"digit", "confidence", "bbox"}
    assert document["files"][2]["lines"] == []  # a blank page is a page with no lines
    assert not Path("out.json" + JOURNAL_SUFFIX).exists()


def test_page_lines_on_stdout_without_json(in_tmp):
    make_pages("scans", [3])
    write_image("scans/blank.png", np.full((40, 40, 3), 255, np.uint8))
    write_pdf("book.pdf", [blob_page(1), blob_page(2)])
    status, out, err = scan("scans", "book.pdf")
    assert status == 0, err
    assert out.splitlines() == [f"{Path('scans/blank.png')}: no digits found",
                                f"{Path('scans/p000.png')}: 7 7 7",
                                "book.pdf (page 1): 7", "book.pdf (page 2): 7 7"]
    assert "read 4 pages" in err


def test_json_to_stdout_with_dash(in_tmp):
    make_pages("scans", [2])
    status, out, err = scan("scans", "--json", "-", "--quiet")
    assert status == 0 and err == ""
    document = json.loads(out)
    assert [f["lines"][0]["text"] for f in document["files"]] == ["7 7"]


def test_default_workers_depend_on_the_batch_size(in_tmp, monkeypatch):
    from runtime.scan import cli as scan_module

    monkeypatch.setattr(scan_module, "usable_cpu_count", lambda: 16)
    assert scan_module._auto_workers(3) == 1  # not worth starting processes
    assert scan_module._auto_workers(500) == scan_module.AUTO_WORKERS_MAX
    monkeypatch.setattr(scan_module, "usable_cpu_count", lambda: 1)
    assert scan_module._auto_workers(500) == 1


def test_csv_rows_one_per_number(in_tmp):
    write_pdf("book.pdf", [blob_page(2), blob_page(1)])
    status, _, err = scan("book.pdf", "--csv", "numbers.csv", "--quiet")
    assert status == 0, err
    rows = list(csv.reader(open("numbers.csv", encoding="utf-8")))
    assert rows[0] == ["file", "page", "line", "number", "text", "confidence", "x", "y", "w", "h"]
    assert [row[:5] for row in rows[1:]] == [["book.pdf", "1", "1", "1", "7"],
                                             ["book.pdf", "1", "1", "2", "7"],
                                             ["book.pdf", "2", "1", "1", "7"]]
    assert all(float(row[5]) == pytest.approx(0.9) and int(row[8]) > 0 for row in rows[1:])


def test_annotate_writes_a_png_per_page_with_boxes_drawn(in_tmp):
    pages = make_pages("scans", [2])
    write_pdf("book.pdf", [blob_page(1), blob_page(1)])
    status, _, err = scan("scans", "book.pdf", "--annotate", "checked", "--quiet")
    assert status == 0, err
    written = sorted(p.relative_to("checked").as_posix() for p in Path("checked").rglob("*.png"))
    assert [name.split("-")[0] + name[name.index(".page"):] for name in written] == [
        "book.pdf.page1.png", "book.pdf.page2.png", "p000.png.page1.png"]
    annotated = cv2.imread(str(annotation_path("checked", str(pages[0]), 1)))
    original = cv2.imread(str(pages[0]))
    assert annotated.shape == original.shape
    changed = np.any(annotated != original, axis=2)
    assert changed.sum() > 100  # boxes and labels were drawn
    assert not np.any(changed[:, -20:])  # ... near the digits, not everywhere


def test_annotated_copies_inside_a_scanned_folder_are_not_read_again(in_tmp):
    make_pages("scans", [1, 2])
    for _ in range(2):
        status, out, _ = scan("scans", "--annotate", "scans/checked", "--quiet")
        assert status == 0 and len(out.splitlines()) == 2
    assert len(list(Path("scans/checked").rglob("*.png"))) == 2


def test_corrupt_and_missing_inputs_are_one_line_each_and_the_rest_is_read(in_tmp):
    make_pages("scans", [1, 2])
    Path("scans/corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    Path("scans/empty.jpg").write_bytes(b"")
    write_empty_pdf("scans/nothing.pdf")
    truncated = cv2.imencode(".jpg", blob_page(3))[1].tobytes()
    Path("scans/cut.jpg").write_bytes(truncated[: len(truncated) // 2])
    Path("empty-folder").mkdir()
    status, out, err = scan("scans", "missing.png", "empty-folder", "--json", "out.json", "--quiet")
    assert status == 1
    assert "Traceback" not in err
    assert len(warnings_in(err)) == 6 == len(err.splitlines())
    document = json.loads(Path("out.json").read_text())
    assert sorted(Path(f["path"]).name for f in document["files"]) == ["p000.png", "p001.png"]
    reasons = {Path(e["path"]).name: e["error"] for e in document["errors"]}
    assert set(reasons) == {"corrupt.png", "empty.jpg", "nothing.pdf", "cut.jpg", "missing.png",
                            "empty-folder"}
    assert "no pages" in reasons["nothing.pdf"] and "empty file" in reasons["empty.jpg"]


def test_reader_exception_on_one_page_is_reported_and_the_batch_goes_on(in_tmp):
    make_pages("scans", [1, 1])
    write_image("scans/p001.png", blob_page(1, crash_mark=True))
    status, _, err = scan("scans", "--json", "out.json", "--quiet", factory=raising_reader_factory)
    assert status == 1
    assert warnings_in(err) == [f"warning: {Path('scans/p001.png')}: reading failed "
                                "(RuntimeError: simulated reader bug)"]
    assert len(json.loads(Path("out.json").read_text())["files"]) == 1


@pytest.mark.parametrize("arguments, message", [
    (["x.png", "--workers", "0"], "--workers: expected a whole number of 1 or more"),
    (["x.png", "--min-confidence", "1.5"], "--min-confidence: expected a number in 0..1"),
    (["x.png", "--pdf-dpi", "20"], "--pdf-dpi: expected a number from 36 to 1200"),
    (["x.png", "--resume"], "--resume needs"),
    (["x.png", "--model", "nowhere.tflite"], "no such file"),
    (["x.png", "--threads", "many"], "--threads: expected a whole number of 1 or more, got 'many'"),
    ([], "the following arguments are required"),
])
def test_usage_errors_exit_2_with_one_message(arguments, message):
    status, _, err = scan(*arguments)
    assert status == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_min_confidence_reaches_the_reader(in_tmp):
    make_pages("scans", [2])
    _, out, _ = scan("scans", "--min-confidence", "0.95")
    assert out.strip().endswith(": ? ?")


def test_resume_skips_pages_already_read(in_tmp, fake_log):
    make_pages("scans", [1, 2, 3])
    write_pdf("scans/book.pdf", [blob_page(1), blob_page(2)])
    status, _, _ = scan("scans", "--json", "out.json", "--quiet")
    assert status == 0 and len(events(fake_log, "read")) == 5
    make_pages("more", [4])
    fake_log.unlink()
    status, _, err = scan("scans", "more", "--json", "out.json", "--resume")
    assert status == 0, err
    assert len(events(fake_log, "read")) == 1  # only the new file
    assert "resuming: 4 of 5 files already read" in err
    files = json.loads(Path("out.json").read_text())["files"]
    assert [(Path(f["path"]).name, f["page"]) for f in files] == [
        ("book.pdf", 1), ("book.pdf", 2), ("p000.png", 1), ("p001.png", 1), ("p002.png", 1),
        ("p000.png", 1)]
    assert Path(files[-1]["path"]).parent.name == "more"


def test_resume_retries_inputs_that_failed(in_tmp):
    Path("late.png").write_bytes(b"not yet")
    status, _, _ = scan("late.png", "--json", "out.json", "--quiet")
    assert status == 1
    write_image("late.png", blob_page(2))
    status, _, _ = scan("late.png", "--json", "out.json", "--quiet", "--resume")
    assert status == 0
    document = json.loads(Path("out.json").read_text())
    assert document["errors"] == [] and document["files"][0]["lines"][0]["text"] == "7 7"


def test_workers_read_in_parallel_with_one_reader_each_and_survive_a_crash(in_tmp, fake_log):
    counts = [1, 2, 3, 1, 2, 3, 1, 2]
    make_pages("scans", counts)
    write_image("scans/p003.png", blob_page(1, crash_mark=True))  # kills its worker
    Path("scans/p005.png").write_bytes(b"corrupt")
    status, _, err = scan("scans", "--workers", "2", "--json", "out.json", "--quiet",
                          factory=crashing_reader_factory)
    assert status == 1
    assert sorted(warnings_in(err)) == sorted([
        f"warning: {Path('scans/p003.png')}: the reader crashed on this input "
        "(its worker process died); the rest went on",
        f"warning: {Path('scans/p005.png')}: not a PNG, JPEG, TIFF, BMP, WebP or PDF file "
        "(unrecognised content)"])
    document = json.loads(Path("out.json").read_text())
    assert [Path(f["path"]).name for f in document["files"]] == [
        "p000.png", "p001.png", "p002.png", "p004.png", "p006.png", "p007.png"]  # input order
    assert [f["lines"][0]["text"].count("7") for f in document["files"]] == [1, 2, 3, 2, 1, 2]
    builds = events(fake_log, "build")
    # Two workers, then the isolation pool that re-runs the tasks in flight at the crash and
    # a fresh pool for the rest (the main process builds none): never one reader per page.
    assert len(builds) <= 1 + 2 + 2 + 2 < len(counts) + 1
    readers_in_workers = set(events(fake_log, "read"))
    assert os.getpid() not in {int(pid) for pid in readers_in_workers}


def test_worker_processes_give_opencv_as_many_threads_as_the_interpreter(in_tmp, fake_log):
    # A worker per CPU, each with OpenCV's thread per CPU, made every worker wait on threads
    # the others kept busy (14 ms of CPU more per A4 page on 2 cores).
    make_pages("scans", [1, 2, 3, 1])
    for threads in ("1", "2"):
        fake_log.unlink(missing_ok=True)
        status, _, _ = scan("scans", "--workers", "2", "--threads", threads, "--quiet",
                            factory=thread_counting_reader_factory)
        assert status == 0
        counts = [line.split()[1] for line in fake_log.read_text().splitlines()
                  if line.startswith("opencv-threads")]
        assert counts == [threads] * 4


def start_gated_run(arguments: list[str], gate: Path, pages_before_gate: int) -> subprocess.Popen:
    return start_gated_scan([*arguments, "--workers", "1", "--quiet"], gate, pages_before_gate)


def wait_for_lines(path: Path, count: int, timeout: float = 60.0) -> None:
    wait_for(lambda: journal_lines(path) >= count, f"{path} to reach {count} lines", timeout)


def test_killed_run_keeps_its_pages_and_resume_finishes(in_tmp, fake_log):
    make_pages("scans", [1] * PAGES_IN_STOPPED_RUNS)
    process = start_gated_run(["scans", "--json", "out.json", "--csv", "out.csv"],
                              in_tmp / "gate", pages_before_gate=10)
    journal = Path("out.json" + JOURNAL_SUFFIX)
    wait_for_lines(journal, 10)
    process.send_signal(signal.SIGKILL)  # no chance to clean up
    process.wait(timeout=30)
    kept = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len(kept) == 10
    # The CSV is written whole at the end: a killed run leaves it as it started, never half.
    assert list(csv.reader(open("out.csv", encoding="utf-8"))) == [list(CSV_COLUMNS)]
    read_before = len(events(fake_log, "read"))

    status, _, err = scan("scans", "--json", "out.json", "--csv", "out.csv", "--resume", "--quiet")
    assert status == 0, err
    files = json.loads(Path("out.json").read_text())["files"]
    assert [Path(f["path"]).name for f in files] == [f"p{i:03d}.png"
                                                     for i in range(PAGES_IN_STOPPED_RUNS)]
    reread = len(events(fake_log, "read")) - read_before
    assert reread == PAGES_IN_STOPPED_RUNS - 10  # pages in the journal were not read again
    assert len(list(csv.DictReader(open("out.csv", encoding="utf-8")))) == PAGES_IN_STOPPED_RUNS
    assert not journal.exists()


def test_terminated_run_finishes_its_page_saves_valid_json_and_says_how_to_resume(in_tmp):
    make_pages("scans", [1] * PAGES_IN_STOPPED_RUNS)
    gate = in_tmp / "gate"
    process = start_gated_run(["scans", "--json", "out.json"], gate, pages_before_gate=5)
    journal = Path("out.json" + JOURNAL_SUFFIX)
    wait_for_lines(journal, 5)
    process.terminate()  # while page 6 is being read: it is finished, then the run stops
    gate.unlink()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "--resume" in stderr
    files = json.loads(Path("out.json").read_text())["files"]
    assert 6 <= len(files) < PAGES_IN_STOPPED_RUNS and journal.exists()
    assert len(files) == journal.read_bytes().count(b"\n")


def test_module_runs_as_a_command():
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    helped = subprocess.run([sys.executable, "-m", "runtime.scan", "--help"], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "--resume" in helped.stdout
    missing = subprocess.run([sys.executable, "-m", "runtime.scan", "nowhere.png"],
                             env=environment, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[0] == "warning: nowhere.png: no such file or folder"
    assert "Traceback" not in missing.stderr


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_random_bytes_in_a_png_file_give_a_result_or_one_warning(in_tmp, data):
    write_image("good.png", blob_page(1))
    Path("random.png").write_bytes(data)
    status, _, err = scan("good.png", "random.png", "--json", "out.json", "--quiet")
    assert status in (0, 1)
    assert "Traceback" not in err
    assert len(err.splitlines()) == (1 if status == 1 else 0)
    assert json.loads(Path("out.json").read_text())["files"][0]["path"] == "good.png"


def odd_but_valid_images() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "one-pixel.png": np.zeros((1, 1, 3), np.uint8),
        "thin-row.png": blob_page(3)[40:41],
        "thin-column.png": blob_page(1)[:, 30:31],
        "all-black.png": np.zeros((50, 80), np.uint8),
        "noise.png": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8),
        "eight-bit.png": blob_page(2)[:, :, 0],
        "sixteen-bit.png": (blob_page(2)[:, :, 0].astype(np.uint16) * 257),
        "alpha.png": np.dstack([blob_page(2), np.full(blob_page(2).shape[:2], 255, np.uint8)]),
        "float.tif": blob_page(2)[:, :, 0].astype(np.float32) / 255.0,
        "big-blank.jpg": np.full((1400, 1000, 3), 255, np.uint8),
    }


def test_real_reader_reads_odd_but_valid_images(in_tmp):
    """Through the real PageReader (a stub model behind it): every valid image gives a result."""
    for name, image in odd_but_valid_images().items():
        write_image(Path("odd") / name, image)
    status, _, err = scan("odd", "--json", "out.json", "--quiet", factory=stub_model_reader_factory)
    assert err == "" and status == 0
    files = json.loads(Path("out.json").read_text())["files"]
    assert len(files) == len(odd_but_valid_images())
    lines = {Path(f["path"]).name: f["lines"] for f in files}
    # The same page stored as 16-bit, with alpha or as float reads exactly like the 8-bit one.
    assert lines["eight-bit.png"] != []
    for name in ("sixteen-bit.png", "alpha.png", "float.tif"):
        assert lines[name] == lines["eight-bit.png"], name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=90)))
def test_real_reader_takes_any_valid_image_written_as_png(in_tmp, image):
    write_image("random.png", image)
    status, _, err = scan("random.png", "--json", "out.json", "--quiet",
                          factory=stub_model_reader_factory)
    assert (status, err) == (0, "")


def test_real_model_end_to_end(in_tmp):
    """The real reader with the shipped model reads a printed "12 345": shape and boxes sane."""
    from runtime.models import ModelError, default_model_path

    try:
        default_model_path()
    except ModelError as error:
        pytest.skip(f"no default model here: {error}")
    page = np.full((200, 420, 3), 255, np.uint8)
    cv2.putText(page, "12 345", (20, 130), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 9)
    write_image("sheet.png", page)
    status, _, err = scan("sheet.png", "--json", "out.json", "--annotate", "checked", "--quiet",
                          factory=None)
    assert status == 0, err
    document = json.loads(Path("out.json").read_text())
    digits = [d for line in document["files"][0]["lines"] for d in line["digits"]]
    assert len(digits) == 5
    read = "".join(d["digit"] for d in digits)
    assert sum(a == b for a, b in zip(read, "12345", strict=True)) >= 4, read  # one slip allowed
    for digit in digits:
        assert digit["digit"] in "0123456789?" and 0.0 <= digit["confidence"] <= 1.0
        x, y, w, h = digit["bbox"]
        assert 0 <= x and 0 <= y and x + w <= 420 and y + h <= 200
    assert annotation_path("checked", "sheet.png", 1).is_file()


def test_a_stop_request_lets_the_pool_finish_what_is_in_flight_and_start_nothing_more(in_tmp):
    from runtime.scan.batch import BatchOptions, plan_tasks, run_tasks

    files = [str(path) for path in make_pages("scans", [1] * 12)]
    tasks, _ = plan_tasks(files, set())
    results = []
    options = BatchOptions(workers=2, reader_factory=blob_reader_factory)
    run_tasks(tasks, options, results.append, should_stop=lambda: len(results) >= 1)
    # Two workers hold at most four tasks in flight when the first result asks for the stop.
    assert 1 <= len(results) <= 4
    assert all(not record.failed for result in results for record in result.records)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_model_that_cannot_load_is_one_usage_error(in_tmp, workers):
    # With workers the main process no longer loads the model itself (0.2 s of CPU a run):
    # the workers' failure to load it must still be one clear error, not one per page.
    make_pages("scans", [1, 2, 1, 2])
    Path("bad.tflite").write_bytes(b"not a model at all")
    status, _, err = scan("scans", "--model", "bad.tflite", "--workers", workers, "--json", "out.json",
                          "--quiet", factory=None)
    assert status == 2, err
    assert "cannot load TFLite model" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_the_main_process_builds_no_reader_when_workers_read(in_tmp, fake_log):
    # Building one only to check the model cost the main process 0.2 s of CPU on every run.
    make_pages("scans", [1, 2, 3, 1])
    status, _, err = scan("scans", "--workers", "2", "--quiet")
    assert status == 0, err
    builds = {int(pid) for pid in events(fake_log, "build")}
    assert builds and os.getpid() not in builds
