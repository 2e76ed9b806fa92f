"""The app's syncs (#21): one at a time, in a worker thread, with the hub kept open between rounds;
what the status line says of them; and a stop that a quit or a lock can wait for.

A stop takes effect at the engine's next call to the hub: between two record transactions, so
the journal is never left half-written (and every step is idempotent: the next sync goes on).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.domain.errors import HubError, MindpaneError
from tui.services.sync.setup import last_synced, open_hub, report_line, sync_now
from tui.services.sync.state import sync_key
from tui.services.sync.status import ago

if TYPE_CHECKING:
    from tui.domain.sync import HubJournal, HubRow, PushResult
    from tui.ports import Hub
    from tui.services.journal import Journal
    from tui.services.settings import Settings
    from tui.services.sync.engine import SyncReport

SHORT_ERROR = 48
"""Characters of an error's message on the status line; the whole message goes in a notification."""


class SyncStopped(MindpaneError):
    """The app is quitting or locking: the sync stopped at a safe point."""


@dataclass(frozen=True)
class Round:
    """What one background sync did: its report, or the error that stopped it."""

    report: SyncReport | None = None
    error: MindpaneError | None = None
    at: datetime | None = None

    @property
    def changed_here(self) -> bool:
        """Whether entries here changed (the history pane reloads)."""
        report = self.report
        return report is not None and bool(report.pulled or report.erased or report.conflicts)

    @property
    def line(self) -> str:
        return report_line(self.report) if self.report is not None else ""


class _Stoppable:
    """The hub, checked for a stop before each call (the engine's safe points)."""

    def __init__(self, hub: Hub, stopped: threading.Event) -> None:
        self._hub, self._stopped = hub, stopped

    def _check(self) -> None:
        if self._stopped.is_set():
            raise SyncStopped("The sync stopped", "it goes on at the next sync")

    def create(self, journal: HubJournal) -> None:
        self._check()
        self._hub.create(journal)

    def journal(self) -> HubJournal:
        self._check()
        return self._hub.journal()

    def register(self, device: str, name: str) -> None:
        self._check()
        self._hub.register(device, name)

    def push(self, rows: Sequence[HubRow], bases: Mapping[str, int]) -> PushResult:
        self._check()
        return self._hub.push(rows, bases)

    def pull(self, after: int, limit: int = 1000) -> list[HubRow]:
        self._check()
        return self._hub.pull(after, limit)

    def close(self) -> None:
        self._hub.close()


class BackgroundSync:
    """``run`` blocks (network, record writes): call it from a worker; the rest is quick."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] | None = None,
                 hub_factory: Callable[[Settings], Hub] | None = None) -> None:
        self.settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self._open: Callable[[Settings], Any] = hub_factory or (lambda chosen: open_hub(chosen))
        self._hub: Hub | None = None
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._stopped = threading.Event()
        self._told: str | None = None

    def joined(self, journal: Journal) -> bool:
        """A hub address in the settings and a key in the record (a quick meta read)."""
        return bool(self.settings.sync_hub) and sync_key(journal) is not None

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def run(self, journal: Journal) -> Round | None:
        """One sync; None when one is running already or the app is stopping."""
        if self._stopped.is_set() or not self._lock.acquire(blocking=False):
            return None
        self._running.set()
        try:
            if self._hub is None:
                self._hub = _Stoppable(self._open(self.settings), self._stopped)
            report = sync_now(journal, self._hub, self._clock)
            return Round(report, at=self._clock())
        except MindpaneError as error:
            if isinstance(error, HubError) and self._hub is not None:
                self._drop_hub()  # a fresh connection next time (a changed password, a restarted hub)
            return Round(error=SyncStopped("The sync stopped") if self._stopped.is_set() else error,
                         at=self._clock())
        except Exception:
            if self._stopped.is_set():  # the store closed under it (a lock): its transaction was whole
                return Round(error=SyncStopped("The sync stopped"), at=self._clock())
            raise
        finally:
            self._running.clear()
            self._lock.release()

    def stop(self, wait: float = 0.0) -> bool:
        """No sync starts from now on; the running one stops at its next safe point. Waits up to
        ``wait`` seconds for it; True when none is running any more."""
        self._stopped.set()
        got = self._lock.acquire(timeout=wait) if wait > 0 else self._lock.acquire(blocking=False)
        if not got:
            return False
        try:
            self._drop_hub()
        finally:
            self._lock.release()
        return True

    def resume(self) -> None:
        """After a lock and an unlock: syncs may run again."""
        self._stopped.clear()

    def _drop_hub(self) -> None:
        hub, self._hub = self._hub, None
        if hub is not None:
            hub.close()

    def notice(self, result: Round) -> str | None:
        """The whole error message to notify, once per distinct error (None: nothing new to say)."""
        if result.error is None:
            self._told = None
            return None
        if isinstance(result.error, SyncStopped):
            return None
        said = str(result.error)
        if said == self._told:
            return None
        self._told = said
        return said


def status_text(result: Round | None, running: bool, journal: Journal | None = None,
                now: datetime | None = None) -> str:
    """``⟳ syncing``, ``✓ synced 2 min ago``, ``✗ hub unreachable: …`` (short: the notification
    says it all)."""
    now = now or datetime.now(UTC)
    if running:
        return "⟳ syncing"
    if result is not None and result.error is not None and not isinstance(result.error, SyncStopped):
        return f"✗ {short_error(result.error)}"
    at = result.at if result is not None else (last_synced(journal) if journal is not None else None)
    return f"✓ synced {ago(at, now)}" if at is not None else ""


def short_error(error: MindpaneError) -> str:
    """``hub unreachable: Connection refused`` from "the hub at host:5432/db is unreachable: …"."""
    message = error.message
    if " is unreachable" in message:
        message = "hub unreachable" + message.split(" is unreachable", 1)[1]
    elif " refused the login" in message:
        message = "hub refused the login"
    elif message.startswith("the hub at ") and " did not answer" in message:
        message = "hub did not answer"
    message = message[0].lower() + message[1:] if message else message
    return message if len(message) <= SHORT_ERROR else message[:SHORT_ERROR - 1] + "…"
