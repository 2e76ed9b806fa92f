"""Typing while a pane other than the prompt has the focus is never lost: a printable key that is
not one of that pane's keys goes to the prompt (which takes the focus), so Tab away, type, Enter
sends what was typed. The pane's own keys (q, w in the transcript; /, u in the history; x in the
receipts) keep doing what they do. And the pane that has the focus is plainly marked."""

from __future__ import annotations

from textual import events
from textual.color import Color
from textual.widgets import Input, OptionList

from tests.tui_support import chat, make_app, send, settle
from tui.widgets.history_table import HistoryTable
from tui.widgets.transcript import Transcript


def prompt(app) -> Input:
    return app.query_one("#prompt", Input)


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_tab_from_the_history_then_typing_and_enter_sends_it(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "First entry of the day.")
        app.query_one(HistoryTable).focus()
        await pilot.press("tab")  # from the history list the focus wraps round to the transcript
        assert isinstance(app.focused, Transcript)

        await pilot.press(*"Then rain")
        assert app.focused is prompt(app)
        assert prompt(app).value == "Then rain"
        await pilot.press("enter")
        await settle(pilot)
        assert [view.turn.text for view in chat(app).transcript().views] == ["First entry of the day.", "Then rain"]


async def test_typing_in_the_transcript_adds_to_a_draft_never_over_it(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "An entry.")
        prompt(app).value = "half a thought"
        chat(app).transcript().focus()
        await pilot.press("space", "m", "o", "r", "e")
        assert prompt(app).value == "half a thought more"


async def test_the_transcripts_own_keys_stay_its_own(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "One.")
        await send(pilot, "Two.")
        transcript = chat(app).transcript()
        transcript.focus()
        await pilot.press("k")  # the earlier reply, not a "k" in the prompt
        assert app.focused is transcript and transcript.selected.turn.text == "One."
        await pilot.press("w")  # marks the reply wrong
        await settle(pilot)
        assert app.focused is transcript and prompt(app).value == ""
        assert transcript.selected.turn.reply_wrong


async def test_typing_in_the_history_list_goes_to_the_prompt_but_its_keys_stay(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "Kept entry.")
        table = app.query_one(HistoryTable)
        table.focus()
        await pilot.press("u")  # undo stays the history's: the reply attached to the entry is undone
        await settle(pilot)
        assert prompt(app).value == ""
        await pilot.press("slash")
        assert "history-filter" in app.focused.classes
        await pilot.press("r", "a")  # into the filter, as before
        assert app.focused.value == "ra" and prompt(app).value == ""

        table.focus()
        await pilot.press("n", "e", "w")
        assert app.focused is prompt(app) and prompt(app).value == "new"


async def test_typing_in_the_receipts_goes_to_the_prompt_but_x_stays(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "Rainy day, stayed in.")
        await send(pilot, "Another rainy day.")
        receipts = app.query_one("#receipts OptionList", OptionList)
        receipts.focus()
        await pilot.press("h", "i")
        assert app.focused is prompt(app) and prompt(app).value == "hi"


async def test_the_focused_pane_is_marked(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "An entry.")
        transcript = chat(app).transcript()
        assert not any("transcript" in line for line in screen_lines(app))
        transcript.focus()
        await pilot.pause()
        top = transcript.region.y
        assert "transcript" in screen_lines(app)[top]  # its frame's title, drawn only while it has the focus
        width_focused = transcript.content_region.width

        app.query_one(HistoryTable).focus()
        await pilot.pause()
        assert "transcript" not in screen_lines(app)[top]
        assert transcript.content_region.width == width_focused  # the replies are not wrapped again
        title, accent = app.query_one(".history-title"), Color.parse(app.theme_variables["accent"])
        assert title.styles.background == accent  # the history's title bar lights up
        transcript.focus()
        await pilot.pause()
        assert title.styles.background != accent


async def test_keys_typed_in_a_burst_all_reach_the_prompt(settings, clock, ollama_stub):
    """Keys that arrive together (fast typing, a terminal sending them at once) all reach the pane
    before the prompt has the focus: after the first, the rest follow it there, even the pane's own
    keys (q) and the app's (?)."""
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = await send(pilot, "An entry.")
        chat(app).transcript().focus()
        await pilot.pause()
        for key, character in (("T", "T"), ("q", "q"), ("question_mark", "?"), ("k", "k")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert prompt(app).value == "Tq?k"
        assert app.screen is chat(app).screen  # no help screen
        assert not view.turn.question  # q did not flip the turn


async def test_enter_in_a_burst_sends_what_was_typed(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "An entry.")
        chat(app).transcript().focus()
        await pilot.pause()
        for key, character in (("H", "H"), ("i", "i"), ("enter", "\r")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert [view.turn.text for view in chat(app).transcript().views] == ["An entry.", "Hi"]
        assert prompt(app).value == ""
