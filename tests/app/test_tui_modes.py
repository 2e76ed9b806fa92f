"""Switching modes by key and by command palette changes the prompt, memories and transcript."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_support import SIZE, chat, make_app, run_command, send, settle


def mode_tabs(app) -> str:
    return str(app.query_one("#status .mode-tabs", Static).render())


async def test_mode_switches_by_key_and_is_always_visible(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "◆ Journal" in mode_tabs(app) and "◇ Code" in mode_tabs(app)
        await pilot.press("ctrl+t")
        assert app.mode.name == "code"
        assert "◆ Code" in mode_tabs(app)
        assert app.query_one("#prompt").border_title == "Code · question"
        await pilot.press("f2")
        assert app.mode.name == "journal"


async def test_mode_switches_from_the_command_palette(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "mode code")
        assert app.mode.name == "code"
        assert chat(app).query_one("#transcripts").current == "transcript-code"


async def test_switching_mode_shows_that_modes_history(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modes = app.workspace.modes
        app.workspace.journal.add_entry(modes["code"], "What does functools.cache do?", "It memoises.")
        await send(pilot, "A quiet evening.")
        history = app.query_one("#history")
        assert "1 entry" in str(history.query_one(".history-title", Static).render())
        await pilot.press("ctrl+t")
        await settle(pilot)
        table = history.query_one("DataTable")
        assert table.row_count == 1
        assert "functools.cache" in str(table.get_row_at(0))
