"""One stored entry in full: its text, the reply it got, where it came from, and every change
it went through. From here it can be edited or deleted; both report ``EntryChanged``."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.domain.errors import MemoryNotFound, MindpaneError
from tui.domain.records import HistoryEvent, MemoryRecord
from tui.screens.confirm_screen import ConfirmScreen
from tui.screens.edit_screen import EditScreen
from tui.text import for_display, local_minute
from tui.widgets.history_messages import EntryChanged
from tui.widgets.history_text import describe_change


class EntryScreen(ModalScreen[None]):
    """Show one entry; ``report_to`` receives ``EntryChanged`` (default: the app)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, memory_id: str, report_to: MessagePump | None = None) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.record: MemoryRecord | None = None
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

    @work(thread=True, exclusive=True, group="entry-load")
    def _load(self) -> None:
        try:
            store = self.app.workspace.store
            record = store.get(self.memory_id)
            if record is None:
                raise MemoryNotFound("This entry no longer exists", "it was deleted meanwhile")
            changes = store.history(self.memory_id)
        except MindpaneError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._show, record, changes)

    def _show(self, record: MemoryRecord, changes: list[HistoryEvent]) -> None:
        self.record = record
        mode = self.app.workspace.modes.get(record.mode)
        mode_title = mode.title if mode else record.mode
        self.query_one(".entry-title", Static).update(f"{mode_title} · {mode.entry_label if mode else 'Entry'}")
        self.query_one(".entry-text", Static).update(for_display(record.text))
        self.query_one(".entry-reply-label", Static).update(mode.reply_label if mode else "Reply")
        self.query_one(".entry-reply", Static).update(for_display(record.reply))
        self.set_class(not record.reply, "-no-reply")
        self.query_one(".entry-meta", Static).update(self._describe(record, mode_title))
        box = self.query_one(".entry-changes", Vertical)
        box.remove_children()
        box.mount_all(self._change_row(change) for change in changes)
        self.refresh_bindings()

    @staticmethod
    def _change_row(change: HistoryEvent) -> Static:
        what = describe_change(change.old_text, change.new_text)
        return Static(f"{change.event} · {local_minute(change.at)}\n{what}",
                      classes=f"entry-change change-{change.event.lower()}", markup=False)

    @staticmethod
    def _describe(record: MemoryRecord, mode_title: str) -> str:
        parts = [mode_title]
        model = record.metadata.get("model")
        if model:
            parts.append(f"model {model}")
        parts.append(f"written {local_minute(record.created_at)}")
        if record.updated_at != record.created_at:
            parts.append(f"edited {local_minute(record.updated_at)}")
        parts += [f"{key}: {value}" for key, value in sorted(record.metadata.items()) if key not in {"mode", "model"}]
        return for_display(" · ".join(parts))

    # -- editing ---------------------------------------------------------------------------------

    def action_edit(self) -> None:
        if self.record is not None:
            self.app.push_screen(EditScreen(self.record.text), self._edited)

    def _edited(self, text: str | None) -> None:
        if text is not None and self.record is not None and text != self.record.text:
            self._save(text)

    @work(thread=True, exclusive=True, group="entry-write")
    def _save(self, text: str) -> None:
        try:
            store = self.app.workspace.store
            record = store.update_text(self.memory_id, text)
            changes = store.history(self.memory_id)
        except MindpaneError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._show, record, changes)
        self.app.call_from_thread(self._report, False)

    # -- deleting --------------------------------------------------------------------------------

    def action_delete(self) -> None:
        if self.record is not None:
            self.app.push_screen(ConfirmScreen("Delete this entry? Its text and reply are gone for good."),
                                 self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._delete()

    @work(thread=True, exclusive=True, group="entry-write")
    def _delete(self) -> None:
        try:
            self.app.workspace.store.delete(self.memory_id)
        except MindpaneError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._deleted)

    def _deleted(self) -> None:
        self._report(True)
        self.notify("Entry deleted")
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
        if action in {"edit", "delete"}:
            return None if self.record is None else True
        return True

    def _report(self, deleted: bool) -> None:
        (self._report_to or self.app).post_message(EntryChanged(self.memory_id, deleted=deleted))

    def _failed(self, error: MindpaneError) -> None:
        self.notify(str(error), severity="error", markup=False)
        if isinstance(error, MemoryNotFound):
            self._report(True)
            self._close()
