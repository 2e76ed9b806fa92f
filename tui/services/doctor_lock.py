"""Doctor's look at ``mindpane.lock``: whether another mindpane holds the data dir, and its pid,
found without taking the lock (``/proc/locks`` on Linux, else a shared-lock probe)."""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from tui.services.doctor_checks import LOCK_FILE, Check


@dataclass(frozen=True)
class LockState:
    held: bool
    pid: int | None = None


def lock_state(data_dir: Path) -> LockState:
    """Whether another process holds ``mindpane.lock``, and its pid, without taking the lock."""
    path = data_dir / LOCK_FILE
    if not path.is_file():
        return LockState(False)
    holder = _flock_holder(path)
    held = _probe_lock(path) if holder is None else holder != 0
    if not held:
        return LockState(False)
    try:
        written = int(path.read_text(encoding="utf-8").strip() or "0")
    except (OSError, ValueError):
        written = 0
    return LockState(True, written or (holder if holder and holder > 0 else None))


def _flock_holder(path: Path) -> int | None:
    """From ``/proc/locks`` (Linux): the pid flocking ``path`` (-1 if not visible from here), 0 if nobody
    holds it, None where there is no ``/proc/locks``."""
    try:
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    inode = str(os.stat(path).st_ino)
    for line in lines:
        parts = line.split()
        # "3: FLOCK  ADVISORY  WRITE 17683 fe:00:2150241 0 EOF" (blocked waiters have "->" first). Only the
        # inode is compared: on overlay filesystems the device shown is not the one stat() reports.
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5].rsplit(":", 1)[-1] == inode:
            pid = int(parts[4]) if parts[4].isdigit() else 0
            return pid if pid > 0 else -1  # 0: the holder is in another pid namespace
    return 0


def _probe_lock(path: Path) -> bool:
    """Where ``/proc/locks`` is missing: a shared lock (never what mindpane takes), dropped at once."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def check_lock(data_dir: Path) -> Check:
    from tui.adapters.store_lock import lock_problem, move_away_hint

    unusable = lock_problem(data_dir / LOCK_FILE)
    if unusable:
        return Check(False, f"lock: {unusable}", move_away_hint(data_dir / LOCK_FILE))
    state = lock_state(data_dir)
    if state.held:
        who = f"pid {state.pid}" if state.pid else "a process"
        return Check(False, f"lock: another mindpane ({who}) is using {data_dir}; its files may change as they "
                     "are read", "quit that mindpane (ctrl+q), then run `mindpane doctor` again")
    return Check(True, "lock: no other mindpane is using it")
