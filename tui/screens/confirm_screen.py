"""Ask before doing something that cannot be undone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from tui.domain.errors import MindpaneError
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.screen_access import DeletedAccess


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


class ForgetDeletedScreen(ReportsWorkerFailures, IrreversibleConfirmScreen):
    """"Forget all deleted": counts the deleted entries first (in a worker) and says how many it will
    erase (``deleted`` reads them); ``ids`` are exactly those, the ones to erase once confirmed. With
    none, there is nothing to confirm."""

    @dataclass
    class Counted(Message, bubble=False):
        ids: list[str] | None = None
        error: MindpaneError | None = None

        def __post_init__(self) -> None:
            super().__post_init__()
            self.ids = self.ids or []

    def __init__(self, deleted: DeletedAccess) -> None:
        super().__init__("Counting the deleted entries…", confirm_label="Forget")
        self.deleted = deleted
        self.ids: list[str] = []

    def on_mount(self) -> None:
        self.query_one(".confirm-yes", Button).disabled = True
        self._count()

    @work(thread=True, exclusive=True, group="count-deleted", exit_on_error=False)
    def _count(self) -> None:
        try:
            self.post_message(self.Counted(self.deleted.ids()))
        except MindpaneError as error:
            self.post_message(self.Counted(error=error))

    def on_forget_deleted_screen_counted(self, message: Counted) -> None:
        self.ids = message.ids
        count = len(self.ids)
        if message.error is not None:
            text = f"The deleted entries could not be counted: {message.error}"
        elif not count:
            text = "There are no deleted entries to forget."
        else:
            entries = "the deleted entry" if count == 1 else f"the {count:,} deleted entries"
            text = (f"Forget {entries}? {'It is' if count == 1 else 'They are'} erased from the disk for good "
                    "and can no longer be undone.")
        self.query_one(".confirm-question", Static).update(text)
        self.query_one(".confirm-yes", Button).disabled = not count

    def action_confirm(self) -> None:
        if self.ids:
            self.dismiss(True)
