"""Turns left in the outbox by an earlier run (a crash, a quit mid-turn, a failed store write).

At start the journal's are stored as entries (dated when they were typed; a question to the
journal as a question, as its text reads: the outbox keeps only the text) and the rest — code
questions, which are only stored with their answer — are handed back to be shown and retried.
Replays are keyed by turn id, so running this twice never stores an entry twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.domain import entry_kind
from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord, PendingEntry

if TYPE_CHECKING:
    from tui.services.journal import Journal


@dataclass
class Replayed:
    stored: list[tuple[PendingEntry, MemoryRecord]] = field(default_factory=list)
    """Journal-like turns now stored as entries without a reply."""
    waiting: list[PendingEntry] = field(default_factory=list)
    """Turns whose mode stores only answered entries (or an unknown mode): kept for a retry."""

    def __bool__(self) -> bool:
        return bool(self.stored or self.waiting)


def replay_pending(store: Journal, modes: Mapping[str, Mode], skip: frozenset[str] = frozenset()) -> Replayed:
    replayed = Replayed()
    for pending in store.record.pending():
        if pending.turn_id in skip:
            continue
        mode = modes.get(pending.mode)
        if mode is not None and mode.keep_unanswered:
            kind = entry_kind.stamp(mode, entry_kind.decide(mode, pending.text))  # what the text says
            record = store.add_entry(mode, pending.text, "", kind, turn_id=pending.turn_id, at=pending.created_at)
            replayed.stored.append((pending, record))
        else:
            replayed.waiting.append(pending)
    return replayed
