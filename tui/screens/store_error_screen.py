"""Shown instead of the chat when the memory store cannot be opened: what happened, how to fix
it, and how to leave. Without a store no turn can run, so this screen takes over."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.domain.errors import MindpaneError


class StoreErrorScreen(Screen[bool]):
    """Dismissed with True when the person asks to try opening the store again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "try_again", "Try again"),
        Binding("ctrl+q,q", "app.quit", "Quit"),
    ]

    def __init__(self, error: MindpaneError) -> None:
        super().__init__(classes="store-error-screen")
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog store-error"):
            yield Static("The memory store could not be opened", classes="dialog-title", markup=False)
            yield Static(self.error.message, classes="store-error-message", markup=False)
            if self.error.hint:
                yield Static(f"How to fix it: {self.error.hint}", classes="store-error-hint", markup=False)
            yield Static("Press r to try again once it is fixed, or q (ctrl+q) to quit. "
                         "Nothing you typed has been sent.", classes="dialog-hint", markup=False)
        yield Footer()

    def action_try_again(self) -> None:
        self.dismiss(True)
