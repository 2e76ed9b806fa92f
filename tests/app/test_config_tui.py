"""The config file in the full-screen app: its modes are the app's modes, a mode keeps its entries
when its title changes, a broken file is said once, and the chosen theme is remembered."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Static

from tests.tui_support import SIZE, chat, make_app, notified, run_command, send, settle
from tui.services.config import load_config
from tui.services.settings import DEFAULT_THEME

STANDUP = '''# my modes
[modes.standup]
title = "{title}"
system_prompt = "You run a short daily stand-up: ask what was done, what is next, what blocks."
metadata = {{ team = "core" }}
'''


def write_config(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_config(path, {})


def configured(settings, config):
    """The test settings (stand-in Ollama, isolated data dir) plus what the config file says."""
    theme = config.values.get("theme", DEFAULT_THEME)
    return replace(settings, config_path=config.path, theme=theme)


def mode_tabs(app) -> str:
    return str(app.query_one("#status .mode-tabs", Static).render())


async def test_a_mode_from_the_config_is_cycled_shown_and_stores_under_its_id(settings, clock, ollama_stub,
                                                                              tmp_path):
    config = write_config(tmp_path / "config.toml", STANDUP.format(title="Stand-up"))
    app = make_app(configured(settings, config), clock, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.config_problems == []
        tabs = mode_tabs(app)
        assert "◆ Journal" in tabs and "◇ Code" in tabs and "◇ Stand-up" in tabs
        seen = [app.mode.name]
        for _ in range(3):
            await pilot.press("ctrl+t")
            await settle(pilot)
            seen.append(app.mode.name)
            assert f"◆ {app.mode.title}" in mode_tabs(app)
        assert seen == ["journal", "code", "standup", "journal"]
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Mode: Journal", "Mode: Code", "Mode: Stand-up"} <= set(titles)

        await pilot.press("ctrl+t", "ctrl+t")
        await settle(pilot)
        assert app.mode.name == "standup"
        assert chat(app).query_one("#transcripts").current == "transcript-standup"
        ollama_stub.script("What blocks you?")
        view = await send(pilot, "Shipped the importer.")
        assert view.turn.record is not None
        system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
        assert system.startswith("You run a short daily stand-up")
        (record,) = app.workspace.journal.record.page("standup").records
        assert record.mode == "standup" and record.metadata["team"] == "core"
        assert app.workspace.journal.record.count("journal") == 0


async def test_renaming_a_modes_title_keeps_its_entries(settings, clock, ollama_stub, tmp_path):
    path = tmp_path / "config.toml"
    config = write_config(path, STANDUP.format(title="Stand-up"))
    first = make_app(configured(settings, config), clock, config=config)
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first.use_mode("standup")
        await settle(pilot)
        await send(pilot, "Paired on the parser.")

    config = write_config(path, STANDUP.format(title="Daily"))
    again = make_app(configured(settings, config), clock, config=config)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t", "ctrl+t")
        await settle(pilot)
        assert again.mode.name == "standup" and "◆ Daily" in mode_tabs(again)
        history = again.query_one("#history")
        assert "1 entry" in str(history.query_one(".history-title", Static).render())
        assert "Paired on the parser." in str(history.query_one("DataTable").get_row_at(0))


async def test_a_broken_config_is_said_once_and_the_journal_still_works(settings, clock, ollama_stub, tmp_path):
    path = tmp_path / "config.toml"
    config = write_config(path, 'colour = "blue"\n' + STANDUP.format(title="Stand-up")
                          + '\n[modes.code]\nrecall_size = -1\n')
    app = make_app(configured(settings, config), clock, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [problem.key for problem in app.config_problems] == ["colour", "modes.code.recall_size"]
        (message,) = notified(app, "warning")
        assert str(path) in message and "line 1" in message and "colour" in message
        assert "modes.code.recall_size" in message
        assert list(app.workspace.modes) == ["journal", "code", "standup"]
        assert app.workspace.modes["code"].recall_size == 5
        view = await send(pilot, "Writing anyway.")
        assert view.turn.record is not None


async def test_the_theme_from_the_config_is_applied_at_start(settings, clock, ollama_stub, tmp_path):
    config = write_config(tmp_path / "config.toml", 'theme = "nord"\n')
    app = make_app(configured(settings, config), clock, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        assert notified(app, "warning") == []
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == 'theme = "nord"\n'  # nothing rewritten


async def test_an_unknown_theme_is_a_problem_and_the_default_theme_is_used(settings, clock, ollama_stub, tmp_path):
    path = tmp_path / "config.toml"
    config = write_config(path, 'theme = "mauve-dreams"\n')
    app = make_app(configured(settings, config), clock, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == DEFAULT_THEME
        (message,) = notified(app, "warning")
        assert "theme" in message and "line 1" in message and str(path) in message


async def test_the_theme_picked_in_the_palette_is_written_to_the_config_keeping_comments(settings, clock,
                                                                                         ollama_stub, tmp_path):
    path = tmp_path / "config.toml"
    config = write_config(path, '# the look\ntheme = "textual-dark"  # for the evening\n\n'
                          + STANDUP.format(title="Stand-up"))
    app = make_app(configured(settings, config), clock, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "theme")
        await pilot.press(*"gruvbox")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "gruvbox"
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# the look\ntheme = "gruvbox"  # for the evening\n')
    assert "# my modes\n[modes.standup]" in text
    assert load_config(path, {}).values["theme"] == "gruvbox"
