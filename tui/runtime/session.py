"""What this session's transcripts remember about each turn: the text sent, what was recalled for
it, the reply so far, and — when it failed — the error and what a retry needs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tui.domain.entry_kind import QUESTION
from tui.domain.errors import MindpaneError
from tui.domain.flags import reply_wrong
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.services.turn_events import PendingTurn
from tui.text import TextPieces, nothing_found, room_note

_turn_ids = itertools.count(1)


class TurnState(Enum):
    WAITING = "waiting"
    """Queued: the store is still opening, or an earlier turn is still answering."""
    RECALLING = "recalling"
    STREAMING = "streaming"
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"
    """The person stopped the reply (Esc): what arrived is kept, marked stopped — not an error."""


@dataclass(frozen=True)
class AskAgain:
    """How a turn that has an entry is asked again: with ``given`` memories (None: recall anew),
    and, with ``edit``, after its entry's text is replaced by the turn's (edited) text."""

    given: list[RecalledMemory] | None = None
    edit: bool = False


@dataclass
class Turn:
    mode: str
    text: str
    id: int = field(default_factory=lambda: next(_turn_ids))
    state: TurnState = TurnState.WAITING
    recalled: list[RecalledMemory] | None = None
    """The memories recalled for this turn's prompt, best first (None until recall ran); those in
    ``no_room`` did not fit the model's context, those in ``excluded`` the person left out."""
    window: str = ""
    """The days the text asked about, as searched ("from last Tuesday (Nov 17)"); empty if none."""
    model: str = ""
    sent: list[dict[str, str]] | None = None
    """Exactly the messages the model received for this turn (None until the prompt was built)."""
    sent_options: dict[str, Any] = field(default_factory=dict)
    """What went with them besides the model (``stream``, ``options``…), as the chat reported it."""
    error: MindpaneError | None = None
    pending: PendingTurn | None = None
    """Set when the turn failed: hands ``TurnService.retry`` the text and any stored entry."""
    record: MemoryRecord | None = None
    outbox_id: str | None = None
    """The turn's row in the outbox, which keeps its text on the disk until the entry is stored."""
    excluded: set[str] = field(default_factory=set)
    """Ids of recalled memories the person left out of this answer (they stay in ``recalled``)."""
    no_room: set[str] = field(default_factory=set)
    """Ids of recalled memories not sent because the model's context had no room (in ``recalled``)."""
    turns_no_room: int = 0
    """How many earlier turns of the session were not sent, for room."""
    text_clipped: bool = False
    """The text was longer than the model's context: only its beginning was sent."""
    other_modes: bool = False
    """Recall from the mode's readable other modes too, for this turn only (the toggle was on)."""
    kind: str | None = None
    """An entry or a question to the journal (``tui.domain.entry_kind``), decided when it was sent;
    None in a mode that does not tell them apart."""
    again: AskAgain | None = None
    """Set while the turn is queued to be asked again (regenerate, leave out, edit and resend)."""
    saving: bool = False
    """Its reply is complete (or stopped) and its entry is being stored: answered, not yet on the disk."""
    _reply: TextPieces = field(default_factory=TextPieces, init=False, repr=False, compare=False)
    """The reply so far, in the pieces it arrived in (see ``TextPieces``)."""

    @property
    def reply(self) -> str:
        """The reply so far."""
        return self._reply.text

    @reply.setter
    def reply(self, text: str) -> None:
        self._reply = TextPieces(text)

    def add_reply(self, text: str) -> None:
        """One more piece of the streaming reply."""
        self._reply.add(text)

    @property
    def nothing_found(self) -> str:
        """"No entries from November 13." when the window asked about held nothing; else empty."""
        return "" if self.recalled is None else nothing_found(self.window, self.recalled)

    def room_note(self, entry_label: str = "entry") -> str:
        """What its prompt left out to fit the model's context ("2 left out for room"), or empty."""
        return room_note(len(self.no_room), self.turns_no_room, self.text_clipped, entry_label)

    @property
    def question(self) -> bool:
        """A question to the journal, not an entry."""
        return self.kind == QUESTION

    @property
    def reply_wrong(self) -> bool:
        """The person marked its stored reply wrong."""
        return self.record is not None and reply_wrong(self.record.metadata)

    @property
    def answered(self) -> bool:
        return self.state is TurnState.DONE

    @property
    def retryable(self) -> bool:
        return self.state is TurnState.FAILED and self.pending is not None
