"""Process-wide malloc settings for a long-running server (glibc only; a no-op elsewhere).

glibc serves requests of at least M_MMAP_THRESHOLD bytes with their own mmap, returned to the kernel on
free. By default that threshold is dynamic: each time such a block is freed it rises to the block's size
(up to 32 MiB), after which numpy's mid-sized buffers (vector batches moving into an HNSW graph, a growing
exact buffer, matrix products) come from the main heap. Freed there, between long-lived objects, they stay
in the process's RSS: building a 100k-vector index left ~45 MB per 30k vectors that malloc_trim could
give back. Setting the threshold explicitly turns the dynamic adjustment off, so large transient buffers
keep going back to the kernel; small allocations (every Python object) are unaffected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD_BYTES = 1 << 20


def _glibc_function(name: str, argtypes: list[Any]) -> Any | None:
    """A glibc function with its C signature (returning int), or None where the C library is not glibc
    (musl and others have no mallopt / malloc_trim)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


def pin_mmap_threshold(threshold_bytes: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold for this process; False where the C library is not glibc."""
    mallopt = _glibc_function("mallopt", [ctypes.c_int, ctypes.c_int])
    if mallopt is None:
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes))
    if not ok:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused")
    return ok


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the kernel (glibc's malloc_trim(0)): MEMORY PURGE.

    False where the C library is not glibc (nothing to do there)."""
    trim = _glibc_function("malloc_trim", [ctypes.c_size_t])
    if trim is None:
        return False
    trim(0)
    return True
