"""A roomy editor for a longer, multi-line entry. Sending returns the text; cancelling keeps it as
a draft so nothing written is lost (on the disk too, as it is typed: ``DraftChanged``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from tui.domain.modes import Mode
from tui.runtime.messages import DraftChanged


@dataclass(frozen=True)
class Composed:
    text: str
    send: bool
    """True: send it now. False: the person cancelled; keep ``text`` as the draft."""


class ComposerScreen(ModalScreen[Composed]):
    HELP_TITLE = "Composer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+enter", "send", "Send"),
        Binding("escape", "cancel", "Cancel, keep draft"),
    ]

    def __init__(self, mode: Mode, draft: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.mode = mode
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog composer"):
            yield Static(f"{self.mode.title} · new {self.mode.entry_label.lower()}", classes="dialog-title",
                         markup=False)
            yield TextArea(self.draft, soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                           placeholder="Write as much as you like; Enter starts a new line.",
                           classes="composer-text", id="composer-text")
            yield Static("ctrl+s sends · escape closes and keeps the draft", classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @on(TextArea.Changed, "#composer-text")
    def _typed(self, event: TextArea.Changed) -> None:
        """What is typed here is kept on the disk as it is typed, as the mode's composer draft."""
        self.post_message(DraftChanged(event.text_area.text, self.mode.name))

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_send(self) -> None:
        if self.text.strip():
            self.dismiss(Composed(self.text.strip(), send=True))
        else:
            self.notify("Nothing to send yet.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(Composed(self.text, send=False))
