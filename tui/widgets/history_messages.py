"""Messages about stored entries that more than one view cares about."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.domain import flags
from tui.domain.records import Change


@dataclass
class EntryChanged(Message, namespace="history_pane"):
    """An entry was edited or deleted: views that list it should reload.

    Known as ``HistoryPane.EntryChanged``; handled as ``on_history_pane_entry_changed``.
    """

    memory_id: str
    deleted: bool = False


@dataclass
class PinChanged(Message, namespace="history_pane"):
    """An entry was pinned or unpinned: views that mark pins update the mark.

    Known as ``HistoryPane.PinChanged``; handled as ``on_history_pane_pin_changed``.
    """

    memory_id: str
    pinned: bool


@dataclass
class FlagsChanged(Message, namespace="history_pane"):
    """An entry's flags (``tui.domain.flags``: its kind, its reply marked wrong) are now ``flags``
    (a flag None: not set): views that show them update.

    Known as ``HistoryPane.FlagsChanged``; handled as ``on_history_pane_flags_changed``.
    """

    memory_id: str
    flags: dict[str, object]


def changed_by_undo(change: Change) -> Message:
    """What an undone ``change`` tells the views: a pin taken back or put back, flags set back, else
    an entry changed."""
    if change.kind in ("pin", "unpin"):
        return PinChanged(change.entry_id, pinned=change.kind == "unpin")
    if change.kind in flags.CHANGES.values() and change.before is not None and change.after is not None:
        return FlagsChanged(change.entry_id, flags.flags_before(change.before.metadata, change.after.metadata))
    return EntryChanged(change.entry_id, deleted=change.kind == "import")
