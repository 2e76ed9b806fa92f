"""One consistent copy of the file to import, read once into memory.

Checking the file and storing its entries used to read it twice: a file rewritten in between (or
while its entries were being stored) was imported in part, with exit status 0. Now both passes work
on these bytes. A copy is only consistent if nothing wrote to the file while it was read: the file's
identity, size and times must be the same before and after, and a second read must give the same
bytes (a write within one tick of the file system's clock leaves the times as they were). Anything
else is refused: nothing is imported, and the person is told to import it again.

The copy is the file's size in memory (a 100k-entry export is about 50 MB); files above
:data:`MAX_BYTES` are refused rather than risk running out of memory part way.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from tui.services.import_checks import ImportRefused

MAX_BYTES = 1 << 30
_VERIFY_CHUNK = 1 << 20


def read_snapshot(path: Path) -> bytes:
    """The bytes of ``path``, read while nothing wrote to it; :class:`ImportRefused` otherwise."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}", "check the path") from None
    with open(handle, "rb", closefd=True) as stream:
        before = os.fstat(stream.fileno())
        if not stat.S_ISREG(before.st_mode):
            raise ImportRefused(f"{path} is not a file", "give the path of an export or a jrnl journal")
        if before.st_size > MAX_BYTES:
            raise ImportRefused(f"{path} is {before.st_size / 2**20:,.0f} MiB; mindpane imports up to "
                                f"{MAX_BYTES // 2**20:,} MiB at a time", "split it into smaller files")
        try:
            data = stream.read()
        except MemoryError:
            raise ImportRefused(f"{path} is too large to import at once", "split it into smaller files") from None
        except OSError as exc:
            raise ImportRefused(f"cannot read {path}: {exc.strerror or exc}", "check the path") from None
        after = os.fstat(stream.fileno())
    if _state(before) != _state(after) or len(data) != after.st_size or _digest_of(path) != _digest(data):
        raise ImportRefused(f"{path} changed while it was being read",
                            "nothing was imported; import it again once nothing writes to it")
    return data


def _state(info: os.stat_result) -> tuple[int, ...]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def _digest_of(path: Path) -> bytes | None:
    """The digest of what ``path`` holds now (None when it cannot be read again)."""
    digest = hashlib.blake2b(digest_size=32)
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return None
            while chunk := stream.read(_VERIFY_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()
