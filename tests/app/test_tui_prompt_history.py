"""↑/↓ in an empty prompt walk this mode's earlier entries, newest first, from the store (so they
survive a restart) and this session's sends; ↓ past the newest gives the empty prompt back."""

from __future__ import annotations

from textual.widgets import Input

from tests.tui_support import SIZE, make_app, send, settle


def prompt(app) -> Input:
    return app.query_one("#prompt", Input)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def seed(app, clock) -> None:
    store, modes = app.workspace.journal, app.workspace.modes
    store.add_entry(modes["journal"], "Walked along the river this morning.")
    clock.advance(minutes=5)
    store.add_entry(modes["code"], "How do I reverse a list in Python?", "Use reversed().")
    clock.advance(minutes=5)
    store.add_entry(modes["journal"], "Long call with my sister about moving house.")
    clock.advance(minutes=5)


async def test_up_and_down_walk_this_modes_entries_newest_first(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app, clock)

        await press(pilot, "up")
        assert prompt(app).value == "Long call with my sister about moving house."
        await press(pilot, "up")
        assert prompt(app).value == "Walked along the river this morning."
        await press(pilot, "up")  # the oldest: it stays
        assert prompt(app).value == "Walked along the river this morning."
        await press(pilot, "down")
        assert prompt(app).value == "Long call with my sister about moving house."
        await press(pilot, "down")
        assert prompt(app).value == ""
        await press(pilot, "down")  # not walking: nothing happens
        assert prompt(app).value == ""


async def test_a_recalled_entry_is_edited_and_sent_as_a_new_one(settings, clock, ollama_stub):
    ollama_stub.script(text="A reflection.").script(text="Another reflection.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app, clock)
        await send(pilot, "Slept badly again.")

        await press(pilot, "up")  # this session's send comes first
        assert prompt(app).value == "Slept badly again."
        await press(pilot, "up")
        assert prompt(app).value == "Long call with my sister about moving house."
        await press(pilot, "end", "!", "enter")
        await settle(pilot)

        assert prompt(app).value == ""
        sent = ollama_stub.chat_requests[-1]["messages"][-1]["content"]
        assert sent == "Long call with my sister about moving house.!"
        assert app.workspace.journal.record.count("journal") == 4
        await press(pilot, "up")
        assert prompt(app).value == "Long call with my sister about moving house.!"


async def test_a_typed_prompt_is_not_replaced(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app, clock)
        prompt(app).value = "half a thought"
        await press(pilot, "up")
        assert prompt(app).value == "half a thought"


async def test_history_survives_a_restart_and_keeps_to_its_mode(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app, clock)

    again = make_app(settings, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "up")
        assert prompt(again).value == "Long call with my sister about moving house."
        await press(pilot, "down", "ctrl+t")
        assert again.mode.name == "code"
        await press(pilot, "up")
        assert prompt(again).value == "How do I reverse a list in Python?"
        await press(pilot, "up")  # no journal entries in code's history
        assert prompt(again).value == "How do I reverse a list in Python?"


TRACEBACK = ('Traceback (most recent call last):\n  File "load.py", line 3, in <module>\n    total / count\n'
             'ZeroDivisionError: division by zero')


async def test_up_brings_back_a_multi_line_entry_and_enter_sends_it_with_its_lines(settings, clock, ollama_stub):
    ollama_stub.script(text="Check count first.").script(text="Same answer.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        app.workspace.journal.add_entry(app.workspace.modes["code"], TRACEBACK, "Check count first.")

        await press(pilot, "up")
        shown = prompt(app).value
        assert "Traceback (most recent call last):" in shown and "ZeroDivisionError" in shown
        assert "4 lines" in str(prompt(app).border_subtitle)
        await press(pilot, "enter")
        await settle(pilot)

        assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == TRACEBACK
        assert [record.text for record in app.workspace.journal.record.page("code").records] == [TRACEBACK, TRACEBACK]
        await press(pilot, "up")  # this session's send, lines and all
        await press(pilot, "enter")
        await settle(pilot)
        assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == TRACEBACK


async def test_typing_on_a_recalled_multi_line_entry_edits_it_in_the_composer_with_its_lines(settings, clock,
                                                                                         ollama_stub):
    from textual.widgets import TextArea

    from tui.screens.composer_screen import ComposerScreen

    ollama_stub.script(text="Noted.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "Morning pages.\nSlept well.\nCalm.")

        await press(pilot, "up", "!")
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.query_one(TextArea).text == "Morning pages.\nSlept well.\nCalm.!"
        assert prompt(app).value == ""
        await press(pilot, "ctrl+s")
        await settle(pilot)

        assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "Morning pages.\nSlept well.\nCalm.!"


async def test_the_composer_key_opens_a_recalled_multi_line_entry_whole(settings, clock, ollama_stub):
    from textual.widgets import TextArea

    from tui.screens.composer_screen import ComposerScreen

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "First line.\nSecond line.")

        await press(pilot, "up", "ctrl+e")
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.query_one(TextArea).text == "First line.\nSecond line."
