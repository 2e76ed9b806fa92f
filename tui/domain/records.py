"""What the memory store hands back: entries, recalled entries with a score, change history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class MemoryRecord:
    """One stored entry: what the person wrote, and the reply it got (empty if none)."""

    id: str
    text: str
    mode: str
    created_at: datetime
    updated_at: datetime
    reply: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return bool(self.reply)


REPLY_WRONG = "reply_wrong"
"""Metadata key: the person said this entry's reply was wrong, so it is never sent to the model again."""

PINNED_REASON = "pinned"
"""The ``RecalledMemory.reason`` of a memory that went into a prompt because the person pinned it."""


@dataclass(frozen=True)
class RecalledMemory:
    """A record recalled for a query; ``score`` is cosine similarity clamped to [0, 1]."""

    record: MemoryRecord
    score: float
    reason: str = ""
    """Why it was recalled when similarity alone does not say, e.g. "same `KeyError` in pandas,
    Nov 3 — the answer then: …" or "pinned"; empty for an ordinary similarity match."""

    @property
    def pinned(self) -> bool:
        """It went into the prompt because the person pinned it (``tui.domain.pins``)."""
        return self.reason == PINNED_REASON


@dataclass(frozen=True)
class HistoryEvent:
    """One change of a memory: ADD, UPDATE (old → new) or DELETE."""

    event: str
    old_text: str | None
    new_text: str | None
    at: datetime


@dataclass(frozen=True)
class Page:
    """A slice of a mode's entries, newest first."""

    records: list[MemoryRecord]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.records) < self.total


@dataclass(frozen=True)
class ImportedEntry:
    """An entry written elsewhere (or generated), to store in bulk with its own date."""

    text: str
    created_at: datetime
    reply: str = ""
    extra: dict | None = None
    id: str | None = None
    """Keep this id (an entry coming back from mindpane's own export); None makes a new one."""
    updated_at: datetime | None = None
    """When it was last changed; None means when it was written."""
    pinned: bool = False
    """Pin it in its mode (an entry coming back from mindpane's own export that was pinned)."""


def content_key(mode: str, created_at: datetime, text: str) -> str:
    """What makes two entries the same for an import: the mode, the moment (in UTC, to the
    microsecond) and the text. The record keeps each entry's key from when it was stored."""
    import hashlib  # here: loading OpenSSL costs the app's first frame 2 ms, and only imports and stores need it

    moment = created_at.astimezone(UTC).isoformat()
    return hashlib.sha256("\x1f".join((mode, moment, text)).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class PendingEntry:
    """A turn's text in the outbox: typed and kept, its entry not stored yet."""

    turn_id: str
    mode: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Forgotten:
    """What a forget did: how many entries it erased, and ``notes`` for the person about copies
    ``doctor --repair`` had moved aside (one that could not be erased inside was deleted)."""

    count: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One line of the change log: an edit, delete, reply or import, and how to revert it. An import
    is one line however many entries it brought: ``entries`` of them, ``batch`` naming the import,
    ``entry_id``/``after`` its first entry, ``mode`` its modes (comma-separated when several)."""

    seq: int
    at: datetime
    kind: str
    """``edit``, ``delete``, ``reply``, ``import``, ``restore``, ``pin``, ``unpin``, ``kind`` (entry ↔
    question to the journal) or ``mark`` (the reply marked wrong, or not)."""
    entry_id: str
    mode: str
    before: MemoryRecord | None
    after: MemoryRecord | None
    undone_at: datetime | None = None
    entries: int = 1
    batch: str | None = None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None
