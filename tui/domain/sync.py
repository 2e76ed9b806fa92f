"""What a sync hub holds and answers (#21): rows that route changes, never text.

A hub (an ordinary Postgres) keeps, per change, the entry's id, the version the change makes, the
device that wrote it, whether it puts the entry's whole state or erases it, and one AEAD ciphertext
(the state: text, reply, dates, mode, metadata, deleted, pinned, vector). The ciphertext binds the
journal, entry id, version, kind and device as associated data, so a hub that edits, swaps,
replays or reorders rows is caught by the device that reads them (``tui.adapters.sync_envelope``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUT = "put"
ERASE = "erase"
HUB_SCHEMA = 1
"""The hub's table layout this mindpane writes; a hub at a higher one is refused (a newer mindpane's)."""


@dataclass(frozen=True)
class HubRow:
    """One change on the hub. ``seq`` is the hub's change number (0 until it is pushed): devices
    order by it, never by their clocks. ``sealed`` is None once an erase of the entry dropped it."""

    entry_id: str
    version: int
    device: str
    kind: str
    sealed: bytes | None
    seq: int = 0


@dataclass(frozen=True)
class PushResult:
    """What the hub took: the seq each accepted row got, by entry id; and the entries whose latest
    version on the hub was not the base the device pushed from (another device changed them first:
    pull, then push again), or that were erased there (forget is final)."""

    accepted: dict[str, int] = field(default_factory=dict)
    conflicts: frozenset[str] = frozenset()
    erased: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HubJournal:
    """Who the hub belongs to: the journal's id (bound into every ciphertext) and its data key,
    wrapped by the sync passphrase (``key_file.wrap``'s bytes)."""

    journal_id: str
    wrapped_key: bytes
