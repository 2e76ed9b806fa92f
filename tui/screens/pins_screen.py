"""A mode's pinned memories in one list, oldest pin first: the ones that go into every prompt of
the mode (the first ``pin_limit``) and any pinned beyond it. Enter opens one, ``p`` unpins it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode
from tui.domain.pins import PinState
from tui.domain.records import MemoryRecord
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.screens.entry_screen import EntryScreen
from tui.services.screen_access import PinsAccess
from tui.text import local_minute
from tui.widgets.history_messages import PinChanged
from tui.widgets.history_text import preview


class PinsScreen(ReportsWorkerFailures, ModalScreen[None]):
    """``pins`` is what it may do with the journal; ``report_to`` receives ``PinChanged`` (and the
    opened entry's ``EntryChanged``); default: the app."""

    HELP_TITLE = "Pinned memories"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p,delete", "unpin", "Unpin", tooltip="Unpin the selected memory: it stops going into every prompt"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        """The mode's pins, after ``state`` (an unpin made here; None: just loaded)."""

        records: list[MemoryRecord]
        state: PinState | None = None

    def __init__(self, mode: Mode, pins: PinsAccess, report_to: MessagePump | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.mode = mode
        self.pins = pins
        self.records: list[MemoryRecord] = []
        self._report_to = report_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pins"):
            yield Static(f"Pinned in {self.mode.title}", classes="dialog-title", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True, classes="pins-table")
            yield Static("Loading…", classes="dialog-hint pins-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "In prompts", "Written", "Entry")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="pins", exit_on_error=False)
    def _load(self) -> None:
        try:
            self.post_message(self.Loaded(self.pins.pinned(self.mode.name)))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_pins_screen_loaded(self, message: Loaded) -> None:
        self._show(message.records)
        state = message.state
        if state is not None:
            self.notify(state.notice, markup=False)
            (self._report_to or self.app).post_message(PinChanged(state.memory_id, state.pinned))

    def _show(self, records: list[MemoryRecord]) -> None:
        self.records = records
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        limit = self.mode.pin_limit
        for number, record in enumerate(records, start=1):
            table.add_row(Text(str(number)), Text("yes" if number <= limit else "over pin_limit"),
                          Text(local_minute(record.created_at)),
                          Text(preview(record.text), no_wrap=True, overflow="ellipsis"), key=record.id)
        if records:
            table.move_cursor(row=min(row, len(records) - 1))
            hint = (f"The first {limit} go into every {self.mode.title} prompt · Enter opens · p unpins · "
                    "escape closes")
        else:
            hint = f"Nothing pinned in {self.mode.title} yet: p on an entry in the history or on a receipt pins it."
        self.query_one(".pins-hint", Static).update(hint)

    @property
    def selected(self) -> MemoryRecord | None:
        table = self.query_one(DataTable)
        if not self.records or table.cursor_row >= len(self.records):
            return None
        return self.records[table.cursor_row]

    def action_unpin(self) -> None:
        record = self.selected
        if record is not None:
            self._unpin(record.id)

    @work(thread=True, exclusive=True, group="pins-write", exit_on_error=False)
    def _unpin(self, memory_id: str) -> None:
        try:
            state = self.pins.unpin(memory_id, self.mode.name)
            self.post_message(self.Loaded(self.pins.pinned(self.mode.name), state))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.push_screen(EntryScreen(event.row_key.value, self.pins.entry(), report_to=self._report_to))

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
