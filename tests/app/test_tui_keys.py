"""Keys and layout: the help lists every binding, focus moves between panes, and the memory
panes sit beside the chat on wide terminals, under it at 80×24 (from the first frame), and hide
with F3."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList

import tui.screens
import tui.widgets
from tests.screen_text import drawn_lines, joined, read_through
from tests.tui_support import make_app, send, settle
from tui.screens.help_screen import HelpScreen
from tui.screens.main_screen import MainScreen
from tui.widgets.transcript import Transcript


def declared_keys(app) -> list[tuple[str, str]]:
    """(key as the help writes it, what it does) for every binding with a description that the app,
    Textual's screen, and the classes of ``tui.screens`` and ``tui.widgets`` declare — found here by
    walking the modules, not through the help's own code."""
    classes: list[type] = [type(app), Screen]
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            classes += [cls for cls in vars(module).values()
                        if isinstance(cls, type) and cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__]
    return [(app.get_key_display(binding), binding.tooltip or binding.description)
            for cls in classes for binding in Binding.make_bindings(cls.__dict__["BINDINGS"])
            if binding.description and not binding.system]


def help_sections(screen: HelpScreen) -> dict[str, list[tuple[str, str]]]:
    """The help's sections as drawn: a title, then its keys and what they do."""
    return {where: [(keys, does) for _, keys, does in rows] for where, rows in screen.grouped_rows()}


@pytest.mark.parametrize("size", [(80, 24), (150, 42)], ids=["80x24", "150x42"])
async def test_f1_shows_every_key_and_all_of_what_it_does(settings, clock, ollama_stub, size):
    app = make_app(settings, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        drawn = joined(await read_through(pilot, app.screen.query_one(".help-keys")))
        assert "…" not in drawn
        for key, does in declared_keys(app):
            beside = [shown.group(1).split(" / ")
                      for shown in re.finditer(r"(\S+(?: / \S+)*) " + re.escape(does) + r"(?= |$)", drawn)]
            assert beside, f"{does!r} is not in the help in full"
            assert any(key in keys for keys in beside), f"{does!r} is not next to its key {key!r}"


async def test_the_help_groups_keys_where_they_act(settings, clock, ollama_stub):
    """History keys (filter, undo, open), a receipt's leave-out and the calendar's keys each sit
    under the pane they act in."""
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        sections = help_sections(app.screen)
        enter = app.get_key_display(Binding("enter", "", ""))
        keys = {where: {key for keys, _ in rows for key in keys.split(" / ")} for where, rows in sections.items()}
        assert list(sections)[:2] == ["Anywhere", "Main screen"]
        assert {"/", "u", enter, "p", "home", "end"} <= keys["History"]
        assert "x" in keys["Receipts"]
        assert {"a", "pgup", "pgdn", "m", "y", "t", enter, "←", "↑"} <= keys["Calendar"]
        assert ("f1 / ?", "List every key") in sections["Anywhere"]
        assert (enter, "Open the highlighted entry: its full text, reply and changes") in sections["History"]
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_the_footer_keeps_f1_in_view_at_80x24_whatever_has_the_focus(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "Rainy day, stayed in.")
        await send(pilot, "Another rainy day.")
        for target in ("#prompt", "Transcript", "#receipts OptionList", ".history-filter", ".history-table"):
            app.screen.query_one(target).focus()
            await settle(pilot)
            footer = drawn_lines(pilot)[-1]
            assert "f1 Help" in footer, f"{target}: {footer!r}"


async def test_tab_moves_between_panes(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "Rainy day, stayed in.")
        await send(pilot, "Another rainy day.")
        assert app.focused.id == "prompt"
        await pilot.press("tab")
        assert isinstance(app.focused, OptionList)
        await pilot.press("tab")
        assert "history-filter" in app.focused.classes
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        assert isinstance(app.focused, Transcript)
        await pilot.press("escape")
        assert app.focused.id == "prompt"


async def test_memory_panes_beside_the_chat_when_wide(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        chat, memory = app.query_one("#chat").region, app.query_one("#memory").region
        assert memory.x >= chat.right and memory.y == chat.y


@pytest.mark.parametrize(("size", "layout"), [((80, 24), "-narrow"), ((120, 40), "-wide")])
async def test_the_first_frame_is_laid_out_for_the_terminals_width(settings, clock, ollama_stub, monkeypatch, size,
                                                                    layout):
    """Textual gives the screen its width class on the first resize, which comes after the first
    frame: a narrow terminal drew the wide layout first, then styled and laid out everything again."""
    at_mount: list[set[str]] = []
    mounted = MainScreen.on_mount

    def on_mount(screen: MainScreen) -> None:  # runs before the first frame is drawn
        at_mount.append(set(screen.classes) & {"-narrow", "-wide"})
        mounted(screen)

    monkeypatch.setattr(MainScreen, "on_mount", on_mount)
    app = make_app(settings, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert at_mount == [{layout}]
        assert set(app.screen.classes) & {"-narrow", "-wide"} == {layout}


async def test_memory_panes_under_the_chat_at_80x24_and_f3_hides_them(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chat, memory = app.query_one("#chat").region, app.query_one("#memory").region
        assert memory.y >= chat.bottom and memory.width == 80
        receipts, history = app.query_one("#receipts").region, app.query_one("#history").region
        assert history.x >= receipts.right

        await pilot.press("f3")
        assert app.query_one("#memory").region.height == 0
        assert app.query_one("#chat").region.height == 22
        await pilot.press("f3")
        assert app.query_one("#memory").region.height > 0
