"""An import is one change: one line in the change log (F4) and one `u` undoes all of it, as the
README and the import dialog promise — whatever its size and however many modes it filled."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input, Static

from tests.store.test_export_import import cli
from tests.tui_support import SIZE, make_app, notified, settle
from tui.domain.modes import JOURNAL
from tui.screens.changes_screen import ChangesScreen
from tui.screens.transfer_screen import ImportScreen
from tui.services import import_entries
from tui.services.engine import open_store

pytestmark = pytest.mark.usefixtures("keep_umask")


def export_file(tmp_path, journal: int, code: int = 0):
    entries = [{"mode": "journal", "text": f"Journal day {n}.", "created_at": f"2024-03-{n + 1:02d}T08:00:00+00:00"}
               for n in range(journal)]
    entries += [{"mode": "code", "text": f"Code question {n}?", "created_at": f"2024-04-{n + 1:02d}T08:00:00+00:00"}
                for n in range(code)]
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"mindpane_export": 1, "entries": entries}), encoding="utf-8")
    return path


def test_one_undo_takes_back_a_whole_import_of_many_batches_and_modes(settings, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(import_entries, "EMBED_BATCH", 4)  # stored in several transactions
    store = open_store(settings, clock)
    kept = store.add_entry(JOURNAL, "Written before the import.")
    store.close()
    assert cli(settings, "import", str(export_file(tmp_path, journal=10, code=3)))[0] == 0

    store = open_store(settings, clock)
    try:
        imports = [change for change in store.record.change_lines() if change.kind == "import"]
        assert len(imports) == 1
        assert imports[0].entries == 13

        undone = store.undo(mode_name="journal")

        assert undone is not None and undone.kind == "import" and undone.entries == 13
        assert store.record.count("journal") == 1 and store.record.count("code") == 0
        assert store.record.get(kept.id) is not None
        assert store.recall("Journal day 3", JOURNAL, k=5)[0].record.id == kept.id
        assert [change.undone for change in store.record.change_lines() if change.kind == "import"] == [True]
        assert store.undo(mode_name="journal") is None  # nothing else to undo: the import was one change
    finally:
        store.close()


async def test_u_in_the_history_undoes_the_import_and_f4_lists_it_once(settings, clock, tmp_path):
    path = export_file(tmp_path, journal=3)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Written before the import.")
        app.import_file()
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        history = app.screen.history
        assert "4 entries" in str(history.query_one(".history-title", Static).content)

        history.query_one(DataTable).focus()
        await pilot.press("u")
        await settle(pilot)

        assert app.workspace.journal.record.count("journal") == 1
        assert "1 entry" in str(history.query_one(".history-title", Static).content)
        assert any("the import of 3 entries" in message for message in notified(app))

        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]
        assert [row[2] for row in rows] == ["imported · undone"]
        assert "3 entries" in rows[0][3]
