"""One turn: recall → build the prompt → stream the reply → store the exchange.

``TurnService.run`` is a generator of events so the CLI can print them and the TUI can post
them from a worker. Nothing typed is lost: a mode that keeps unanswered entries (journal) stores
the text before asking the model, and every failure carries a ``PendingTurn`` to retry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from tui.domain.errors import ChatError, MindpaneError, ReplyInterrupted
from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.services.ports import ChatModel, MemoryStore
from tui.services.prompt import chat_messages
from tui.services.settings import Settings


@dataclass(frozen=True)
class PendingTurn:
    """What a retry needs: the text, its mode, the stored entry (if it was kept) and the outbox
    turn id that keeps the text until its entry is stored."""

    mode: str
    text: str
    entry_id: str | None = None
    turn_id: str | None = None


@dataclass(frozen=True)
class Recalled:
    memories: list[RecalledMemory]
    model: str


@dataclass(frozen=True)
class ReplyChunk:
    text: str


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


TurnEvent = Recalled | ReplyChunk | TurnDone | TurnFailed


class TurnService:
    def __init__(self, store: MemoryStore, chat: ChatModel, settings: Settings, modes: Mapping[str, Mode]):
        self.store = store
        self.chat = chat
        self.settings = settings
        self.modes = modes

    def model_for(self, mode: Mode) -> str:
        return self.settings.model_for(mode.model)

    def run(
        self,
        mode: Mode,
        text: str,
        context: Sequence[tuple[str, str]] = (),
        entry_id: str | None = None,
        turn_id: str | None = None,
    ) -> Iterator[TurnEvent]:
        """Do one turn. ``entry_id`` names an entry already stored for this text (a retry).

        A mode that keeps unanswered entries (journal) stores the text right after recall, before
        the model is asked, so neither a failure nor quitting mid-reply can lose it; the reply is
        attached when it is complete. Other modes (code) store question and answer together.
        ``turn_id`` names the turn's outbox row: the stored entry takes it out, exactly once.
        """
        model = self.model_for(mode)
        pending = PendingTurn(mode.name, text, entry_id, turn_id)
        record: MemoryRecord | None = None
        try:
            recalled = [
                memory
                for memory in self.store.recall(text, mode, mode.recall_size + (1 if entry_id else 0),
                                                mode.min_relevance)
                if memory.record.id != entry_id
            ][: mode.recall_size]
            if entry_id:
                record = self.store.get(entry_id)
            elif mode.keep_unanswered:
                record = self.store.add_entry(mode, text, "", {"model": model}, turn_id=turn_id)
                pending = PendingTurn(mode.name, text, record.id, turn_id)
        except MindpaneError as error:
            yield TurnFailed(error, pending)
            return
        yield Recalled(recalled, model)

        chunks: list[str] = []
        try:
            for chunk in self.chat.stream(model, chat_messages(mode, recalled, text, context)):
                chunks.append(chunk)
                yield ReplyChunk(chunk)
        except ChatError as error:
            partial = error.partial if isinstance(error, ReplyInterrupted) else "".join(chunks)
            yield TurnFailed(error, pending, partial, record)
            return

        reply = "".join(chunks)
        try:
            if pending.entry_id:
                record = self.store.attach_reply(pending.entry_id, reply, {"model": model})
            else:
                record = self.store.add_entry(mode, text, reply, {"model": model}, turn_id=turn_id)
        except MindpaneError as error:
            yield TurnFailed(error, pending, reply, record)
            return
        yield TurnDone(reply, record)

    def retry(self, pending: PendingTurn, context: Sequence[tuple[str, str]] = ()) -> Iterator[TurnEvent]:
        return self.run(self.modes[pending.mode], pending.text, context, pending.entry_id, pending.turn_id)
