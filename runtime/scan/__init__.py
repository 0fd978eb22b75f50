"""The batch scanner behind `python -m runtime.scan`: inputs, pages, the worker pool, outputs.

`cli` parses and reports, `inputs` expands paths into a sorted work list, `pages` decodes images
and PDFs with size guards, `batch` reads them in worker processes, `writers` keeps the results.
"""

import os

# OpenCV reads its decoder limit once, when the library loads, so it is set here, before any
# module of the scanner imports cv2 (worker processes inherit it): whatever a header claims,
# no decoder allocates more than the scanner's page budget (runtime.scan.pages.MAX_PAGE_PIXELS,
# which a test checks against this number).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000")
