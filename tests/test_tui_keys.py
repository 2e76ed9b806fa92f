"""Keys and layout: the help lists every binding, focus moves between panes, and the memory
panes sit beside the chat on wide terminals, under it at 80×24 (from the first frame), and hide
with F3."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, OptionList

from tests.tui_support import make_app, send, settle
from tui.screens.help_screen import HelpScreen
from tui.screens.main_screen import MainScreen
from tui.widgets.transcript import Transcript


async def test_help_lists_every_binding(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [tuple(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]
        keys = {(where, does): key for where, key, does in rows}
        assert keys[("Anywhere", "Switch to the next mode")] == "^t / f2"
        assert keys[("Anywhere", "List every key")] == "f1 / ?"
        assert keys[("Anywhere", "Quit")] == "^q"
        assert keys[("Main screen", "Write a longer, multi-line entry")] == "^e"
        assert keys[("Main screen", "Send the last failed turn again")] == "^r"
        assert keys[("Main screen", "Copy the reply's last code block (or the whole reply)")] == "^y"
        assert ("Transcript", "Earlier reply") in keys
        assert ("Composer", "Send") in keys
        assert {("History entry", "Edit"), ("Entry editor", "Save")} <= set(keys)
        assert keys[("History entry", "Delete the entry (undo it from Changes, or u in the history)")] == "d"
        assert keys[("History entry", "Erase the entry from the disk for good (asks first)")] == "f"
        assert keys[("History pane", "Undo the last change in this mode (edit, delete, reply, import, pin, "
                     "question / entry, reply wrong)")] == "u"
        pin = ("Pin the highlighted entry: it goes into every prompt of its mode, above the recalled memories "
               "(p again unpins)")
        assert keys[("History pane", pin)] == "p"
        assert keys[("Recalled pane", "Pin the highlighted memory: it goes into every prompt of its mode, above the "
                     "recalled ones (p again unpins)")] == "p"
        assert keys[("History entry", "Pin the entry: it goes into every prompt of its mode (p again unpins)")] == "p"
        assert keys[("Main screen", "The change log: every edit, delete, reply and import, with revert")] == "f4"
        assert ("Changes", "Undo the selected change: the entry is restored as it was") in keys
        assert ("Palette", "Command palette (modes, actions)") in keys
        assert (keys[("History table", "Newest")], keys[("History table", "Oldest")]) == ("home", "end")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


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
