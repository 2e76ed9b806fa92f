"""Flags the person sets on a stored entry, kept in its metadata: its kind (``entry_kind``: an
entry or a question to the journal) and whether its reply was marked wrong (such a reply is never
put into a prompt again). Setting one is a change in the change log, which undo reverts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui.domain.entry_kind import KIND_KEY, QUESTION
from tui.domain.records import REPLY_WRONG

REPLY_WRONG_KEY = REPLY_WRONG
WRONG_GLYPH = "✗"
"""Marks an entry whose reply was marked wrong, in the history: one cell wide."""

CHANGES = {KIND_KEY: "kind", REPLY_WRONG_KEY: "mark"}
"""The change-log kind of setting each flag."""


def change_kind(flags: Mapping[str, object]) -> str:
    """The change-log kind of setting ``flags``; ``ValueError`` unless they are one known flag."""
    unknown = set(flags) - set(CHANGES)
    if unknown or len(flags) != 1:
        raise ValueError(f"set one flag of {sorted(CHANGES)} at a time, not {sorted(flags)}")
    return CHANGES[next(iter(flags))]


def with_flags(metadata: Mapping, flags: Mapping[str, object]) -> dict:
    """``metadata`` with ``flags`` set; a flag set to None is taken away."""
    updated = {key: value for key, value in metadata.items() if key not in flags}
    updated.update({key: value for key, value in flags.items() if value is not None})
    return updated


def flags_before(before: Mapping, after: Mapping) -> dict:
    """The flags a change altered, as they were before it (None: absent): what undo sets back."""
    return {key: before.get(key) for key in CHANGES if before.get(key) != after.get(key)}


def reply_wrong(metadata: Mapping) -> bool:
    return metadata.get(REPLY_WRONG_KEY) is True


def notice(flags: Mapping[str, object], recall_questions: bool = False) -> str:
    """What the person is told once ``flags`` (as they are now) were set."""
    if KIND_KEY in flags:
        if flags[KIND_KEY] == QUESTION:
            fate = "recalled too (recall_questions)" if recall_questions else "not recalled as a memory"
            return f"Marked as a question to the journal: kept and searchable, {fate}."
        return "Marked as an entry: recalled as a memory."
    if flags.get(REPLY_WRONG_KEY) is True:
        return "Reply marked wrong: it is not put into a prompt again."
    return "Reply no longer marked wrong."


def state(flag: str, metadata: Mapping) -> str:
    """One flag as ``metadata`` has it, in a few words: "question to the journal", "reply not marked"."""
    if flag == KIND_KEY:
        return "question to the journal" if metadata.get(KIND_KEY) == QUESTION else "entry"
    return "reply marked wrong" if reply_wrong(metadata) else "reply not marked"


def described(flags: Mapping[str, object]) -> str:
    """``flags`` (as one change left them) in a few words: "marked as an entry", "reply marked wrong"."""
    if KIND_KEY in flags:
        return "marked as a question to the journal" if flags[KIND_KEY] == QUESTION else "marked as an entry"
    return "reply marked wrong" if flags.get(REPLY_WRONG_KEY) is True else "reply unmarked"


@dataclass(frozen=True)
class FlagState:
    """One flag of an entry after the person flipped it: ``flags`` holds it as it is now (None:
    not set), ``notice`` what they are told."""

    memory_id: str
    flags: dict[str, object]
    notice: str
