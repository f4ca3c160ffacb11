"""glibc's allocator, set for a training loop: freed activation-sized blocks are reused, not handed back.

A training step allocates its activations, gradients and im2col columns afresh (hundreds of KiB
to tens of MiB each) and frees them by the end of the step. With glibc's defaults the larger
blocks are mmap'ed and unmapped, or trimmed off the top of the heap, every step, so every step
page-faults them in again (zeroed by the kernel): measured on LeNet's conv1 at batch 64, 3.2 ms
a call instead of 0.48 ms. Raising the mmap threshold (64 MiB) and the trim threshold (256 MiB)
makes the next step reuse the warm pages. Larger arrays are still mmap'ed and returned when freed,
and at most the trim threshold of free heap is kept.

Applied once, when the host backend loads, on glibc only, unless the process set either
threshold itself (``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_``: glibc applied those
already) or ``MINITORCH_KEEP_MALLOC=1`` asks to leave the allocator alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20

_applied: dict = {"done": False, "tuned": False}


def tune() -> bool:
    """Raise glibc's mmap and trim thresholds (once); True when this process's allocator was changed."""
    if _applied["done"]:
        return bool(_applied["tuned"])
    _applied["done"] = True
    if not sys.platform.startswith("linux") or os.environ.get("MINITORCH_KEEP_MALLOC", "") not in ("", "0"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt to speak of)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    _applied["tuned"] = tuned
    return tuned


def tuned() -> bool:
    """Whether ``tune`` changed this process's allocator."""
    return bool(_applied["tuned"])
