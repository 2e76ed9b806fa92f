"""The turns of this session, owned by the app: it keeps what is sent, queues it, runs each turn
in a thread worker and tells the chat what happened — the chat only shows it.

Nothing typed is lost: a send is written to the outbox first (before it is acknowledged), and a
send before the store is open, or while a reply is still streaming, waits its turn. The worker
iterates ``TurnService.retry`` and posts each event to the app in a ``TurnUpdate`` (see
``tui.runtime.messages``); the app hands it back here, on the event loop, where the ``Turn`` is updated,
notifications and the Ollama status are decided, and the same message is delivered for the views.
The controller's own events (queued, waiting, started…) are delivered in a ``TurnUpdate`` too.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from textual.app import App
from textual.worker import Worker, get_current_worker

from tui.domain import entry_kind, flags
from tui.domain.errors import MindpaneError, ModelNotFound, OllamaUnreachable, ReplyInterrupted
from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord
from tui.domain.stop import StopSignal
from tui.runtime.detached import iterate_detached_batches
from tui.runtime.messages import (
    ControllerEvent,
    OllamaChecked,
    OllamaStatus,
    TurnMarked,
    TurnQueued,
    TurnRecovered,
    TurnStarted,
    TurnStopping,
    TurnUpdate,
    TurnWaiting,
)
from tui.runtime.session import AskAgain, Turn, TurnState
from tui.services.turn_events import PendingTurn, Recalled, ReplyChunk, Saving, TurnDone, TurnFailed, TurnStopped
from tui.services.workspace import Workspace

log = logging.getLogger(__name__)

CONTEXT_TURNS = 20
"""How many earlier answered turns of the session go with a new one (a small model's window is short)."""
COALESCE_SECONDS = 0.04
"""A streaming reply reaches the app at most once per this many seconds (the first piece at once):
a model sends a token every few milliseconds, and a message per token kept the event loop busy."""


def coalesce_chunks(events: list) -> list:
    """``events`` with each run of reply chunks joined into one chunk (the text exactly kept)."""
    joined: list = []
    run: list[str] = []
    for event in events:
        if isinstance(event, ReplyChunk):
            run.append(event.text)
            continue
        if run:
            joined.append(ReplyChunk("".join(run)))
            run = []
        joined.append(event)
    if run:
        joined.append(ReplyChunk("".join(run)))
    return joined


class TurnController:
    """Queues and runs the turns; ``deliver`` shows a ``TurnUpdate`` (the app posts it to the main screen)."""

    def __init__(self, app: App, workspace: Workspace, deliver: Callable[[TurnUpdate], None],
                 retry_key: str = "ctrl+r", check_ollama: Callable[[Mode], None] | None = None) -> None:
        self._app = app
        self._workspace = workspace
        self._deliver = deliver
        self.retry_key = retry_key
        self._check_ollama = check_ollama
        """Asks Ollama now whether the mode's model is usable (the status line shows the answer)."""
        self._turns: list[Turn] = []
        """Every turn of this session, in the order the transcripts show them."""
        self._queue: deque[Turn] = deque()
        self._current: Turn | None = None
        self._worker: Worker | None = None
        self._stop: StopSignal | None = None
        """Stops the running turn's reply (its stream hangs up at once)."""

    # -- intents (on the event loop) -------------------------------------------------------------

    def send(self, mode: Mode, text: str, other_modes: bool = False, kind: str | None = None,
             held: str | None = None) -> Turn | None:
        """Keep ``text`` on the disk, then queue its turn (``other_modes``: it also recalls from
        the mode's readable other modes; ``kind``: what the person sends it as, else what the text
        says; ``held``: Enter kept it already, under this turn id). None (and a visible error) if
        the text could not be kept: the caller gives it back to the person."""
        try:
            outbox_id = self._workspace.keep(mode, text, held)
        except MindpaneError as error:
            self._app.notify(f"{error.message}\n{error.hint}\nYour text is back in the prompt (or the composer's "
                             "draft).", title="Not sent", severity="error", markup=False)
            return None
        return self._enqueue(Turn(mode.name, text, outbox_id=outbox_id, other_modes=other_modes,
                                  kind=entry_kind.decide(mode, text, kind)))

    def answer(self, record: MemoryRecord) -> Turn:
        """Ask the model about a stored entry that never got a reply (from the history)."""
        pending = PendingTurn(record.mode, record.text, record.id)
        return self._enqueue(Turn(record.mode, record.text, record=record, pending=pending,
                                  kind=self._kind_of(record)))

    def retry(self, mode_name: str) -> Turn | None:
        """Send ``mode_name``'s last failed turn again, in place; None if nothing failed."""
        turn = next((turn for turn in reversed(self._turns) if turn.mode == mode_name and turn.retryable), None)
        if turn is None or turn in self._queue:
            return None
        turn.state, turn.reply, turn.error, turn.recalled = TurnState.WAITING, "", None, None
        self._queue.append(turn)
        self._show(turn, TurnQueued(again=True))
        self._pump()
        return turn

    def stop(self) -> Turn | None:
        """Stop the turn that is recalling or streaming: it shows as stopped at once, Ollama's
        connection is closed, and the worker then keeps what arrived (``TurnStopped``). None if no
        reply is running."""
        turn = self._current
        if turn is None or self._stop is None or turn.state not in (TurnState.RECALLING, TurnState.STREAMING):
            return None
        self._stop.stop()
        turn.state, turn.saving = TurnState.STOPPED, True  # what arrived is being kept
        self._show(turn, TurnStopping())
        return turn

    def regenerate(self, turn: Turn) -> str | None:
        """Ask again for ``turn``'s entry with the same memories (minus those left out); the new
        reply replaces the entry's (the old one stays in the change log). None if queued, else
        why not."""
        given = list(turn.recalled) if turn.recalled is not None else None
        return self._again(turn, AskAgain(given))

    def exclude(self, turn: Turn, memory_id: str) -> str | None:
        """Leave a recalled memory out of ``turn``'s answer (or take it back in) and ask again."""
        refused = self._refused(turn)
        if refused is None:
            turn.excluded ^= {memory_id}
        return refused or self.regenerate(turn)

    def edit(self, turn: Turn, text: str) -> str | None:
        """Replace ``turn``'s stored text by ``text`` (an edit in the change log) and ask again,
        recalling anew for the new text."""
        refused = self._refused(turn)
        if refused is None:
            turn.text, turn.excluded = text, set()
        return refused or self._again(turn, AskAgain(None, edit=True))

    # -- flags: the kind of a turn, its reply marked wrong ---------------------------------------

    def flag_refused(self, turn: Turn, flag: str) -> str | None:
        """Why ``turn``'s ``flag`` (``kind`` or ``reply_wrong``) cannot change now; None if it can
        (with no entry stored yet, only the kind can: it is stored with it)."""
        mode = self._workspace.modes.get(turn.mode)
        if flag == entry_kind.KIND_KEY and (mode is None or not mode.mark_questions):
            title = mode.title if mode else turn.mode
            return f"{title} does not tell questions from entries (mark_questions is off in its config)."
        if turn is self._current:
            return "That turn is still on its way: wait for it, or stop it with Esc."
        if flag == flags.REPLY_WRONG_KEY and (turn.record is None or not turn.record.reply):
            return "That turn has no stored reply to mark."
        return None

    def set_kind(self, turn: Turn, kind: str) -> None:
        """The kind of a turn whose entry is not stored yet: it will be stored with it."""
        turn.kind = kind
        self._show(turn, TurnMarked())

    def flags_changed(self, memory_id: str, changed: dict[str, object]) -> None:
        """An entry's flags are now ``changed`` (in the store, from anywhere): the turns that
        stored it follow."""
        for turn in self._turns:
            if turn.record is not None and turn.record.id == memory_id:
                turn.record = replace(turn.record, metadata=flags.with_flags(turn.record.metadata, changed))
                if entry_kind.KIND_KEY in changed:
                    turn.kind = self._kind_of(turn.record)
                self._show(turn, TurnMarked())

    def _kind_of(self, record: MemoryRecord) -> str | None:
        mode = self._workspace.modes.get(record.mode)
        return entry_kind.kind_of(record.metadata) if mode is not None and mode.mark_questions else None

    def _refused(self, turn: Turn) -> str | None:
        if turn is self._current or turn in self._queue:
            return "That answer is still on its way: wait for it, or stop it with Esc."
        if turn.record is None:
            return f"Nothing is stored for that turn yet: {self.retry_key} sends it."
        return None

    def _again(self, turn: Turn, again: AskAgain) -> str | None:
        refused = self._refused(turn)
        if refused is not None or turn.record is None:
            return refused
        turn.again = again
        turn.state, turn.reply, turn.error = TurnState.WAITING, "", None
        turn.pending = PendingTurn(turn.mode, turn.text, turn.record.id, None)
        self._queue.append(turn)
        self._show(turn, TurnQueued(again=True))
        self._pump()
        return None

    def store_ready(self) -> None:
        """The store opened: what an earlier run left unanswered comes back, and the queue runs."""
        self._recover()
        self._pump()

    @property
    def unfinished(self) -> int:
        """Turns sent but not stored yet: queued, running, or failed before their entry was kept."""
        busy = [*self._queue, *([self._current] if self._current is not None else [])]
        return len(busy) + sum(1 for turn in self._turns
                               if turn.retryable and turn.record is None and turn not in busy)

    @property
    def busy(self) -> bool:
        """A turn is running (asking, streaming or saving) or queued behind one: a lock waits for it."""
        return self._current is not None or (bool(self._queue) and self._workspace.ready)

    @property
    def saving(self) -> bool:
        """The running turn's reply is complete (or stopped) and its entry is being stored."""
        return self._current is not None and self._current.saving

    @property
    def unanswered(self) -> int:
        """``unfinished`` but the turn being saved: turns whose reply has not arrived."""
        return self.unfinished - self.saving

    def unstored(self, mode_name: str) -> list[str]:
        """The texts of ``mode_name``'s turns sent this session whose entry is not stored yet (the
        outbox), newest first: the prompt's history shows them before the stored entries."""
        return [turn.text for turn in reversed(self._turns) if turn.mode == mode_name and turn.record is None]

    # -- the queue -------------------------------------------------------------------------------

    def _show(self, turn: Turn, event: ControllerEvent) -> None:
        self._deliver(TurnUpdate(turn, event))

    def _enqueue(self, turn: Turn) -> Turn:
        self._turns.append(turn)
        self._queue.append(turn)
        self._show(turn, TurnQueued())
        self._pump()
        return turn

    def _pump(self) -> None:
        ready = self._workspace.ready
        if self._current is None and ready and self._queue:
            self._start(self._queue.popleft())
        for waiting in self._queue:
            self._show(waiting, TurnWaiting(ready))

    def _start(self, turn: Turn) -> None:
        self._current = turn
        turn.saving = False
        turn.model = self._workspace.model_for(self._workspace.modes[turn.mode])
        turn.state = TurnState.RECALLING
        turn.sent = None  # a retry's prompt is built anew
        turn.no_room, turn.turns_no_room, turn.text_clipped = set(), 0, False
        self._show(turn, TurnStarted())
        pending = turn.pending or PendingTurn(turn.mode, turn.text, None, turn.outbox_id)
        self._stop = StopSignal()
        options: dict = {"stop": self._stop, "other_modes": turn.other_modes, "kind": turn.kind}
        again, turn.again = turn.again, None
        if again is not None:
            options["edit"] = again.edit
            if again.given is not None:
                options["given"] = [memory for memory in again.given if memory.record.id not in turn.excluded]
        self._worker = self._app.run_worker(partial(self._run, turn, pending, self._context(turn), options),
                                            name=f"turn {turn.id}", group="turn", description="answer a turn",
                                            thread=True, exit_on_error=False)

    def _context(self, turn: Turn) -> list[tuple[str, str]]:
        """Earlier answered turns of the turn's mode, oldest first, as ``TurnService`` context. A
        turn whose entry the person left out of this answer (``x`` on its receipt) is not sent:
        left out means out of every part of the request. A reply the person marked wrong (its
        entry's ``reply_wrong``) is not sent either; the text it answered is."""
        earlier = self._turns[:self._turns.index(turn)]
        return [(other.text, "" if other.reply_wrong else other.reply)
                for other in earlier if other.mode == turn.mode and other.answered
                and (other.record is None or other.record.id not in turn.excluded)][-CONTEXT_TURNS:]

    def _run(self, turn: Turn, pending: PendingTurn, context: list[tuple[str, str]], options: dict) -> None:
        """In a thread worker: the turn's events, posted to the app as they come (``turn`` only
        names the turn: it is read and changed on the event loop). ``options`` go to
        ``TurnService.run`` (``stop``; ``given``/``edit`` when asked again)."""
        worker = get_current_worker()
        turns = self._workspace.turns
        for batch in iterate_detached_batches(lambda: turns.retry(pending, context, **options),
                                              lambda: worker.is_cancelled, name="mindpane-turn",
                                              every=COALESCE_SECONDS, hold=lambda event: isinstance(event, ReplyChunk)):
            for event in coalesce_chunks(batch):
                self._app.post_message(TurnUpdate(turn, event))

    def worker_failed(self, worker: Worker) -> bool:
        """A turn's worker raised (a bug, not a failure the services translate): the turn fails
        with that error and the queue goes on. False if ``worker`` is not the running turn's."""
        turn = self._current
        if turn is None or worker is not self._worker:
            return False
        error = MindpaneError(f"Something went wrong: {type(worker.error).__name__}: {worker.error}",
                              "see mindpane.log in the data directory")
        failed = TurnFailed(error, turn.pending or PendingTurn(turn.mode, turn.text, None, turn.outbox_id))
        self._failed(TurnUpdate(turn, failed), failed)
        return True

    # -- turn events (on the event loop) ---------------------------------------------------------

    def progress(self, message: TurnUpdate) -> None:
        """An event of the running turn's worker: recorded on the turn, then ``message`` is delivered
        (unless the turn was stopped and the event would show a reply no longer wanted)."""
        turn = self._current
        if turn is None or message.turn is not turn:
            return
        event = message.event
        if isinstance(event, Recalled):
            if turn.state is TurnState.STOPPED:  # stopped while recalling: the stopped event follows
                return
            # A turn with memories left out keeps listing them all (the receipts mark the left-out ones).
            turn.recalled = turn.recalled if turn.excluded else event.memories
            turn.window = event.window
            turn.model, turn.state = event.model, TurnState.STREAMING
            turn.sent, turn.sent_options = event.messages, event.options
            turn.no_room, turn.turns_no_room, turn.text_clipped = set(event.left_out), event.turns_left_out, \
                event.text_clipped
            self._deliver(message)
        elif isinstance(event, ReplyChunk):
            if turn.state is TurnState.STOPPED:  # in flight when stopped: ``TurnStopped`` has them all
                return
            turn.add_reply(event.text)
            self._deliver(message)
        elif isinstance(event, Saving):
            turn.saving = True
        elif isinstance(event, TurnDone):
            turn.saving = False
            turn.state, turn.reply, turn.record, turn.pending = TurnState.DONE, event.reply, event.record, None
            self._deliver(message)
            self._app.post_message(OllamaChecked(OllamaStatus(turn.model)))
            self._finish()
        elif isinstance(event, TurnStopped):
            missing = event.partial[len(turn.reply):] if event.partial.startswith(turn.reply) else ""
            turn.reply = event.partial if missing else turn.reply
            if missing:
                self._deliver(TurnUpdate(turn, ReplyChunk(missing)))
            turn.state, turn.record, turn.pending, turn.error = TurnState.STOPPED, event.record, None, None
            turn.saving = False
            self._deliver(message)
            self._finish()
        elif isinstance(event, TurnFailed):
            self._failed(message, event)

    def _failed(self, message: TurnUpdate, event: TurnFailed) -> None:
        """``message`` says ``event``: the turn failed."""
        turn = message.turn
        turn.saving = False
        turn.state, turn.error, turn.pending = TurnState.FAILED, event.error, event.pending
        turn.record = event.record or turn.record
        self._deliver(message)
        kept = "saved without a reply" if turn.record is not None else "kept until answered"
        label = self._workspace.modes[turn.mode].entry_label
        self._app.notify(f"{event.error.message}\n{event.error.hint}".strip() + f"\n({label} {kept}; "
                         f"{self.retry_key} retries)", title="No reply", severity="error", markup=False)
        if isinstance(event.error, OllamaUnreachable | ModelNotFound):
            self._app.post_message(OllamaChecked(OllamaStatus(turn.model, event.error)))
        elif isinstance(event.error, ReplyInterrupted) and self._check_ollama is not None:
            # A cut-off reply says nothing of the server (a full context, a dropped connection, a
            # stall): ask it, so the status line says "✓" while it answers and why not when it does not.
            self._check_ollama(self._workspace.modes[turn.mode])
        self._finish()

    def _finish(self) -> None:
        self._current = self._worker = self._stop = None
        self._pump()

    # -- turns an earlier run left -----------------------------------------------------------------

    def _recover(self) -> None:
        replayed = self._workspace.replayed
        turns = []
        for pending, record in replayed.stored:
            turns.append(Turn(pending.mode, pending.text, state=TurnState.FAILED, record=record,
                              kind=self._kind_of(record),
                              pending=PendingTurn(pending.mode, pending.text, record.id, pending.turn_id),
                              error=MindpaneError("Kept from an earlier session, without a reply",
                                                  f"{self.retry_key} asks for one")))
        for pending in replayed.waiting:
            if pending.mode in self._workspace.modes:
                turns.append(Turn(pending.mode, pending.text, state=TurnState.FAILED,
                                  kind=entry_kind.decide(self._workspace.modes[pending.mode], pending.text),
                                  pending=PendingTurn(pending.mode, pending.text, None, pending.turn_id),
                                  error=MindpaneError("Not answered in an earlier session; kept",
                                                      f"{self.retry_key} asks again")))
        replayed.stored, replayed.waiting = [], []
        for turn in turns:
            self._turns.append(turn)
            self._show(turn, TurnRecovered())
        if turns:
            many = len(turns) != 1
            self._app.notify(f"{len(turns)} unanswered turn{'s' if many else ''} from an earlier session "
                             f"{'are' if many else 'is'} back in the transcript ({self.retry_key} answers).",
                             title="Recovered", markup=False)
