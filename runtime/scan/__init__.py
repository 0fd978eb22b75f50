"""The batch scanner behind `python -m runtime.scan`: inputs, pages, the engine, outputs.

`cli` parses and reports; `inputs` expands paths into a sorted work list; `pages` decodes images
and PDFs with size guards (`check_image_file` for other callers); `records` is the page record
type (`ReadPage` / `FailedPage`) and its wire shape; `batch` plans the tasks, reads one task
(`read_task`, `read_page`) and picks the engine (`run_tasks`): this process, or the local
process pool in `pool`; `annotations` draws pages for `--annotate`; `journal`, `writers` and
`outputs` keep the results (journal first, JSON/CSV assembled from it, output checks and locks).
"""

import os

# OpenCV reads its decoder limit once, when the library loads, so it is set here, before any
# module of the scanner imports cv2 (worker processes inherit it): whatever a header claims,
# no decoder allocates more than the scanner's page budget (runtime.scan.pages.MAX_PAGE_PIXELS,
# tests/test_scan_defects.py checks the two agree).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")
