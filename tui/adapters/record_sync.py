"""What the record keeps for sync (#21): each entry's state as a hub row carries it, what this
device last synced of each entry (``sync_entry``), and a pulled change written with its mark in
one transaction, so a kill at any point leaves either both or neither (a re-run never duplicates,
never echoes a pulled change back). Part of ``RecordDB`` (a mixin: its own file, one job).

Meta keys: ``sync_journal`` (the hub's journal id), ``sync_key`` (its data key, hex: in a locked
journal the record is encrypted, and so is this), ``sync_device`` (this device's id, random,
kept), ``sync_seq`` (the last hub change pulled).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from array import array
from collections.abc import Iterator, Sequence
from datetime import datetime

from tui.domain.sync_state import DONE, PENDING, EntryState, SyncMark

JOURNAL_KEY, KEY_KEY, DEVICE_KEY, SEQ_KEY = "sync_journal", "sync_key", "sync_device", "sync_seq"

SCHEMA_STEP = """
    CREATE TABLE IF NOT EXISTS sync_entry (
        entry_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        hashes TEXT NOT NULL,
        erase TEXT
    ) WITHOUT ROWID;
"""
"""The record's schema step for sync: one small row per entry synced (no text)."""

_STATE_COLUMNS = ("e.id, e.mode, e.text, e.reply, e.created_at, e.updated_at, e.metadata, e.deleted_at, "
                  "p.pinned_at")


def portable_vector(data: bytes) -> bytes:
    """The record keeps float32 in this machine's order; the hub carries little-endian."""
    if sys.byteorder == "little":
        return data
    values = array("f", data)
    values.byteswap()
    return values.tobytes()


local_vector = portable_vector  # the swap is its own inverse


class SyncedRecord:
    """``RecordDB``'s sync half (its ``_tx``, ``_all``, ``_erase_rows`` and ``compact``)."""

    def _state(self, row: Sequence, vector: tuple[str, bytes] | None = None) -> EntryState:
        from tui.adapters.record_db import _record, _time

        return EntryState(_record(row[:7]), _time(row[7]) if row[7] else None, _time(row[8]) if row[8] else None,
                          vector)

    def entry_states(self, ids: Sequence[str] | None = None, embedder: str | None = None) -> Iterator[EntryState]:
        """Every entry (deleted ones too), or those of ``ids``; with ``embedder``, each with its
        vector from that embedder when it has one."""
        vector_column, vector_join, args = ", NULL", "", []
        if embedder is not None:
            vector_column, vector_join = ", v.data", " LEFT JOIN vector AS v ON v.embedder = ? AND v.entry_id = e.id"
            args.append(embedder)
        query = (f"SELECT {_STATE_COLUMNS}{vector_column} FROM entry AS e "
                 f"LEFT JOIN pin AS p ON p.entry_id = e.id{vector_join}")
        chunks = [None] if ids is None else [list(ids[i:i + 500]) for i in range(0, len(ids), 500)]
        for chunk in chunks:
            where = "" if chunk is None else f" WHERE e.id IN ({','.join('?' * len(chunk))})"
            for row in self._all(f"{query}{where} ORDER BY e.rowid", [*args, *(chunk or [])]):
                vector = (embedder, portable_vector(row[9])) if embedder is not None and row[9] else None
                yield self._state(row, vector)

    def sync_marks(self, ids: Sequence[str] | None = None) -> dict[str, SyncMark]:
        """What was last synced of every entry (or of those of ``ids``), by id."""
        query = "SELECT entry_id, version, hashes, erase FROM sync_entry"
        chunks = [None] if ids is None else [list(ids[i:i + 500]) for i in range(0, len(ids), 500)]
        found = {}
        for chunk in chunks:
            where = "" if chunk is None else f" WHERE entry_id IN ({','.join('?' * len(chunk))})"
            for entry_id, version, hashes, erase in self._all(query + where, chunk or []):
                found[entry_id] = SyncMark(entry_id, version, json.loads(hashes), erase)
        return found

    @staticmethod
    def _mark(db: sqlite3.Connection, marks: Sequence[SyncMark], seq: int | None) -> None:
        db.executemany("INSERT OR REPLACE INTO sync_entry (entry_id, version, hashes, erase) VALUES (?, ?, ?, ?)",
                       [(m.entry_id, m.version, json.dumps(m.hashes, sort_keys=True), m.erase) for m in marks])
        if seq is not None:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SEQ_KEY, str(seq)))

    def mark_synced(self, marks: Sequence[SyncMark], seq: int | None = None) -> None:
        """Remember what was synced (and, with ``seq``, the last hub change pulled): one transaction."""
        with self._tx() as db:
            self._mark(db, marks, seq)

    def write_synced(self, states: Sequence[EntryState], marks: Sequence[SyncMark], seq: int | None,
                     at: datetime) -> list[tuple[EntryState | None, EntryState]]:
        """Make each entry exactly ``state`` (new, edited, deleted or back, pinned or not; its vector
        kept), with change-log lines for what a person can undo (edit, delete, pin, unpin), and
        remember ``marks`` and ``seq``: one transaction. Returns each entry before and after."""
        from tui.adapters.record_db import RecordDB, _iso

        changed = []
        with self._tx() as db:
            for state in states:
                row = db.execute(f"SELECT {_STATE_COLUMNS} FROM entry AS e LEFT JOIN pin AS p ON p.entry_id = e.id "
                                 "WHERE e.id = ?", (state.id,)).fetchone()
                before = self._state(row) if row else None
                after = state.record
                if before is None:
                    RecordDB._insert_row(db, after)
                else:
                    db.execute("UPDATE entry SET mode = ?, text = ?, reply = ?, created_at = ?, updated_at = ?, "
                               "metadata = ? WHERE id = ?",
                               (after.mode, after.text, after.reply, _iso(after.created_at), _iso(after.updated_at),
                                json.dumps(after.metadata, ensure_ascii=False), after.id))
                    RecordDB._set_tags(db, after.id, after.text)
                    if (before.record.text, before.record.reply) != (after.text, after.reply):
                        RecordDB._log(db, at, "edit", after, before.record, after)
                deleted_before = before.deleted_at if before else None
                if deleted_before != state.deleted_at:
                    db.execute("UPDATE entry SET deleted_at = ? WHERE id = ?",
                               (_iso(state.deleted_at) if state.deleted_at else None, after.id))
                    if state.deleted_at is not None and before is not None and deleted_before is None:
                        RecordDB._log(db, at, "delete", after, after, None)
                self._write_pin(db, before, state, at)
                if state.vector is not None:
                    db.execute("INSERT OR REPLACE INTO vector (embedder, entry_id, data) VALUES (?, ?, ?)",
                               (state.vector[0], after.id, local_vector(state.vector[1])))
                changed.append((before, state))
            self._mark(db, marks, seq)
        return changed

    @staticmethod
    def _write_pin(db: sqlite3.Connection, before: EntryState | None, state: EntryState, at: datetime) -> None:
        from tui.adapters.record_db import RecordDB, _iso

        pinned_before = before.pinned_since if before else None
        if pinned_before == state.pinned_since:
            return
        db.execute("DELETE FROM pin WHERE entry_id = ?", (state.id,))
        if state.pinned_since is not None:
            db.execute("INSERT INTO pin (entry_id, mode, pinned_at) VALUES (?, ?, ?)",
                       (state.id, state.record.mode, _iso(state.pinned_since)))
        if (pinned_before is None) != (state.pinned_since is None) and before is not None:
            kind = "pin" if state.pinned_since is not None else "unpin"
            RecordDB._log(db, at, kind, state.record, None if kind == "pin" else state.record,
                          state.record if kind == "pin" else None)

    @staticmethod
    def _note_forgotten(db: sqlite3.Connection, ids: Sequence[str]) -> None:
        """Forgotten here while this journal syncs: the erase waits to be pushed (a tombstone in
        the same transaction as the erase, so a kill right after forget cannot lose it)."""
        if db.execute("SELECT 1 FROM meta WHERE key = ?", (JOURNAL_KEY,)).fetchone() is None:
            return
        db.executemany("INSERT INTO sync_entry (entry_id, version, hashes, erase) VALUES (?, 0, '{}', ?) "
                       "ON CONFLICT (entry_id) DO UPDATE SET erase = ?, hashes = '{}' WHERE erase IS NULL",
                       [(memory_id, PENDING, PENDING) for memory_id in ids])

    def erase_synced(self, ids: Sequence[str], seq: int | None) -> None:
        """Forget entries a hub row erased: every byte, like ``erase``, marked erased for good (no
        erase to push back), ``seq`` remembered: one transaction, then the file compacted."""
        with self._tx() as db:
            held = any(db.execute("SELECT 1 FROM entry WHERE id = ?", (memory_id,)).fetchone() for memory_id in ids)
            if held:  # an entry this device never had (a join): nothing to erase, nothing to compact
                self._erase_rows(db, ids)
            db.executemany("INSERT OR REPLACE INTO sync_entry (entry_id, version, hashes, erase) "
                           "VALUES (?, COALESCE((SELECT version FROM sync_entry WHERE entry_id = ?), 0), '{}', ?)",
                           [(memory_id, memory_id, DONE) for memory_id in ids])
            if seq is not None:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SEQ_KEY, str(seq)))
        if held:
            self.compact()
