"""One running mindpane per data dir: Chroma does not support two processes on one store."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tui.domain.errors import StoreLocked


class StoreLock:
    """An exclusive ``flock`` on ``<data dir>/mindpane.lock``, released on close or process exit."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "mindpane.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLocked(
                f"Another mindpane is using the memory store in {self.path.parent}",
                "close the other mindpane first, or use a different --data-dir",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
