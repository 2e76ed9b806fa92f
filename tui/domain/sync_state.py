"""An entry as devices sync it, and what a device remembers of each entry it synced (#21).

The state is everything another device needs to hold the same entry without re-embedding it:
the record's fields, when it was deleted, since when it is pinned, and its vector. What a device
remembers (``SyncMark``) is the version of the entry's chain its copy stands on and a hash of each
part of the state as synced: an entry is pushed when its state differs from that, and a change
pulled from the hub is marked synced as it is applied, so it never echoes back.
"""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime

from tui.domain.records import MemoryRecord

PENDING = "pending"
"""``SyncMark.erase``: forgotten here, the erase has not reached the hub yet."""
DONE = "done"
"""``SyncMark.erase``: erased on the hub (forget is final: later puts of it are ignored)."""

CONTENT, DELETED, PIN = "content", "deleted", "pin"
PARTS = (CONTENT, DELETED, PIN)
"""The parts of an entry two devices may change apart: what was written (text, reply, metadata),
whether it is deleted, whether it is pinned. Each merges alone; only content conflicts."""


@dataclass(frozen=True)
class EntryState:
    """An entry as it is synced. ``vector``: (embedder name, float32 little-endian bytes)."""

    record: MemoryRecord
    deleted_at: datetime | None = None
    pinned_since: datetime | None = None
    vector: tuple[str, bytes] | None = None

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True)
class SyncMark:
    """What this device last synced of an entry: the version its copy stands on (the base of its
    next push), each part's hash then, and whether it was forgotten (``PENDING``/``DONE``)."""

    entry_id: str
    version: int
    hashes: dict[str, str]
    erase: str | None = None


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def part_values(state: EntryState) -> dict[str, object]:
    record = state.record
    return {CONTENT: [record.id, record.mode, record.text, record.reply, iso(record.created_at),
                      iso(record.updated_at), record.metadata],
            DELETED: iso(state.deleted_at), PIN: iso(state.pinned_since)}


def hashes(state: EntryState) -> dict[str, str]:
    """Each part's SHA-256 (canonical JSON): equal states hash alike on every device."""
    import hashlib  # here: loading OpenSSL costs the app's first frame 2 ms (the status line imports this module)

    return {part: hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                                 .encode("utf-8", "surrogatepass")).hexdigest()[:32]
            for part, value in part_values(state).items()}


@dataclass(frozen=True)
class SyncedChanges:
    """What a pulled row (or a push's answer) makes this device write in one record transaction:
    entries as they are to be, what is remembered of them, and the last hub change it consumed."""

    states: tuple[EntryState, ...] = ()
    marks: tuple[SyncMark, ...] = ()
    seq: int | None = None


def vector_floats(data: bytes) -> list[float]:
    """A synced vector (float32, little-endian) as the index takes it."""
    values = array("f", data)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()
