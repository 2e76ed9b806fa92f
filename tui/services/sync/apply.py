"""Pull: the hub's changes since the last one this device consumed, checked, then applied
through the journal, each with what sync remembers of it in one record transaction.

Checks (a row failing one is refused, reported, never applied): the envelope authenticates for
this journal, entry, version, kind and device; a put's version is above the one this device
has of the entry (a replayed or reordered row is not); a put whose ciphertext the hub dropped is
followed, in the same pull, by the erase that dropped it. Each part of an entry (what was written,
deleted, pinned) merges on its own; only when both devices changed what was written does the
local edit stay current, re-based on the version pulled, and the version pulled is kept as a
conflict copy (a new entry, ``conflict_of`` its entry). An erase forgets the entry (final).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tui.adapters import sync_envelope
from tui.domain.errors import HubTampered
from tui.domain.sync import ERASE, PUT, HubRow
from tui.domain.sync_state import CONTENT, DONE, PARTS, EntryState, SyncedChanges, SyncMark, hashes
from tui.services.sync.state import from_wire, last_seq, synced_record

if TYPE_CHECKING:
    from tui.ports import Hub
    from tui.services.journal import Journal

CONFLICT_OF = "conflict_of"
"""Metadata key of a conflict copy: the id of the entry whose other version it keeps."""
PAGE = 1000
BATCH = 500
"""Puts applied in one record transaction (a device joining a 10k-entry journal: 20 fsyncs, not 10k)."""


@dataclass(frozen=True)
class Refused:
    """A hub row that was not applied, and why (no entry text: ids, versions, the check)."""

    seq: int
    entry_id: str
    reason: str


@dataclass
class Pulled:
    applied: int = 0
    conflicts: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    erased: int = 0


def pull_rows(hub: Hub, after: int) -> list[HubRow]:
    """Every row after ``after``, page by page (a put's dropped ciphertext is checked against the
    erases of the whole pull)."""
    rows: list[HubRow] = []
    while True:
        page = hub.pull(after, PAGE)
        rows += page
        if len(page) < PAGE:
            return rows
        after = page[-1].seq


def merge(local: EntryState | None, mark: SyncMark | None, remote: EntryState,
          version: int) -> tuple[EntryState, EntryState | None]:
    """The entry as it is to be, and the conflict copy to keep (None: no conflict). A part this
    device did not change since the mark takes the remote's; one it changed stays (re-based on
    top); written content changed on both sides keeps the remote's as a copy."""
    if local is None:
        return remote, None
    synced = mark.hashes if mark is not None else {}
    mine, theirs = hashes(local), hashes(remote)
    take = {part: remote if mine[part] == theirs[part] or synced.get(part) == mine[part] else local
            for part in PARTS}
    content = take[CONTENT]
    merged = EntryState(content.record, take["deleted"].deleted_at, take["pin"].pinned_since,
                        remote.vector if content is remote else None)
    if content is remote or synced.get(CONTENT) == theirs[CONTENT]:
        return merged, None
    copy_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mindpane-conflict:{remote.id}:{version}"))
    copy = EntryState(replace(remote.record, id=copy_id, metadata={**remote.record.metadata, CONFLICT_OF: remote.id}),
                      vector=remote.vector)
    return merged, copy


class Puller:
    """One pull of one device: rows checked and applied in seq order."""

    def __init__(self, journal: Journal, key: bytes, journal_id: str, device: str) -> None:
        self.journal, self.key, self.journal_id, self.device = journal, key, journal_id, device
        self.result = Pulled()
        self._waiting: dict[str, tuple[HubRow, EntryState]] = {}
        self._seq: int | None = None

    def _mark(self, entry_id: str) -> SyncMark | None:
        return synced_record(self.journal).sync_marks([entry_id]).get(entry_id)

    def run(self, hub: Hub) -> Pulled:
        rows = pull_rows(hub, last_seq(self.journal))
        erased_later: dict[str, int] = {}
        for row in rows:
            if row.kind == ERASE:
                erased_later[row.entry_id] = row.seq
        for row in rows:
            if row.entry_id in self._waiting:
                self._flush()  # two changes of one entry: the first is applied before the second is checked
            try:
                self._take(row, erased_later)
            except HubTampered as exc:
                self.result.refused.append(Refused(row.seq, row.entry_id, exc.message))
            self._seq = row.seq
        self._flush()
        if self._seq is not None and self._seq > last_seq(self.journal):
            synced_record(self.journal).mark_synced([], self._seq)  # rows skipped or refused at the end
        return self.result

    def _take(self, row: HubRow, erased_later: dict[str, int]) -> None:
        """Check one row; an erase or this device's own row is applied at once (after the ones
        waiting), another device's put waits to be applied with the next ones (one transaction)."""
        if row.kind not in (PUT, ERASE):
            raise HubTampered(f"A row from the sync hub is of an unknown kind (entry {row.entry_id})",
                              "a newer mindpane may have written it: update this one")
        if row.sealed is None:
            if row.kind == PUT and erased_later.get(row.entry_id, 0) > row.seq:
                return  # its entry was forgotten: the erase further on says so, authenticated
            raise HubTampered(f"A row from the sync hub lost its ciphertext (entry {row.entry_id}, "
                              f"version {row.version}) and no erase of it follows", "it was not applied")
        state = sync_envelope.open(self.key, self.journal_id, row)
        mark = self._mark(row.entry_id)
        if row.kind == ERASE:
            if mark is None or mark.erase != DONE:
                self._flush()
                self.result.erased += self.journal.forget_synced([row.entry_id], row.seq).count
            return
        remote = from_wire(row.entry_id, state)
        if mark is not None and mark.erase is not None:
            return  # forgotten here: forget is final, the erase is (or will be) on the hub
        if mark is not None and row.version <= mark.version:
            if row.device == self.device and row.version == mark.version:
                return  # this device's own push, coming back
            raise HubTampered(f"A row from the sync hub is replayed or out of order (entry {row.entry_id}: "
                              f"version {row.version} after {mark.version})", "it was not applied")
        if row.device == self.device:  # pushed before an answer was lost: it is what was pushed
            self._flush()
            synced_record(self.journal).mark_synced([SyncMark(row.entry_id, row.version, hashes(remote))], row.seq)
            return
        self._waiting[row.entry_id] = (row, remote)
        if len(self._waiting) >= BATCH:
            self._seq = row.seq
            self._flush()

    def _flush(self) -> None:
        """Apply the puts waiting, merged with this device's changes, in one record transaction."""
        if not self._waiting:
            return
        waiting, self._waiting = list(self._waiting.values()), {}
        seq = max(row.seq for row, _ in waiting) if self._seq is None else max(self._seq, waiting[-1][0].seq)
        copies: list[str] = []

        def decide() -> SyncedChanges:
            ids = [row.entry_id for row, _ in waiting]
            current = synced_record(self.journal).sync_marks(ids)  # under the write lock: a forget meanwhile wins
            local = {state.id: state for state in synced_record(self.journal).entry_states(ids)}
            states, marks = [], []
            copies.clear()
            for row, remote in waiting:
                mark = current.get(row.entry_id)
                if mark is not None and mark.erase is not None:
                    continue
                merged, copy = merge(local.get(row.entry_id), mark, remote, row.version)
                states += [merged, copy] if copy else [merged]
                copies.extend([copy.id] if copy else [])
                marks.append(SyncMark(row.entry_id, row.version, hashes(remote)))
            return SyncedChanges(tuple(states), tuple(marks), seq)

        self.journal.apply_synced(decide)
        self.result.applied += len(waiting)
        self.result.conflicts += copies
