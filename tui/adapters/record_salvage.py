"""Reading a damaged ``entries.db`` back into a new one: every entry, outbox turn, change and pin
whose bytes are still readable (:mod:`tui.adapters.sqlite_pages`), and a count of what was lost.

The record's own indexes name every entry it held (``entry``'s primary key index holds each id,
``entry_by_date`` each id with its date and whether it was deleted), so an entry whose row is gone
but whose index key survived is known to be lost, and when it was written. Rows on leaf pages that
no readable tree reaches are placed by their shape (column count and types), like ``.recover``'s
``lost_and_found``; a row that does not fit its table exactly is left out, never guessed.

Committed pages of a ``-wal`` beside the damaged file are read over it (writes not yet checkpointed
count too). The damaged file itself is never changed. A locked journal's encrypted record is read
through ``cipher_pages`` (every page whose authentication code holds) and written back encrypted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tui.adapters.sqlite_pages import PageFile, Value

_TABLES = ("entry", "outbox", "change", "meta", "pin")
_ID_INDEX = "sqlite_autoindex_entry_1"
_DATE_INDEX = "entry_by_date"
_NOT_COPIED_META = {"adopted_chroma"}
"""The new record adopts from Chroma what the salvage could not read (see ``ChromaIndex.heal``)."""


@dataclass
class Salvaged:
    """What :func:`read_record_rows` found in a damaged record."""

    source: Path
    size: int
    entries: dict[str, list[Value]] = field(default_factory=dict)
    """id → the entry row (10 columns; ``content_key`` None where the row predates it)."""
    outbox: dict[str, list[Value]] = field(default_factory=dict)
    changes: dict[int, list[Value]] = field(default_factory=dict)
    pins: dict[str, list[Value]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    known: dict[str, datetime | None] = field(default_factory=dict)
    """Every entry id the record's indexes name, with its date where known (alive and deleted)."""

    @property
    def lost(self) -> dict[str, datetime | None]:
        return {i: at for i, at in self.known.items() if i not in self.entries}

    @property
    def held(self) -> int:
        """How many entries the damaged record is known to have held."""
        return len(self.known.keys() | self.entries.keys())


# -- the shapes of the record's rows ------------------------------------------------------------------

def _iso(value: Value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _text(value: Value) -> bool:
    return isinstance(value, str)


def _maybe(check: Callable[[Value], bool]) -> Callable[[Value], bool]:
    return lambda value: value is None or check(value)


def _json(value: Value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


_SHAPES: dict[str, tuple[Callable[[Value], bool], ...]] = {
    # id, mode, text, reply, created_at, updated_at, metadata, turn_id, deleted_at, content_key
    "entry": (_text, _text, _text, _text, _iso, _iso, _json, _maybe(_text), _maybe(_iso), _maybe(_text)),
    # turn_id, mode, text, created_at
    "outbox": (_text, _text, _text, _iso),
    # seq (the rowid: stored as NULL), at, kind, entry_id, mode, before, after, undone_at, batch
    "change": (lambda v: v is None, _iso, _text, _text, _text, _maybe(_json), _maybe(_json), _maybe(_iso),
               _maybe(_text)),
    # entry_id, mode, pinned_at
    "pin": (_text, _text, _iso),
}
_OPTIONAL_TAIL = {"entry": 1, "change": 1}
"""Columns added by a later schema step: rows written before it lack them."""


def fits(table: str, row: list[Value]) -> bool:
    shape = _SHAPES[table]
    if not len(shape) - _OPTIONAL_TAIL.get(table, 0) <= len(row) <= len(shape):
        return False
    return all(check(value) for check, value in zip(shape, row, strict=False))


def _padded(table: str, row: list[Value]) -> list[Value]:
    return row + [None] * (len(_SHAPES[table]) - len(row))


# -- reading ------------------------------------------------------------------------------------------

def read_record_rows(damaged: Path, key: bytes | None = None) -> Salvaged:
    """Everything readable in the damaged record at ``damaged`` (and its ``-wal``). ``key``: it is a
    locked journal's encrypted record, decrypted in memory page by page (its ``-wal`` is not read)."""
    if key is None:
        pages = PageFile(damaged)
    else:
        from tui.adapters.cipher_pages import decrypt_pages

        pages = PageFile.from_image(decrypt_pages(damaged, key).image)
    found = Salvaged(Path(damaged), Path(damaged).stat().st_size)
    schema = {entry.name: entry for entry in pages.schema()}
    trees = {name: pages.read_tree(entry.root) for name, entry in schema.items() if entry.root > 0}
    for name, tree in trees.items():
        if name in _TABLES:
            for rowid, row in tree.rows.items():
                _place(found, name, rowid, row)
    for rowid, row in pages.orphan_rows(pages.freelist()):
        for table in ("entry", "outbox", "change", "pin"):
            if fits(table, row):
                _place(found, table, rowid, row, orphan=True)
                break
    _note_known(found, trees)
    return found


def _place(found: Salvaged, table: str, rowid: int, row: list[Value], orphan: bool = False) -> None:
    """Keep ``row`` of ``table``; a row read through its tree wins over an orphan of the same key."""
    if table == "meta":
        if len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], str):
            found.meta.setdefault(row[0], row[1])
        return
    if not fits(table, row):
        return
    row = _padded(table, row)
    if table == "change":
        row[0] = rowid
        kept = found.changes
        key: str | int = rowid
    else:
        kept = {"entry": found.entries, "outbox": found.outbox, "pin": found.pins}[table]
        key = str(row[0])
    if orphan and key in kept:
        return
    kept[key] = row


def _note_known(found: Salvaged, trees: dict) -> None:
    """Ids (and dates) the indexes hold: what the record held, read or not."""
    for key in getattr(trees.get(_ID_INDEX), "keys", []):
        if key and isinstance(key[0], str):
            found.known.setdefault(key[0], None)
    for key in getattr(trees.get(_DATE_INDEX), "keys", []):  # (deleted_at, created_at, id, rowid)
        if len(key) >= 3 and isinstance(key[2], str) and _iso(key[1]):
            found.known[key[2]] = datetime.fromisoformat(key[1])
    for memory_id, row in found.entries.items():
        found.known[memory_id] = datetime.fromisoformat(str(row[4]))


# -- writing ------------------------------------------------------------------------------------------

def write_record(found: Salvaged, into: Path, leave_out: Iterable[str] = (), key: bytes | None = None) -> None:
    """A new record at ``into`` (which must not exist) holding what ``found`` read, without the
    entries ``leave_out`` names (nor their changes, pins, or outbox turns holding their text);
    encrypted under ``key`` when given (a locked journal's: never a plain copy)."""
    from tui.adapters.record_db import RecordDB

    records = RecordDB(into, key=key)
    try:
        records.take_salvaged(found, set(leave_out), _NOT_COPIED_META)
    finally:
        records.close()
