"""One stored entry in full: its text, the reply it got, where it came from, and every change
it went through. From here it can be edited or deleted (both report ``EntryChanged``), pinned
or unpinned (``PinChanged``), flipped between entry and question, or its reply marked wrong
(``FlagsChanged``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.domain.entry_kind import KIND_KEY, QUESTION_GLYPH, QUESTION_LABEL, is_question
from tui.domain.errors import MemoryNotFound, MindpaneError
from tui.domain.flags import REPLY_WRONG_KEY, WRONG_GLYPH, FlagState, reply_wrong, with_flags
from tui.domain.pins import PIN_GLYPH, PinState
from tui.domain.records import HistoryEvent, MemoryRecord
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.screens.confirm_screen import IrreversibleConfirmScreen
from tui.screens.edit_screen import EditScreen
from tui.services.screen_access import EntryAccess, NotFlagged
from tui.text import for_display, local_minute
from tui.widgets.history_messages import EntryChanged, FlagsChanged, PinChanged
from tui.widgets.history_text import describe_change


class EntryScreen(ReportsWorkerFailures, ModalScreen[None]):
    """Show one entry; ``entries`` is what it may do with the journal; ``report_to`` receives
    ``EntryChanged`` (default: the app)."""

    HELP_TITLE = "History entry"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit"),
        Binding("a", "answer", "Answer", tooltip="Ask the model about an entry that never got a reply"),
        Binding("d", "delete", "Delete", tooltip="Delete the entry (undo it from Changes, or u in the history)"),
        Binding("f", "forget", "Forget", tooltip="Erase the entry from the disk for good (asks first)"),
        Binding("p", "pin", "Pin", tooltip="Pin the entry: it goes into every prompt of its mode (p again unpins)"),
        Binding("q", "flag('kind')", "Question / entry",
                tooltip="The entry is a question to the journal (kept, not recalled as a memory) or an entry: q "
                        "flips it"),
        Binding("w", "flag('reply_wrong')", "Reply wrong",
                tooltip="Mark the entry's reply wrong: it is not put into a prompt again (w again unmarks it)"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class AnswerRequested(Message):
        """The person wants a reply for a stored entry that has none."""

        record: MemoryRecord

    @dataclass
    class Loaded(Message, bubble=False):
        """The entry as stored and its changes; ``edited``: after an edit made here."""

        record: MemoryRecord
        changes: list[HistoryEvent]
        edited: bool = False
        pinned: bool = False

    @dataclass
    class PinToggled(Message, bubble=False):
        state: PinState

    @dataclass
    class Deleted(Message, bubble=False):
        """``notes``: what a forget did to copies repair had moved aside (see ``Forgotten``)."""

        forgotten: bool
        notes: tuple[str, ...] = ()

    def __init__(self, memory_id: str, entries: EntryAccess, report_to: MessagePump | None = None) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.entries = entries
        self.record: MemoryRecord | None = None
        self.pinned = False
        self._report_to = report_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="entry-dialog"):
            yield Static("Entry", classes="entry-title", markup=False)
            with VerticalScroll(classes="entry-body"):
                yield Static("Loading…", classes="entry-text", markup=False)
                yield Static("", classes="entry-label entry-reply-label", markup=False)
                yield Static("", classes="entry-reply", markup=False)
                yield Static("", classes="entry-meta", markup=False)
                yield Static("Changes", classes="entry-label")
                yield Vertical(classes="entry-changes")
            yield Footer()

    def on_mount(self) -> None:
        self._load()

    # -- loading ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="entry-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            record = self.entries.get(self.memory_id)
            if record is None:
                raise MemoryNotFound("This entry no longer exists", "it was deleted meanwhile")
            pinned = self.entries.is_pinned(record)
            self.post_message(self.Loaded(record, self.entries.history(self.memory_id), pinned=pinned))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_entry_screen_loaded(self, message: Loaded) -> None:
        if not message.edited:
            self.pinned = message.pinned
        self._show(message.record, message.changes)
        if message.edited:
            self._report(False)

    def _show(self, record: MemoryRecord, changes: list[HistoryEvent]) -> None:
        self.record = record
        mode = self.entries.mode(record.mode)
        mode_title = mode.title if mode else record.mode
        self._show_title(record)
        self.query_one(".entry-text", Static).update(for_display(record.text))
        self.query_one(".entry-reply-label", Static).update(mode.reply_label if mode else "Reply")
        self.query_one(".entry-reply", Static).update(for_display(record.reply))
        self.set_class(not record.reply, "-no-reply")
        self.query_one(".entry-meta", Static).update(self._describe(record, mode_title, self.pinned))
        box = self.query_one(".entry-changes", Vertical)
        box.remove_children()
        box.mount_all(self._change_row(change) for change in changes)
        self.refresh_bindings()

    def _show_title(self, record: MemoryRecord) -> None:
        mode = self.entries.mode(record.mode)
        label = QUESTION_LABEL if is_question(record) else mode.entry_label if mode else "Entry"
        self.query_one(".entry-title", Static).update(f"{mode.title if mode else record.mode} · {label}")

    @staticmethod
    def _change_row(change: HistoryEvent) -> Static:
        what = describe_change(change.old_text, change.new_text)
        return Static(f"{change.event} · {local_minute(change.at)}\n{what}",
                      classes=f"entry-change change-{change.event.lower()}", markup=False)

    @staticmethod
    def _describe(record: MemoryRecord, mode_title: str, pinned: bool = False) -> str:
        parts = [f"{PIN_GLYPH} pinned", mode_title] if pinned else [mode_title]
        if is_question(record):
            parts.append(f"{QUESTION_GLYPH} {QUESTION_LABEL.lower()}")
        if reply_wrong(record.metadata):
            parts.append(f"{WRONG_GLYPH} reply marked wrong")
        model = record.metadata.get("model")
        if model:
            parts.append(f"model {model}")
        parts.append(f"written {local_minute(record.created_at)}")
        if record.updated_at != record.created_at:
            parts.append(f"edited {local_minute(record.updated_at)}")
        parts += [f"{key}: {value}" for key, value in sorted(record.metadata.items())
                  if key not in {"mode", "model", KIND_KEY, REPLY_WRONG_KEY}]
        return for_display(" · ".join(parts))

    # -- editing ---------------------------------------------------------------------------------

    def action_edit(self) -> None:
        if self.record is not None:
            self.app.push_screen(EditScreen(self.record.text), self._edited)

    def _edited(self, text: str | None) -> None:
        if text is not None and self.record is not None and text != self.record.text:
            self._save(text)

    @work(thread=True, exclusive=True, group="entry-write", exit_on_error=False)
    def _save(self, text: str) -> None:
        try:
            record = self.entries.update_text(self.memory_id, text)
            self.post_message(self.Loaded(record, self.entries.history(self.memory_id), edited=True))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    # -- answering -------------------------------------------------------------------------------

    def action_answer(self) -> None:
        if self.record is not None and not self.record.reply:
            (self._report_to or self.app).post_message(self.AnswerRequested(self.record))
            self._close()

    # -- pinning -----------------------------------------------------------------------------------

    def action_pin(self) -> None:
        if self.record is not None:
            self._toggle_pin()

    @work(thread=True, exclusive=True, group="entry-write", exit_on_error=False)
    def _toggle_pin(self) -> None:
        try:
            self.post_message(self.PinToggled(self.entries.toggle_pin(self.memory_id)))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_entry_screen_pin_toggled(self, message: PinToggled) -> None:
        self.pinned = message.state.pinned
        if self.record is not None:
            mode = self.entries.mode(self.record.mode)
            self.query_one(".entry-meta", Static).update(
                self._describe(self.record, mode.title if mode else self.record.mode, self.pinned))
        self.notify(message.state.notice, markup=False)
        (self._report_to or self.app).post_message(PinChanged(message.state.memory_id, message.state.pinned))

    # -- flags: question or entry, reply marked wrong --------------------------------------------------

    def action_flag(self, flag: str) -> None:
        if self.record is not None:
            self._flip(flag)

    @dataclass
    class Flipped(Message, bubble=False):
        state: FlagState

    @work(thread=True, exclusive=True, group="entry-write", exit_on_error=False)
    def _flip(self, flag: str) -> None:
        try:
            self.post_message(self.Flipped(self.entries.flip(self.memory_id, flag)))
        except NotFlagged as refused:
            self.notify(refused.message, markup=False)
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_entry_screen_flipped(self, message: Flipped) -> None:
        state = message.state
        if self.record is not None:
            self.record = replace(self.record, metadata=with_flags(self.record.metadata, state.flags))
            mode = self.entries.mode(self.record.mode)
            self._show_title(self.record)
            self.query_one(".entry-meta", Static).update(
                self._describe(self.record, mode.title if mode else self.record.mode, self.pinned))
        self.notify(state.notice, markup=False)
        (self._report_to or self.app).post_message(FlagsChanged(state.memory_id, state.flags))

    # -- deleting and forgetting -------------------------------------------------------------------

    def action_delete(self) -> None:
        """Reversible: no question asked, the notification says how to undo it."""
        if self.record is not None:
            self._delete(forget=False)

    def action_forget(self) -> None:
        if self.record is not None:
            self.app.push_screen(IrreversibleConfirmScreen(
                "Forget this entry? Its text and reply are erased from the disk for good: this cannot be undone.",
                confirm_label="Forget"), self._forget_confirmed)

    def _forget_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._delete(forget=True)

    @work(thread=True, exclusive=True, group="entry-write", exit_on_error=False)
    def _delete(self, forget: bool) -> None:
        try:
            notes: tuple[str, ...] = ()
            if forget:
                notes = self.entries.forget(self.memory_id).notes
            else:
                self.entries.delete(self.memory_id)
        except MindpaneError as error:
            self.post_message(WorkFailed(error))
            return
        self.post_message(self.Deleted(forget, notes))

    def on_entry_screen_deleted(self, message: Deleted) -> None:
        forgotten = message.forgotten
        self._report(True)
        self.notify(" ".join(["Entry forgotten: erased from the disk.", *(f"{n}." for n in message.notes)])
                    if forgotten
                    else "Entry deleted. u in the history (or Changes) brings it back.", markup=False)
        self._close()

    # -- common ----------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def _close(self) -> None:
        """Leave after the entry is gone, even if a dialog opened from here is still on top."""
        if self not in self.app.screen_stack:
            return
        if self.app.screen is not self:
            self.pop_until_active()
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"edit", "delete", "forget", "pin", "flag"}:
            return None if self.record is None else True
        if action == "answer":
            return None if self.record is None or self.record.reply else True
        return True

    def _report(self, deleted: bool) -> None:
        (self._report_to or self.app).post_message(EntryChanged(self.memory_id, deleted=deleted))

    def on_work_failed(self, message: WorkFailed) -> None:
        error = message.error
        self.notify(str(error), severity="error", markup=False)
        if isinstance(error, MemoryNotFound):
            self._report(True)
            self._close()
