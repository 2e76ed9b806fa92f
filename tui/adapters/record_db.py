"""mindpane's canonical record: every entry, the outbox of turns not yet stored, and the change log.

One SQLite file (``entries.db``) in WAL mode with ``synchronous=FULL``: a row is on the disk when
a call returns. mem0 + Chroma are an index over this record (vectors for recall, mem0's change
history) and can be rebuilt from it. Only ``sqlite3`` is imported, so the outbox can take a
turn's text the moment Enter is pressed, before mem0 or Chroma load.

Schema changes are ordered steps keyed by ``PRAGMA user_version``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui.adapters.record_sync import SCHEMA_STEP as SYNC_SCHEMA_STEP
from tui.adapters.record_sync import SyncedRecord
from tui.domain import flags as entry_flags
from tui.domain.records import Change, MemoryRecord, Page, PendingEntry, content_key
from tui.domain.search import SearchQuery, entry_tags, fts_match

if TYPE_CHECKING:
    from tui.adapters.record_salvage import Salvaged

FILE_NAME = "entries.db"
INDEX_LATER_KEY = "index_later_ids"
"""Meta key: ids of entries stored while the index was not loaded (a turn from the shell), which
the next full open indexes (a JSON list)."""

_UPGRADES: tuple[str, ...] = (
    # 1: the canonical record, the outbox and the change log (v0 held only a rebuildable date index)
    """
    DROP TABLE IF EXISTS entries;
    CREATE TABLE entry (
        id TEXT PRIMARY KEY,
        mode TEXT NOT NULL,
        text TEXT NOT NULL,
        reply TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        turn_id TEXT UNIQUE,
        deleted_at TEXT
    );
    CREATE INDEX entry_by_mode_date ON entry (mode, deleted_at, created_at DESC);
    CREATE TABLE outbox (
        turn_id TEXT PRIMARY KEY,
        mode TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE change (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        before TEXT,
        after TEXT,
        undone_at TEXT
    );
    CREATE INDEX change_by_entry ON change (entry_id);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: import dedupe (each entry's content key), streaming oldest first, and the change log's
    # batches (the lines of one import share one)
    """
    ALTER TABLE entry ADD COLUMN content_key TEXT;
    UPDATE entry SET content_key = mindpane_content_key(mode, created_at, text);
    CREATE INDEX entry_by_content_key ON entry (content_key);
    CREATE INDEX entry_by_date ON entry (deleted_at, created_at, id);
    CREATE INDEX entry_by_mode_oldest ON entry (mode, deleted_at, created_at, id);
    ALTER TABLE change ADD COLUMN batch TEXT;
    """,
    # 3: search: full text (FTS5 over the alive entries' text and reply, kept in step by triggers,
    # diacritics-insensitive) and the #tags written in each entry's text
    """
    CREATE VIEW entry_alive AS SELECT rowid AS row, text, reply FROM entry WHERE deleted_at IS NULL;
    CREATE VIRTUAL TABLE entry_fts USING fts5(text, reply, content = 'entry_alive', content_rowid = 'row',
                                              tokenize = 'unicode61 remove_diacritics 2');
    CREATE TRIGGER entry_fts_insert AFTER INSERT ON entry WHEN new.deleted_at IS NULL BEGIN
        INSERT INTO entry_fts (rowid, text, reply) VALUES (new.rowid, new.text, new.reply);
    END;
    CREATE TRIGGER entry_fts_delete AFTER DELETE ON entry WHEN old.deleted_at IS NULL BEGIN
        INSERT INTO entry_fts (entry_fts, rowid, text, reply) VALUES ('delete', old.rowid, old.text, old.reply);
    END;
    CREATE TRIGGER entry_fts_update AFTER UPDATE OF text, reply, deleted_at ON entry BEGIN
        INSERT INTO entry_fts (entry_fts, rowid, text, reply)
            SELECT 'delete', old.rowid, old.text, old.reply WHERE old.deleted_at IS NULL;
        INSERT INTO entry_fts (rowid, text, reply) SELECT new.rowid, new.text, new.reply WHERE new.deleted_at IS NULL;
    END;
    INSERT INTO entry_fts (entry_fts) VALUES ('rebuild');
    CREATE TABLE tag (tag TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (tag, entry_id)) WITHOUT ROWID;
    CREATE INDEX tag_by_entry ON tag (entry_id);
    INSERT OR IGNORE INTO tag (tag, entry_id)
        SELECT tags.value, entry.id FROM entry, json_each(mindpane_tags(entry.text)) AS tags;
    """,
    # 4: each entry's vector, per embedder (float32 bytes), kept beside the record so recall loads
    # them without Chroma and a turn from the shell can store one before Chroma is opened
    """
    CREATE TABLE vector (embedder TEXT NOT NULL, entry_id TEXT NOT NULL, data BLOB NOT NULL,
                         PRIMARY KEY (embedder, entry_id)) WITHOUT ROWID;
    """,
    # 5: pins: entries the person pinned, which go into every prompt of their mode (oldest pin first)
    """
    CREATE TABLE pin (
        entry_id TEXT PRIMARY KEY,
        mode TEXT NOT NULL,
        pinned_at TEXT NOT NULL
    );
    CREATE INDEX pin_by_mode ON pin (mode, pinned_at);
    """,
    # 6: an import is one change however many entries it brought: its change-log lines are found,
    # listed and undone together by their batch
    """
    CREATE INDEX IF NOT EXISTS change_by_batch ON change (batch);
    """,
    # 7: sync through a hub (#21): what this device last synced of each entry
    SYNC_SCHEMA_STEP,
)
SCHEMA_VERSION = len(_UPGRADES)

_COLUMNS = "id, mode, text, reply, created_at, updated_at, metadata"
_CHANGE_COLUMNS = "seq, at, kind, entry_id, mode, before, after, undone_at"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _content_key(mode: str, created_at: str, text: str) -> str:
    """:func:`content_key` of a stored row (used by the schema upgrade, as an SQL function)."""
    return content_key(mode, _time(created_at), text)


def _statements(script: str) -> Iterator[str]:
    """The statements of an upgrade step; a trigger's body keeps its own semicolons."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
    if pending.strip(" \n;"):
        yield pending


def _tags_json(text: str) -> str:
    """The ``#tags`` of an entry's text as a JSON list (the schema upgrade's SQL function)."""
    return json.dumps(sorted(entry_tags(text)), ensure_ascii=False)


def _record(row: Sequence) -> MemoryRecord:
    return MemoryRecord(id=row[0], mode=row[1], text=row[2], reply=row[3], created_at=_time(row[4]),
                        updated_at=_time(row[5]), metadata=json.loads(row[6] or "{}"))


def _alive_in_range(prefix: str, mode: str | None, since: datetime | None,
                    until: datetime | None) -> tuple[list[str], list[str]]:
    """WHERE terms (and their arguments) for alive entries of ``mode`` created in [since, until)."""
    where, args = [f"{prefix}deleted_at IS NULL"], []
    for term, value in ((f"{prefix}mode = ?", mode), (f"{prefix}created_at >= ?", since and _iso(since)),
                        (f"{prefix}created_at < ?", until and _iso(until))):
        if value is not None:
            where.append(term)
            args.append(value)
    return where, args


def snapshot(record: MemoryRecord) -> str:
    """An entry as JSON, for the change log: enough to restore it exactly."""
    return json.dumps({"id": record.id, "mode": record.mode, "text": record.text, "reply": record.reply,
                       "created_at": _iso(record.created_at), "updated_at": _iso(record.updated_at),
                       "metadata": record.metadata}, ensure_ascii=False)


def from_snapshot(raw: str | None) -> MemoryRecord | None:
    if not raw:
        return None
    data = json.loads(raw)
    return MemoryRecord(id=data["id"], mode=data["mode"], text=data["text"], reply=data.get("reply", ""),
                        created_at=_time(data["created_at"]), updated_at=_time(data["updated_at"]),
                        metadata=data.get("metadata") or {})


def _use_wal(db: sqlite3.Connection, patience: float = 5.0) -> None:
    """Switch ``db`` to WAL mode. Switching needs the file to itself, and SQLite then says "locked" at
    once rather than wait the busy timeout: several ``mindpane ask`` opening a new record at the same
    moment would fail. So: wait and try again, for as long as the busy timeout."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3's or SQLCipher's OperationalError (a locked record)
            if type(exc).__name__ != "OperationalError" or "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@dataclass(frozen=True)
class Counts:
    alive: int
    deleted: int
    outbox: int


class RecordDB(SyncedRecord):
    """Thread-safe access to ``entries.db``. Every write is one transaction, durable on return."""

    def __init__(self, path: Path, key: bytes | None = None) -> None:
        """``key``: a locked journal's data key; the file is then SQLCipher's, encrypted (``cipher_db``)."""
        self.path = Path(path)
        self._lock = threading.RLock()
        if key is None:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        else:
            from tui.adapters.cipher_db import connect_locked

            self._db = connect_locked(self.path, key, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout=5000")  # first: another process may be making the file too
        _use_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.create_function("mindpane_content_key", 3, _content_key, deterministic=True)
        self._db.create_function("mindpane_tags", 1, _tags_json, deterministic=True)
        self._upgrade()

    # -- schema ----------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _upgrade(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"{self.path} was written by a newer mindpane (schema {version} > {SCHEMA_VERSION})")
            for step, script in enumerate(_UPGRADES[version:], start=version + 1):
                with self._tx() as db:
                    if db.execute("PRAGMA user_version").fetchone()[0] >= step:
                        continue  # another process (a parallel `ask`) made this step meanwhile
                    for statement in _statements(script):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {step}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, query: str, args: Sequence = ()) -> Sequence | None:
        with self._lock:
            return self._db.execute(query, args).fetchone()

    def _all(self, query: str, args: Sequence = ()) -> list[Sequence]:
        with self._lock:
            return self._db.execute(query, args).fetchall()

    # -- the outbox ------------------------------------------------------------------------------

    def put_pending(self, turn_id: str, mode: str, text: str, at: datetime) -> None:
        """Keep a turn's text until its entry is stored. Idempotent per ``turn_id``."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO outbox (turn_id, mode, text, created_at) VALUES (?, ?, ?, ?)",
                       (turn_id, mode, text, _iso(at)))

    def pending(self) -> list[PendingEntry]:
        rows = self._all("SELECT turn_id, mode, text, created_at FROM outbox ORDER BY created_at, rowid")
        return [PendingEntry(turn_id=r[0], mode=r[1], text=r[2], created_at=_time(r[3])) for r in rows]

    def drop_pending(self, turn_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM outbox WHERE turn_id = ?", (turn_id,))

    # -- entries ---------------------------------------------------------------------------------

    def insert(self, record: MemoryRecord, turn_id: str | None = None) -> MemoryRecord:
        """Store a new entry; its outbox row (if any) leaves in the same transaction. A turn that
        already stored its entry gets that entry back: replaying a turn never duplicates it."""
        with self._tx() as db:
            if turn_id is not None:
                existing = db.execute(f"SELECT {_COLUMNS} FROM entry WHERE turn_id = ?", (turn_id,)).fetchone()
                if existing is not None:
                    db.execute("DELETE FROM outbox WHERE turn_id = ?", (turn_id,))
                    return _record(existing)
            self._insert_row(db, record, turn_id)
            if turn_id is not None:
                db.execute("DELETE FROM outbox WHERE turn_id = ?", (turn_id,))
        return record

    @staticmethod
    def _insert_row(db: sqlite3.Connection, record: MemoryRecord, turn_id: str | None = None) -> None:
        """A new row, with its content key (kept as it was stored: an edit does not change it)."""
        db.execute(
            f"INSERT INTO entry ({_COLUMNS}, turn_id, content_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.mode, record.text, record.reply, _iso(record.created_at),
             _iso(record.updated_at), json.dumps(record.metadata, ensure_ascii=False), turn_id,
             content_key(record.mode, record.created_at, record.text)))
        RecordDB._set_tags(db, record.id, record.text)

    @staticmethod
    def _set_tags(db: sqlite3.Connection, memory_id: str, text: str) -> None:
        """The entry's ``#tags``, as its text has them now."""
        db.execute("DELETE FROM tag WHERE entry_id = ?", (memory_id,))
        db.executemany("INSERT OR IGNORE INTO tag (tag, entry_id) VALUES (?, ?)",
                       [(tag, memory_id) for tag in sorted(entry_tags(text))])

    def insert_many(self, records: Sequence[MemoryRecord], at: datetime, batch: str | None = None,
                    pinned: Collection[str] = ()) -> None:
        """Imported entries, with one ``import`` line in the change log per entry; ``batch`` names
        the import they belong to (every line of one import carries it). Those in ``pinned`` are
        pinned, in the order given (undoing the import hides them and their pins)."""
        with self._tx() as db:
            for record in records:
                self._insert_row(db, record)
                self._log(db, at, "import", record, None, record, batch)
                if record.id in pinned:
                    db.execute("INSERT OR IGNORE INTO pin (entry_id, mode, pinned_at) VALUES (?, ?, ?)",
                               (record.id, record.mode, _iso(at)))

    def get(self, memory_id: str, include_deleted: bool = False) -> MemoryRecord | None:
        alive = "" if include_deleted else " AND deleted_at IS NULL"
        row = self._one(f"SELECT {_COLUMNS} FROM entry WHERE id = ?{alive}", (memory_id,))
        return _record(row) if row else None

    def by_turn(self, turn_id: str) -> MemoryRecord | None:
        row = self._one(f"SELECT {_COLUMNS} FROM entry WHERE turn_id = ? AND deleted_at IS NULL", (turn_id,))
        return _record(row) if row else None

    def fetch(self, ids: Sequence[str]) -> dict[str, MemoryRecord]:
        found: dict[str, MemoryRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._all(f"SELECT {_COLUMNS} FROM entry WHERE id IN ({marks}) AND deleted_at IS NULL",
                                 chunk):
                found[row[0]] = _record(row)
        return found

    def page(self, mode: str, offset: int = 0, limit: int = 50) -> Page:
        """The mode's entries, newest first, and how many it has in all."""
        rows = self._all(f"SELECT {_COLUMNS} FROM entry WHERE mode = ? AND deleted_at IS NULL "
                         "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?", (mode, limit, offset))
        return Page([_record(row) for row in rows], offset, self.count(mode))

    def count(self, mode: str | None = None) -> int:
        if mode is None:
            return self._one("SELECT COUNT(*) FROM entry WHERE deleted_at IS NULL")[0]
        return self._one("SELECT COUNT(*) FROM entry WHERE mode = ? AND deleted_at IS NULL", (mode,))[0]

    def counts(self) -> Counts:
        alive, deleted = self._one("SELECT COUNT(*) FILTER (WHERE deleted_at IS NULL), "
                                   "COUNT(*) FILTER (WHERE deleted_at IS NOT NULL) FROM entry")
        return Counts(alive or 0, deleted or 0, self._one("SELECT COUNT(*) FROM outbox")[0])

    def modes(self) -> list[str]:
        return [row[0] for row in self._all("SELECT DISTINCT mode FROM entry WHERE deleted_at IS NULL")]

    def alive(self, mode: str, batch: int = 1000) -> Iterator[list[MemoryRecord]]:
        """A mode's entries in batches, oldest first (rebuilding an index)."""
        last = ""
        while True:
            rows = self._all(f"SELECT {_COLUMNS} FROM entry WHERE mode = ? AND deleted_at IS NULL AND id > ? "
                             "ORDER BY id LIMIT ?", (mode, last, batch))
            if not rows:
                return
            yield [_record(row) for row in rows]
            last = rows[-1][0]

    def iter_entries(self, mode: str | None = None, since: datetime | None = None, until: datetime | None = None,
                     batch: int = 500) -> Iterator[MemoryRecord]:
        """Alive entries oldest first (by ``created_at``, then id), ``since`` inclusive and ``until``
        exclusive, read ``batch`` rows at a time by keyset: memory stays flat however many there are."""
        where, args = _alive_in_range("", mode, since, until)
        query = f"SELECT {_COLUMNS} FROM entry WHERE {' AND '.join(where)}"
        after: tuple[str, str] | None = None
        while True:
            if after is None:
                rows = self._all(f"{query} ORDER BY created_at, id LIMIT ?", [*args, batch])
            else:
                rows = self._all(f"{query} AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?",
                                 [*args, *after, batch])
            yield from (_record(row) for row in rows)
            if len(rows) < batch:
                return
            after = (rows[-1][4], rows[-1][0])

    def day_counts(self, mode: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> dict[date, int]:
        """Alive entries (of ``mode``; None: every mode) per local day, for those created in
        [since, until). Reads only ``created_at`` through the date indexes; the day is the local
        one, so the UTC text is converted here, not in SQL (SQLite knows no time zones)."""
        where, args = _alive_in_range("", mode, since, until)
        counts: dict[date, int] = {}
        with self._lock:
            for (created_at,) in self._db.execute(f"SELECT created_at FROM entry WHERE {' AND '.join(where)}", args):
                day = _time(created_at).astimezone().date()
                counts[day] = counts.get(day, 0) + 1
        return counts

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """The content keys (:func:`content_key`) among ``keys`` that an alive entry has."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self._all(
                f"SELECT content_key FROM entry INDEXED BY entry_by_content_key WHERE content_key IN ({marks}) "
                "AND deleted_at IS NULL", chunk))
        return found

    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]:
        """For each of ``ids`` the record holds: its mode, or None when only a deleted entry has it."""
        found: dict[str, str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for memory_id, mode, deleted_at in self._all(
                    f"SELECT id, mode, deleted_at FROM entry WHERE id IN ({marks})", chunk):
                found[memory_id] = None if deleted_at else mode
        return found

    def ids_in_range(self, mode: str, since: datetime | None, until: datetime | None) -> list[str]:
        """Ids of ``mode``'s alive entries created in [since, until): a date window for recall."""
        where, args = _alive_in_range("", mode, since, until)
        return [row[0] for row in self._all(
            f"SELECT id FROM entry INDEXED BY entry_by_mode_oldest WHERE {' AND '.join(where)}", args)]

    def ids(self, mode: str) -> set[str]:
        return {row[0] for row in self._all("SELECT id FROM entry WHERE mode = ? AND deleted_at IS NULL", (mode,))}

    def deleted_ids(self) -> list[str]:
        return [row[0] for row in self._all("SELECT id FROM entry WHERE deleted_at IS NOT NULL")]

    def search(self, query: SearchQuery, offset: int = 0, limit: int = 50) -> tuple[list[MemoryRecord], int]:
        """Alive entries matching every part of ``query`` (words and phrases in the text or reply,
        #tags, local days, mode), newest first: the page at ``offset`` and how many match in all."""
        where, args = _alive_in_range("entry.", query.mode or None, *query.bounds())
        match = fts_match(query)
        if match:
            where.append("entry.rowid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)")
            args.append(match)
        for tag in query.tags:
            where.append("entry.id IN (SELECT entry_id FROM tag WHERE tag = ?)")
            args.append(tag)
        clause = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM entry WHERE {clause}", args).fetchone()[0]
            rows = self._db.execute(
                f"SELECT {', '.join('entry.' + c for c in _COLUMNS.split(', '))} FROM entry WHERE {clause} "
                "ORDER BY entry.created_at DESC, entry.rowid DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [_record(row) for row in rows], total

    # -- changes (each one a line in the change log, in the same transaction) --------------------

    def replace(self, before: MemoryRecord, after: MemoryRecord, kind: str, at: datetime) -> int | None:
        """Overwrite an entry's text/reply/metadata, logged as ``kind`` (edit, reply); an empty
        ``kind`` (an undo, which marks its own line instead) logs nothing."""
        with self._tx() as db:
            db.execute("UPDATE entry SET text = ?, reply = ?, updated_at = ?, metadata = ? WHERE id = ?",
                       (after.text, after.reply, _iso(after.updated_at),
                        json.dumps(after.metadata, ensure_ascii=False), after.id))
            self._set_tags(db, after.id, after.text)
            return self._log(db, at, kind, after, before, after) if kind else None

    def set_flags(self, memory_id: str, flags: dict[str, object], at: datetime,
                  log: bool = True) -> MemoryRecord | None:
        """Set flags the person sets on an alive entry (``tui.domain.flags``: its kind, its reply
        marked wrong; None takes one away), with a ``kind`` or ``mark`` line in the change log
        unless ``log`` is false (an undo). Nothing else changes, not even ``updated_at``; flags
        already so change nothing. None when the entry is not alive. ``ValueError`` for anything
        but one flag."""
        kind = entry_flags.change_kind(flags) if log else ""
        with self._tx() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM entry WHERE id = ? AND deleted_at IS NULL",
                             (memory_id,)).fetchone()
            if row is None:
                return None
            before = _record(row)
            metadata = entry_flags.with_flags(before.metadata, flags)
            if metadata == before.metadata:
                return before
            after = MemoryRecord(before.id, before.text, before.mode, before.created_at, before.updated_at,
                                 before.reply, metadata)
            db.execute("UPDATE entry SET metadata = ? WHERE id = ?", (json.dumps(metadata, ensure_ascii=False),
                                                                     memory_id))
            if log:
                self._log(db, at, kind, after, before, after)
            return after

    def mark_deleted(self, record: MemoryRecord, at: datetime) -> int:
        with self._tx() as db:
            db.execute("UPDATE entry SET deleted_at = ? WHERE id = ?", (_iso(at), record.id))
            return self._log(db, at, "delete", record, record, None)

    def restore(self, record: MemoryRecord) -> None:
        """Bring a deleted entry back under its own id, with its text, reply, dates and metadata."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM entry WHERE id = ?", (record.id,)).fetchone():
                db.execute("UPDATE entry SET deleted_at = NULL, text = ?, reply = ?, created_at = ?, "
                           "updated_at = ?, metadata = ? WHERE id = ?",
                           (record.text, record.reply, _iso(record.created_at), _iso(record.updated_at),
                            json.dumps(record.metadata, ensure_ascii=False), record.id))
                self._set_tags(db, record.id, record.text)
            else:
                self._insert_row(db, record)

    def set_deleted(self, ids: Iterable[str], at: datetime) -> None:
        with self._tx() as db:
            db.executemany("UPDATE entry SET deleted_at = ? WHERE id = ?", [(_iso(at), i) for i in ids])

    @staticmethod
    def _log(db: sqlite3.Connection, at: datetime, kind: str, record: MemoryRecord,
             before: MemoryRecord | None, after: MemoryRecord | None, batch: str | None = None) -> int:
        cursor = db.execute(
            "INSERT INTO change (at, kind, entry_id, mode, before, after, batch) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_iso(at), kind, record.id, record.mode, snapshot(before) if before else None,
             snapshot(after) if after else None, batch))
        return cursor.lastrowid

    def changes(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log's rows, newest first, one per entry changed (an import's too)."""
        rows = self._all(f"SELECT {_CHANGE_COLUMNS} FROM change ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset))
        return [self._change(row) for row in rows]

    def change_lines(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log as the person sees it, newest first: one line per change, an import one
        line for all its entries (by the index on ``batch``, never a scan of the rows)."""
        tops = self._all("SELECT seq FROM change WHERE batch IS NULL UNION ALL "
                         "SELECT MAX(seq) FROM change WHERE batch IS NOT NULL GROUP BY batch "
                         "ORDER BY 1 DESC LIMIT ? OFFSET ?", (limit, offset))
        lines = [self.change(top) for top, in tops]
        return [line for line in lines if line is not None]

    def change(self, seq: int) -> Change | None:
        """Change ``seq``: the whole import when it is one of an import's lines."""
        row = self._one(f"SELECT {_CHANGE_COLUMNS}, batch FROM change WHERE seq = ?", (seq,))
        if row is None:
            return None
        return self._change(row) if row[-1] is None else self._import(row[-1])

    def last_undoable(self, mode: str | None = None) -> Change | None:
        where, args = ("AND mode = ?", (mode,)) if mode else ("", ())
        row = self._one(f"SELECT seq FROM change WHERE undone_at IS NULL {where} ORDER BY seq DESC LIMIT 1", args)
        return self.change(row[0]) if row else None

    def _import(self, batch: str) -> Change:
        """One import as one change: its first entry, its modes, undone when all its lines are."""
        with self._lock:
            count, undone, last_undone, first, last = self._db.execute(
                "SELECT COUNT(*), COUNT(undone_at), MAX(undone_at), MIN(seq), MAX(seq) FROM change "
                "WHERE batch = ?", (batch,)).fetchone()
            modes = sorted({row[0] for row in self._db.execute("SELECT DISTINCT mode FROM change WHERE batch = ?",
                                                                (batch,))})
            row = self._db.execute(f"SELECT {_CHANGE_COLUMNS} FROM change WHERE seq = ?", (first,)).fetchone()
        opening = self._change(row)
        return Change(seq=last, at=opening.at, kind=opening.kind, entry_id=opening.entry_id, mode=", ".join(modes),
                      before=None, after=opening.after,
                      undone_at=_time(last_undone) if undone == count else None, entries=count, batch=batch)

    def undo_import(self, batch: str, at: datetime, chunk: int = 2000) -> list[MemoryRecord]:
        """Take back a whole import: its entries still alive are deleted and its lines marked undone,
        ``chunk`` lines per transaction (other writes, a turn's text among them, wait at most one
        chunk). Cut short, the import still reads as not undone and undoing it again finishes it.
        Returns the entries deleted (their index follows)."""
        removed: list[MemoryRecord] = []
        while True:
            with self._tx() as db:
                lines = db.execute("SELECT seq, entry_id FROM change WHERE batch = ? AND undone_at IS NULL "
                                   "ORDER BY seq LIMIT ?", (batch, chunk)).fetchall()
                if not lines:
                    return removed
                ids = [entry_id for _, entry_id in lines]
                marks = ",".join("?" * len(ids))
                gone = [_record(row) for row in db.execute(
                    f"SELECT {_COLUMNS} FROM entry WHERE id IN ({marks}) AND deleted_at IS NULL", ids)]
                db.executemany("UPDATE entry SET deleted_at = ? WHERE id = ?", [(_iso(at), r.id) for r in gone])
                db.executemany("UPDATE change SET undone_at = ? WHERE seq = ?", [(_iso(at), seq) for seq, _ in lines])
            removed += gone

    def mark_undone(self, seq: int, at: datetime) -> None:
        with self._tx() as db:
            db.execute("UPDATE change SET undone_at = ? WHERE seq = ?", (_iso(at), seq))

    @staticmethod
    def _change(row: Sequence) -> Change:
        return Change(seq=row[0], at=_time(row[1]), kind=row[2], entry_id=row[3], mode=row[4],
                      before=from_snapshot(row[5]), after=from_snapshot(row[6]),
                      undone_at=_time(row[7]) if row[7] else None)

    # -- vectors ---------------------------------------------------------------------------------

    def put_vectors(self, embedder: str, rows: Sequence[tuple[str, bytes]]) -> None:
        """Keep (or replace) entries' vectors as ``embedder`` made them."""
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO vector (embedder, entry_id, data) VALUES (?, ?, ?)",
                           [(embedder, memory_id, data) for memory_id, data in rows])

    def vectors(self, embedder: str, mode: str) -> list[tuple[str, bytes]]:
        """The vectors of ``mode``'s alive entries that have one."""
        return self._all("SELECT v.entry_id, v.data FROM entry AS e JOIN vector AS v "
                         "ON v.embedder = ? AND v.entry_id = e.id WHERE e.mode = ? AND e.deleted_at IS NULL",
                         (embedder, mode))

    def without_vector(self, embedder: str, mode: str) -> list[str]:
        """Ids of ``mode``'s alive entries with no vector from ``embedder`` yet."""
        return [row[0] for row in self._all(
            "SELECT id FROM entry WHERE mode = ? AND deleted_at IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM vector WHERE embedder = ? AND entry_id = entry.id)", (mode, embedder))]

    # -- pins (a deleted entry keeps its pin row, so undoing the delete brings the pin back) -------

    def pin(self, memory_id: str, at: datetime, since: datetime | None = None, log: bool = True) -> bool:
        """Pin an alive entry in its mode, from ``since`` (default ``at``: pins are listed oldest
        first), with a ``pin`` line in the change log unless ``log`` is false (an undo). False
        when it was pinned already or is not alive."""
        with self._tx() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM entry WHERE id = ? AND deleted_at IS NULL",
                             (memory_id,)).fetchone()
            if row is None or db.execute("SELECT 1 FROM pin WHERE entry_id = ?", (memory_id,)).fetchone():
                return False
            record = _record(row)
            db.execute("INSERT INTO pin (entry_id, mode, pinned_at) VALUES (?, ?, ?)",
                       (memory_id, record.mode, _iso(since or at)))
            if log:
                self._log(db, at, "pin", record, None, record)
            return True

    def unpin(self, memory_id: str, at: datetime, log: bool = True) -> bool:
        """Take an entry's pin away, with an ``unpin`` line in the change log unless ``log`` is false.
        False when it was not pinned."""
        with self._tx() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM entry WHERE id = ?", (memory_id,)).fetchone()
            if row is None or db.execute("DELETE FROM pin WHERE entry_id = ?", (memory_id,)).rowcount == 0:
                return False
            if log:
                record = _record(row)
                self._log(db, at, "unpin", record, record, None)
            return True

    def pinned(self, mode: str) -> list[MemoryRecord]:
        """The mode's alive pinned entries, oldest pin first."""
        columns = ", ".join(f"entry.{column}" for column in _COLUMNS.split(", "))
        rows = self._all(f"SELECT {columns} FROM pin JOIN entry ON entry.id = pin.entry_id "
                         "WHERE pin.mode = ? AND entry.deleted_at IS NULL ORDER BY pin.pinned_at, pin.rowid", (mode,))
        return [_record(row) for row in rows]

    def pinned_ids(self, mode: str | None = None) -> set[str]:
        """The ids of the mode's (None: every mode's) alive pinned entries."""
        where, args = ("AND pin.mode = ?", (mode,)) if mode is not None else ("", ())
        return {row[0] for row in self._all("SELECT pin.entry_id FROM pin JOIN entry ON entry.id = pin.entry_id "
                                            f"WHERE entry.deleted_at IS NULL {where}", args)}

    def pinned_since(self, memory_id: str, before_seq: int) -> datetime | None:
        """When the entry was pinned, as the last ``pin`` line before change ``before_seq`` says
        (undoing an unpin puts the pin back in its old place)."""
        row = self._one("SELECT at FROM change WHERE entry_id = ? AND kind = 'pin' AND seq < ? "
                        "ORDER BY seq DESC LIMIT 1", (memory_id, before_seq))
        return _time(row[0]) if row else None

    # -- forgetting ------------------------------------------------------------------------------

    def erase(self, ids: Sequence[str]) -> None:
        """Remove entries, their change-log lines, outbox rows, tags and pins for good, then compact the file so
        no freed page or WAL frame keeps their bytes."""
        with self._tx() as db:
            self._erase_rows(db, ids)
            self._note_forgotten(db, ids)  # a journal that syncs pushes the erase (record_sync)
        self.compact()

    @staticmethod
    def _erase_rows(db: sqlite3.Connection, ids: Sequence[str]) -> None:
        for memory_id in ids:
            turn = db.execute("SELECT turn_id FROM entry WHERE id = ?", (memory_id,)).fetchone()
            if turn and turn[0]:
                db.execute("DELETE FROM outbox WHERE turn_id = ?", (turn[0],))
            db.execute("DELETE FROM entry WHERE id = ?", (memory_id,))
            db.execute("DELETE FROM change WHERE entry_id = ?", (memory_id,))
            db.execute("DELETE FROM tag WHERE entry_id = ?", (memory_id,))
            db.execute("DELETE FROM vector WHERE entry_id = ?", (memory_id,))
            db.execute("DELETE FROM pin WHERE entry_id = ?", (memory_id,))
        # the full-text index drops what it held of them (a delete only marks it as gone)
        db.execute("INSERT INTO entry_fts (entry_fts) VALUES ('rebuild')")

    def compact(self) -> None:
        """No freed page or WAL frame keeps erased bytes (secure_delete, checkpoint, VACUUM)."""
        from tui.adapters.eraser import compact_sqlite

        with self._lock:
            compact_sqlite(self._db)

    # -- a damaged record read back (doctor --repair, forget in a moved copy) ---------------------

    def take_salvaged(self, found: Salvaged, leave_out: set[str], skip_meta: set[str]) -> None:
        """Fill this new record with the rows :mod:`tui.adapters.record_salvage` read from a damaged
        one, as they were (ids, dates, change numbers), except the entries in ``leave_out``: their
        rows, changes, pins and vectors, and outbox turns holding their text. One transaction."""
        gone = [found.entries[i] for i in leave_out if i in found.entries]
        gone_turns = {row[7] for row in gone if row[7]}
        gone_texts = [text for row in gone for text in (row[2], row[3]) if text]
        with self._tx() as db:
            for memory_id, row in found.entries.items():
                if memory_id in leave_out:
                    continue
                key = row[9] or content_key(row[1], _time(row[4]), row[2])
                db.execute("INSERT INTO entry (id, mode, text, reply, created_at, updated_at, metadata, turn_id, "
                           "deleted_at, content_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [*row[:9], key])
                self._set_tags(db, memory_id, row[2])
            for turn_id, row in found.outbox.items():
                if turn_id not in gone_turns and not any(text in row[2] for text in gone_texts):
                    db.execute("INSERT INTO outbox (turn_id, mode, text, created_at) VALUES (?, ?, ?, ?)", row)
            for row in found.changes.values():
                if row[3] not in leave_out:
                    db.execute("INSERT INTO change (seq, at, kind, entry_id, mode, before, after, undone_at, batch) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            for entry_id, row in found.pins.items():
                if entry_id not in leave_out and entry_id in found.entries:
                    db.execute("INSERT INTO pin (entry_id, mode, pinned_at) VALUES (?, ?, ?)", row)
            for key, value in found.meta.items():
                if key not in skip_meta:
                    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- meta ------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def integrity(self) -> str:
        return self._one("PRAGMA quick_check")[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
