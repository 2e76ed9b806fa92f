"""Whose the data dir is: mindpane uses a data dir, and the files in it, only if they are the user's own.

A directory another user made (a ``0777`` dir with a ``0666`` ``entries.db`` waiting in a shared
place) lets that user read the journal and change it under the person, and the person cannot make
it private (only its owner can ``chmod`` it). So, as ssh does with keys, such a dir or file is
refused before anything is written: no file made, no mode changed, the reason named with its owner.
Root is no exception: ``sudo mindpane`` on someone's dir would write root-owned files into it.

The "current user" is :func:`current_uid` (the effective uid), passed in by callers so that tests can
check the refusal without being able to ``chown``.
"""

from __future__ import annotations

import os
import pwd
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

from tui.domain.errors import StoreError


class NotYours(StoreError):
    """The data dir, or something in it, belongs to another user."""


def current_uid() -> int:
    return os.geteuid()


def owner_name(uid: int) -> str:
    """``alice (uid 1001)``, or ``uid 1001`` for a uid with no account here."""
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def not_you(uid: int) -> str:
    """``not to you (alice, uid 1001)``."""
    try:
        return f"not to you ({pwd.getpwuid(uid).pw_name}, uid {uid})"
    except KeyError:
        return f"not to you (uid {uid})"


@dataclass(frozen=True)
class Foreign:
    """``path`` (the data dir, something in it, or where a link in it points) is owned by ``owner``."""

    path: Path
    owner: int
    via_link: Path | None = None


def foreign_owned(data_dir: Path, uid: int) -> Foreign | None:
    """The first path of ``data_dir`` (itself, and where it leads if a link; everything under it, and
    where a link in it points) not owned by ``uid``; None if all are, or ``data_dir`` does not exist."""
    try:
        link = os.lstat(data_dir)
        target = os.stat(data_dir)
    except FileNotFoundError:
        return None
    if link.st_uid != uid:
        return Foreign(data_dir, link.st_uid)
    if target.st_uid != uid:
        return Foreign(data_dir.resolve(), target.st_uid, via_link=data_dir)
    if not stat.S_ISDIR(target.st_mode):
        return None
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in (*sorted(dirs), *sorted(files)):
            path = Path(root, name)
            try:
                info = os.lstat(path)
                if info.st_uid != uid:
                    return Foreign(path, info.st_uid)
                if stat.S_ISLNK(info.st_mode):
                    pointed = os.stat(path)
                    if pointed.st_uid != uid:
                        return Foreign(path.resolve(), pointed.st_uid, via_link=path)
            except FileNotFoundError:  # removed meanwhile, or a dangling link: nothing to write into
                continue
    return None


def refusal(data_dir: Path, found: Foreign, uid: int) -> NotYours:
    """The error naming the path, its owner, why it matters and what to do."""
    where = shlex.quote(str(data_dir))
    whose = f"belongs to {owner_name(found.owner)}, {not_you(uid)}"
    via = f" (where {found.via_link} leads)" if found.via_link else ""
    if found.path == data_dir or found.via_link == data_dir:
        what = f"The data directory {found.path}{via} {whose}"
    else:
        what = f"{found.path}{via} in the data directory {data_dir} {whose}"
    return NotYours(f"{what}: mindpane refuses it, since that user could read your journal and change it",
                    f"if it is yours, take it back (`sudo chown -R {shlex.quote(pwd_name(uid))} {where} && "
                    f"chmod -R go-rwx {where}`); otherwise choose another data dir with --data-dir or "
                    "MINDPANE_DATA_DIR")


def pwd_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def refuse_foreign(data_dir: Path, uid: int | None = None) -> None:
    """Raise :class:`NotYours` if ``data_dir`` or anything in it is not the user's."""
    uid = current_uid() if uid is None else uid
    found = foreign_owned(data_dir, uid)
    if found is not None:
        raise refusal(data_dir, found, uid)
