"""`benchmarks.scan_workers`: the workers' CPU split into readings, the time between them and
their start, from the notes each worker writes."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks import scan_workers


def test_notes_split_into_start_readings_and_gaps(tmp_path):
    # Worker A: started reading at 0.5 s of its CPU, read 0.5-0.6 and 0.7-0.9; worker B one page.
    (tmp_path / "worker-1.txt").write_text("0.5 0.6\n0.7 0.9\n")
    (tmp_path / "worker-2.txt").write_text("0.25 0.5\n")
    totals = scan_workers.split_worker_cpu(tmp_path)
    assert totals["workers"] == 2 and totals["pages"] == 3
    assert np.isclose(totals["before_first"], 0.75)
    assert np.isclose(totals["reading"], 0.1 + 0.2 + 0.25)
    assert np.isclose(totals["between"], 0.1)
    assert np.isclose(totals["until_last"], 0.9 + 0.5)


def test_a_run_on_two_pages_reads_both_in_the_workers(tmp_path):
    for index in range(2):
        page = np.full((120, 160), 255, np.uint8)
        cv2.putText(page, str(index + 3), (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, 0, 6)
        cv2.imwrite(str(tmp_path / f"page{index}.png"), page)
    totals = scan_workers.measure(tmp_path, workers=2)
    # Two small pages can both go to the worker that starts first: only workers that read a page
    # leave notes.
    assert totals["pages"] == 2 and totals["workers"] in (1, 2)
    assert totals["reading"] > 0 and totals["before_first"] > 0
    assert totals["fork_server_and_ends"] > 0
