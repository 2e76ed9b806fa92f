"""Copying the record between its plain and its encrypted form, and proving the copy whole.

SQLCipher's documented way: open the source, ``ATTACH`` the new file with the target's key (an empty
key: a plain file) and ``SELECT sqlcipher_export('target')``, which recreates every table, index,
trigger and virtual table (the FTS5 index with its shadow tables) and copies every row; the schema
version (``PRAGMA user_version``) is copied by hand. The copy is then read back through the target's
key and compared with the source table by table, row by row: a switch that trusted the export
blindly could erase the only good copy of a journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from tui.adapters.durable_file import fsync_path as fsync_path  # the switch's modules sync through here
from tui.domain.errors import StoreError

FTS_PREFIX = "entry_fts"
"""The full-text index and its shadow tables: checked by its own integrity check, not row by row."""
SIDECARS = ("-journal", "-wal", "-shm")


def connect(path: Path, key: bytes | None) -> Any:
    """A SQLCipher connection to ``path``: encrypted under ``key``, or plain when ``key`` is None."""
    from sqlcipher3 import dbapi2

    from tui.adapters.cipher_db import connect_locked

    if key is not None:
        return connect_locked(path, key, isolation_level=None)
    db = dbapi2.connect(str(path), isolation_level=None)
    db.execute("PRAGMA cipher_log_level = NONE")
    return db


def hold_writers_off(path: Path, key: bytes | None) -> Any:
    """A connection holding the record's write lock (after emptying its WAL into the file): no other
    process can add a row while the copy is made, checked and swapped in. Close it to let go."""
    db = connect(path, key)
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        db.close()
        raise StoreError(f"{path} is being written by another mindpane: {exc}",
                         "wait for `mindpane ask` to finish, then try again (nothing was changed)") from None
    return db


def export(source: Path, source_key: bytes | None, target: Path, target_key: bytes | None) -> None:
    """Write ``source``'s whole content into the new file ``target`` (under ``target_key``; None:
    plain), durably: the file and its directory are fsynced before this returns."""
    remove_with_sidecars(target)
    db = connect(source, source_key)
    try:
        key = f"\"x'{target_key.hex()}'\"" if target_key is not None else "''"  # '': a plain file
        db.execute(f"ATTACH DATABASE ? AS target KEY {key}", (str(target),))
        db.execute("BEGIN")
        db.execute("SELECT sqlcipher_export('target')")
        version = int(db.execute("PRAGMA main.user_version").fetchone()[0])
        db.execute(f"PRAGMA target.user_version = {version}")
        db.execute("COMMIT")
        db.execute("DETACH DATABASE target")
    finally:
        db.close()
    fsync_path(target)
    fsync_path(target.parent)


def verify(source: Path, source_key: bytes | None, target: Path, target_key: bytes | None) -> None:
    """Raise ``StoreError`` unless ``target`` holds exactly what ``source`` holds: the schema, its
    version, every row of every table, and a full-text index that agrees with the entries."""
    from tui.adapters.record_db import RecordDB

    opened = RecordDB(target, key=target_key)  # it opens as a record (and is left in WAL mode, as one)
    opened.close()
    old, new = connect(source, source_key), connect(target, target_key)
    try:
        _same(old, new, "PRAGMA user_version", "schema version")
        _same(old, new, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                        "ORDER BY type, name", "schema")
        for table in _tables(old):  # every table the record has (the schema check made them the same)
            _same(old, new, f"SELECT * FROM {table} ORDER BY 1, 2", f"{table} rows")
        if _has(new, "entry_fts"):
            new.execute("INSERT INTO entry_fts (entry_fts) VALUES ('integrity-check')")
        if new.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise StoreError(f"The copy {target} fails SQLite's integrity check", "nothing was changed")
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"The copy {target} could not be checked: {exc}", "nothing was changed") from None
    finally:
        old.close()
        new.close()


def _tables(db: Any) -> list[str]:
    return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           f"'sqlite_%' AND name NOT LIKE '{FTS_PREFIX}%' ORDER BY name")]


def _has(db: Any, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone() is not None


def _same(old: Any, new: Any, query: str, what: str) -> None:
    for left, right in zip_longest(_rows(old, query), _rows(new, query), fillvalue=None):
        if left != right:
            raise StoreError(f"The copy of the record differs from it ({what})", "nothing was changed")


def _rows(db: Any, query: str, batch: int = 500) -> Iterator[tuple]:
    cursor = db.execute(query)
    while rows := cursor.fetchmany(batch):
        yield from rows


def remove_with_sidecars(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + suffix) for suffix in SIDECARS)):
        leftover.unlink(missing_ok=True)
