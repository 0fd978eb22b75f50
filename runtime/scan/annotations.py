"""`--annotate DIR`: write each page read as a PNG with its boxes, digits and confidences drawn.

All pages go flat into DIR, named after the input file plus a short hash of its full path
(`scan.jpg-3f2a9c01.page1.png`), so `a/scan.jpg` and `b/scan.jpg` never overwrite each other
whatever folders or drives they come from, and a file name in any encoding stays a valid name.
DIR may be a scanned folder itself: `is_annotation` tells those copies from the pages, so a
later run does not read them as new pages (and the pages beside them are still read).

Usage: warning = write_annotation(image, page_result, "checked/", "a/scan.jpg", page=1)
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from runtime.scan.inputs import path_key

_ANNOTATION_NAME = re.compile(r"-[0-9a-f]{8}\.page[0-9]+\.png\Z")
"""How `annotation_path` ends a name: `-HASH.pageN.png`."""

_MAX_NAME_BYTES = 160
"""File names are limited to 255 bytes on most file systems: keep the input's name shorter."""


def annotation_path(annotate_dir: str, path: str, page: int) -> Path:
    """Where the annotated copy of page `page` (from 1) of `path` goes."""
    digest = hashlib.sha1(os.fsencode(path_key(path))).hexdigest()[:8]
    name = os.fsencode(Path(path).name)[:_MAX_NAME_BYTES]
    return Path(annotate_dir) / f"{os.fsdecode(name)}-{digest}.page{page}.png"


def is_annotation(path: str, annotate_dir: str) -> bool:
    """Whether `path` is an annotated copy this tool wrote into `annotate_dir`: inside it and
    named as `annotation_path` names them."""
    inside = path_key(path).startswith(os.path.join(path_key(annotate_dir), ""))
    return inside and _ANNOTATION_NAME.search(os.fsdecode(os.path.basename(path))) is not None


def write_annotation(image, page_result, annotate_dir: str, path: str, page: int) -> str | None:
    """Draw and write one page; return a one-line warning instead of raising if it fails."""
    import cv2  # only where pages are read: the main process of a run in workers never needs it

    from runtime.draw import draw_result

    target = annotation_path(annotate_dir, path, page)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        ok, encoded = cv2.imencode(".png", draw_result(image, page_result))
        if not ok:
            raise OSError("PNG encoding failed")
        target.write_bytes(encoded.tobytes())
    except OSError as error:
        return f"cannot write annotated page {target}: {getattr(error, 'strerror', None) or error}"
    return None
