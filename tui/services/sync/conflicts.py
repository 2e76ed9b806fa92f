"""Conflict copies: when two devices changed what was written in one entry, the version a
device pulled is kept as a copy (``conflict_of`` its entry) beside the one that stayed current.
The person resolves each (F4): keep this (the current one; the copy goes) or keep that (the
copy's text and reply become the entry's; the copy goes). Both are ordinary journal changes:
they sync, and the copy's delete can be undone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.domain.errors import MemoryNotFound
from tui.domain.records import MemoryRecord
from tui.services.sync.apply import CONFLICT_OF

if TYPE_CHECKING:
    from tui.services.journal import Journal

KEEP_CURRENT, KEEP_COPY = "current", "copy"


def conflict_copies(journal: Journal) -> list[MemoryRecord]:
    """The alive conflict copies, oldest first."""
    return [record for record in journal.record.iter_entries() if CONFLICT_OF in record.metadata]


def resolve(journal: Journal, copy_id: str, keep: str) -> MemoryRecord:
    """Settle one conflict: ``keep`` is ``KEEP_CURRENT`` or ``KEEP_COPY``. Returns the entry as it
    now is. ``MemoryNotFound`` when the copy or its entry is gone (resolved on another device)."""
    if keep not in (KEEP_CURRENT, KEEP_COPY):
        raise ValueError(f"keep must be {KEEP_CURRENT!r} or {KEEP_COPY!r}")
    copy = journal.record.get(copy_id)
    if copy is None or CONFLICT_OF not in copy.metadata:
        raise MemoryNotFound("That conflict copy is gone", "it may have been resolved on another device")
    entry = journal.record.get(str(copy.metadata[CONFLICT_OF]))
    if entry is None:
        raise MemoryNotFound("The entry this copy conflicts with is gone",
                             "keep the copy as it is, or delete it")
    if keep == KEEP_COPY:
        if copy.text != entry.text:
            entry = journal.update_text(entry.id, copy.text)
        if copy.reply != entry.reply:
            entry = journal.attach_reply(entry.id, copy.reply)
    journal.delete(copy.id)
    return entry
