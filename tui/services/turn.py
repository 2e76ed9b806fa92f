"""One turn: recall → build the prompt → stream the reply → store the exchange.

``TurnService.run`` is a generator of events so the CLI can print them and the TUI can post
them from a worker. Nothing typed is lost: a mode that keeps unanswered entries (journal) stores
the text before asking the model, and every failure carries a ``PendingTurn`` to retry.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.domain import entry_kind, flags, pins
from tui.domain.errors import ChatError, ContextFull, MindpaneError, ReplyInterrupted
from tui.domain.modes import Mode, readable_modes
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.domain.stop import StopSignal
from tui.ports import ChatModel
from tui.services import time_recall, traceback_recall
from tui.services.context_length import FALLBACK, choose_context_length
from tui.services.prompt_budget import fit_prompt
from tui.services.settings import Settings
from tui.services.time_cues import TimeCue, cue_for_recall
from tui.services.turn_events import (
    PendingTurn,
    Recalled,
    ReplyChunk,
    Saving,
    TurnDone,
    TurnEvent,
    TurnFailed,
    TurnStopped,
)

if TYPE_CHECKING:
    from tui.services.journal import Journal

log = logging.getLogger(__name__)

RECALL_FETCH_LIMIT = 200
"""When questions to the journal left too few memories, recall is asked again for (at least) twice
as many, up to this many."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TurnService:
    def __init__(self, store: Journal, chat: ChatModel, settings: Settings, modes: Mapping[str, Mode],
                 clock: Callable[[], datetime] | None = None):
        self.journal = store
        self.chat = chat
        self.settings = settings
        self.modes = modes
        self.clock = clock or _utc_now
        """Today for the prompt and for reading "yesterday" or "last Tuesday" (a fixed clock in tests)."""
        self._unsized: set[str] = set()
        """Models already logged as reporting no context length."""

    def model_for(self, mode: Mode) -> str:
        return self.settings.model_for(mode.model)

    def run(
        self,
        mode: Mode,
        text: str,
        context: Sequence[tuple[str, str]] = (),
        entry_id: str | None = None,
        turn_id: str | None = None,
        *,
        given: Sequence[RecalledMemory] | None = None,
        edit: bool = False,
        stop: StopSignal | None = None,
        other_modes: bool = False,
        room: int | None = None,
        kind: str | None = None,
    ) -> Iterator[TurnEvent]:
        """Do one turn. ``entry_id`` names an entry already stored for this text (a retry).

        Asking again: ``given`` are the memories to use instead of recalling (a regenerate, maybe
        with some left out); ``edit`` first replaces ``entry_id``'s text by ``text`` (an edit in the
        change log). ``stop`` (set from another thread) ends the reply early: what arrived is kept
        as the entry's reply, marked ``stopped``, and ``TurnStopped`` ends the events.
        ``other_modes`` (a one-turn toggle) also recalls from the modes ``modes.readable_modes`` names.
        The prompt is fitted to the model's context (``prompt_budget``), its memories and earlier
        turns within ``room`` tokens when given: a ``ContextFull`` failure's ``PendingTurn`` carries
        half of what they took, so its retry sends less.
        ``kind`` is what the person sent it as (``entry_kind``: an entry or a question to the
        journal); None: what the text says. It is stored with a new entry of a mode that tells
        questions from entries, and recall never hands a question to a prompt as a memory unless the
        mode's ``recall_questions`` says so.

        A mode that keeps unanswered entries (journal) stores the text right after recall, before
        the model is asked, so neither a failure nor quitting mid-reply can lose it; the reply is
        attached when it is complete. Other modes (code) store question and answer together.
        ``turn_id`` names the turn's outbox row: the stored entry takes it out, exactly once.
        """
        model = self.model_for(mode)
        stamp = entry_kind.stamp(mode, entry_kind.decide(mode, text, kind))
        pending = PendingTurn(mode.name, text, entry_id, turn_id, room)
        record: MemoryRecord | None = None
        now = self.clock()
        cue = self._cue(mode, text, now)
        try:
            recalled = list(given) if given is not None else self._memories_for(
                mode, text, entry_id, cue, readable_modes(mode, self.modes) if other_modes else ())
            if entry_id and edit:
                record = self.journal.update_text(entry_id, text)
            elif entry_id:
                record = self.journal.record.get(entry_id)
            elif mode.keep_unanswered:
                record = self.journal.add_entry(mode, text, "",
                                             {"model": model, **traceback_recall.traceback_metadata(mode, text),
                                              **stamp}, turn_id=turn_id)
                pending = PendingTurn(mode.name, text, record.id, turn_id, room)
        except MindpaneError as error:
            yield TurnFailed(error, pending)
            return
        context_length = self._context_length(mode, model)
        fitted = fit_prompt(mode, recalled, text, context, context_length=context_length, now=now, cue=cue,
                            room=room)
        messages, options = fitted.messages, {"num_ctx": context_length}
        yield Recalled(recalled, model, messages, self._request_options(options), cue.window if cue else "",
                       fitted.left_out, fitted.turns_left_out, fitted.text_clipped)

        chunks: list[str] = []
        if stop is not None and stop.stopped:  # stopped while recalling: Ollama is not asked
            yield self._stopped(mode, text, "", model, pending, record, stamp)
            return
        try:
            with contextlib.closing(self.chat.stream(model, messages, options, stop=stop)) as stream:
                for chunk in stream:
                    if stop is not None and stop.stopped:
                        break
                    chunks.append(chunk)
                    yield ReplyChunk(chunk)
        except ChatError as error:
            if stop is None or not stop.stopped:
                partial = error.partial if isinstance(error, ReplyInterrupted) else "".join(chunks)
                again = replace(pending, room=fitted.spent // 2) if isinstance(error, ContextFull) else pending
                yield TurnFailed(error, again, partial, record)
                return
        if stop is not None and stop.stopped:
            yield self._stopped(mode, text, "".join(chunks), model, pending, record, stamp)
            return

        reply = "".join(chunks)
        yield Saving()
        try:
            if pending.entry_id:
                was_stopped = record is not None and record.metadata.get("stopped")
                record = self.journal.attach_reply(pending.entry_id, reply,
                                                 {"model": model, **({"stopped": False} if was_stopped else {}),
                                                  **self._new_reply(record)})
            else:
                record = self.journal.add_entry(mode, text, reply,
                                             {"model": model, **traceback_recall.traceback_metadata(mode, text),
                                              **stamp}, turn_id=turn_id)
        except MindpaneError as error:
            yield TurnFailed(error, pending, reply, record)
            return
        yield TurnDone(reply, record)

    def _context_length(self, mode: Mode, model: str) -> int:
        """The ``num_ctx`` this turn asks for (``choose_context_length``); the server is not asked
        when the mode chose. A model that reports nothing is logged once, with the default used."""
        if mode.context_length is not None:
            return mode.context_length
        window = self.chat.context_window(model)
        if window.trained is None and window.num_ctx is None and model not in self._unsized:
            self._unsized.add(model)
            log.warning("No context length known for %s (it reports none, or Ollama could not be asked): "
                        "prompts are fitted to %d tokens; a mode's context_length chooses another", model, FALLBACK)
        return choose_context_length(None, window)

    def _request_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """What goes with the messages, as ``Recalled`` shows it: the chat's own request options
        with this turn's model options (``num_ctx``) over its defaults."""
        shown = dict(getattr(self.chat, "request_options", {}))
        shown["options"] = {**(shown.get("options") or {}), **options}
        return shown

    def _stopped(self, mode: Mode, text: str, partial: str, model: str, pending: PendingTurn,
                 record: MemoryRecord | None, stamp: dict) -> TurnEvent:
        """Keep a stopped turn: the partial reply is the entry's (marked ``stopped``). A journal
        entry stopped before any text keeps the reply it had; a code question is stored with
        whatever arrived, even nothing, so its text leaves the outbox and is not asked again."""
        extra = {"model": model, "stopped": True}
        try:
            if pending.entry_id and partial:
                record = self.journal.attach_reply(pending.entry_id, partial, {**extra, **self._new_reply(record)})
            elif pending.entry_id:
                record = record or self.journal.record.get(pending.entry_id)
            else:
                record = self.journal.add_entry(mode, text, partial,
                                              {**extra, **traceback_recall.traceback_metadata(mode, text), **stamp},
                                              turn_id=pending.turn_id)
        except MindpaneError as error:
            return TurnFailed(error, pending, partial, record)
        if record is None:  # the entry was deleted meanwhile
            return TurnFailed(MindpaneError("The entry was deleted while it was answered"), pending, partial)
        return TurnStopped(partial, record)

    @staticmethod
    def _new_reply(record: MemoryRecord | None) -> dict:
        """A new reply is not the one the person marked wrong: the mark goes (undoing the reply
        brings back the old reply with its mark)."""
        return {flags.REPLY_WRONG_KEY: False} if record is not None and flags.reply_wrong(record.metadata) else {}

    def memories_for(self, mode: Mode, text: str) -> list[RecalledMemory]:
        """What a new turn of ``mode`` about ``text`` would be given now (pins, then recalled), without
        storing anything: what a benchmark measures."""
        return self._memories_for(mode, text, None, self.cue(mode, text))

    def _memories_for(self, mode: Mode, text: str, entry_id: str | None, cue: TimeCue | None = None,
                      also_from: Sequence[str] = ()) -> list[RecalledMemory]:
        """What goes into the prompt: the mode's pins first (the oldest ``pin_limit``), then up to
        ``recall_size`` recalled memories; none twice, never the turn's own entry, and no question
        to the journal unless the mode recalls them (``entry_kind.recallable``). Recall is asked for
        ``recall_size`` and what may be skipped, and again for more while questions left too few."""
        pinned = [memory for memory in pins.as_recalled(self.journal.record.pinned(mode.name), mode.pin_limit)
                  if memory.record.id != entry_id]
        skip = {memory.record.id for memory in pinned} | ({entry_id} if entry_id else set())
        if mode.recall_size <= 0:
            return pinned
        k = mode.recall_size + len(skip)
        while True:
            found = self.recall(mode, text, k, cue, also_from)
            recalled = [memory for memory in found
                        if memory.record.id not in skip and entry_kind.recallable(memory.record, mode)]
            missing = mode.recall_size - len(recalled)
            if missing <= 0 or len(found) < k or k >= RECALL_FETCH_LIMIT:
                return [*pinned, *recalled[: mode.recall_size]]
            k = min(max(2 * k, k + 2 * missing), RECALL_FETCH_LIMIT)

    def cue(self, mode: Mode, text: str) -> TimeCue | None:
        """The time cue a turn of ``mode`` about ``text`` follows now (``cue_for_recall``)."""
        return self._cue(mode, text, self.clock())

    @staticmethod
    def _cue(mode: Mode, text: str, now: datetime) -> TimeCue | None:
        """The time cue recall follows (``cue_for_recall``); none in a pasted traceback (its log
        stamps are not a question)."""
        return None if traceback_recall.traceback_metadata(mode, text) else cue_for_recall(text, now)

    def recall(self, mode: Mode, text: str, k: int, cue: TimeCue | None = None,
               also_from: Sequence[str] = ()) -> list[RecalledMemory]:
        """The mode's own memories, plus — only for the modes its ``recall_from`` names, or this
        turn's ``also_from`` — other modes' memories, each saying where it came from. Otherwise the
        wall between modes holds. Memories picked for a reason (the same traceback, the day asked
        about) stay first. A time cue (``time_recall``) favours its window in every mode."""
        if cue is None:
            own = traceback_recall.recall(self.journal, mode, text, k, mode.min_relevance)
        else:
            own = time_recall.recall_in_time(self.journal, mode, text, k, cue, self.clock())
        others = [self.modes[name] for name in dict.fromkeys((*mode.recall_from, *also_from))
                  if name in self.modes and name != mode.name]
        if not others:
            return own
        window = time_recall.window_of(cue, self.clock())
        in_window = cue.window if cue is not None else ""
        first = [memory for memory in own if memory.reason and memory.reason != in_window]
        rest = [memory for memory in own if memory not in first]
        for other in others:
            for memory in self.journal.recall(text, other, k, mode.min_relevance,
                                            near=window):
                inside = window is not None and window.holds(memory.record.created_at)
                why = ", ".join(part for part in (f"from {other.title}", in_window if inside else "") if part)
                rest.append(RecalledMemory(memory.record, memory.score, why))
        rest.sort(key=lambda memory: memory.score, reverse=True)
        return [*first, *rest][:k]

    def retry(self, pending: PendingTurn, context: Sequence[tuple[str, str]] = (), **again: Any) -> Iterator[TurnEvent]:
        """``again``: ``given``, ``edit`` and ``stop``, as ``run`` takes them."""
        return self.run(self.modes[pending.mode], pending.text, context, pending.entry_id, pending.turn_id,
                        room=pending.room, **again)
