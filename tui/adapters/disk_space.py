"""A full disk, caught before the libraries see it and recognised in what they raise.

Chroma must never be driven into a full disk: a write that fails there can leave a transaction
open on one of its pooled SQLite connections, and a later Chroma call then waits for that lock
forever — holding the GIL (its ``add``/``upsert``/``update``/``delete``/``count`` bindings block
without releasing it), which freezes the whole process, the TUI's event loop included. So every
write first checks the free space here (:func:`ensure_free_space`, a ``statvfs``: microseconds)
and refuses with ``DiskFull`` before any library is entered. If the disk fills anyway (another
program, between the check and the write), :func:`is_disk_full` recognises what each layer
raises, so the store can say "disk full" and reset Chroma (see ``chroma_recovery``).

What each layer raised on a full tmpfs (mem0 2.2.1, chromadb 1.5.9, Python 3.11 sqlite3):

- Python ``sqlite3`` (entry index, mem0's ``history.db``): ``OperationalError('database or disk
  is full')`` with ``sqlite_errorcode`` 13 / ``sqlite_errorname`` ``'SQLITE_FULL'``. SQLite rolls the
  transaction back itself, so mem0's ``ROLLBACK`` then raises ``OperationalError('cannot rollback -
  no transaction is active')``: the disk-full error is only its ``__context__``.
- Chroma (Rust, via sqlx), all ``chromadb.errors.InternalError``: ``Query error: Database error:
  error returned from database: (code: 13) database or disk is full`` (add), ``Error updating
  collection: Database error: … (code: 13) database or disk is full``, ``Error in compaction:
  Failed to apply logs to the metadata segment`` / ``… the hnsw segment writer`` (the write was
  logged and may still show up later), then on reads ``Error executing plan: Error sending
  backfill request to compactor: Failed to apply logs to …``; opening a client on a full disk:
  ``error returned from database: (code: 13) database or disk is full``.
- Plain files (and the log handler): ``OSError(errno.ENOSPC)``; Rust I/O errors print it as
  ``No space left on device (os error 28)``.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from tui.domain.errors import DiskFull

MIN_FREE_BYTES = 8 * 1024 * 1024
"""Never write with less free than this: a Chroma add touches its SQLite file, a rollback journal,
the full-text index and the HNSW files, and a write to a full disk is what wedges Chroma."""

HNSW_GROWTH = 4
"""Chroma grows a collection's HNSW files by ~20% at once when it fills them: keep a quarter of
their size free on top of :data:`MIN_FREE_BYTES`."""

_SQLITE_FULL = 13
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_MARKERS = (
    "database or disk is full",  # SQLite, through Python's sqlite3 and Chroma's sqlx
    "no space left on device",  # strerror(ENOSPC), in OSError text and Rust io::Error
    "disk quota exceeded",  # strerror(EDQUOT)
    "(os error 28)",  # Rust io::Error for ENOSPC
    "(os error 122)",  # Rust io::Error for EDQUOT (Linux)
    "sqlite_full",
)
_CHROMA_WRITE_FAILED = (
    "failed to apply logs to the",  # Chroma's compactor: "… metadata segment" / "… hnsw segment writer"
    "error sending backfill request to compactor",
)
_HNSW_FILES = ("data_level0.bin", "link_lists.bin", "length.bin", "header.bin")


def ensure_free_space(data_dir: Path, needed_bytes: int) -> None:
    """Raise ``DiskFull`` unless the filesystem holding ``data_dir`` has room for a write of
    ``needed_bytes`` plus :func:`reserve_bytes`. Call it before every write, outside any library."""
    data_dir = Path(data_dir)
    free = free_bytes(data_dir)
    required = max(0, needed_bytes) + reserve_bytes(data_dir)
    if free < required:
        raise disk_full_error(data_dir, free, required)


def reserve_bytes(data_dir: Path) -> int:
    """Free space every write keeps in hand: :data:`MIN_FREE_BYTES`, or more for a large store."""
    return MIN_FREE_BYTES + _hnsw_bytes(Path(data_dir) / "chroma") // HNSW_GROWTH


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem holding ``path`` (or its
    nearest existing parent, for a data dir not made yet)."""
    return shutil.disk_usage(_existing(Path(path))).free


def mount_point(path: Path) -> Path:
    """The mount point of the filesystem holding ``path``: what a person has to clean up."""
    current = _existing(Path(path)).resolve()
    while not os.path.ismount(current) and current.parent != current:
        current = current.parent
    return current


def disk_full_error(data_dir: Path, free: int | None = None, required: int | None = None) -> DiskFull:
    """The ``DiskFull`` a person is shown: it says "disk full", where, and how much is free."""
    data_dir = Path(data_dir)
    try:
        free = free_bytes(data_dir) if free is None else free
        where = mount_point(data_dir)
    except OSError:
        where = data_dir
    wanted = f"; writing needs {_size(required)}" if required is not None else ""
    room = f"{_size(free)} free" if free is not None else "no room left"
    return DiskFull(f"Disk full: {room} on {where} (the filesystem holding {data_dir}){wanted}",
                    f"free some space on {where}, then retry; your text is kept")


def is_disk_full(exc: BaseException, data_dir: Path | None = None) -> bool:
    """Whether ``exc`` (or an exception it was raised from or while handling) means the disk is
    full: ENOSPC/EDQUOT, SQLite's SQLITE_FULL, or their text in a library's message.

    Chroma's compactor reports a failed write without saying why ("Failed to apply logs to the
    hnsw segment writer"): with ``data_dir`` given, such an error — or any Chroma, SQLite or OS
    error — counts as disk full when the free space is below :func:`reserve_bytes`.
    """
    chain = list(_chain(exc))
    for link in chain:
        if isinstance(link, OSError) and link.errno in _FULL_ERRNOS:
            return True
        code = getattr(link, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF == _SQLITE_FULL:
            return True
        text = _text(link)
        if any(marker in text for marker in _FULL_MARKERS):
            return True
    if data_dir is None or not any(_from_storage(link) for link in chain):
        return False
    try:
        return free_bytes(Path(data_dir)) < reserve_bytes(Path(data_dir))
    except OSError:
        return False


def is_chroma_write_failure(exc: BaseException) -> bool:
    """Whether ``exc`` came out of Chroma: after any failed Chroma write, reset the client before
    the next Chroma call (``chroma_recovery.close_chroma``), or that call may wait forever."""
    return any(type(link).__module__.split(".")[0] == "chromadb" or
               any(marker in _text(link) for marker in _CHROMA_WRITE_FAILED)
               for link in _chain(exc))


# -- helpers -----------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from or during, and the members of exception groups."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        link = todo.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        if isinstance(link, BaseExceptionGroup):
            todo.extend(link.exceptions)
        for nxt in (link.__context__, link.__cause__):
            if nxt is not None:
                todo.append(nxt)


def _text(exc: BaseException) -> str:
    try:
        return str(exc).casefold()
    except Exception:  # a broken __str__ must not hide the original error
        return ""


def _from_storage(exc: BaseException) -> bool:
    import sqlite3

    return isinstance(exc, OSError | sqlite3.Error) or type(exc).__module__.split(".")[0] == "chromadb" \
        or any(marker in _text(exc) for marker in _CHROMA_WRITE_FAILED)


def _hnsw_bytes(chroma_dir: Path) -> int:
    """Size of the largest collection's HNSW files (one directory per segment)."""
    largest = 0
    try:
        segments = [entry for entry in os.scandir(chroma_dir) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    for segment in segments:
        total = 0
        for name in _HNSW_FILES:
            try:
                total += os.stat(os.path.join(segment.path, name)).st_size
            except OSError:
                continue
        largest = max(largest, total)
    return largest


def _existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def _size(count: int | None) -> str:
    if count is None:
        return "?"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB"
