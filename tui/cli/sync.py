"""``mindpane sync``: one journal on several devices through a hub (an ordinary Postgres).

    mindpane sync init ADDRESS   the first device: makes the hub, pushes every entry
    mindpane sync join ADDRESS   another device: takes the hub's key (the sync passphrase), pulls everything
    mindpane sync                one sync: pull, then push ("↓ 3 ↑ 1, 1 conflict: see F4")
    mindpane sync status         hub, this device, last sync, changes waiting, conflicts

The address never holds the password (``sync_password_command`` prints it; on a terminal it is
asked when the hub wants one). A problem is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE
from tui.domain.errors import MindpaneError
from tui.services.settings import Settings

ACTIONS = ("init", "join", "status")


def add_parser(commands: Any) -> None:
    """Add ``sync`` to ``commands`` (the result of ``add_subparsers``)."""
    sync = commands.add_parser(
        "sync", help="sync the journal with your other devices through a Postgres hub (init, join, status)",
        description="Without an action: one sync (pull the other devices' changes, push this one's). "
        "`init ADDRESS` makes the hub (first device), `join ADDRESS` joins it (other devices), `status` "
        "says how this device stands. ADDRESS: postgresql://user@host:5432/dbname, without the password.")
    sync.add_argument("sync_action", nargs="?", choices=ACTIONS, metavar="ACTION",
                      help="init, join or status (none: sync now)")
    sync.add_argument("address", nargs="?", help="the hub's Postgres address (init, join)")
    sync.add_argument("--data-dir", dest="sync_data_dir", metavar="DIR", help="where memories live")


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    chosen = getattr(args, "sync_data_dir", None)
    if chosen:
        settings = replace(settings, data_dir=Path(chosen).expanduser().resolve())
    action, address = args.sync_action, args.address
    if action in ("init", "join") and not address:
        print(f"mindpane: sync {action}: give the hub's address, e.g. postgresql://me@hub.example:5432/mindpane",
              file=err)
        return EXIT_USAGE
    if action not in ("init", "join") and address:
        print("mindpane: sync: an address is for `sync init` or `sync join`; the others use sync_hub "
              "from the config file", file=err)
        return EXIT_USAGE
    try:
        from tui.services.unlocking import unlocked_or_made

        settings = unlocked_or_made(settings)  # a locked journal syncs too: its key first
        if action == "status":
            return _status(settings, out)
        return _with_journal(settings, action, address, out)
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nmindpane: interrupted (what was synced stays synced; run it again to go on)", file=err)
        return EXIT_INTERRUPTED


def _with_journal(settings: Settings, action: str | None, address: str | None, out: TextIO) -> int:
    from tui.services.engine import open_store

    journal = open_store(settings)  # the whole index: a pulled edit of an entry updates its place in recall
    try:
        if action == "init":
            _init(settings, journal, str(address), out)
        elif action == "join":
            _join(settings, journal, str(address), out)
        else:
            _sync(settings, journal, out)
    finally:
        journal.close()
    return 0


def _init(settings: Settings, journal: Any, address: str, out: TextIO) -> None:
    from tui.services.sync import setup
    from tui.services.sync.state import changed_since_synced

    setup.check_unbound(journal)

    def make(hub: Any) -> None:
        setup.require_empty(hub)
        setup.init_hub(journal, hub, setup.sync_passphrase(settings, new=True))

    link = setup.HubLink(settings, address, ask=True)
    try:
        link.run(make)
        _remember(settings, address, out)
        count = len(changed_since_synced(journal))
        out.write(f"Pushing {count:,} {'entry' if count == 1 else 'entries'} to the hub…\n")
        out.flush()
        report = link.run(lambda hub: setup.sync_now(journal, hub))
    finally:
        link.close()
    out.write(f"The hub at {address} is made; this device syncs with it: {setup.report_line(report)}\n"
              "On your other devices: mindpane sync join " + address + "\n")


def _join(settings: Settings, journal: Any, address: str, out: TextIO) -> None:
    from tui.services.sync import setup

    def take(hub: Any) -> None:
        hub.journal()  # reached, and a hub, before the passphrase is asked
        setup.join_hub(journal, hub, setup.sync_passphrase(settings, new=False))

    link = setup.HubLink(settings, address, ask=True)
    try:
        link.run(take)
        _remember(settings, address, out)
        out.write("Pulling the journal from the hub…\n")
        out.flush()
        report = link.run(lambda hub: setup.sync_now(journal, hub))
    finally:
        link.close()
    out.write(f"Joined the hub at {address}: {setup.report_line(report)}\n")


def _sync(settings: Settings, journal: Any, out: TextIO) -> None:
    from tui.domain.errors import HubError
    from tui.services.sync import setup
    from tui.services.sync.state import sync_key

    if sync_key(journal) is None:
        raise HubError("This journal is not joined to a sync hub yet", setup.NOT_JOINED_HINT)
    if not settings.sync_hub:
        raise HubError("This journal is joined to a hub but sync_hub is not set in the config file",
                       "set sync_hub to the hub's address (`mindpane config path` shows the file)")
    link = setup.HubLink(settings, None, ask=True)
    try:
        report = link.run(lambda hub: setup.sync_now(journal, hub))
    finally:
        link.close()
    out.write(setup.report_line(report) + "\n")
    if report.unsettled:
        out.write(f"{len(report.unsettled)} entries changed on another device meanwhile: the next sync takes them\n")


def _remember(settings: Settings, address: str, out: TextIO) -> None:
    """``sync_hub`` in the config file: the app and ``mindpane sync`` use it from now on."""
    from tui.services.config import update_config

    if settings.sync_hub == address:
        return
    if settings.config_path is None:
        out.write(f"Put sync_hub = \"{address}\" in your config file to sync from the app.\n")
        return
    update_config(settings.config_path, "sync_hub", address)


def _status(settings: Settings, out: TextIO) -> int:
    from tui.services.engine import open_outbox
    from tui.services.sync.status import RecordOnly, ago, sync_status

    if not (settings.data_dir / "entries.db").is_file() and settings.data_key is None:
        out.write("No journal here yet; not joined to a sync hub.\n")
        return 0
    record = open_outbox(settings)  # the record alone: works while the app has the journal open
    try:
        status = sync_status(RecordOnly(record))
    finally:
        record.close()
    if not status.joined:
        out.write(f"Not joined to a sync hub{f' (sync_hub is {settings.sync_hub})' if settings.sync_hub else ''}.\n"
                  "Run `mindpane sync init ADDRESS` on a first device, `mindpane sync join ADDRESS` on the others.\n")
        return 0
    last = "never" if status.last is None else \
        f"{status.last.astimezone().strftime('%Y-%m-%d %H:%M')} ({ago(status.last, datetime.now(UTC))})"
    out.write(f"Hub: {settings.sync_hub or '(sync_hub is not set in the config file)'}\n"
              f"This device: {status.name} ({status.device})\n"
              f"Last sync: {last}\n"
              f"Changes waiting to go out: {status.pending}\n"
              f"Conflicts: {status.conflicts}{' (resolve them in the app: F4)' if status.conflicts else ''}\n")
    return 0
