"""The batch scanner behind `python -m runtime.scan`: inputs, pages, the worker pool, outputs.

`cli` parses and reports, `inputs` expands paths into a sorted work list, `pages` decodes images
and PDFs with size guards, `batch` reads them in worker processes, `writers` keeps the results.
"""
