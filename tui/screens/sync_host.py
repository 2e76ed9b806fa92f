"""The app's side of sync (mixed into ``MindpaneApp``): a journal joined to a hub syncs in a thread
worker once the store opens, every ``sync_minutes``, and a little after a turn is stored (one sync
for a burst of turns); ctrl+p "Sync now" syncs at once. Never on the event loop: typing and turns
never wait for the hub. The status line says how it stands; an error is notified once in full.
A pulled change reloads the history pane. Quitting or locking stops a running sync at its next
safe point (between two record transactions; the next sync goes on where it stopped).

Its worker is the app's own (this is the app), so a failure no one translated reaches
``MindpaneApp.on_worker_state_changed`` directly: ``ReportsWorkerFailures`` is for the workers of
screens and widgets, which need forwarding there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.timer import Timer

from tui.domain.errors import MindpaneError
from tui.services.screen_access import SyncAccess
from tui.services.sync.background import BackgroundSync, Round, status_text
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.screens.main_screen import MainScreen
    from tui.services.settings import Settings
    from tui.services.workspace import Workspace

SYNC_AFTER_TURN = 20.0
"""Seconds after the last stored turn before a sync: a burst of turns goes out in one."""
SYNC_TEXT_EVERY = 30.0
"""How often "synced 2 min ago" is brought up to date."""
SYNC_QUIT_WAIT = 3.0
"""How long quitting or locking waits for a running sync to reach a safe point."""


@dataclass
class SyncStarted(Message):
    """A sync began in the worker: the status line says ``⟳ syncing``."""


@dataclass
class SyncDone(Message):
    """A sync ended (``result``); ``asked``: the person asked for it (the result is notified)."""

    result: Round
    asked: bool = False


@dataclass
class SyncSkipped(Message):
    """The person asked for a sync the journal cannot make: ``why``."""

    why: str


class SyncHost:
    if TYPE_CHECKING:
        workspace: Workspace
        settings: Settings
        clock: Callable[[], datetime] | None

        def main_screen(self) -> MainScreen | None: ...
        def notify(self, message: str, **kwargs) -> None: ...
        def post_message(self, message: Message) -> bool: ...
        def set_interval(self, interval: float, callback: Callable, **kwargs) -> Timer: ...
        def set_timer(self, delay: float, callback: Callable, **kwargs) -> Timer: ...

    _sync: BackgroundSync | None = None
    _sync_result: Round | None = None
    _sync_soon: Timer | None = None
    _sync_timers_started = False

    @property
    def background_sync(self) -> BackgroundSync:
        if self._sync is None:
            self._sync = BackgroundSync(self.settings, self.clock)
        return self._sync

    def start_sync(self) -> None:
        """The store is open: a first sync now, then every ``sync_minutes`` (0: only when asked)."""
        self.background_sync.resume()
        if not self._sync_timers_started:
            self._sync_timers_started = True
            minutes = self.settings.sync_minutes
            if minutes and minutes > 0:
                self.set_interval(minutes * 60, self.sync_round)
            self.set_interval(SYNC_TEXT_EVERY, self.show_sync)
        self.sync_round()

    def sync_after_turn(self) -> None:
        """A turn was stored: sync ``SYNC_AFTER_TURN`` s after the last of a burst."""
        if self._sync_soon is not None:
            self._sync_soon.stop()
        self._sync_soon = self.set_timer(SYNC_AFTER_TURN, self.sync_round)

    def sync_now(self) -> None:
        """ctrl+p "Sync now"."""
        self.sync_round(asked=True)

    @work(thread=True, group="sync", exit_on_error=False, description="sync with the hub")
    def sync_round(self, asked: bool = False) -> None:
        """One sync in a thread; skipped quietly while another runs or the journal is not joined
        (unless asked: then it says why)."""
        if not self.workspace.ready:
            if asked:
                self.post_message(SyncSkipped("The journal is still opening: try again in a moment."))
            return
        journal = SyncAccess(self.workspace, self.background_sync)
        try:
            joined = journal.joined()
        except MindpaneError:
            return  # closed meanwhile (a lock, a quit)
        if not joined:
            if asked:
                self.post_message(SyncSkipped("This journal is not joined to a sync hub: run `mindpane sync init "
                                              "ADDRESS` (first device) or `mindpane sync join ADDRESS`."))
            return
        if self.background_sync.running:
            return
        self.post_message(SyncStarted())
        result = journal.run()
        if result is not None:
            self.post_message(SyncDone(result, asked))

    def on_sync_started(self, message: SyncStarted) -> None:
        self.show_sync(running=True)

    def on_sync_done(self, message: SyncDone) -> None:
        result = message.result
        self._sync_result = result
        self.show_sync()
        said = self.background_sync.notice(result)
        if said:
            self.notify(said, title="Sync", severity="error", timeout=20, markup=False)
        elif message.asked and result.report is not None:
            self.notify(result.line, title="Synced", markup=False)
        main = self.main_screen()
        if result.changed_here and main is not None and main.is_mounted:
            main.history.reload()

    def on_sync_skipped(self, message: SyncSkipped) -> None:
        self.notify(message.why, title="Sync", markup=False)

    def show_sync(self, running: bool = False) -> None:
        main = self.main_screen()
        if main is None or not main.is_mounted or (self._sync_result is None and not running):
            return
        main.query_one(StatusBar).show_sync(status_text(self._sync_result, running, now=self._now()))

    def _now(self) -> datetime | None:
        return self.clock() if self.clock is not None else None

    def stop_sync(self, wait: float = SYNC_QUIT_WAIT) -> None:
        """Quitting or locking: a running sync stops at its next safe point (waited for a little)."""
        if self._sync is not None:
            self._sync.stop(wait=wait)

    async def _lock_now(self) -> None:
        """A lock: the sync stops (not waited for: the record finishes its transaction before it
        closes, and the sync's next step then ends quietly)."""
        self.stop_sync(wait=0)
        await super()._lock_now()  # type: ignore[misc]
