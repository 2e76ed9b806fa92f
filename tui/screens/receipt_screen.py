"""One recalled memory in full: what was written, its date, how relevant it was (or that it was
pinned), and its reply."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.text import for_display, local_minute, one_line


class ReceiptScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, memory: RecalledMemory, mode: Mode) -> None:
        super().__init__(classes="dialog-screen")
        self.memory = memory
        self.mode = mode

    def compose(self) -> ComposeResult:
        record = self.memory.record
        date = local_minute(record.created_at)
        with Vertical(classes="dialog receipt"):
            why = "pinned: in every prompt" if self.memory.pinned else f"relevance {self.memory.score:.2f}"
            reason = f" · {one_line(self.memory.reason, 120)}" if self.memory.reason and not self.memory.pinned else ""
            yield Static(f"Recalled {self.mode.entry_label.lower()} · {why}{reason} · {date}",
                         classes="dialog-title", markup=False)
            with VerticalScroll(classes="receipt-body"):
                yield Static(self.mode.entry_label, classes="receipt-label", markup=False)
                yield Static(for_display(record.text), classes="receipt-text", markup=False)
                yield Static(self.mode.reply_label, classes="receipt-label", markup=False)
                if record.reply:
                    yield Markdown(for_display(record.reply), classes="reply")
                else:
                    yield Static("(saved without a reply)", classes="receipt-no-reply", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".receipt-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
