"""Sync in the app (#21): a journal joined to a real Postgres hub syncs in the background when it
opens, when asked (ctrl+p "Sync now") and a little after a turn; the status line says how it
stands, a failing hub is said once in full, and what another device wrote shows in the history."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from textual.widgets import Static

from tests.hub.conftest import FAST_KDF, hub_db, hub_server  # noqa: F401  (the real Postgres fixtures)
from tests.ollama_stub import unused_port_url
from tests.tui_support import SIZE, make_app, memory_journal, notified, run_command, send, settle
from tui.domain.modes import JOURNAL
from tui.screens import sync_host
from tui.services.sync import setup
from tui.services.sync.state import sync_key
from tui.services.sync.status import sync_status
from tui.widgets.history_table import HistoryTable

PASSPHRASE = "blue kettle on the stairs"


def password_command(tmp_path: Path, password: str) -> str:
    script = tmp_path / "hub-password.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{password}'\n")
    script.chmod(0o700)
    return str(script)


def joined_settings(settings, tmp_path, database, name: str):
    return replace(settings, data_dir=tmp_path / name, sync_hub=database.dsn,
                   sync_password_command=password_command(tmp_path, database.password))


def other_device_writes(settings, clock, *texts: str, make: bool = False) -> None:
    """The other device (its own data dir) writes and syncs: init makes the hub, else it joins."""
    journal = memory_journal(clock)(settings)
    try:
        hub = setup.open_hub(settings)
        try:
            if make:
                setup.init_hub(journal, hub, PASSPHRASE, FAST_KDF)
            elif sync_key(journal) is None:
                setup.join_hub(journal, hub, PASSPHRASE)
            for text in texts:
                journal.add_entry(JOURNAL, text)
            setup.sync_now(journal, hub)
        finally:
            hub.close()
    finally:
        journal.close()


def sync_line(app) -> str:
    widget = app.query_one("#status .sync-state", Static)
    return str(widget.content) if widget.display else ""


def history(app) -> list[str]:
    table = app.query_one(HistoryTable)
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


async def test_a_joined_journal_syncs_as_it_opens_and_shows_what_came(settings, clock, tmp_path, hub_db):  # noqa: F811
    laptop = joined_settings(settings, tmp_path, hub_db, "laptop")
    desktop = joined_settings(settings, tmp_path, hub_db, "desktop")
    other_device_writes(laptop, clock, "written on the laptop", make=True)
    other_device_writes(desktop, clock)  # joined, nothing of its own yet

    app = make_app(desktop, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert sync_line(app) == "✓ synced just now"
        assert any("written on the laptop" in row for row in history(app))

        other_device_writes(laptop, clock, "a second entry from the laptop")
        await run_command(pilot, "Sync now")
        assert "↓ 1 ↑ 0" in notified(app)
        assert any("a second entry from the laptop" in row for row in history(app))
        clock.advance(minutes=2)
        app.show_sync()
        assert sync_line(app) == "✓ synced 2 min ago"


async def test_a_journal_not_joined_shows_no_sync_state(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert sync_line(app) == ""
        await run_command(pilot, "Sync now")
        assert any("not joined to a sync hub" in said for said in notified(app))


async def test_an_unreachable_hub_is_a_short_line_and_one_notification(settings, clock, tmp_path, hub_db):  # noqa: F811
    desktop = joined_settings(settings, tmp_path, hub_db, "desktop")
    other_device_writes(desktop, clock, "on the desktop", make=True)
    gone = replace(desktop, sync_hub=f"postgresql://mindpane@{unused_port_url().split('//')[1]}/hub")

    app = make_app(gone, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert sync_line(app).startswith("✗ hub unreachable: ")
        await run_command(pilot, "Sync now")
        await run_command(pilot, "Sync now")
        errors = notified(app, "error")
        assert len(errors) == 1 and "is unreachable" in errors[0] and "next sync" in errors[0]
        assert hub_db.password not in "".join(notified(app))


async def test_a_stored_turn_goes_out_a_little_later(settings, clock, tmp_path, hub_db, ollama_stub,  # noqa: F811
                                                     monkeypatch):
    monkeypatch.setattr(sync_host, "SYNC_AFTER_TURN", 0.05)
    laptop = joined_settings(settings, tmp_path, hub_db, "laptop")
    desktop = joined_settings(settings, tmp_path, hub_db, "desktop")
    other_device_writes(laptop, clock, make=True)
    other_device_writes(desktop, clock)
    ollama_stub.script(text="Noted.")

    app = make_app(desktop, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "a thought typed in the app")
        for _ in range(100):
            await pilot.pause(0.05)
            await settle(pilot)
            if sync_status(app.workspace.journal).pending == 0:
                break
        assert sync_status(app.workspace.journal).pending == 0
    journal = memory_journal(clock)(laptop)
    try:
        hub = setup.open_hub(laptop)
        try:
            assert setup.sync_now(journal, hub).pulled == 1
        finally:
            hub.close()
    finally:
        journal.close()


async def test_quitting_mid_sync_loses_nothing_and_the_next_sync_goes_on(settings, clock, tmp_path, hub_db,  # noqa: F811
                                                                         hub_server):  # noqa: F811
    laptop = joined_settings(settings, tmp_path, hub_db, "laptop")
    desktop = joined_settings(settings, tmp_path, hub_db, "desktop")
    other_device_writes(laptop, clock, make=True)
    other_device_writes(desktop, clock)
    journal = memory_journal(clock)(desktop)
    try:
        for text in ("one", "two", "three"):
            journal.add_entry(JOURNAL, text)
    finally:
        journal.close()

    blocker = hub_server.admin(hub_db.name)  # another session holds the hub's change table: the push waits
    blocker.execute("BEGIN")
    blocker.execute("LOCK TABLE mindpane_change IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(sync_host.SYNC_QUIT_WAIT + 1.0, blocker.execute, ("COMMIT",))
    release.start()
    try:
        app = make_app(desktop, clock)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(200):
                await pilot.pause(0.02)
                if app.workspace.ready and sync_line(app) == "⟳ syncing":
                    break
            assert sync_line(app) == "⟳ syncing"
            app.exit()
    finally:
        release.join()
        blocker.close()

    journal = memory_journal(clock)(desktop)
    try:
        hub = setup.open_hub(desktop)
        try:
            setup.sync_now(journal, hub)
            assert sync_status(journal).pending == 0
        finally:
            hub.close()
        assert sorted(record.text for record in journal.record.iter_entries()) == ["one", "three", "two"]
    finally:
        journal.close()
    journal = memory_journal(clock)(laptop)
    try:
        hub = setup.open_hub(laptop)
        try:
            assert setup.sync_now(journal, hub).pulled == 3
        finally:
            hub.close()
    finally:
        journal.close()
