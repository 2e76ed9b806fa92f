"""Shown instead of the chat when the memory store cannot be opened: what happened, how to fix
it, and how to leave. Without a store no turn can run, so this screen takes over.

It binds no bare letter: a person who did not notice the screen (it can appear while they type
their first entry) must not quit or retry by typing. Only ctrl+ and F-keys act here: a printable
key stops at this screen, so an app-wide bare-key binding (``?`` for help) does not act either."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.domain.errors import MindpaneError


class StoreErrorScreen(Screen[bool]):
    """Dismissed with True when the person asks to try opening the store again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r,f5", "try_again", "Try again"),
        Binding("ctrl+q", "app.quit", "Quit"),
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
            yield Static("Press ctrl+r to try again once it is fixed, or ctrl+q to quit. "
                         "Nothing you typed has been sent.", classes="dialog-hint", markup=False)
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        if event.is_printable:
            event.stop()
            event.prevent_default()

    def action_try_again(self) -> None:
        self.dismiss(True)
