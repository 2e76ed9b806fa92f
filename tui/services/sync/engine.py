"""One sync of one device: pull (check, apply), then push what changed here since it was last
synced; a push the hub refused as stale (another device changed the entry first) is pulled and
merged, then pushed again. Every step is idempotent: a kill anywhere and a re-run end alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.adapters import sync_envelope
from tui.domain.sync import ERASE, PUT, HubRow
from tui.domain.sync_state import DONE, PENDING, SyncMark, hashes
from tui.services.sync.apply import Puller, Refused
from tui.services.sync.state import bind_hub, changed_since_synced, marks, synced_record, to_wire

if TYPE_CHECKING:
    from tui.ports import Hub
    from tui.services.journal import Journal

BATCH = 200
ROUNDS = 4
"""Pull-merge-push rounds at most: each is needed only when another device pushed meanwhile."""


@dataclass
class SyncReport:
    """What one sync did: rows pushed and applied, entries erased here, the conflict copies it
    made (ids: the person resolves each), the rows refused and why, the entries still stale."""

    pushed: int = 0
    pulled: int = 0
    erased: int = 0
    conflicts: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    unsettled: frozenset[str] = frozenset()


def _push_puts(journal: Journal, hub: Hub, key: bytes, journal_id: str, device: str,
               report: SyncReport) -> set[str]:
    stale: set[str] = set()
    ids = changed_since_synced(journal)
    record = synced_record(journal)
    for start in range(0, len(ids), BATCH):
        known = marks(journal)
        rows, bases, pushed = [], {}, {}
        for state in record.entry_states(ids[start:start + BATCH], embedder=journal.index.embedder_name):
            mark = known.get(state.id)
            if mark is not None and mark.erase is not None:
                continue
            base = mark.version if mark is not None else 0
            sealed = sync_envelope.seal(key, journal_id, state.id, base + 1, PUT, device, to_wire(state))
            rows.append(HubRow(state.id, base + 1, device, PUT, sealed))
            bases[state.id] = base
            pushed[state.id] = SyncMark(state.id, base + 1, hashes(state))
        result = hub.push(rows, bases)
        record.mark_synced([pushed[entry_id] for entry_id in result.accepted])
        report.pushed += len(result.accepted)
        if result.erased:  # forgotten on another device: forget is final here too
            report.erased += journal.forget_synced(sorted(result.erased), None).count
        stale |= set(result.conflicts)
    return stale


def _push_erases(journal: Journal, hub: Hub, key: bytes, journal_id: str, device: str, report: SyncReport) -> None:
    waiting = [mark for mark in marks(journal).values() if mark.erase == PENDING]
    for start in range(0, len(waiting), BATCH):
        rows = [HubRow(mark.entry_id, mark.version + 1, device, ERASE,
                       sync_envelope.seal(key, journal_id, mark.entry_id, mark.version + 1, ERASE, device, {}))
                for mark in waiting[start:start + BATCH]]
        result = hub.push(rows, {})
        synced_record(journal).mark_synced([SyncMark(row.entry_id, row.version, {}, DONE) for row in rows
                                            if row.entry_id in result.accepted])
        report.pushed += len(result.accepted)


def sync_once(journal: Journal, hub: Hub, key: bytes, device: str) -> SyncReport:
    """Pull, apply, push; until the hub took every change or ``ROUNDS`` ran out (``unsettled``:
    entries another device keeps changing; the next sync carries them). Blocks: use a worker."""
    journal_id = hub.journal().journal_id
    bind_hub(journal, journal_id, key)
    report = SyncReport()
    stale: set[str] = set()
    for _ in range(ROUNDS):
        pulled = Puller(journal, key, journal_id, device).run(hub)
        report.pulled += pulled.applied
        report.erased += pulled.erased
        report.conflicts += pulled.conflicts
        report.refused += pulled.refused
        _push_erases(journal, hub, key, journal_id, device, report)
        stale = _push_puts(journal, hub, key, journal_id, device, report)
        if not stale:
            break
    report.unsettled = frozenset(stale)
    return report
