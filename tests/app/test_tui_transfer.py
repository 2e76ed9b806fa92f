"""Export and import from the palette: in the background, with the path shown and progress."""

from __future__ import annotations

import io
import json

from rich.console import Console
from textual.widgets import Input, ProgressBar, Static
from textual.widgets._progress_bar import Bar

from tests.tui_support import SIZE, make_app, notified, settle
from tui.domain.modes import JOURNAL
from tui.screens.transfer_screen import ImportScreen


async def test_export_writes_every_entry_to_a_file_in_the_home_and_says_where(settings, clock, isolated_home):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Exported from the palette.", "Noted.")

        app.export_all()
        await settle(pilot)

        files = list(isolated_home.rglob("mindpane-export-*.json"))
        assert len(files) == 1
        exported = json.loads(files[0].read_text(encoding="utf-8"))
        assert [(e["text"], e["reply"]) for e in exported["entries"]] == [("Exported from the palette.", "Noted.")]
        assert any(str(files[0]) in note and "Exported 1 entry" in note for note in notified(app))


async def test_import_asks_for_a_path_and_brings_the_entries_in_with_their_dates(settings, clock, tmp_path):
    journal = tmp_path / "journal.txt"
    journal.write_text("[2025-03-02 08:15] Walked to the lighthouse.\nThe fog lifted by nine.\n\n"
                       "[2025-03-03 21:40] Read by the fire.\n", encoding="utf-8")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.import_file()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportScreen)

        screen.query_one(Input).value = str(journal)
        await pilot.press("enter")
        await settle(pilot)

        assert "imported 2 entries" in str(screen.query_one(".transfer-status", Static).content)
        records = app.workspace.journal.record.page("journal").records
        assert [(r.text.splitlines()[0], r.created_at.strftime("%Y-%m-%d %H:%M")) for r in records] == [
            ("Read by the fire.", "2025-03-03 21:40"), ("Walked to the lighthouse.", "2025-03-02 08:15")]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)
        assert "2 entries" in str(app.screen.history.query_one(".history-title", Static).content)


async def test_a_malformed_file_imports_nothing_and_says_where(settings, clock, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": [{"mode": "journal", "created_at": "2025-01-01T10:00:00+00:00"}]}', encoding="utf-8")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.import_file()
        await settle(pilot)
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await settle(pilot)

        status = str(app.screen.query_one(".transfer-status", Static).content)
        assert "entry 1" in status and "nothing was imported" in status
        assert app.workspace.journal.record.count("journal") == 0
        first = drawn(app.screen.query_one(ProgressBar))
        await pilot.pause(0.5)
        assert drawn(app.screen.query_one(ProgressBar)) == first  # the bar is idle again: nothing runs


async def test_the_import_dialog_shows_no_progress_before_an_import_runs(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.import_file()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportScreen)

        first = drawn(screen.query_one(ProgressBar))
        await pilot.pause(0.5)

        assert drawn(screen.query_one(ProgressBar)) == first  # it does not sweep to and fro
        assert "━" in first  # an empty bar is drawn


def drawn(bar: ProgressBar) -> str:
    """The bar as the terminal shows it now, colours included."""
    console = Console(width=40, record=True, color_system="truecolor", file=io.StringIO())
    console.print(bar.query_one(Bar).render())
    return console.export_text(styles=True)


async def test_an_export_never_replaces_a_file_that_has_its_name(settings, clock, isolated_home):
    """The palette's export is named by the second; a file of that name (an export a moment ago, or
    anyone's) is kept as it was and the export takes the next free name."""
    from datetime import datetime, timedelta

    from tui.screens.transfer_screen import export_path

    now = datetime.now()
    theirs = {export_path(now + timedelta(seconds=second)) for second in range(-1, 30)}
    for path in theirs:
        path.write_text("mine, not an export\n", encoding="utf-8")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Exported beside an older file.", "Noted.")

        app.export_all()
        await settle(pilot)

    assert all(path.read_text(encoding="utf-8") == "mine, not an export\n" for path in theirs)
    (written,) = set(isolated_home.glob("mindpane-export-*.json")) - theirs
    exported = json.loads(written.read_text(encoding="utf-8"))
    assert [e["text"] for e in exported["entries"]] == ["Exported beside an older file."]
    assert any(str(written) in n.message and "Exported 1 entry" in n.message for n in app._notifications)
    assert not list(isolated_home.glob(".*partial*")) and not list(isolated_home.glob("*.partial"))


async def test_the_apps_export_is_owner_only_as_the_command_lines_is(settings, clock, isolated_home, keep_umask):
    """The export asks for owner-only itself (as ``mindpane export -o`` does), not leaning on the
    private umask that opening the data dir happens to set."""
    import os
    import stat

    os.umask(0o022)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Private.")
        os.umask(0o022)  # whatever opening the data dir set: the export itself asks for owner-only
        app.export_all()
        await settle(pilot)
    (written,) = isolated_home.glob("mindpane-export-*.json")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
