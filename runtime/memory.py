"""Keep freed frame-sized buffers for reuse: the same few arrays are made for every page.

Every frame or page allocates and frees the same few megabyte-sized arrays (the ink map, masks,
labels). By default glibc serves each from a fresh mmap and unmaps it when freed, so every frame
pays for page faults: about 2 ms of system time per 640x480 frame, a fifth of a 100 fps budget.
The camera, the scanner's workers and the benchmarks call `keep_freed_memory_for_reuse()` once.
"""

from __future__ import annotations

import ctypes
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt() parameter numbers
_MMAP_THRESHOLD_BYTES = 32 << 20  # arrays below this come from the reusable heap (1080p float32: 8 MB)
_TRIM_THRESHOLD_BYTES = 128 << 20  # free heap kept for reuse before any is returned to the OS


def keep_freed_memory_for_reuse() -> bool:
    """Ask glibc to keep freed frame-sized buffers for the next frame; False where it can't.

    With the thresholds raised the memory is reused; the process does not grow, since the sizes
    repeat frame after frame. MALLOC_* environment variables set by the user win; other C
    libraries (macOS, musl) are left alone.
    """
    if any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES))
