"""What a turn reports as it runs (``TurnService.run`` yields these): the memories recalled, each
piece of the reply, how it ended; and ``PendingTurn``, what a retry needs.

Apart from the service itself: the app shows these and imports them before its first frame, which
needs nothing of recall or of building the prompt (``tui.services.turn`` is imported when the store
opens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.domain.errors import MindpaneError
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.text import nothing_found


@dataclass(frozen=True)
class PendingTurn:
    """What a retry needs: the text, its mode, the stored entry (if it was kept) and the outbox
    turn id that keeps the text until its entry is stored."""

    mode: str
    text: str
    entry_id: str | None = None
    turn_id: str | None = None
    room: int | None = None
    """After a reply cut off by a full context: the tokens the retry's memories and earlier turns
    may take, half of what they took then (``prompt_budget``); None: as many as fit."""


@dataclass(frozen=True)
class Recalled:
    memories: list[RecalledMemory]
    """Every memory recalled (or given) for the turn, pins first, then best first; those in
    ``left_out`` did not fit the model's context and were not sent."""
    model: str
    messages: list[dict[str, str]] = field(default_factory=list)
    """Exactly what the model is sent for this turn (system prompt with the memories, context, text)."""
    options: dict[str, Any] = field(default_factory=dict)
    """What the chat sends besides the model and messages (``ChatModel.request_options``)."""
    window: str = ""
    """The days the text asked about, as searched ("from last Tuesday (Nov 17)"); empty if none.
    When none of the memories is from it, that window holds no entry (``nothing_found``)."""
    left_out: tuple[str, ...] = ()
    """Ids of ``memories`` that were not sent: the model's context had no room for them."""
    turns_left_out: int = 0
    """How many of this session's earlier turns were not sent, for room (the oldest ones)."""
    text_clipped: bool = False
    """The text was longer than the model's context: only its beginning was sent."""

    @property
    def nothing_found(self) -> str:
        """"No entries from November 13." when a window was searched and held nothing (the
        memories, if any, are the closest others)."""
        return nothing_found(self.window, self.memories)


@dataclass(frozen=True)
class ReplyChunk:
    text: str


@dataclass(frozen=True)
class Saving:
    """The reply is complete and its entry is being stored now: quitting waits the moment it takes."""


@dataclass(frozen=True)
class TurnDone:
    reply: str
    record: MemoryRecord


@dataclass(frozen=True)
class TurnFailed:
    error: MindpaneError
    pending: PendingTurn
    partial: str = ""
    record: MemoryRecord | None = None
    """The entry as stored despite the failure (journal), or None if nothing was stored."""


@dataclass(frozen=True)
class TurnStopped:
    """The person stopped the reply: ``partial`` is what had arrived, ``record`` the entry as kept
    (its reply is the partial one, metadata ``stopped``; a journal entry stopped before any text
    keeps the reply it had)."""

    partial: str
    record: MemoryRecord


TurnEvent = Recalled | ReplyChunk | Saving | TurnDone | TurnFailed | TurnStopped
