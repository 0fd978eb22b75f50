"""Results kept as they are made: the journal per page, JSON and CSV assembled from it at the end
(atomically, in input order), and what --resume reads."""

from __future__ import annotations

import csv
import json

import pytest

from runtime.scan.records import FailedPage, ReadPage, record_from_dict
from runtime.scan.writers import CSV_COLUMNS, JOURNAL_SUFFIX, OutputError, ResultStore


def page_record(path: str, page: int = 1, texts=("12", "345")) -> ReadPage:
    numbers = [{"text": text, "confidence": 0.9, "bbox": [10 * i, 5, 8, 12]}
               for i, text in enumerate(texts)]
    digits = [{"digit": ch, "confidence": 0.9, "bbox": [0, 0, 1, 1]} for t in texts for ch in t]
    return ReadPage(path, page, [{"text": " ".join(texts), "numbers": numbers, "digits": digits}])


def read_journal(path) -> list[dict]:
    return [json.loads(line) for line in open(str(path) + JOURNAL_SUFFIX, encoding="utf-8")]


def test_each_record_is_in_the_journal_before_add_returns(tmp_path):
    json_path, csv_path = tmp_path / "out.json", tmp_path / "out.csv"
    store = ResultStore(str(json_path), str(csv_path))
    store.add(page_record("a.png"))
    store.add(FailedPage("bad.png", None, "corrupt"))
    # Read while the store is still open, as after a kill: everything added is on disk.
    assert [r["path"] for r in read_journal(json_path)] == ["a.png", "bad.png"]
    # No stale results, and the placeholder says it is not the whole run.
    assert json.loads(json_path.read_text()) == {"files": [], "errors": [], "complete": False}
    assert list(csv.reader(open(csv_path, encoding="utf-8"))) == [list(CSV_COLUMNS)]
    store.finish()


def test_finish_writes_input_order_and_removes_the_journal(tmp_path):
    json_path, csv_path = tmp_path / "out.json", tmp_path / "out.csv"
    store = ResultStore(str(json_path), str(csv_path))
    store.set_input_order(["first.pdf", "second.png"])
    store.add(page_record("second.png"))
    store.add(page_record("first.pdf", page=2, texts=("7",)))
    store.add(FailedPage("first.pdf", 3, "page 3 could not be rendered"))
    store.add(page_record("first.pdf", page=1, texts=("8",)))
    written = store.finish()
    assert written == [json_path, csv_path]
    document = json.loads(json_path.read_text())
    assert [(f["path"], f["page"]) for f in document["files"]] == [
        ("first.pdf", 1), ("first.pdf", 2), ("second.png", 1)]
    assert document["errors"] == [{"path": "first.pdf", "page": 3,
                                   "error": "page 3 could not be rendered"}]
    assert set(document["files"][0]) == {"path", "page", "lines", "rotation"}
    assert document["complete"] is True
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert [(r["file"], r["page"], r["text"]) for r in rows] == [
        ("first.pdf", "1", "8"), ("first.pdf", "2", "7"), ("second.png", "1", "12"),
        ("second.png", "1", "345")]
    assert not (tmp_path / ("out.json" + JOURNAL_SUFFIX)).exists()
    assert not list(tmp_path.glob(".*"))  # no temporary or lock file left


def test_json_holds_one_valid_record_per_line_copied_from_the_journal(tmp_path):
    store = ResultStore(str(tmp_path / "out.json"))
    records = [page_record("a.png"), page_record("b.png", texts=()), FailedPage("c.png", 2, "x")]
    for record in records:
        store.add(record)
    store.finish()
    text = (tmp_path / "out.json").read_text()
    assert [record_from_dict(r) for r in json.loads(text)["files"]] == records[:2]
    assert text.count("\n") == 2 + len(records) + 3  # brackets, one line per record, "complete"


def test_a_stopped_runs_json_says_it_is_not_complete(tmp_path):
    json_path = tmp_path / "out.json"
    store = ResultStore(str(json_path))
    store.add(page_record("a.png"))
    store.abandon()
    document = json.loads(json_path.read_text())
    assert [f["path"] for f in document["files"]] == ["a.png"] and document["complete"] is False
    resumed = ResultStore(str(json_path), resume=True)
    resumed.add(page_record("b.png"))
    resumed.finish()
    document = json.loads(json_path.read_text())
    assert [f["path"] for f in document["files"]] == ["a.png", "b.png"] and document["complete"]


def test_resume_reads_a_killed_runs_journal_even_with_a_cut_last_line(tmp_path):
    json_path = tmp_path / "out.json"
    journal = tmp_path / ("out.json" + JOURNAL_SUFFIX)
    lines = [json.dumps(page_record("a.png").to_dict()),
             json.dumps({"path": "b.png", "page": None, "error": "corrupt"})]
    journal.write_text("\n".join(lines) + "\n" + json.dumps(page_record("c.png").to_dict())[:30])
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


def test_a_stopped_runs_journal_is_not_dropped_without_resume_or_overwrite(tmp_path):
    json_path = tmp_path / "out.json"
    (tmp_path / ("out.json" + JOURNAL_SUFFIX)).write_text(
        json.dumps(page_record("a.png").to_dict()) + "\n")
    with pytest.raises(OutputError, match="--resume"):
        ResultStore(str(json_path))
    ResultStore(str(json_path), overwrite=True).finish()
    assert json.loads(json_path.read_text())["files"] == []


def test_resume_from_a_file_that_is_not_a_result_is_one_clear_error(tmp_path):
    json_path = tmp_path / "out.json"
    json_path.write_text("not json")
    with pytest.raises(OutputError, match="cannot resume from .*out.json.*drop --resume"):
        ResultStore(str(json_path), None, resume=True)


def test_unwritable_output_is_one_clear_error(tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputError, match="cannot write"):
        ResultStore(str(tmp_path / "taken"), None)
