"""Each entry's story (ADD, UPDATE old → new, DELETE) told from the record's change log, as mem0's
``history.db`` would have told it, for an index that keeps no history on disk (``MemoryIndex``: a
locked journal's). Read once at open: the log is in the (encrypted) record, nothing else is.

What mem0's history holds per change: an edit of the text is an UPDATE (and its undo an UPDATE
back); a delete is a DELETE (and its undo an ADD again); an import undone is a DELETE. Replies,
pins and flags are not the memory's text: mem0 tells nothing of them, and neither does this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tui.domain.records import Change, HistoryEvent

PAGE = 1000


def stories_from_log(changes: Callable[[int, int], list[Change]]) -> dict[str, list[HistoryEvent]]:
    """``changes(offset, limit)``: the log newest first (``Record.changes``). Every entry the log
    names gets its story, starting with an ADD of its first text at its creation."""
    logged: dict[str, list[Change]] = {}
    offset = 0
    while page := changes(offset, PAGE):
        for change in page:
            logged.setdefault(change.entry_id, []).append(change)
        offset += len(page)
    return {memory_id: _story(sorted(lines, key=lambda c: c.seq)) for memory_id, lines in logged.items()}


def _story(lines: list[Change]) -> list[HistoryEvent]:
    events: list[tuple[datetime, int, HistoryEvent]] = []
    first = next((c for c in lines if c.before is not None or c.after is not None), None)
    if first is None:
        return []
    start = first.before or first.after
    assert start is not None
    first_text = first.before.text if first.kind == "edit" and first.before is not None else start.text
    events.append((start.created_at, 0, HistoryEvent("ADD", None, first_text, start.created_at)))
    for order, change in enumerate(lines, 1):
        events += [(at, order, event) for at, event in _told(change)]
    events.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in events]


def _told(change: Change) -> list[tuple[datetime, HistoryEvent]]:
    before, after, undone = change.before, change.after, change.undone_at
    if change.kind == "edit" and before is not None and after is not None and before.text != after.text:
        told = [(change.at, HistoryEvent("UPDATE", before.text, after.text, change.at))]
        if undone is not None:
            told.append((undone, HistoryEvent("UPDATE", after.text, before.text, undone)))
        return told
    if change.kind == "delete" and before is not None:
        told = [(change.at, HistoryEvent("DELETE", before.text, None, change.at))]
        if undone is not None:
            told.append((undone, HistoryEvent("ADD", None, before.text, undone)))
        return told
    if change.kind == "import" and after is not None and undone is not None:
        return [(undone, HistoryEvent("DELETE", after.text, None, undone))]
    return []
