"""Messages about stored entries that more than one view cares about."""

from __future__ import annotations

from textual.message import Message


class EntryChanged(Message, namespace="history_pane"):
    """An entry was edited or deleted: views that list it should reload.

    Known as ``HistoryPane.EntryChanged``; handled as ``on_history_pane_entry_changed``.
    """

    def __init__(self, memory_id: str, deleted: bool = False) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.deleted = deleted
