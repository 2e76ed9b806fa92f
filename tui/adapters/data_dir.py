"""The data directory: private to its owner, checked writable before anything opens in it, and the
install's user id.

The journal is personal, so the data dir is ``0700`` and every file in it ``0600``.
:func:`prepare_data_dir` — called by every path that opens something in the data dir, before it
opens it — does all of it and returns what it had to change (:class:`Secured`), so the app can tell
the person once:

- it creates the dir ``0700`` (missing parents get the usual mode);
- :func:`use_private_umask` sets the process umask to ``077`` and leaves it there. The store stays
  open for the life of the process and files keep appearing in it after opening (Chroma's Rust side
  makes a segment dir and HNSW files the first time a mode stores enough entries, SQLite makes
  ``-wal``/``-shm`` files, the log file is opened on its first record), so a umask set only around
  the open would miss them, and the umask is process-wide, so toggling it while a worker thread
  writes would race. The cost: anything else mindpane writes (an export) is owner-only too, which
  suits a private journal;
- :func:`secure_data_dir` tightens what an older version (or a copy, or a restore from a backup)
  left group/other-accessible.

Measured with umask 022 (see tests/properties/test_permissions.py): Chroma's Rust bindings create the segment
dir ``0755`` and ``header.bin``/``data_level0.bin``/``length.bin``/``link_lists.bin``/
``index_metadata.pickle`` ``0644``; SQLite creates ``chroma.sqlite3``/``history.db``/``entries.db``
``0644`` and gives ``-wal``/``-shm`` the mode of their database file.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tui.adapters.ownership import refuse_foreign
from tui.domain.errors import StoreError

PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700
_SHARED_BITS = 0o077
CHOOSE_ANOTHER = "or choose another with --data-dir or MINDPANE_DATA_DIR"
MOVE_OR_CHOOSE = f"move it away, {CHOOSE_ANOTHER}"
PROBE_PREFIX = ".write-probe-"

log = logging.getLogger(__name__)
_unreported: list[Secured] = []


def prepare_data_dir(data_dir: Path, uid: int | None = None) -> Secured:
    """Make ``data_dir`` exist, private and writable, before anything is opened in it.

    Refuses a data dir that is not the user's (``uid``, default: the effective uid), or that holds
    something of another user (:mod:`tui.adapters.ownership`), before changing anything. Creates it
    ``0700`` (missing parents get the usual mode), sets the private umask for the rest of the
    process, tightens what is group/other-accessible, then checks a file can be written there.
    Returns what was tightened; raises ``StoreError`` naming the path and the fix.
    """
    try:
        if data_dir.exists() and not data_dir.is_dir():
            raise StoreError(f"The data directory {data_dir} is a file, not a directory", MOVE_OR_CHOOSE)
        for parent in data_dir.parents:
            if parent.exists() and not parent.is_dir():
                raise StoreError(f"Cannot write to the data directory {data_dir}: {parent} is a file, "
                                 "not a directory", MOVE_OR_CHOOSE)
        refuse_foreign(data_dir, uid)
        if not data_dir.exists():
            _make_private_dir(data_dir)
        secured = secure_data_dir(data_dir)
        if secured.tightened or secured.untouched:
            _unreported.append(secured)
        _probe_writable(data_dir)
    except OSError as exc:
        named = Path(os.fsdecode(exc.filename)) if exc.filename else data_dir
        at_fault = data_dir if named.name.startswith(PROBE_PREFIX) else named
        raise StoreError(f"Cannot write to the data directory {data_dir}: {exc.strerror or exc}",
                         permission_hint(at_fault, data_dir)
                         if isinstance(exc, PermissionError) else CHOOSE_ANOTHER) from exc
    return secured


def _make_private_dir(data_dir: Path) -> None:
    """Create ``data_dir`` ``0700``; missing parents get the usual mode. Another process making it
    at the same moment (a parallel ``ask``) is fine: the mode is checked by the caller anyway."""
    try:
        data_dir.mkdir(mode=PRIVATE_DIR)
    except FileNotFoundError:  # parents first (only then: an existing parent is left untouched)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            data_dir.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            return
    except FileExistsError:
        return
    os.chmod(data_dir, PRIVATE_DIR)  # mkdir's mode is masked by the umask, never widened by it


def _probe_writable(data_dir: Path) -> None:
    """Write and remove a file of a name no other process uses: several ``mindpane ask`` run at once,
    and with one fixed name one removed the probe another was about to remove (an ask then failed
    before its text was kept)."""
    fd, name = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=data_dir)
    try:
        os.write(fd, b"ok")
    finally:
        os.close(fd)
        os.unlink(name)


def permission_hint(path: Path, data_dir: Path) -> str:
    """How to fix 'permission denied' on ``path`` (in or above ``data_dir``)."""
    return (f"{path} is not writable by you: see who owns it with `ls -ld {path}`, then make the data "
            f"directory yours and private (`sudo chown -R $USER {data_dir} && chmod -R u+rwX,go-rwx {data_dir}`), "
            f"{CHOOSE_ANOTHER}")


def take_notice() -> str | None:
    """What :func:`prepare_data_dir` had to change since the last call, as one line to show once
    (several openers prepare the same dir: the first one tightens, the rest find nothing)."""
    reports, _unreported[:] = list(_unreported), []
    notices = dict.fromkeys(notice for notice in (report.notice() for report in reports) if notice)
    return "; ".join(notices) or None  # what could not be changed is found again by each opener: once


def use_private_umask() -> int:
    """Set the process umask to ``077`` for good (see the module docstring); returns the old one."""
    return os.umask(PRIVATE_UMASK)


@dataclass(frozen=True)
class Secured:
    """What :func:`secure_data_dir` did: ``tightened`` lost their group/other permissions;
    ``untouched`` were group/other-accessible and could not be changed (e.g. owned by someone else)."""

    data_dir: Path
    tightened: tuple[Path, ...] = ()
    untouched: tuple[Path, ...] = ()

    def notice(self) -> str | None:
        """One line to show the person, or None when there is nothing to say."""
        parts = []
        if self.tightened:
            count = len(self.tightened)
            parts.append(f"Made {count} {'item' if count == 1 else 'items'} in {self.data_dir} private "
                         "(they were readable by other users)")
        if self.untouched:
            first = self.untouched[0]
            more = f" and {len(self.untouched) - 1} more" if len(self.untouched) > 1 else ""
            parts.append(f"could not make {first}{more} private (owned by another user?): run "
                         f"`sudo chown -R $USER {self.data_dir} && chmod -R go-rwx {self.data_dir}`")
        return "; ".join(parts) or None


def secure_data_dir(data_dir: Path) -> Secured:
    """Private umask from now on, then tighten ``data_dir`` and everything under it to owner-only.

    Directories become ``0700``-at-most, files lose their group/other bits (``0644`` → ``0600``); owner
    bits are never widened or removed. Symbolic links are not followed, so nothing outside the data dir
    is changed. A path that cannot be changed is logged and reported, not raised: the journal still opens.
    """
    use_private_umask()
    tightened: list[Path] = []
    untouched: list[Path] = []

    def tighten(path: Path) -> None:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:  # removed meanwhile (a -journal file)
            return
        if stat.S_ISLNK(mode) or not stat.S_IMODE(mode) & _SHARED_BITS:
            return
        try:
            os.chmod(path, stat.S_IMODE(mode) & ~_SHARED_BITS, follow_symlinks=False)
        except NotImplementedError:  # platforms without lchmod: lstat said it is no link
            os.chmod(path, stat.S_IMODE(mode) & ~_SHARED_BITS)
        except OSError as exc:
            log.info("could not make %s private: %s", path, exc)  # not warning: no logging to stderr yet
            untouched.append(path)
            return
        tightened.append(path)

    if data_dir.is_dir() and not data_dir.is_symlink():
        tighten(data_dir)
        for root, dirs, files in os.walk(data_dir):  # os.walk does not descend into linked dirs
            for name in (*dirs, *files):
                tighten(Path(root, name))
    return Secured(data_dir, tuple(tightened), tuple(untouched))


def install_user_id(data_dir: Path) -> str:
    """One user id per install, kept in the data dir."""
    path = data_dir / "user-id"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    user_id = f"mindpane-{uuid.uuid4()}"
    path.write_text(user_id, encoding="utf-8")
    return user_id
