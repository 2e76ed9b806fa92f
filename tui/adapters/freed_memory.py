"""Give memory that was freed back to the system, and keep glibc from spreading it over many heaps.

Loading the embedding model and opening the store allocate and free tens of MB once (the model
file's parsed graph, Chroma's start-up); glibc keeps those pages mapped, so the process looked
60 MB bigger than what it used. ``malloc_trim(0)`` returns them.

glibc also gives each thread that meets a locked heap a heap of its own (up to 8 per core): the
embedder's threads, Chroma's, Textual's workers. Each keeps its own freed pages, and together they
held ~40 MB more at 10k entries. :func:`limit_malloc_arenas` caps them at two, before the store's
libraries start their threads. Both are no-ops where there is no glibc.
"""

from __future__ import annotations

import ctypes
from functools import cache

M_ARENA_MAX = -8
"""``mallopt``'s parameter for the most heaps (``malloc.h``)."""
ARENAS = 2


@cache
def _libc_function(name: str):
    """The C library's function, from the symbols the process already has (``CDLL(None)``):
    ``ctypes.util.find_library`` would run ``ldconfig`` to look for the library."""
    try:
        return getattr(ctypes.CDLL(None), name, None)
    except OSError:
        return None


def release_freed_memory() -> None:
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def limit_malloc_arenas() -> None:
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, ARENAS)
