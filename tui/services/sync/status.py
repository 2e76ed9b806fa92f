"""What a device knows of its sync without asking the hub (``mindpane sync status``, the app's
status line): where, who, when it last synced, what waits to go out, what waits to be resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.domain.sync_state import PENDING
from tui.services.sync.conflicts import conflict_copies
from tui.services.sync.setup import device_name, last_synced
from tui.services.sync.state import changed_since_synced, device_id, marks, sync_key

if TYPE_CHECKING:
    from tui.services.journal import Journal


@dataclass(frozen=True)
class RecordOnly:
    """A journal's record alone (``open_outbox``): what the sync state reads, without the store's
    lock, so ``mindpane sync status`` works while the app has the journal open."""

    record: Any


@dataclass(frozen=True)
class SyncStatus:
    joined: bool
    device: str
    name: str
    last: datetime | None
    pending: int
    """Local changes the hub has not taken yet (edits, new entries, forgets)."""
    conflicts: int


def sync_status(journal: Journal | RecordOnly) -> SyncStatus:
    """Reads the record only: fast, offline."""
    waiting_erases = sum(1 for mark in marks(journal).values() if mark.erase == PENDING)
    return SyncStatus(sync_key(journal) is not None, device_id(journal), device_name(), last_synced(journal),
                      len(changed_since_synced(journal)) + waiting_erases, len(conflict_copies(journal)))


def ago(moment: datetime, now: datetime) -> str:
    """``just now``, ``2 min ago``, ``3 h ago``, ``4 days ago``."""
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"
