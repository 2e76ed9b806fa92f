"""Where a locked journal keeps its files, and how it is told from a plain one.

A locked data dir holds ``journal.key`` (the wrapped data key, ``key_file``), the encrypted record
``entries.locked`` (SQLCipher, ``cipher_db``) and, in place of the plain record, a tiny plain
``entries.db`` that says the journal is locked: its ``user_version`` is beyond any schema, so a
mindpane from before locking refuses it as "written by a newer mindpane" instead of taking the
encrypted file for a damaged record (and offering to move it aside and start an empty one).
Nothing else of the journal is on the disk: Chroma and mem0's history live in memory only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.adapters.key_file import KEY_FILE
from tui.domain.errors import KeyFileError

LOCKED_RECORD = "entries.locked"
PLAIN_RECORD = "entries.db"
MARKER_VERSION = 1_000_000
"""The marker's ``PRAGMA user_version``: beyond every schema an older record upgrade knows."""
MARKER_NOTE = ("This mindpane journal is locked (encrypted with a passphrase): the entries are in "
               f"{LOCKED_RECORD}. Open it with a mindpane that can unlock journals.")


def is_locked(data_dir: Path) -> bool:
    """Whether the data dir holds a locked journal: its encrypted record, or the marker. (A key file
    alone is not one: ``mindpane lock`` writes it first and may have been stopped there.)"""
    return (data_dir / LOCKED_RECORD).exists() or is_marker(data_dir / PLAIN_RECORD)


def record_path(data_dir: Path, locked: bool) -> Path:
    return data_dir / (LOCKED_RECORD if locked else PLAIN_RECORD)


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def require_key_file(data_dir: Path) -> Path:
    """The key file's path; ``KeyFileError`` naming what to do when it is gone (the encrypted record
    is left as it is: with the key file from a backup it opens again)."""
    path = key_path(data_dir)
    if not path.exists():
        raise KeyFileError(f"This journal is locked but its key file {path} is missing",
                           f"restore {KEY_FILE} from a backup of this data dir; without it the journal "
                           "cannot be read (nothing was changed)")
    return path


def write_marker(data_dir: Path) -> None:
    """Make ``entries.db`` the locked journal's marker (any plain record there must be gone first)."""
    path = data_dir / PLAIN_RECORD
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE locked_journal (note TEXT NOT NULL)")
        db.execute("INSERT INTO locked_journal VALUES (?)", (MARKER_NOTE,))
        db.execute(f"PRAGMA user_version = {MARKER_VERSION}")
        db.commit()
    finally:
        db.close()


def is_marker(path: Path) -> bool:
    """Whether ``path`` is the locked journal's marker rather than a plain record: read from the
    SQLite header itself (``user_version`` is bytes 60-63), so asking opens no connection and
    makes no ``-shm`` beside a plain record in WAL mode. The marker is written whole, never in WAL."""
    try:
        with open(path, "rb") as file:
            header = file.read(64)
    except OSError:
        return False
    return (len(header) == 64 and header.startswith(b"SQLite format 3\x00")
            and int.from_bytes(header[60:64], "big") == MARKER_VERSION)
