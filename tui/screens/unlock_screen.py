"""The first screen of a locked journal, and the one a lock brings back: the passphrase, which
journal it opens, and that a lost passphrase cannot be recovered.

The key is derived in a thread worker (Argon2id, about half a second), so the screen keeps drawing
("Unlocking…"). A wrong passphrase changes nothing and may be tried again as often as the person
likes; from the fourth wrong try on, each try waits a little longer first (a guesser at the keyboard
is slowed, the journal is never shut). The screen holds no entry and the main screen does not exist
until the journal is unlocked: nothing typed here can go anywhere but the passphrase field.

Under ``create_locked`` a new data dir opens on this screen's "new journal" form instead: the new
passphrase typed twice (a typo in a passphrase nobody can recover would lock the person out), then
the journal is made in a worker. After that the screen is the usual unlock screen, for the next lock.
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
DIFFER = "The two passphrases differ. Nothing was made: type the new passphrase twice again."
LOST = "A lost passphrase cannot be recovered: without it nothing can open this journal."
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
    class Created(Message):
        """The new locked journal is made and its key held: the usual form from now on."""

    @dataclass
    class Refused(Message):
        """The passphrase did not unlock the journal (``wrong``), or the key file is at fault."""

        text: str
        wrong: bool = False

    def __init__(self, unlock: Callable[[str], None], place: str,
                 create: Callable[[str], None] | None = None) -> None:
        """``unlock``: blocking, raises ``WrongPassphrase`` or another ``MindpaneError`` to show;
        ``place``: the data dir, shown so the person knows which journal this is; ``create``: the
        "new journal" form first, and this makes the journal (blocking, raises a ``MindpaneError``)."""
        super().__init__(classes=self.CSS_CLASSES)
        self._unlock = unlock
        self._create = create
        self._place = place
        self._wrong = 0
        self._busy = False

    def compose(self) -> ComposeResult:
        if self._create is not None:
            yield from self._compose_new()
            return
        with Vertical(classes="unlock-dialog"):
            yield Static("This journal is locked", classes="dialog-title")
            yield Static(f"The journal in {self._place}", markup=False, classes="unlock-place")
            yield Input(password=True, placeholder="Passphrase", id="passphrase")
            yield Static("", id="unlock-status", markup=False)
            yield Static(LOST, classes="dialog-hint")
            yield Static("Enter unlocks · ctrl+q quits", classes="dialog-hint")

    def _compose_new(self) -> ComposeResult:
        with Vertical(classes="unlock-dialog"):
            yield Static("A new locked journal", classes="dialog-title")
            yield Static(f"The journal in {self._place} is made locked (create_locked in the config): "
                         "choose its passphrase", markup=False, classes="unlock-place")
            yield Input(password=True, placeholder="New passphrase", id="passphrase")
            yield Input(password=True, placeholder="The same passphrase again", id="again")
            yield Static("", id="unlock-status", markup=False)
            yield Static(f"{LOST} Keep it somewhere safe.", classes="dialog-hint")
            yield Static("Enter goes on · ctrl+q quits", classes="dialog-hint")

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
        if self._create is not None:
            self._submit_new(event.input)
            return
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

    def _submit_new(self, field: Input) -> None:
        first, again = self.query_one("#passphrase", Input), self.query_one("#again", Input)
        if self._busy:
            return
        if not first.value:
            self._say("Type a new passphrase, then press Enter.", error=True)
            first.focus()
            return
        if field is first:
            again.focus()
            return
        passphrase, matches = first.value, first.value == again.value
        first.value = again.value = ""
        first.focus()
        if not matches:
            self._say(DIFFER, error=True)
            return
        self._busy = True
        self._say("Making the locked journal…")
        self._make(passphrase)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False, description="make the locked journal")
    def _make(self, passphrase: str) -> None:
        assert self._create is not None
        try:
            self._create(passphrase)
        except MindpaneError as error:
            self.post_message(self.Refused(f"{error.message}\n{error.hint}".strip()))
        else:
            self.post_message(self.Created())

    async def on_unlock_screen_created(self, message: Created) -> None:
        message.stop()
        self._create = None
        await self.recompose()  # the usual unlock form, for the next lock
        self.post_message(self.Unlocked())

    def on_unlock_screen_refused(self, message: Refused) -> None:
        message.stop()
        self._busy = False
        self._wrong += message.wrong
        self._say(message.text, error=True)
        self.query_one("#passphrase", Input).focus()
