"""Results kept as they are made: journal per page, atomic JSON, CSV, and what --resume reads."""

from __future__ import annotations

import csv
import json

import pytest

from runtime.scan import writers as scan_writers
from runtime.scan.writers import CSV_COLUMNS, JOURNAL_SUFFIX, OutputError, ResultStore


def page_record(path: str, page: int = 1, texts=("12", "345")) -> dict:
    numbers = [{"text": text, "confidence": 0.9, "bbox": [10 * i, 5, 8, 12]}
               for i, text in enumerate(texts)]
    digits = [{"digit": ch, "confidence": 0.9, "bbox": [0, 0, 1, 1]} for t in texts for ch in t]
    return {"path": path, "page": page, "rotation": 0,
            "lines": [{"text": " ".join(texts), "numbers": numbers, "digits": digits}]}


def read_journal(path) -> list[dict]:
    return [json.loads(line) for line in open(str(path) + JOURNAL_SUFFIX, encoding="utf-8")]


def test_each_record_is_in_the_journal_and_csv_before_add_returns(tmp_path):
    json_path, csv_path = tmp_path / "out.json", tmp_path / "out.csv"
    store = ResultStore(str(json_path), str(csv_path))
    store.add(page_record("a.png"))
    store.add({"path": "bad.png", "page": None, "error": "corrupt"})
    # Read while the store is still open, as after a kill: everything added is on disk.
    assert [r["path"] for r in read_journal(json_path)] == ["a.png", "bad.png"]
    rows = list(csv.reader(open(csv_path, encoding="utf-8")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1:] == [["a.png", "1", "1", "1", "12", "0.9", "0", "5", "8", "12"],
                        ["a.png", "1", "1", "2", "345", "0.9", "10", "5", "8", "12"]]
    assert json.loads(json_path.read_text()) == {"files": [], "errors": []}  # valid from the start


def test_finish_writes_input_order_and_removes_the_journal(tmp_path):
    json_path, csv_path = tmp_path / "out.json", tmp_path / "out.csv"
    store = ResultStore(str(json_path), str(csv_path))
    store.set_input_order(["first.pdf", "second.png"])
    store.add(page_record("second.png"))
    store.add(page_record("first.pdf", page=2, texts=("7",)))
    store.add({"path": "first.pdf", "page": 3, "error": "page 3 could not be rendered"})
    store.add(page_record("first.pdf", page=1, texts=("8",)))
    written = store.finish()
    assert written == [json_path, csv_path]
    document = json.loads(json_path.read_text())
    assert [(f["path"], f["page"]) for f in document["files"]] == [
        ("first.pdf", 1), ("first.pdf", 2), ("second.png", 1)]
    assert document["errors"] == [{"path": "first.pdf", "page": 3,
                                   "error": "page 3 could not be rendered"}]
    assert set(document["files"][0]) == {"path", "page", "lines", "rotation"}
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert [(r["file"], r["page"], r["text"]) for r in rows] == [
        ("first.pdf", "1", "8"), ("first.pdf", "2", "7"), ("second.png", "1", "12"),
        ("second.png", "1", "345")]
    assert not (tmp_path / ("out.json" + JOURNAL_SUFFIX)).exists()


def test_json_is_rewritten_during_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_writers, "JSON_REWRITE_SECONDS", 0.0)
    json_path = tmp_path / "out.json"
    store = ResultStore(str(json_path), None)
    store.add(page_record("a.png"))
    store.add(page_record("b.png"))
    assert [f["path"] for f in json.loads(json_path.read_text())["files"]] == ["a.png", "b.png"]
    assert not list(tmp_path.glob(".out.json.*.tmp"))  # the temporary file was renamed away


def test_resume_reads_a_killed_runs_journal_even_with_a_cut_last_line(tmp_path):
    json_path = tmp_path / "out.json"
    journal = tmp_path / ("out.json" + JOURNAL_SUFFIX)
    lines = [json.dumps(page_record("a.png")), json.dumps({"path": "b.png", "page": None,
                                                            "error": "corrupt"})]
    journal.write_text("\n".join(lines) + "\n" + json.dumps(page_record("c.png"))[:30])
    store = ResultStore(str(json_path), None, resume=True)
    done = {(path.rsplit("/", 1)[-1], page) for path, page in store.done_pages()}
    assert done == {("a.png", 1)}  # the failure is tried again, the cut record redone
    store.add(page_record("c.png"))
    assert [r["path"] for r in read_journal(json_path)] == ["a.png", "b.png", "c.png"]
    store.finish()
    assert [f["path"] for f in json.loads(json_path.read_text())["files"]] == ["a.png", "c.png"]


def test_resume_adds_to_a_finished_runs_json_and_csv(tmp_path):
    json_path, csv_path = tmp_path / "out.json", tmp_path / "out.csv"
    first = ResultStore(str(json_path), str(csv_path))
    first.add(page_record("a.png"))
    first.finish()
    second = ResultStore(str(json_path), str(csv_path), resume=True)
    assert len(second.done_pages()) == 1
    second.add(page_record("b.png"))
    second.finish()
    assert [f["path"] for f in json.loads(json_path.read_text())["files"]] == ["a.png", "b.png"]
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert [r["file"] for r in rows] == ["a.png", "a.png", "b.png", "b.png"]


def test_resume_from_csv_alone(tmp_path):
    csv_path = tmp_path / "out.csv"
    first = ResultStore(None, str(csv_path))
    first.add(page_record("a.png", texts=("1", "2")))
    first.finish()
    second = ResultStore(None, str(csv_path), resume=True)
    assert {page for _, page in second.done_pages()} == {1} and len(second.done_pages()) == 1
    second.finish()
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert [(r["text"], r["number"]) for r in rows] == [("1", "1"), ("2", "2")]


def test_resume_from_a_file_that_is_not_a_result_is_one_clear_error(tmp_path):
    json_path = tmp_path / "out.json"
    json_path.write_text("not json")
    with pytest.raises(OutputError, match="cannot resume from .*out.json.*drop --resume"):
        ResultStore(str(json_path), None, resume=True)


def test_unwritable_output_is_one_clear_error(tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputError, match="cannot write"):
        ResultStore(str(tmp_path / "taken"), None)


@pytest.mark.parametrize("json_path", [None, "-"])
def test_slow_pages_without_a_json_file_do_not_crash(tmp_path, monkeypatch, json_path):
    """A page read after JSON_REWRITE_SECONDS (a slow Pi, qemu) crashed the scan with a
    TypeError when no --json FILE was asked for: there is no file to rewrite."""
    monkeypatch.setattr(scan_writers, "JSON_REWRITE_SECONDS", 0.0)
    monkeypatch.chdir(tmp_path)
    store = ResultStore(json_path, None)
    store.add(page_record("a.png"))
    assert [record["path"] for record in store.records] == ["a.png"]
    assert list(tmp_path.iterdir()) == []
