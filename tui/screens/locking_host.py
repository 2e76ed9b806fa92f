"""The app's side of a locked journal (mixed into ``MindpaneApp``): the unlock screen first, the lock
key, the auto-lock after an idle time.

Locking keeps the drafts (sealed), waits for a turn that is running or being saved (nothing is lost
to a lock), takes down every screen that shows entries (the main screen is built anew after the next
unlock), closes the store and drops the key (``Workspace.lock``), and shows the unlock screen. Objects
the collector had frozen are let go, so the closed journal's objects do not outlive the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen

from tui.runtime.collector import collect_at_rest, freeze_what_started, thaw
from tui.screens.main_screen import MainScreen
from tui.screens.unlock_screen import UnlockScreen

if TYPE_CHECKING:
    from tui.runtime.turn_controller import TurnController
    from tui.services.settings import Settings
    from tui.services.workspace import Workspace

IDLE_CHECKS = 4
"""Looks at the idle time this many times per auto-lock period (at most every ``LONGEST_CHECK`` s)."""
LONGEST_CHECK = 5.0


class LockingHost:
    if TYPE_CHECKING:
        workspace: Workspace
        settings: Settings
        turns: TurnController
        store_state: str

        def make_turns(self) -> TurnController: ...
        def keep_screen_drafts(self) -> None: ...
        def open_store(self) -> None: ...

    idle_clock: Callable[[], float] = time.monotonic
    """Seconds, for the idle time (a test may replace it)."""
    _last_input = 0.0
    _lock_when_done = False
    """A lock came while a turn ran or the journal was opening: it happens once that is over."""
    _automatic_lock = False
    """That lock is the auto-lock's: a key or the mouse in the meantime calls it off."""
    _auto_lock_started = False

    # -- unlocking -----------------------------------------------------------------------------

    def first_screen(self) -> Screen:
        """A locked journal opens on the unlock screen, which stays at the bottom of the stack: the
        main screen is made on top of it at each unlock and taken down at each lock. Under
        ``create_locked`` a new data dir opens on its "new journal" form."""
        place = str(self.settings.data_dir)
        if self.workspace.wants_new_journal:
            return UnlockScreen(self.workspace.unlock, place, create=self.workspace.create_locked)
        if self.workspace.locked_journal:  # its key already held: unlocked at once (``unlock_if_keyed``)
            return UnlockScreen(self.workspace.unlock, place)
        return MainScreen()

    def unlock_if_keyed(self) -> None:
        """The workspace came with the key (unlocked before the app started): go on at once."""
        if isinstance(self.screen, UnlockScreen) and not self.workspace.needs_passphrase:  # type: ignore[attr-defined]
            self.post_message(UnlockScreen.Unlocked())  # type: ignore[attr-defined]

    def main_screen(self) -> MainScreen | None:
        return next((screen for screen in self.screen_stack if isinstance(screen, MainScreen)),  # type: ignore[attr-defined]
                    None)

    async def on_unlock_screen_unlocked(self) -> None:
        self._last_input = self.idle_clock()
        self.store_state = "loading"
        self.start_auto_lock()  # a journal made locked just now had none to start with
        await self.push_screen(MainScreen())  # type: ignore[attr-defined]
        self.open_store()

    # -- locking -------------------------------------------------------------------------------

    def action_lock(self) -> None:
        self.lock_journal()

    def lock_journal(self, automatic: bool = False) -> None:
        """Lock now, or once the running turn is saved or the journal has finished opening."""
        if not self.workspace.locked_journal or self.workspace.needs_passphrase:
            if not automatic and not self.workspace.locked_journal:
                self.notify("This journal has no passphrase: there is nothing to lock.",  # type: ignore[attr-defined]
                            title="Not locked", markup=False)
            return
        if self.turns.busy or self.store_state == "loading":
            if not self._lock_when_done and not automatic:
                self.notify("The journal locks as soon as the reply is saved.",  # type: ignore[attr-defined]
                            title="Locking…", markup=False)
            self._lock_when_done, self._automatic_lock = True, automatic
            return
        self.call_later(self._lock_now)  # type: ignore[attr-defined]

    def journal_opened(self) -> None:
        """The idle time counts from when the journal can be used; a lock that waited happens now."""
        self._last_input = self.idle_clock()
        self.lock_if_waiting()

    def lock_if_waiting(self) -> None:
        """A turn ended or the journal opened: a lock that waited for it happens now."""
        if self._lock_when_done and not self.turns.busy and self.store_state != "loading":
            self.call_later(self._lock_now)  # type: ignore[attr-defined]

    async def _lock_now(self) -> None:
        if self.workspace.needs_passphrase:
            return
        self._lock_when_done = self._automatic_lock = False
        self.keep_screen_drafts()
        while len(self.screen_stack) > 1 and not isinstance(self.screen, UnlockScreen):  # type: ignore[attr-defined]
            await self.pop_screen()  # type: ignore[attr-defined]
        self.workspace.lock()
        self.turns = self.make_turns()  # what was sent and not answered comes back from the outbox
        self.store_state = "loading"
        thaw()
        collect_at_rest()
        freeze_what_started()

    # -- auto-lock -----------------------------------------------------------------------------

    def start_auto_lock(self) -> None:
        """Lock after ``auto_lock_minutes`` without a key or the mouse (0: never); locked journals only."""
        minutes = self.settings.auto_lock_minutes
        if not minutes or minutes <= 0 or not self.workspace.locked_journal or self._auto_lock_started:
            return
        self._auto_lock_started = True
        self._last_input = self.idle_clock()
        self.set_interval(min(LONGEST_CHECK, minutes * 60 / IDLE_CHECKS), self._lock_if_idle)  # type: ignore[attr-defined]

    def _lock_if_idle(self) -> None:
        if self.workspace.needs_passphrase or self._lock_when_done:
            return
        if self.idle_clock() - self._last_input >= self.settings.auto_lock_minutes * 60:
            self.lock_journal(automatic=True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseEvent):
            self._last_input = self.idle_clock()
            if self._automatic_lock:
                self._lock_when_done = self._automatic_lock = False
        await super().on_event(event)  # type: ignore[misc]
