"""Writing a file so a crash leaves the old bytes or the new ones, never half; and erasing one.

The key file, the draft file, the marker, a copied record: each is written beside its place
(private, ``0600``, never through a link), synced, renamed over the old one, and the folder synced
so the rename itself is on the disk. Only ``os``: the draft is written this way on Enter, in about a
millisecond, while the store may still be opening.
"""

from __future__ import annotations

import os
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def fsync_path(path: Path) -> None:
    """What was written to ``path`` (a file, or a folder's renames and removals) is on the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_whole(path: Path, data: bytes, temporary: Path | None = None) -> None:
    """``path`` holds ``data``, whole, owner-only. ``temporary``: where it is written first (beside
    ``path``; default ``.<name>.<pid>.tmp``); removed if anything fails."""
    temporary = temporary or path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)  # an unfinished copy of an earlier write by this process id
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def overwrite(path: Path) -> None:
    """Zeros over every byte of the regular file ``path`` (if it is one), synced to the disk."""
    if not path.is_file() or path.is_symlink():
        return
    block = b"\0" * (1 << 20)
    with open(path, "r+b") as handle:
        size = os.fstat(handle.fileno()).st_size
        for start in range(0, size, len(block)):
            handle.write(block[:size - start])
        handle.flush()
        os.fsync(handle.fileno())


def shred(path: Path) -> None:
    """:func:`overwrite`, then remove it, durably."""
    overwrite(path)
    path.unlink(missing_ok=True)
    fsync_path(path.parent)
