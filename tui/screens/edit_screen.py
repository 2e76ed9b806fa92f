"""Edit an entry's text in a multi-line editor; the caller stores the result."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea


class EditScreen(ModalScreen[str | None]):
    """Dismisses with the new text (ctrl+s) or ``None`` (escape). Empty text is refused:
    an entry with nothing in it would be recalled for every question."""

    HELP_TITLE = "Entry editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, text: str, title: str = "Edit entry") -> None:
        super().__init__()
        self._text = text
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="edit-dialog"):
            yield Static(self._title, classes="edit-title", markup=False)
            yield TextArea(self._text, soft_wrap=True, tab_behavior="focus", classes="edit-text")
            yield Footer()

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("An entry can't be empty: write something, or press escape to keep it as it was.",
                        title="Nothing to save", severity="warning", markup=False)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
