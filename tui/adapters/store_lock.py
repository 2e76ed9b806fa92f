"""One running mindpane per data dir: Chroma does not support two processes on one store."""

from __future__ import annotations

import errno
import fcntl
import os
import shlex
import stat
from pathlib import Path

from tui.domain.errors import StoreError, StoreLocked

LOCK_FILE = "mindpane.lock"


class LockUnusable(StoreError):
    """``mindpane.lock`` is not a file mindpane can lock (a directory, a link, not openable)."""


class StoreLock:
    """An exclusive ``flock`` on ``<data dir>/mindpane.lock``, released on close or process exit."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        try:  # O_NOFOLLOW: the pid written below must never truncate a file a link points at
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise unusable_lock(self.path, exc) from exc
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


def lock_problem(path: Path) -> str | None:
    """Why ``path`` cannot serve as mindpane's lock file, or None (absent or a regular file)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = ("a directory" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode)
            else "not a regular file")
    return f"{path} is {kind}, not mindpane's lock file"


def move_away_hint(path: Path) -> str:
    where = shlex.quote(str(path))
    return f"move it away (`mv {where} {where}.old`); mindpane makes the lock file again"


def unusable_lock(path: Path, exc: OSError) -> StoreError:
    """The error for a lock file that could not be opened: what it is and the fix."""
    problem = lock_problem(path)
    if problem is None and exc.errno == errno.ELOOP:
        problem = f"{path} is a symbolic link, not mindpane's lock file"
    if problem is not None:
        return LockUnusable(problem, move_away_hint(path))
    return LockUnusable(f"The lock file {path} could not be opened: {exc.strerror or exc}",
                        f"see who owns it with `ls -l {shlex.quote(str(path))}`, or {move_away_hint(path)}")
