"""The chat: one transcript per mode and the prompt. Sends go through a queue so nothing typed is
lost — a send before the store is open, or while a reply is still streaming, waits its turn.

Each turn runs ``TurnService.run`` in a thread worker; the worker posts every event back as a
``TurnProgress`` message and this pane applies it to the turn's view, on the event loop.
"""

from __future__ import annotations

import logging
from collections import deque

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher
from textual.worker import get_current_worker

from tui.detached import iterate_detached
from tui.domain.errors import MindpaneError, ModelNotFound, OllamaUnreachable, ReplyInterrupted
from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord
from tui.messages import OllamaChecked, OllamaStatus, TurnProgress
from tui.services.outbox import Replayed
from tui.services.turn import PendingTurn, Recalled, ReplyChunk, TurnDone, TurnFailed
from tui.session import Turn, TurnState
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.transcript import Transcript
from tui.widgets.turn_view import TurnView

log = logging.getLogger(__name__)

class ChatPane(Vertical):
    class EntryStored(Message):
        """A turn stored (or updated) an entry: memory lists of its mode should reload."""

        def __init__(self, mode: str, record: MemoryRecord) -> None:
            super().__init__()
            self.mode = mode
            self.record = record

    def __init__(self, modes: dict[str, Mode], mode: Mode, retry_key: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.modes = modes
        self.mode = mode
        self.retry_key = retry_key
        self._queue: deque[TurnView] = deque()
        self._current: TurnView | None = None
        self._drafts: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial=self._transcript_id(self.mode.name), id="transcripts"):
            for name, mode in self.modes.items():
                yield Transcript(mode, mode.intro or f"{mode.title} — write and press Enter.",
                                 id=self._transcript_id(name))
        yield PromptBar(id="prompt-bar")

    @staticmethod
    def _transcript_id(mode_name: str) -> str:
        return f"transcript-{mode_name}"

    def transcript(self, mode_name: str | None = None) -> Transcript:
        return self.query_one(f"#{self._transcript_id(mode_name or self.mode.name)}", Transcript)

    @property
    def prompt_bar(self) -> PromptBar:
        return self.query_one(PromptBar)

    # -- mode ------------------------------------------------------------------------------------

    def show_mode(self, mode: Mode, compose_key: str) -> None:
        self.mode = mode
        self.query_one(ContentSwitcher).current = self._transcript_id(mode.name)
        self.prompt_bar.show_mode(mode, compose_key)
        self.prompt_bar.show_draft_kept(bool(self.draft()), compose_key)
        self.transcript().announce()

    # -- drafts from the composer ----------------------------------------------------------------

    def draft(self) -> str:
        return self._drafts.get(self.mode.name, "")

    def keep_draft(self, text: str) -> None:
        if text.strip():
            self._drafts[self.mode.name] = text
        else:
            self._drafts.pop(self.mode.name, None)

    # -- sending ---------------------------------------------------------------------------------

    async def on_prompt_bar_sent(self, message: PromptBar.Sent) -> None:
        message.stop()
        if await self.send(message.text) is None:  # not kept: give the text back to the prompt
            prompt = self.prompt_bar.input
            prompt.value = f"{message.text} {prompt.value}".rstrip()
            prompt.cursor_position = len(prompt.value)

    async def send(self, text: str) -> TurnView | None:
        """Keep ``text`` in the outbox, show it in the current mode's transcript and queue its turn.
        None (and a visible error) if the text could not be kept: the caller keeps it on screen."""
        try:
            outbox_id = self.app.workspace.keep(self.mode, text)
        except MindpaneError as error:
            self.notify(f"{error.message}\n{error.hint}\nYour text is back in the prompt (or the composer's draft).",
                        title="Not sent", severity="error", markup=False)
            return None
        turn = Turn(self.mode.name, text, outbox_id=outbox_id)
        return await self._queue_view(await self.transcript(turn.mode).add_turn(turn, self.retry_key))

    async def show_recovered(self, turns: list[Turn]) -> None:
        """Turns an earlier run left unanswered (from the outbox): shown failed, ready to retry."""
        for turn in turns:
            view = await self.transcript(turn.mode).add_turn(turn, self.retry_key)
            await view.show_failed()

    async def answer(self, turn: Turn) -> TurnView:
        """Ask the model about a stored entry that never got a reply (from the history)."""
        return await self._queue_view(await self.transcript(turn.mode).add_turn(turn, self.retry_key))

    async def _queue_view(self, view: TurnView) -> TurnView:
        self._queue.append(view)
        self._pump()
        return view

    @property
    def unfinished(self) -> int:
        """Turns sent but not stored yet: queued, running, or failed before their entry was kept."""
        count = len(self._queue) + (self._current is not None)
        for name in self.modes:
            count += sum(1 for view in self.transcript(name).views
                         if view.turn.retryable and view not in self._queue and view is not self._current
                         and view.turn.record is None)
        return count

    async def retry(self) -> TurnView | None:
        """Send the current mode's last failed turn again, in place; None if nothing failed."""
        view = self.transcript().last_failed()
        if view is None or view in self._queue:
            return None
        await view.reset_for_retry()
        self.transcript().select(view)
        self._queue.append(view)
        self._pump()
        return view

    def store_ready(self) -> None:
        replayed = self.app.workspace.replayed
        if replayed:
            self.call_later(self._show_replayed, replayed)
        self._pump()

    async def _show_replayed(self, replayed: Replayed) -> None:
        """What an earlier run left unanswered comes back as failed turns, ready to retry."""
        turns = []
        for pending, record in replayed.stored:
            turns.append(Turn(pending.mode, pending.text, state=TurnState.FAILED, record=record,
                              pending=PendingTurn(pending.mode, pending.text, record.id, pending.turn_id),
                              error=MindpaneError("Kept from an earlier session, without a reply",
                                                  f"{self.retry_key} asks for one")))
        for pending in replayed.waiting:
            if pending.mode in self.modes:
                turns.append(Turn(pending.mode, pending.text, state=TurnState.FAILED,
                                  pending=PendingTurn(pending.mode, pending.text, None, pending.turn_id),
                                  error=MindpaneError("Not answered in an earlier session; kept",
                                                      f"{self.retry_key} asks again")))
        replayed.stored, replayed.waiting = [], []
        await self.show_recovered(turns)
        if turns:
            self.notify(f"{len(turns)} unanswered turn{'s' if len(turns) != 1 else ''} from an earlier session "
                        f"{'are' if len(turns) != 1 else 'is'} back in the transcript ({self.retry_key} answers).",
                        title="Recovered", markup=False)

    def _pump(self) -> None:
        ready = self.app.workspace.ready
        if self._current is None and ready and self._queue:
            self._start(self._queue.popleft())
        for waiting in self._queue:
            waiting.show_waiting(ready)

    def _start(self, view: TurnView) -> None:
        self._current = view
        turn = view.turn
        mode = self.modes[turn.mode]
        turn.model = self.app.workspace.model_for(mode)
        view.show_recalling()
        context = self.transcript(turn.mode).context_before(view)
        pending = turn.pending or PendingTurn(turn.mode, turn.text, None, turn.outbox_id)
        self._run_turn(turn.id, mode, turn.text, context, pending)

    @work(thread=True, group="turn", exit_on_error=False)
    def _run_turn(self, turn_id: int, mode: Mode, text: str, context: list[tuple[str, str]],
                  pending: PendingTurn) -> None:
        worker = get_current_worker()
        turns = self.app.workspace.turns

        def events():
            return turns.retry(pending, context)

        try:
            for event in iterate_detached(events, lambda: worker.is_cancelled, name="mindpane-turn"):
                self.post_message(TurnProgress(turn_id, event))
        except Exception as exc:  # a bug, not a failure the services translate: show it, keep going
            log.exception("turn failed unexpectedly")
            error = MindpaneError(f"Something went wrong: {type(exc).__name__}: {exc}",
                                  "see mindpane.log in the data directory")
            self.post_message(TurnProgress(turn_id, TurnFailed(error, pending)))

    # -- turn events (on the event loop) ---------------------------------------------------------

    async def on_turn_progress(self, message: TurnProgress) -> None:
        message.stop()
        view = self._current
        if view is None or view.turn.id != message.turn_id:
            return
        event = message.event
        if isinstance(event, Recalled):
            view.turn.recalled = event.memories
            view.turn.model = event.model
            view.show_recalled()
            self._announce_if_selected(view)
        elif isinstance(event, ReplyChunk):
            await view.add_chunk(event.text)
        elif isinstance(event, TurnDone):
            await self._done(view, event)
        elif isinstance(event, TurnFailed):
            await self._failed(view, event)

    async def _done(self, view: TurnView, event: TurnDone) -> None:
        turn = view.turn
        turn.record, turn.pending = event.record, None
        await view.show_done()
        self.post_message(self.EntryStored(turn.mode, event.record))
        self.post_message(OllamaChecked(OllamaStatus(turn.model)))
        self._finish()

    async def _failed(self, view: TurnView, event: TurnFailed) -> None:
        turn = view.turn
        turn.error, turn.pending = event.error, event.pending
        turn.record = event.record or turn.record
        if event.partial and not view.reply.text:
            await view.add_chunk(event.partial)
        await view.show_failed()
        self._announce_if_selected(view)
        kept = "saved without a reply" if turn.record is not None else "kept until answered"
        self.notify(f"{event.error.message}\n{event.error.hint}".strip() + f"\n({self.modes[turn.mode].entry_label}"
                    f" {kept}; {self.retry_key} retries)", title="No reply", severity="error", markup=False)
        if event.record is not None:
            self.post_message(self.EntryStored(turn.mode, event.record))
        if isinstance(event.error, OllamaUnreachable | ModelNotFound | ReplyInterrupted):
            self.post_message(OllamaChecked(OllamaStatus(turn.model, event.error)))
        self._finish()

    def _finish(self) -> None:
        self._current = None
        self._pump()

    def _announce_if_selected(self, view: TurnView) -> None:
        transcript = self.transcript(view.turn.mode)
        if transcript.selected is view:
            transcript.announce()

    # -- copying ---------------------------------------------------------------------------------

    def copy_text(self) -> str:
        """The selected reply's last code block (or the whole reply), else the newest reply's."""
        transcript = self.transcript()
        selected = transcript.selected
        candidates = [selected] if selected is not None and selected.reply.text else []
        candidates += [view for view in reversed(transcript.views) if view.reply.text]
        return candidates[0].reply.copy_text() if candidates else ""
