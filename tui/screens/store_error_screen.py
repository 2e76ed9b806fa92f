"""Shown instead of the chat when the memory store cannot be opened: what happened, how to fix
it, and how to leave. Without a store no turn can run, so this screen takes over.

It binds no bare letter: a person who did not notice the screen (it can appear while they type
their first entry) must not quit or retry by typing. Only ctrl+ and F-keys act here: a printable
key stops at this screen, so an app-wide bare-key binding (``?`` for help) does not act either.
The dialog scrolls: at 80×24 a long message and the doctor's report do not fit at once."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.errors import MindpaneError
from tui.runtime.workers import ReportsWorkerFailures
from tui.widgets.keys_footer import KeysFooter

if TYPE_CHECKING:
    from textual import getters

    from tui.app import MindpaneApp


class DoctorReport(Static):
    """The doctor's lines: once laid out at their new size, scrolled into view (the dialog may be
    taller than the screen, and they come last)."""

    def on_resize(self) -> None:
        if str(self.content):
            self.scroll_visible(top=True, animate=False)


class StoreErrorScreen(ReportsWorkerFailures, Screen[bool]):
    """Dismissed with True when the person asks to try opening the store again."""

    if TYPE_CHECKING:  # ``self.app.settings`` typed; at run time Textual's own: see ``tui.screens``
        app = getters.app(MindpaneApp)

    HELP_TITLE = "Store error"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r,f5", "try_again", "Try again"),
        Binding("ctrl+d,f6", "diagnose", "Diagnose", tooltip="Check the data dir, the store and Ollama (read-only)"),
        Binding("f7", "repair", "Repair",
                tooltip="Move damaged files aside and rebuild them (mindpane doctor --repair)"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, error: MindpaneError) -> None:
        super().__init__(classes="store-error-screen")
        self.error = error

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog store-error"):
            yield Static("The memory store could not be opened", classes="dialog-title", markup=False)
            yield Static(self.error.message, classes="store-error-message", markup=False)
            if self.error.hint:
                yield Static(f"How to fix it: {self.error.hint}", classes="store-error-hint", markup=False)
            yield Static("Press ctrl+d to diagnose, F7 to repair (damaged files are moved aside, never deleted), "
                         "ctrl+r to try again once it is fixed, or ctrl+q to quit. Anything you sent is kept on disk "
                         "and is stored once the store opens.", classes="dialog-hint", markup=False)
            yield DoctorReport("", classes="store-error-report", markup=False)
        yield KeysFooter()

    def on_key(self, event: events.Key) -> None:
        if event.is_printable:
            event.stop()
            event.prevent_default()

    def action_try_again(self) -> None:
        self.dismiss(True)

    def action_diagnose(self) -> None:
        self._report("Diagnosing…")
        self._run_doctor(repair=False)

    def action_repair(self) -> None:
        self._report("Repairing… (re-embedding a large journal takes a while)")
        self._run_doctor(repair=True)

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def _run_doctor(self, repair: bool) -> None:
        """``mindpane doctor`` in-process; its lines (never entry text) are shown here."""
        out, err = io.StringIO(), io.StringIO()
        if repair:
            from tui.services.doctor_repair import run_repair

            code = run_repair(self.app.settings, out, err)
        else:
            from tui.services.doctor import run_doctor

            code = run_doctor(self.app.settings, out)
        verdict = ("Repaired: press ctrl+r to open the store." if repair and code == 0
                   else "All checks pass." if code == 0 else "")
        self.post_message(self.Reported((out.getvalue().strip() + "\n" + verdict).strip()))

    @dataclass
    class Reported(Message, bubble=False):
        """What the doctor (or its repair) found, to show under the error."""

        text: str

    def on_store_error_screen_reported(self, message: Reported) -> None:
        self._report(message.text)

    def _report(self, text: str) -> None:
        """Show the doctor's lines under the error; the dialog scrolls (↑ ↓ PgUp PgDn) when they do
        not fit."""
        self.query_one(DoctorReport).update(text)
