"""Ask before doing something that cannot be undone."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with ``True`` (y, enter) or ``False`` (n, escape)."""

    HELP_TITLE = "Question"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, question: str, confirm_label: str = "Delete") -> None:
        super().__init__()
        self._question = question
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="confirm-dialog"):
            yield Static(self._question, classes="confirm-question", markup=False)
            with Horizontal(classes="confirm-actions"):
                yield Button(self._confirm_label, variant="error", classes="confirm-yes")
                yield Button("Cancel", classes="confirm-no")
            yield Footer()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.has_class("confirm-yes"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class IrreversibleConfirmScreen(ConfirmScreen, inherit_bindings=False):
    """For what cannot be undone (forget): Cancel has the focus, so Enter keeps everything; only
    ``y`` or the button itself goes ahead."""

    AUTO_FOCUS = ".confirm-no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]
