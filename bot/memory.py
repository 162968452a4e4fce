"""Memory freed by a large step given back to the system.

Training on the knowledge (encoding thousands of example sentences, fitting the classifier and
the ranker) allocates and frees hundreds of megabytes in pieces. glibc keeps freed pieces for
reuse rather than returning them, so without this the process keeps the high-water mark of
every step and each next step starts from it (docs/performance.md: 86 MB kept after encoding
the examples alone). `malloc_trim` returns what is free; elsewhere (macOS, musl) this does
nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any


@functools.cache
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc
        return None


def give_back() -> None:
    """Return the memory the process has freed to the system (glibc only)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
