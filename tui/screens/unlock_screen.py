"""The first screen of a locked journal, and the one a lock brings back: the passphrase, which
journal it opens, and that a lost passphrase cannot be recovered.

The key is derived in a thread worker (Argon2id, about half a second), so the screen keeps drawing
("Unlocking…"). A wrong passphrase changes nothing and may be tried again as often as the person
likes; from the fourth wrong try on, each try waits a little longer first (a guesser at the keyboard
is slowed, the journal is never shut). The screen holds no entry and the main screen does not exist
until the journal is unlocked: nothing typed here can go anywhere but the passphrase field.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.domain.errors import MindpaneError, WrongPassphrase
from tui.runtime.workers import ReportsWorkerFailures

WRONG = "That passphrase does not unlock this journal. Nothing changed: try again."
FREE_TRIES = 3
"""Wrong tries before each next one waits a little first."""
WAIT_STEP = 0.5
"""Seconds added to the wait for every wrong try after ``FREE_TRIES`` (at most ``LONGEST_WAIT``)."""
LONGEST_WAIT = 5.0


class UnlockScreen(ReportsWorkerFailures, Screen):
    AUTO_FOCUS = "#passphrase"
    CSS_CLASSES: ClassVar[str] = "unlock-screen"

    @dataclass
    class Unlocked(Message):
        """The workspace holds the journal's key now: the app opens the journal."""

    @dataclass
    class Refused(Message):
        """The passphrase did not unlock the journal (``wrong``), or the key file is at fault."""

        text: str
        wrong: bool = False

    def __init__(self, unlock: Callable[[str], None], place: str) -> None:
        """``unlock``: blocking, raises ``WrongPassphrase`` or another ``MindpaneError`` to show;
        ``place``: the data dir, shown so the person knows which journal this is."""
        super().__init__(classes=self.CSS_CLASSES)
        self._unlock = unlock
        self._place = place
        self._wrong = 0
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="unlock-dialog"):
            yield Static("This journal is locked", classes="dialog-title")
            yield Static(f"The journal in {self._place}", markup=False, classes="unlock-place")
            yield Input(password=True, placeholder="Passphrase", id="passphrase")
            yield Static("", id="unlock-status", markup=False)
            yield Static("A lost passphrase cannot be recovered: without it nothing can open this journal.",
                         classes="dialog-hint")
            yield Static("Enter unlocks · ctrl+q quits", classes="dialog-hint")

    def on_screen_resume(self) -> None:
        """Shown again by a lock: a fresh start (no word of the last unlock)."""
        self._busy = False
        self._say("")
        self.query_one("#passphrase", Input).focus()

    def _say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#unlock-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input
        passphrase, field.value = field.value, ""
        if self._busy:
            return
        if not passphrase:
            self._say("Type the passphrase, then press Enter.", error=True)
            return
        self._busy = True
        wait = min(LONGEST_WAIT, WAIT_STEP * max(0, self._wrong + 1 - FREE_TRIES))
        self._say("Unlocking…" + (f" (after {self._wrong} wrong tries each try waits a moment)" if wait else ""))
        self._try(passphrase, wait)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False, description="unlock the journal")
    def _try(self, passphrase: str, wait: float) -> None:
        time.sleep(wait)
        try:
            self._unlock(passphrase)
        except WrongPassphrase:
            self.post_message(self.Refused(WRONG, wrong=True))
        except MindpaneError as error:
            self.post_message(self.Refused(f"{error.message}\n{error.hint}".strip()))
        else:
            self.post_message(self.Unlocked())  # it bubbles up to the app, which opens the journal

    def on_unlock_screen_refused(self, message: Refused) -> None:
        message.stop()
        self._busy = False
        self._wrong += message.wrong
        self._say(message.text, error=True)
        self.query_one("#passphrase", Input).focus()
