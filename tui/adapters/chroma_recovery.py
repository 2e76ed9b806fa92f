"""Getting embedded Chroma back after a failed write (a full disk) instead of freezing on it.

A Chroma write that fails in SQLite (``database or disk is full``) can leave a transaction open on
one of the connections in Chroma's pool; the next call that needs a lock (an ``add``, an
``upsert``, even a ``count``) then waits for it forever, inside Rust, holding the GIL. Reproduced
with chromadb 1.5.9 on a full tmpfs: after two failed adds, the first add after space was freed
hung in 5 runs of 5; closing the client right after the failure (or at least before any other
Chroma call) and opening a new one recovered in 15 of 15.

So: after any exception out of a Chroma write, call :func:`close_chroma` before anything else
touches Chroma, drop every object that holds the old client (collections, mem0 ``Memory``
objects), and open a fresh client with :func:`open_chroma` when Chroma is next needed (after the
free-space check). Opening on a full disk fails cleanly with "database or disk is full".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def open_chroma(path: Path, settings: Any) -> Any:
    """``chromadb.PersistentClient(path, settings)``, not leaving a broken instance behind: Chroma
    caches the instance for a path *before* starting it, so one failed open (a full disk) would
    make every later open on that path return the broken one."""
    import chromadb

    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except BaseException:
        close_chroma(path)
        raise


def close_chroma(path: Path) -> int:
    """Stop every Chroma instance open on ``path`` and forget it, whoever still holds a client:
    its connection pool closes, and SQLite rolls back whatever a failed commit left open. Clients,
    collections and mem0 objects made from it must not be used afterwards (they raise
    ``AttributeError``). Returns how many instances were stopped; never raises."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except Exception:  # chromadb not importable: nothing can be open
        return 0
    wanted = _resolved(path)
    with SharedSystemClient._refcount_lock:
        names = [name for name, system in list(SharedSystemClient._identifier_to_system.items())
                 if _resolved(getattr(system.settings, "persist_directory", None)) == wanted]
        systems = [SharedSystemClient._identifier_to_system.pop(name) for name in names]
        for name in names:
            SharedSystemClient._identifier_to_refcount.pop(name, None)
    for system in systems:
        try:
            system.stop()
        except Exception as exc:  # a half-started instance has nothing to stop
            log.debug("stopping Chroma after a failure: %s", type(exc).__name__)
    return len(systems)


def rebind_mem0(memory: Any, client: Any, collection: Any) -> None:
    """Point a mem0 ``Memory`` at a reopened Chroma client and collection (cheaper than
    ``Memory.from_config`` again, and keeps its history connection)."""
    memory.vector_store.client = client
    memory.vector_store.collection = collection


def _resolved(path: Any) -> Path | None:
    if not path:
        return None
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path)
