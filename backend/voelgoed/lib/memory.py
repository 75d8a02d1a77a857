"""Bounds on native (C heap) memory for the long-running processes.

bench/memory (`just bench-memory`, docs/operations.md#memory) found the worker's growth to be
WeasyPrint's per-document font configuration (fixed in domain/tickets/pdf.py). These two bounds
are for what remains outside Python's view: PDFs render in `asyncio.to_thread` threads and glibc
gives each thread its own malloc arena (up to 8 per core), each kept at the peak of its renders.
So: at most two arenas per process, and after a heavy job the free pages go back to the kernel.

Both are no-ops where the C library is not glibc (musl, macOS)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt() parameter number
DEFAULT_ARENAS = 2


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_libc = _glibc()


def limit_malloc_arenas(arenas: int = DEFAULT_ARENAS) -> None:
    """Cap glibc's malloc arenas (settings: MALLOC_ARENA_MAX, default 2). Call at start-up, before
    worker threads exist: arenas already created stay."""
    if _libc is None:
        return
    if _libc.mallopt(M_ARENA_MAX, arenas) != 1:
        log.warning("mallopt(M_ARENA_MAX, %d) failed", arenas)


def release_free_memory() -> None:
    """Give the allocator's free pages back to the kernel (glibc malloc_trim: every arena)."""
    if _libc is not None:
        _libc.malloc_trim(0)
