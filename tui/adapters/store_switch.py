"""Switching a data dir between a plain and a locked journal so that a kill at any moment leaves one
of the two whole, and finishing (or undoing) a switch that was stopped.

A switch first writes ``journal.switching`` (which way it goes), then builds the new record beside
the old one under a ``.partial`` name, checks it, and commits with one rename. Until that rename the
old journal is the journal and an interrupted switch is undone (the partial file, and a key file
made for it, removed); after it the new one is, and the switch is finished (the old record's files
overwritten and removed, the marker written). The flag goes last. Without the flag nothing is
guessed: a key file alone is not a locked journal (``locked_layout.is_locked``).

Erasing here means overwriting a file's bytes with zeros, syncing, then unlinking it: a plain
record's pages must not stay readable in the blocks the file system frees. (On copy-on-write or
flash storage the old blocks can survive anyway; only a journal locked from its start has never had
its text on the disk in clear.)
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import suppress
from pathlib import Path

from tui.adapters.durable_file import fsync_path, overwrite
from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_marker, key_path, write_marker
from tui.adapters.record_copy import SIDECARS

SWITCH_FILE = "journal.switching"
LOCKED_PARTIAL = LOCKED_RECORD + ".partial"
PLAIN_PARTIAL = PLAIN_RECORD + ".partial"
RETIRED = LOCKED_RECORD + ".retired"
TO_LOCKED, TO_PLAIN = "locked", "plain"
PLAIN_LEFTOVERS = ("history.db", "mindpane.log")
"""Files a plain journal keeps its text in besides the record (and ``chroma/``); the log too: a
locked journal promises a log without text, and the plain one's may quote some."""
STOP_AT = "MINDPANE_TEST_STOP_AT"
"""Tests: the step name at which the process ends at once (``os._exit``), as a kill would."""
_MARKER_DIR = ".marker.partial"


def stop_point(step: str) -> None:
    """Where a test can kill a switch (``MINDPANE_TEST_STOP_AT=<step>``): nothing after it runs."""
    if os.environ.get(STOP_AT) == step:
        os._exit(137)


def begin(data_dir: Path, to: str) -> None:
    """Say durably which way the switch goes, before anything else changes."""
    path = data_dir / SWITCH_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps({"to": to}).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_path(data_dir)


def end(data_dir: Path) -> None:
    fsync_path(data_dir)
    (data_dir / SWITCH_FILE).unlink(missing_ok=True)
    fsync_path(data_dir)


def pending(data_dir: Path) -> str | None:
    """Which way an unfinished switch went (``TO_LOCKED``/``TO_PLAIN``), or None."""
    try:
        to = json.loads((data_dir / SWITCH_FILE).read_text()).get("to")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        to = None  # a flag cut short: the switch had not begun changing anything
    return to if to in (TO_LOCKED, TO_PLAIN) else "unknown"


def settle_interrupted_switch(data_dir: Path) -> None:
    """Finish or undo a switch a kill stopped, if one did and no mindpane holds the data dir (one
    that does is the switch itself, or an app that opened the journal after it settled). Costs one
    ``stat`` when there is nothing to do: every open calls it."""
    if not (data_dir / SWITCH_FILE).exists():
        return
    from tui.adapters.store_lock import StoreLock
    from tui.domain.errors import StoreLocked

    lock = StoreLock(data_dir)
    try:
        lock.acquire()
    except StoreLocked:
        return
    try:
        settle(data_dir)
    finally:
        lock.release()


def settle(data_dir: Path) -> str | None:
    """What :func:`settle_interrupted_switch` does, for a caller holding the store lock. Returns
    "finished", "undone" or None (nothing was pending)."""
    to = pending(data_dir)
    if to is None:
        return None
    locked_record = (data_dir / LOCKED_RECORD).exists()
    if to == TO_LOCKED and locked_record:
        finish_locking(data_dir)
        return "finished"
    plain = data_dir / PLAIN_RECORD
    plain_record = plain.exists() and not is_marker(plain)
    if to == TO_PLAIN and plain_record and not locked_record:
        finish_unlocking(data_dir)
        return "finished"
    if to == TO_LOCKED and plain_record:
        remove_partial(data_dir / LOCKED_PARTIAL)
        erase(key_path(data_dir))  # made for this switch; it wraps a key that encrypts nothing
    elif to == TO_PLAIN and not locked_record and (data_dir / RETIRED).exists():
        os.replace(data_dir / RETIRED, data_dir / LOCKED_RECORD)
    remove_partial(data_dir / PLAIN_PARTIAL)
    remove_partial(data_dir / LOCKED_PARTIAL)
    end(data_dir)
    return "undone"


def finish_locking(data_dir: Path) -> None:
    """After the locked record was committed: the plain record overwritten and replaced by the
    marker, every other plain file erased, the flag removed."""
    plain = data_dir / PLAIN_RECORD
    if not is_marker(plain):
        for path in (plain, *(plain.with_name(plain.name + suffix) for suffix in SIDECARS)):
            overwrite(path)
        stop_point("plain-overwritten")
        put_marker(data_dir)
        for suffix in SIDECARS:
            erase(plain.with_name(plain.name + suffix))
    stop_point("marker")
    erase_plain_leftovers(data_dir)
    stop_point("leftovers")
    end(data_dir)


def finish_unlocking(data_dir: Path) -> None:
    """After the plain record was committed: the retired encrypted record and the key file erased."""
    for name in (RETIRED, LOCKED_RECORD):  # its side files keep the name it was opened by
        for path in (data_dir / name, *(data_dir / (name + suffix) for suffix in SIDECARS)):
            erase(path)
    erase(key_path(data_dir))
    remove_partial(data_dir / PLAIN_PARTIAL)
    end(data_dir)


def put_marker(data_dir: Path) -> None:
    """``entries.db`` becomes the marker in one rename (written beside it first)."""
    beside = data_dir / _MARKER_DIR
    shutil.rmtree(beside, ignore_errors=True)
    beside.mkdir(mode=0o700)
    try:
        write_marker(beside)
        fsync_path(beside / PLAIN_RECORD)
        os.replace(beside / PLAIN_RECORD, data_dir / PLAIN_RECORD)
        fsync_path(data_dir)
    finally:
        shutil.rmtree(beside, ignore_errors=True)


def erase_plain_leftovers(data_dir: Path) -> None:
    """Chroma's files, mem0's history, the log and the copies ``doctor --repair`` moved aside of
    them and of the plain record: every file that may hold a plain journal's text."""
    from tui.adapters.moved_copies import delete, find_copies

    chroma = data_dir / "chroma"
    if chroma.is_dir() and not chroma.is_symlink():
        for path in sorted(chroma.rglob("*")):
            overwrite(path)
        shutil.rmtree(chroma)
    for name in PLAIN_LEFTOVERS:
        for path in (data_dir / name, *(data_dir / (name + suffix) for suffix in SIDECARS)):
            erase(path)
    for copy in find_copies(data_dir):
        if copy.original in (PLAIN_RECORD, "history.db", "chroma"):
            for path in copy.files:
                overwrite(path)
            delete(copy)


def erase(path: Path) -> None:
    overwrite(path)
    with suppress(FileNotFoundError):
        path.unlink()


def remove_partial(path: Path) -> None:
    """A copy that was never committed (its text is also in the record it was copied from, which
    stays; an encrypted one is unreadable anyway): erased with its SQLite side files."""
    for leftover in (path, *(path.with_name(path.name + suffix) for suffix in SIDECARS)):
        erase(leftover)
