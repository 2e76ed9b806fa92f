"""A small SQLite index of entries by mode and date, so history pages newest first without
loading the store: Chroma's ``get`` has no ordering and mem0's ``get_all`` returns the oldest.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_mode_date ON entries (collection, mode, created_at DESC);
"""


class EntryIndex:
    def __init__(self, path: Path, collection: str) -> None:
        self._collection = collection
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def add(self, memory_id: str, mode: str, created_at: str) -> None:
        self.add_many([(memory_id, mode, created_at)])

    def add_many(self, rows: Iterable[tuple[str, str, str]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (id, collection, mode, created_at) VALUES (?, ?, ?, ?)",
                [(memory_id, self._collection, mode, created) for memory_id, mode, created in rows],
            )

    def remove(self, memory_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE id = ?", (memory_id,))

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE collection = ?", (self._collection,))

    def ids_newest_first(self, mode: str, offset: int, limit: int) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM entries WHERE collection = ? AND mode = ? "
                "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                (self._collection, mode, limit, offset),
            ).fetchall()
        return [row[0] for row in rows]

    def mode_of(self, memory_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT mode FROM entries WHERE id = ? AND collection = ?", (memory_id, self._collection)
            ).fetchone()
        return row[0] if row else None

    def count(self, mode: str | None = None) -> int:
        with self._lock:
            if mode is None:
                query, args = "SELECT COUNT(*) FROM entries WHERE collection = ?", (self._collection,)
            else:
                query = "SELECT COUNT(*) FROM entries WHERE collection = ? AND mode = ?"
                args = (self._collection, mode)
            return self._db.execute(query, args).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
