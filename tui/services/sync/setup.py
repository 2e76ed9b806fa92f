"""Joining a journal to a hub and syncing it from settings (#21): the hub opened from its address
and password, ``init`` (a first device makes the hub) and ``join`` (another device takes its key).

The hub's password comes from ``sync_password_command``, else (a command on a terminal) it is
asked when the hub asks for one; the app never asks: it needs the command. The sync passphrase
wraps the sync data key on the hub and is needed only at init and join (the device keeps the
key in its record, encrypted with it when the journal is locked): it comes from
``passphrase_command`` when one is set (the secret store the person already gave mindpane, and
what lets a join run unattended), else it is typed on the terminal, twice at init.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from tui.domain.errors import HubError, HubWantsPassword, NotAHub, WrongPassphrase
from tui.domain.sync import HubJournal
from tui.services.sync.engine import SyncReport, sync_once
from tui.services.sync.state import bind_hub, device_id, sync_key

if TYPE_CHECKING:
    from tui.ports import Hub
    from tui.services.journal import Journal
    from tui.services.settings import Settings

T = TypeVar("T")
LAST_SYNC_KEY = "sync_last_at"
"""Meta key of the record: when this device last finished a sync (ISO, UTC)."""
NOT_JOINED_HINT = ("run `mindpane sync init ADDRESS` on the first device (it makes the hub), "
                   "`mindpane sync join ADDRESS` on the others")


def device_name() -> str:
    """The name a device shows on the hub (``mindpane sync status``): this machine's."""
    return socket.gethostname() or "a device"


def hub_password(settings: Settings) -> str | None:
    """The hub's password from ``sync_password_command``; None without one (libpq may still find
    one: ``~/.pgpass``, or a hub that asks none)."""
    if not settings.sync_password_command:
        return None
    from tui.adapters.passphrase_source import from_command

    try:
        return from_command(settings.sync_password_command)
    except WrongPassphrase as failed:
        raise HubError(failed.message.replace("passphrase command", "sync password command"),
                       "fix sync_password_command in the config file (`mindpane config path`)") from None


def open_hub(settings: Settings, address: str | None = None, password: str | None = None) -> Hub:
    """The hub at ``address`` (default: ``sync_hub``); the password given, else the command's.
    Connects at its first call."""
    from tui.adapters.pg_hub import PgHub

    address = address or settings.sync_hub
    if not address:
        raise HubError("This journal is not joined to a sync hub yet", NOT_JOINED_HINT)
    return PgHub(address, password if password is not None else hub_password(settings))


class HubLink:
    """The hub for one command: opened once, and with ``ask`` (a command on a terminal) a hub that
    wants a password no command gave gets it typed once; the work that failed connecting (nothing
    was done) runs again. ``close`` when done."""

    def __init__(self, settings: Settings, address: str | None = None, ask: bool = False) -> None:
        self.settings, self.address, self.ask = settings, address, ask
        self.hub = open_hub(settings, address)

    def run(self, work: Callable[[Hub], T]) -> T:
        try:
            return work(self.hub)
        except HubWantsPassword as error:
            if not self.ask or self.settings.sync_password_command is not None:
                raise
            from tui.adapters.passphrase_source import PassphraseUnavailable, from_terminal

            try:
                typed = from_terminal("The hub's database password: ")
            except PassphraseUnavailable:
                raise error from None
            self.hub.close()
            self.hub = open_hub(self.settings, self.address, typed)
            return work(self.hub)

    def close(self) -> None:
        self.hub.close()


def sync_passphrase(settings: Settings, new: bool) -> str:
    """The sync passphrase (see the module's docstring for where it comes from)."""
    from tui.adapters.passphrase_source import from_command, from_terminal, new_from_terminal

    if settings.passphrase_command:
        given = from_command(settings.passphrase_command)
    elif new:
        given = new_from_terminal("A passphrase for the sync hub: every device joining it asks for it, and a lost "
                                  "one cannot be recovered.\nSync passphrase: ")
    else:
        given = from_terminal("The hub's sync passphrase: ")
    if not given:
        raise WrongPassphrase("No sync passphrase was given", "type the passphrase the hub was made with")
    return given


def check_unbound(journal: Journal) -> None:
    """``HubError`` when this journal syncs with a hub already (one hub per journal)."""
    if sync_key(journal) is not None:
        raise HubError("This journal is already joined to a sync hub",
                       "`mindpane sync` syncs it; a journal syncs with one hub only")


def require_empty(hub: Hub) -> None:
    """``HubError`` unless the hub's database holds no mindpane journal yet (``init`` makes one)."""
    try:
        hub.journal()
    except NotAHub:
        return
    raise HubError("This database already holds a mindpane journal",
                   "use `mindpane sync join ADDRESS` to join it from this device")


def init_hub(journal: Journal, hub: Hub, passphrase: str, kdf=None) -> None:
    """Make the hub this journal's: its tables, a random sync data key wrapped by ``passphrase``;
    then bind the journal and register this device. Nothing is pushed yet (:func:`sync_now`)."""
    from tui.adapters.key_file import wrap

    check_unbound(journal)
    key = os.urandom(32)
    journal_id = str(uuid.uuid4())
    hub.create(HubJournal(journal_id, wrap(key, passphrase, kdf)))
    bind_hub(journal, journal_id, key)
    hub.register(device_id(journal), device_name())


def join_hub(journal: Journal, hub: Hub, passphrase: str) -> None:
    """Take the hub's sync key with ``passphrase`` (``WrongPassphrase``: nothing changed), bind
    the journal, register this device. Nothing is pulled yet (:func:`sync_now`)."""
    from tui.adapters.key_file import unwrap

    joined = hub.journal()
    key = unwrap(joined.wrapped_key, passphrase, "The hub's sync key",
                 "check the passphrase the hub was made with (`mindpane sync init`)",
                 "the hub's sync key was changed")
    if sync_key(journal) == key:
        return  # joined already (a re-run): the sync goes on
    check_unbound(journal)
    bind_hub(journal, joined.journal_id, key)
    hub.register(device_id(journal), device_name())


def sync_now(journal: Journal, hub: Hub, clock: Callable[[], datetime] | None = None) -> SyncReport:
    """One sync of a joined journal (``HubError`` when it is not joined); when it ended is kept."""
    key = sync_key(journal)
    if key is None:
        raise HubError("This journal is not joined to a sync hub yet", NOT_JOINED_HINT)
    report = sync_once(journal, hub, key, device_id(journal))
    journal.record.set_meta(LAST_SYNC_KEY, (clock or (lambda: datetime.now(UTC)))().astimezone(UTC).isoformat())
    return report


def last_synced(journal: Journal) -> datetime | None:
    found = journal.record.get_meta(LAST_SYNC_KEY)
    return datetime.fromisoformat(found) if found else None


def report_line(report: SyncReport) -> str:
    """What one sync did, in a line: ``↓ 3 ↑ 1, 1 conflict: see F4``."""
    line = f"↓ {report.pulled} ↑ {report.pushed}"
    if report.erased:
        line += f", {report.erased} forgotten"
    if report.conflicts:
        count = len(report.conflicts)
        line += f", {count} conflict{'s' if count != 1 else ''}: see F4"
    if report.refused:
        line += f", {len(report.refused)} refused (see mindpane.log)"
    return line
