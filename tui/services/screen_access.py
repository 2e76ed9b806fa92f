"""What each screen may do with the journal, as ``WorkspaceHistory`` is for the history pane: a
small facade per screen, handed to it, with exactly the calls it makes. A reader sees at a glance
what a screen can change, and no screen holds the whole journal (its rules, its index).

Each facade is built on the workspace and asks it for the journal at every call (the journal
opens in a worker after the first frame; before that a call raises ``StoreError``). Blocking:
call them from a worker, except ``mode`` (a lookup in the config's modes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from tui.domain import entry_kind, flags
from tui.domain.errors import MemoryNotFound, MindpaneError
from tui.domain.pins import PinState

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime
    from pathlib import Path

    from tui.domain.modes import Mode
    from tui.domain.on_this_day import Section
    from tui.domain.records import Change, Forgotten, HistoryEvent, MemoryRecord
    from tui.services.import_entries import ImportReport
    from tui.services.journal import Journal
    from tui.services.sync.background import BackgroundSync, Round
    from tui.services.workspace import Workspace


class NotFlagged(MindpaneError):
    """A flag that cannot be set on that entry (a mode that does not tell kinds apart, no reply)."""


class _OnWorkspace:
    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    @property
    def _journal(self) -> Journal:
        return self._workspace.journal

    def mode(self, name: str) -> Mode | None:
        """The mode an entry belongs to (None: a mode no longer in the config)."""
        return self._workspace.modes.get(name)


class EntryMarks(_OnWorkspace):
    """What the person marks on one entry wherever it is shown (the history, an entry, a receipt,
    a turn, the pins): pinned or not, and its flags."""

    def toggle_pin(self, memory_id: str) -> PinState:
        """Pin the entry in its own mode (a receipt may come from another), or unpin it if pinned."""
        store = self._journal
        record = store.record.get(memory_id)
        if record is None:
            raise MemoryNotFound("That entry no longer exists, so it cannot be pinned", "it was deleted meanwhile")
        pinned = memory_id not in store.record.pinned_ids(record.mode)
        if pinned:
            store.pin(memory_id)
        else:
            store.unpin(memory_id)
        mode = self.mode(record.mode)
        return PinState(memory_id, record.mode, pinned, len(store.record.pinned_ids(record.mode)),
                        mode.title if mode else record.mode, mode.pin_limit if mode else 0)

    def flip(self, memory_id: str, flag: str) -> flags.FlagState:
        """Flip one flag the person sets on an entry: ``kind`` (a question to the journal ↔ an entry,
        in a mode that tells them apart) or ``reply_wrong`` (an entry with a reply). Raises
        ``NotFlagged`` when that flag does not apply."""
        store = self._journal
        record = store.record.get(memory_id)
        if record is None:
            raise MemoryNotFound("That entry no longer exists", "it was deleted meanwhile")
        mode = self.mode(record.mode)
        if flag == entry_kind.KIND_KEY:
            if mode is None or not mode.mark_questions:
                raise NotFlagged(f"{mode.title if mode else record.mode} does not tell questions from entries",
                                 "set mark_questions = true for the mode in the config file")
            changed: dict[str, object] = {flag: entry_kind.flipped(entry_kind.kind_of(record.metadata))}
        elif flag == flags.REPLY_WRONG_KEY:
            if not record.reply:
                raise NotFlagged("That entry has no reply to mark", "")
            changed = {flag: None if flags.reply_wrong(record.metadata) else True}
        else:
            raise ValueError(f"no flag named {flag!r}")
        store.set_flags(memory_id, **changed)
        return flags.FlagState(memory_id, changed, flags.notice(changed, bool(mode and mode.recall_questions)))


class EntryAccess(EntryMarks):
    """The entry screen's: one entry, its story, and what can be done to it."""

    def get(self, memory_id: str) -> MemoryRecord | None:
        return self._journal.record.get(memory_id)

    def history(self, memory_id: str) -> list[HistoryEvent]:
        return self._journal.history(memory_id)

    def is_pinned(self, record: MemoryRecord) -> bool:
        return record.id in self._journal.record.pinned_ids(record.mode)

    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        return self._journal.update_text(memory_id, text)

    def delete(self, memory_id: str) -> None:
        """Reversible: the change log (and u in the history) brings it back."""
        self._journal.delete(memory_id)

    def forget(self, memory_id: str) -> Forgotten:
        """Irreversible: erased from every file under the data dir."""
        return self._journal.forget([memory_id])


class PinsAccess(EntryMarks):
    """The pins screen's: a mode's pinned entries, unpinning one, and opening one."""

    def pinned(self, mode_name: str) -> list[MemoryRecord]:
        return self._journal.record.pinned(mode_name)

    def unpin(self, memory_id: str, mode_name: str) -> PinState | None:
        """Unpin the entry if it is still pinned in ``mode_name`` (None: it was unpinned meanwhile)."""
        if memory_id not in self._journal.record.pinned_ids(mode_name):
            return None
        return self.toggle_pin(memory_id)

    def entry(self) -> EntryAccess:
        """For the entry screen a pin opens."""
        return EntryAccess(self._workspace)


class ChangesAccess(_OnWorkspace):
    """The change log's: the newest changes, and reverting one."""

    def lines(self, limit: int) -> list[Change]:
        return self._journal.record.change_lines(0, limit)

    def undo(self, seq: int) -> Change | None:
        return self._journal.undo(seq)

    def conflicts(self) -> list[Conflict]:
        """Each conflict copy sync made with the entry it conflicts with (None: that is gone)."""
        from tui.services.sync.conflicts import CONFLICT_OF, conflict_copies

        record = self._journal.record
        return [Conflict(copy, record.get(str(copy.metadata[CONFLICT_OF]))) for copy in conflict_copies(self._journal)]

    def resolve(self, copy_id: str, keep_copy: bool) -> MemoryRecord:
        """Keep the entry as it is (the copy goes) or the copy's version (it becomes the entry's)."""
        from tui.services.sync.conflicts import KEEP_COPY, KEEP_CURRENT, resolve

        return resolve(self._journal, copy_id, KEEP_COPY if keep_copy else KEEP_CURRENT)


class SyncAccess(_OnWorkspace):
    """The app's background sync (``tui.services.sync.background``) on the open journal."""

    def __init__(self, workspace: Workspace, background: BackgroundSync) -> None:
        super().__init__(workspace)
        self.background = background

    def joined(self) -> bool:
        return self.background.joined(self._journal)

    def run(self) -> Round | None:
        return self.background.run(self._journal)


@dataclass(frozen=True)
class Conflict:
    """Two versions of one entry, both changed on two devices before a sync: ``current`` is the
    entry (this device's edit), ``copy`` the other device's version sync kept beside it."""

    copy: MemoryRecord
    current: MemoryRecord | None


class CalendarAccess(_OnWorkspace):
    """The calendar's: entries per local day."""

    def day_counts(self, mode_name: str | None) -> dict[date, int]:
        """Of ``mode_name`` (None: every mode)."""
        return self._journal.record.day_counts(mode_name)


class DeletedAccess(_OnWorkspace):
    """"Forget all deleted": which entries are deleted, and erasing them for good."""

    def ids(self) -> list[str]:
        return self._journal.record.deleted_ids()

    def forget(self, memory_ids: list[str]) -> Forgotten:
        return self._journal.forget(memory_ids)


class OnThisDayAccess(_OnWorkspace):
    """The main screen's "on this day" panel: what to reread today."""

    def sections(self, mode: Mode, now: datetime) -> list[Section]:
        from tui.services.on_this_day import on_this_day  # here: the first frame needs none of it

        return on_this_day(self._journal, mode, now)


class TransferAccess(_OnWorkspace):
    """Import and export from inside the app (the services ``mindpane import``/``export`` use)."""

    def import_file(self, path: Path, progress: Callable[[int, int], None]) -> ImportReport:
        """Check the whole file first (nothing is half-imported), then store it in batches."""
        from tui.services.import_entries import apply, scan

        return apply(scan(path, self._workspace.modes), self._journal, progress)

    def export_json(self, out: TextIO) -> int:
        """Every entry as lossless JSON; returns how many were written."""
        from tui.services.export import export_entries

        return export_entries(self._journal.record, out, "json", modes=self._workspace.modes)
