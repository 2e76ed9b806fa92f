"""Conflicts in the app (#21): when two devices changed one entry before a sync, F4 (Changes)
lists the two versions at the top, and one key keeps either; the other goes (an ordinary
change: it syncs at the next round, and the copy's delete can be undone)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tests.hub.conftest import FAST_KDF
from tests.screen_text import drawn_lines
from tests.tui_support import SIZE, make_app, memory_journal, settle
from tui.adapters.key_file import wrap
from tui.adapters.memory_hub import MemoryHub
from tui.domain.modes import JOURNAL
from tui.domain.sync import HubJournal
from tui.screens.changes_screen import ChangesScreen
from tui.services.sync.conflicts import conflict_copies
from tui.services.sync.engine import sync_once
from tui.services.sync.state import device_id


@pytest.fixture
def conflicted(settings, clock, tmp_path):
    """The app's journal (``settings``) holds an entry the laptop changed too: one conflict copy."""
    key, hub = os.urandom(32), MemoryHub()
    hub.create(HubJournal("journal-1", wrap(key, "a passphrase", FAST_KDF)))
    laptop = memory_journal(clock)(replace(settings, data_dir=tmp_path / "laptop"))
    desktop = memory_journal(clock)(settings)
    try:
        entry = laptop.add_entry(JOURNAL, "Planted the tulips.")
        sync_once(laptop, hub, key, device_id(laptop))
        sync_once(desktop, hub, key, device_id(desktop))
        laptop.update_text(entry.id, "Planted the tulips by the gate (laptop).")
        desktop.update_text(entry.id, "Planted the tulips under the window (desktop).")
        sync_once(laptop, hub, key, device_id(laptop))
        assert len(sync_once(desktop, hub, key, device_id(desktop)).conflicts) == 1
    finally:
        laptop.close()
        desktop.close()
    return entry.id


async def _open_changes(app, pilot) -> ChangesScreen:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    assert isinstance(app.screen, ChangesScreen)
    return app.screen


@pytest.mark.parametrize(("key", "kept"), [("o", "Planted the tulips by the gate (laptop)."),
                                           ("k", "Planted the tulips under the window (desktop).")])
async def test_f4_shows_both_versions_and_one_key_keeps_either(settings, clock, conflicted, key, kept):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _open_changes(app, pilot)
        screen = "\n".join(drawn_lines(pilot))
        assert "2 versions of an entry" in screen
        assert "under the window (desktop)" in screen and "by the gate (laptop)" in screen
        assert "Keep this version" in screen and "Keep the other" in screen  # the footer tells the keys

        await pilot.press(key)
        await settle(pilot)
        journal = app.workspace.journal
        assert journal.record.get(conflicted).text == kept
        assert conflict_copies(journal) == []
        screen = "\n".join(drawn_lines(pilot))
        assert "2 versions of an entry" not in screen and "Keep the other" not in screen


async def test_without_conflicts_f4_shows_no_conflict_keys(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await _open_changes(app, pilot)
        screen = "\n".join(drawn_lines(pilot))
        assert "versions of an entry" not in screen and "Keep the other" not in screen
