"""What this device keeps for sync, and an entry's state as the sealed row carries it.

The device id (random, kept in the record: a device is the record, not the machine), the hub's
journal id and sync key (meta of the record: encrypted with it when the journal is locked), the
last hub change pulled, and per entry a ``SyncMark``. An entry is pushed when its state's hashes
differ from its mark; erases wait as ``PENDING`` marks (written with the forget itself).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from tui.domain.errors import HubError, HubTampered
from tui.domain.records import MemoryRecord
from tui.domain.sync_state import EntryState, SyncMark, hashes, iso

if TYPE_CHECKING:
    from tui.services.journal import Journal

from tui.adapters.record_sync import DEVICE_KEY, JOURNAL_KEY, KEY_KEY, SEQ_KEY


def synced_record(journal: Journal) -> Any:
    """The record with its sync half (``tui.adapters.record_sync``)."""
    return cast(Any, journal.record)


def device_id(journal: Journal) -> str:
    """This device's id: made once, at random, and kept in the record."""
    found = journal.record.get_meta(DEVICE_KEY)
    if found is None:
        found = str(uuid.uuid4())
        journal.record.set_meta(DEVICE_KEY, found)
    return found


def bind_hub(journal: Journal, journal_id: str, key: bytes | None = None) -> None:
    """Remember the hub's journal (and its key): from now on a forget here waits to be pushed.
    ``HubError`` when this journal already syncs with another hub's journal."""
    known = journal.record.get_meta(JOURNAL_KEY)
    if known is not None and known != journal_id:
        raise HubError("This hub relays another journal than the one this device syncs",
                       "check the hub's address: a journal syncs with one hub only")
    kept = sync_key(journal)
    if key is not None and kept is not None and kept != key:
        raise HubError("That is not the sync key this device joined the hub with",
                       "nothing was pushed or pulled: join again with the hub's passphrase")
    if known is None:
        journal.record.set_meta(JOURNAL_KEY, journal_id)
    if key is not None and kept is None:
        journal.record.set_meta(KEY_KEY, key.hex())


def sync_key(journal: Journal) -> bytes | None:
    """The hub's data key as this device keeps it (None: it never joined one)."""
    found = journal.record.get_meta(KEY_KEY)
    return bytes.fromhex(found) if found else None


def last_seq(journal: Journal) -> int:
    return int(journal.record.get_meta(SEQ_KEY) or 0)


def marks(journal: Journal) -> dict[str, SyncMark]:
    return synced_record(journal).sync_marks()


def changed_since_synced(journal: Journal) -> list[str]:
    """Ids of the entries whose state differs from what was last synced (new ones too)."""
    known = marks(journal)
    out = []
    for state in synced_record(journal).entry_states():
        mark = known.get(state.id)
        if mark is None or (mark.erase is None and mark.hashes != hashes(state)):
            out.append(state.id)
    return out


def to_wire(state: EntryState) -> dict:
    """The state sealed in a row: every field, the vector's bytes as they are."""
    record = state.record
    vector = {"embedder": state.vector[0], "data": state.vector[1]} if state.vector else None
    return {"id": record.id, "mode": record.mode, "text": record.text, "reply": record.reply,
            "created_at": iso(record.created_at), "updated_at": iso(record.updated_at),
            "metadata": record.metadata, "deleted_at": iso(state.deleted_at),
            "pinned_since": iso(state.pinned_since), "vector": vector}


def _moment(value: object) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_wire(entry_id: str, data: dict) -> EntryState:
    """The state a row sealed; ``HubTampered`` when it is not a whole state of this entry (a row
    a device of another mindpane wrote, or one bound to another entry)."""
    try:
        if data["id"] != entry_id:
            raise ValueError("another entry's state")
        texts = [data[name] for name in ("mode", "text", "reply")]
        if not all(isinstance(text, str) for text in texts) or not isinstance(data["metadata"], dict):
            raise ValueError("not an entry")
        vector = data.get("vector")
        pair = None
        if vector is not None:
            if not isinstance(vector.get("data"), bytes) or not isinstance(vector.get("embedder"), str):
                raise ValueError("not a vector")
            pair = (vector["embedder"], vector["data"])
        record = MemoryRecord(entry_id, data["text"], data["mode"], _moment(data["created_at"]),
                              _moment(data["updated_at"]), data["reply"], data["metadata"])
        return EntryState(record, _moment(data["deleted_at"]) if data.get("deleted_at") else None,
                          _moment(data["pinned_since"]) if data.get("pinned_since") else None, pair)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise HubTampered(f"A row from the sync hub holds no whole entry (entry {entry_id})",
                          "it was written by another program, or for another entry: it was not applied") from None
