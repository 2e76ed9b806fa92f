"""A long transcript stays light: only the latest turns are displayed, earlier ones come back
when the person scrolls to the top or moves the selection onto them."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_support import chat, make_app, settle
from tui.session import Turn
from tui.widgets.transcript import SHOWN_TURNS, Transcript


async def fill(transcript: Transcript, count: int) -> None:
    for number in range(count):
        await transcript.add_turn(Turn("journal", f"entry {number}"), "ctrl+r")


async def test_only_the_latest_turns_are_displayed(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        transcript = chat(app).transcript()
        await fill(transcript, SHOWN_TURNS + 5)
        await pilot.pause()

        displayed = [view.turn.text for view in transcript.views if view.display]
        assert len(displayed) == SHOWN_TURNS and displayed[0] == "entry 5"
        earlier = transcript.query_one(".transcript-earlier", Static)
        assert str(earlier.render()).startswith("▲ 5 earlier turns")

        transcript.scroll_home(animate=False)
        await pilot.pause()
        await pilot.pause()
        assert all(view.display for view in transcript.views)
        assert not earlier.display


async def test_moving_the_selection_onto_hidden_turns_shows_them(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        transcript = chat(app).transcript()
        await fill(transcript, SHOWN_TURNS + 3)
        transcript.focus()
        await pilot.press("home")
        await pilot.pause()
        assert transcript.selected.turn.text == "entry 0"
        assert transcript.hidden_count == 0
        assert transcript.selected.region.y >= transcript.region.y

        await chat(app).transcript().add_turn(Turn("journal", "a new one"), "ctrl+r")
        assert transcript.hidden_count == 4
