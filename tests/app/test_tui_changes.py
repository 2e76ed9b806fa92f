"""The change log in the app: every edit, delete, reply and import listed with old → new, and
one key to revert the selected change; an entry kept without a reply can be answered later."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.ollama_stub import unused_port_url
from tests.screen_text import drawn_lines, joined, read_through
from tests.tui_support import SIZE, chat, make_app, settle
from tui.domain.modes import JOURNAL
from tui.runtime.session import TurnState
from tui.screens.changes_screen import ChangesScreen
from tui.screens.entry_screen import EntryScreen


def _rows(screen: ChangesScreen) -> list[tuple[str, ...]]:
    table = screen.query_one(DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)]


async def test_the_changes_view_lists_changes_and_reverts_the_selected_one(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        store = app.workspace.journal
        record = store.add_entry(JOURNAL, "Booked the train to Lyon.")
        store.update_text(record.id, "Booked the train to Lisbon.")
        other = store.add_entry(JOURNAL, "Bought new running shoes.")
        store.delete(other.id)

        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        rows = _rows(screen)
        assert [row[2] for row in rows] == ["deleted", "edited"]
        assert rows[1][3] == "“Booked the train to Lyon.” → “Booked the train to Lisbon.”"

        await pilot.press("down", "r")
        await settle(pilot)
        assert [row[2] for row in _rows(screen)] == ["deleted", "edited · undone"]
        assert store.record.get(record.id).text == "Booked the train to Lyon."
        assert store.record.get(other.id) is None

        await pilot.press("up", "r")
        await settle(pilot)
        assert store.record.get(other.id).text == "Bought new running shoes."


async def test_an_entry_kept_without_a_reply_can_be_answered_from_the_history(settings, clock, ollama_stub):
    from dataclasses import replace

    down = replace(settings, ollama_host=unused_port_url())
    app = make_app(down, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Wrote this while Ollama was off.")
    ollama_stub.script(text="Welcome back; what changed since?")

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        history = app.screen.history
        history.query_one("DataTable").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)

        await pilot.press("a")
        await settle(pilot)

        view = chat(app).transcript("journal").views[-1]
        assert view.turn.state is TurnState.DONE
        record = app.workspace.journal.record.page("journal").records[0]
        assert (record.text, record.reply) == ("Wrote this while Ollama was off.", "Welcome back; what changed since?")
        assert app.workspace.journal.record.count("journal") == 1


DRAFT = " ".join(f"The first draft said thing number {n} about the move." for n in range(1, 9))
REWRITE = DRAFT + " The rewrite adds this ending, which the change log must show in full."


async def shown_of_change(pilot, screen: ChangesScreen) -> str:
    """What the dialog shows of the highlighted change (a detail that scrolls read to its end),
    whitespace dropped so wrapped lines read as written."""
    lines = drawn_lines(pilot, screen.query_one(".changes").region)
    for detail in screen.query(".changes-detail"):
        lines += await read_through(pilot, detail)
    return "".join(joined(lines).split())


@pytest.mark.parametrize("size", [(80, 24), (150, 42)], ids=["80x24", "150x42"])
async def test_an_edit_of_a_long_entry_shows_the_old_and_the_new_text_in_full(settings, clock, size):
    app = make_app(settings, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        store = app.workspace.journal
        record = store.add_entry(JOURNAL, DRAFT)
        store.update_text(record.id, REWRITE)

        await pilot.press("f4")
        await settle(pilot)
        (edited,) = [row for row in _rows(app.screen) if row[2] == "edited"]
        assert "The rewrite adds" in edited[3]  # the row starts where the texts differ
        shown = await shown_of_change(pilot, app.screen)
        assert "".join(DRAFT.split()) in shown
        assert "".join(REWRITE.split()) in shown
