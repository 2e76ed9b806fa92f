"""Messages about stored entries that more than one view cares about."""

from __future__ import annotations

from textual.message import Message

from tui.domain.records import Change


class EntryChanged(Message, namespace="history_pane"):
    """An entry was edited or deleted: views that list it should reload.

    Known as ``HistoryPane.EntryChanged``; handled as ``on_history_pane_entry_changed``.
    """

    def __init__(self, memory_id: str, deleted: bool = False) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.deleted = deleted


class PinChanged(Message, namespace="history_pane"):
    """An entry was pinned or unpinned: views that mark pins update the mark.

    Known as ``HistoryPane.PinChanged``; handled as ``on_history_pane_pin_changed``.
    """

    def __init__(self, memory_id: str, pinned: bool) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.pinned = pinned


def changed_by_undo(change: Change) -> Message:
    """What an undone ``change`` tells the views: a pin taken back or put back, else an entry changed."""
    if change.kind in ("pin", "unpin"):
        return PinChanged(change.entry_id, pinned=change.kind == "unpin")
    return EntryChanged(change.entry_id, deleted=change.kind == "import")
