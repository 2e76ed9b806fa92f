"""Reading the config file's bytes without trusting what sits at its path.

The path is the person's (a flag, an environment variable), so it may hold anything: a folder
nobody may enter (a ``chmod 000``, a ``sudo mindpane config init`` that left it root's), a FIFO
(reading waits for a writer for ever), a link to ``/dev/zero`` (reading never ends), a file of
gigabytes. Each is refused before a byte is read, with a reason a person can act on.
"""

from __future__ import annotations

import errno
import os
import pwd
import shlex
import stat
from pathlib import Path

MAX_CONFIG_BYTES = 1024 * 1024
"""No config a person writes comes near this; a larger file is refused unread."""
_CHUNK = 64 * 1024


class ConfigUnreadable(Exception):
    """The config file exists (or may) but cannot be read; ``str()`` is why, and what to do."""


def read_config_bytes(path: Path) -> bytes | None:
    """The file's bytes; None when there is no file. Raises ``ConfigUnreadable``."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    except FileNotFoundError:
        return None
    except PermissionError:
        raise ConfigUnreadable(permission_problem(path)) from None
    except NotADirectoryError:
        raise ConfigUnreadable(_not_a_folder(path)) from None
    except OSError as exc:
        raise ConfigUnreadable(f"cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigUnreadable(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigUnreadable(_too_large(info.st_size))
        return _read_at_most(fd, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigUnreadable(f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int) -> bytes:
    """All of a regular file, or ``ConfigUnreadable`` if it grew past ``limit`` meanwhile."""
    parts: list[bytes] = []
    size = 0
    while True:
        part = os.read(fd, _CHUNK)
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > limit:
            raise ConfigUnreadable(_too_large(size))
        parts.append(part)


def _too_large(size: int) -> str:
    return f"is {size:,} bytes, larger than a config file may be ({MAX_CONFIG_BYTES // (1024 * 1024)} MiB)"


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def permission_problem(path: Path) -> str:
    """Why ``path`` cannot be read, naming the folder that cannot be entered (or the file), and
    the command that fixes it."""
    blocked, is_folder = _blocked_at(Path(path))
    what = f"no permission to enter the folder {blocked}" if is_folder else "no permission to read it"
    return f"cannot be read: {what} ({_mode_and_owner(blocked)}); {_fix(blocked, is_folder)}"


def _blocked_at(path: Path) -> tuple[Path, bool]:
    """The first folder on the way to ``path`` that cannot be entered (True), else the file itself."""
    for folder in reversed(path.parents):
        try:
            os.stat(folder / path.relative_to(folder).parts[0])  # needs permission to enter ``folder``
        except PermissionError:
            return folder, True
        except OSError:
            break
    return path, False


def _mode_and_owner(path: Path) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return "its permissions cannot be seen"
    mode = f"mode {stat.S_IMODE(info.st_mode):03o}"
    return mode if info.st_uid == os.getuid() else f"{mode}, it belongs to {_user(info.st_uid)}"


def _fix(path: Path, is_folder: bool) -> str:
    try:
        mine = os.stat(path).st_uid == os.getuid()
    except OSError:
        mine = True
    where = shlex.quote(str(path))
    if not mine:
        fix = f"sudo chown -R {_user(os.getuid())} {where}"
    else:
        fix = f"chmod u+rwx {where}" if is_folder else f"chmod u+rw {where}"
    return f"fix: {fix}, or name another file with --config or MINDPANE_CONFIG"


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _not_a_folder(path: Path) -> str:
    """A part of the path is a file where a folder should be (``~/.config/mindpane`` as a file)."""
    for folder in path.parents:
        try:
            if folder.exists() and not folder.is_dir():
                return f"cannot be read: {folder} is a file, not a folder"
        except OSError:
            continue
    return f"cannot be read ({os.strerror(errno.ENOTDIR)})"
