"""How entries read in the history: short local dates and readable change descriptions.

Text is made literal by ``tui.text`` (no escape sequences, no control characters but newline
and tab) before it reaches a widget.
"""

from __future__ import annotations

from tui.domain import flags
from tui.domain.records import Change
from tui.text import entry_preview, one_line

PREVIEW_LENGTH = 160
CHANGE_PREVIEW_LENGTH = 300


def preview(text: str) -> str:
    """One line of an entry for a list row (a traceback reads as its exception line)."""
    return entry_preview(text, PREVIEW_LENGTH)


def describe_change(old_text: str | None, new_text: str | None, limit: int = CHANGE_PREVIEW_LENGTH) -> str:
    """One change of an entry, readable at a glance: what it said before → after (each side at most
    ``limit`` characters)."""
    old = f"“{one_line(old_text, limit)}”" if old_text else ""
    new = f"“{one_line(new_text, limit)}”" if new_text else ""
    if old and new:
        return f"{old} → {new}"
    return new or old


KIND_LABELS = {"edit": "edited", "delete": "deleted", "reply": "reply attached", "import": "imported",
               "pin": "pinned", "unpin": "unpinned", "kind": "question / entry", "mark": "reply mark"}
"""A change's kind as the change log and the history's undo name it."""


def flag_change(change: Change) -> str | None:
    """What a change of flags did (``tui.domain.flags``: "marked as an entry", "reply marked wrong");
    None for any other change."""
    if change.kind not in flags.CHANGES.values() or change.before is None or change.after is None:
        return None
    return flags.described(flags.flags_before(change.after.metadata, change.before.metadata))


def flag_transition(change: Change) -> str | None:
    """What a change of flags turned into what: "entry → question to the journal"; None for any
    other change."""
    if change.kind not in flags.CHANGES.values() or change.before is None or change.after is None:
        return None
    before, after = change.before.metadata, change.after.metadata
    return "; ".join(f"{flags.state(flag, before)} → {flags.state(flag, after)}"
                     for flag in flags.flags_before(before, after))


def undo_notice(change: Change) -> str:
    """What the person is told when ``change`` was undone."""
    flagged = flag_change(change)
    if flagged:
        return f"Undone: {flagged}."
    if change.kind == "import" and change.batch is not None:
        return f"Undone: the import of {entries(change.entries)}."
    return f"Undone: {KIND_LABELS.get(change.kind, change.kind)} entry."


def entries(count: int) -> str:
    return f"{count:,} entry" if count == 1 else f"{count:,} entries"


def describe_import(change: Change) -> str:
    """An import's line in the change log: how many entries, and the first."""
    first = describe_change(None, change.after.text) if change.after else ""
    return f"{entries(change.entries)}, from {first}" if first else entries(change.entries)
