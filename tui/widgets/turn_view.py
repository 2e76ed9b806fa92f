"""One turn in a transcript: the person's text shown literally, a status line, and the reply.

While the reply is awaited a line counts the seconds (``ThinkingLine``); once it ends, the status
line says how long it took, and a failure says when it happened and which attempt it was (a
retry failing the same way looked as if nothing had happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui.domain.entry_kind import QUESTION_LABEL
from tui.domain.flags import WRONG_GLYPH
from tui.domain.modes import Mode
from tui.runtime.session import Turn, TurnState
from tui.text import transcript_text
from tui.widgets.thinking import ThinkingLine, app_now, local_time, whole_seconds

if TYPE_CHECKING:
    from tui.widgets.reply import ReplyView

WAITING_FOR_STORE = "waiting for the memory store to open — it will be sent then"
WAITING_FOR_TURN = "waiting for the previous reply to finish"


class TurnView(Vertical):
    """Shows a ``Turn``: the turn controller changes the turn, the chat pane then asks this view to
    show it (it never changes the turn itself)."""

    @dataclass
    class Clicked(Message):
        view: TurnView

    def __init__(self, turn: Turn, mode: Mode, retry_key: str = "ctrl+r") -> None:
        super().__init__(classes="turn")
        self.turn = turn
        self.mode = mode
        self.retry_key = retry_key
        self._reply: ReplyView | None = None
        self._state_class: str | None = None
        self._status_text = ""
        """The status line as the turn's state has it, before the marks (``reply marked wrong``)."""
        self._thinking = ThinkingLine(classes="turn-thinking")
        self._started: datetime | None = None
        """When the turn last started (None: not in this session's view: recovered, or queued)."""
        self._ended: datetime | None = None
        """When it then ended (done, failed, stopped): what it says of its time stays as it was."""
        self._first_words: int | None = None
        """Seconds from the start to the reply's first words (None: none yet)."""
        self._attempt = 0
        """How many times in a row the turn was started without an answer."""

    def compose(self) -> ComposeResult:
        from tui.widgets.reply import ReplyView  # here: Markdown is not needed before the first turn

        yield Static(self._label(), classes="turn-label -question" if self.turn.question else "turn-label",
                     markup=False)
        yield Static(transcript_text(self.turn.text), classes="turn-text", markup=False)
        yield Static("", classes="turn-status", markup=False)
        yield self._thinking
        self._reply = ReplyView(classes="reply")
        yield self._reply

    def _label(self) -> str:
        """What the person wrote is: the mode's entry, or a question to the journal."""
        return QUESTION_LABEL if self.turn.question else self.mode.entry_label

    def show_marks(self) -> None:
        """The turn's kind or its reply's wrong mark changed: the label and status line follow."""
        label = self.query_one(".turn-label", Static)
        label.update(self._label())
        label.set_class(self.turn.question, "-question")
        if self._state_class is not None:
            self._status(self._status_text, self._state_class)

    @property
    def reply(self) -> ReplyView:
        """(Kept, not queried: it is asked for on every chunk of a streaming reply.)"""
        if self._reply is None:
            from tui.widgets.reply import ReplyView

            self._reply = self.query_one(ReplyView)
        return self._reply

    def on_click(self) -> None:
        self.post_message(self.Clicked(self))

    def show_selected(self, selected: bool) -> None:
        """Mark the turn the transcript's cursor is on. Only the turn itself is styled by
        ``-selected`` (its border and background: see chat.tcss), so only it is restyled; a class
        change restyles the whole subtree, every block of a long reply (~12 ms as each new turn
        took the cursor from it). A background change still redraws the blocks over it."""
        if self.has_class("-selected") == selected:
            return
        self.set_class(selected, "-selected", update=False)
        self.app.stylesheet.apply(self)

    # -- showing the turn's state (called by the chat pane, on the event loop) -------------------

    def show_waiting(self, store_ready: bool) -> None:
        self._status(WAITING_FOR_TURN if store_ready else WAITING_FOR_STORE, "-waiting")

    def show_recalling(self) -> None:
        """The turn started (again): the wait for its reply is counted from now."""
        self._attempt += 1
        self._started, self._ended, self._first_words = app_now(self), None, None
        self._status("recalling related memories…", "-busy")
        self._thinking.start(self._started, self._attempt)

    def _counts(self) -> tuple[int, int]:
        """How many memories the prompt got by recall, and how many because they are pinned."""
        memories = self.turn.recalled or []
        pinned = sum(1 for memory in memories if memory.pinned)
        return len(memories) - pinned, pinned

    def show_recalled(self) -> None:
        count, pinned = self._counts()
        memories = "no earlier memory" if not count else f"{count} memor{'y' if count == 1 else 'ies'}"
        also = f" · {pinned} pinned" if pinned else ""
        self._status(f"{self.mode.reply_label} from {self.turn.model} · recalled {memories}{also}{self._room()}",
                     "-busy")

    async def add_chunk(self, chunk: str) -> None:
        if self._thinking.running:
            self._show_first_words()
        await self.reply.write(chunk)

    def _show_first_words(self) -> None:
        self._thinking.stop()
        self._first_words = self._seconds()
        if self._first_words:
            self._status(f"{self._status_text} · first words after {self._first_words} s", "-busy")

    def _seconds(self) -> int:
        """Seconds from the turn's start to its end, or to now."""
        return whole_seconds(self._started, self._ended or app_now(self)) if self._started is not None else 0

    def _end(self) -> None:
        """Done, failed or stopped: the wait is over (a stopped turn is shown finished twice: when
        stopped, and when what arrived is saved; the first time counts)."""
        self._thinking.stop()
        if self._started is not None and self._ended is None:
            self._ended = app_now(self)

    def _took(self) -> str:
        """" · first words after 12 s, 41 s in all", or less when it was quick."""
        total = self._seconds()
        if self._first_words:
            rest = f", {total} s in all" if total > self._first_words else ""
            return f" · first words after {self._first_words} s{rest}"
        return f" · {total} s" if total else ""

    def _when_failed(self) -> str:
        """"attempt 2 failed at 09:31:08 after 3 s"; empty for a turn this view never started."""
        if self._started is None:
            return ""
        seconds = self._seconds()
        attempt = f"attempt {self._attempt} " if self._attempt > 1 else ""
        return f"{attempt}failed at {local_time(self._ended or app_now(self))}" + \
            (f" after {seconds} s" if seconds else "")

    async def show_finished(self) -> None:
        """Done, stopped or failed, as ``turn.state`` says."""
        if self.turn.state is TurnState.DONE:
            await self.show_done()
        elif self.turn.state is TurnState.STOPPED:
            await self.show_stopped()
        else:
            await self.show_failed()

    async def show_done(self) -> None:
        self._end()
        await self.reply.finish()
        count, pinned = self._counts()
        recalled = (f"recalled {count}" if count else "nothing recalled") + (f" · {pinned} pinned" if pinned else "")
        self._status(f"{self.mode.reply_label} · {self.turn.model} · {recalled}{self._room()}{self._took()}", "-done")
        self._attempt = 0

    def _room(self) -> str:
        """" · 2 left out for room" when the prompt had to leave things out to fit the model."""
        note = self.turn.room_note(self.mode.entry_label)
        return f" · {note}" if note else ""

    async def show_failed(self) -> None:
        self._end()
        await self.reply.finish()
        error = self.turn.error
        lines = [f"⚠ {error.message}" if error else "⚠ The turn failed"]
        if error and error.hint:
            lines.append(f"  {error.hint}")
        when = self._when_failed()
        if when:
            lines.append(f"  {when}")
        lines.append(f"  {self._kept_note()} Press {self.retry_key} to retry.")
        self._status("\n".join(lines), "-failed")

    async def show_stopped(self) -> None:
        """Stopped by the person: what arrived stays, and the line says so (not an error)."""
        self._end()
        await self.reply.finish()
        if self.turn.record is not None:
            kept = "partial reply saved" if self.turn.reply else f"{self.mode.entry_label.lower()} saved"
        else:
            kept = "saving what arrived…"
        seconds = self._seconds()
        after = f" · after {seconds} s" if seconds else ""
        self._status(f"■ stopped · {self.mode.reply_label} · {self.turn.model} · {kept}{after}", "-stopped")
        self._attempt = 0

    async def reset_for_retry(self) -> None:
        """Asked again: the reply and the last failure go; the text is shown anew (an edit and
        resend changed it)."""
        self.query_one(".turn-text", Static).update(transcript_text(self.turn.text))
        self._status("asking again…", "-busy")
        await self.reply.clear()

    def _kept_note(self) -> str:
        if self.turn.record is not None:
            return f"Your {self.mode.entry_label.lower()} was saved without a reply."
        return (f"Not stored yet: your {self.mode.entry_label.lower()} is kept on disk until it is answered "
                "(also after a restart).")

    def _status(self, text: str, state_class: str) -> None:
        self._status_text = text
        if self.turn.reply_wrong and state_class in ("-done", "-stopped", "-failed"):
            text += f" · {WRONG_GLYPH} reply marked wrong"
        status = self.query_one(".turn-status", Static)
        if str(status.content) != text:
            status.update(text)
        if state_class == self._state_class:
            return
        self._state_class = state_class
        # The state's class goes on the status line, the one widget it styles: on the turn, each
        # change restyled every widget of the reply below (~6 ms a turn, mid-turn).
        for name in ("-waiting", "-busy", "-done", "-failed", "-stopped"):
            status.set_class(name == state_class, name, update=False)
        status.update_node_styles()
