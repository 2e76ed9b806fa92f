"""A long transcript stays light: only the latest turns are displayed, earlier ones come back
when the person scrolls to the top or moves the selection onto them."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_support import chat, make_app, reply_drawn, settle
from tui.runtime.session import Turn
from tui.widgets.block_cursor import block_text
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


async def test_scrolling_up_while_a_long_reply_streams_shows_its_earlier_blocks_in_place(settings, clock, ollama_stub):
    """A streaming reply displays only its last blocks while the transcript follows its end; the
    person scrolling up brings the rest back, and what they were looking at does not jump."""
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        transcript = chat(app).transcript()
        view = await transcript.add_turn(Turn("journal", "tell me a long story"), "ctrl+r")
        for number in range(150):
            await view.add_chunk(f"Paragraph {number} of the story, with the river in it.\n\n")
        await reply_drawn(pilot, view.reply)
        await pilot.pause()
        reply = view.reply
        assert reply.hidden_blocks > 0

        def on_screen() -> list[tuple[str, int]]:
            top, bottom = transcript.content_region.y, transcript.content_region.bottom
            return [(block_text(block), block.region.y) for block in reply.blocks
                    if block.display and block.region.bottom > top and block.region.y < bottom]

        seen = on_screen()
        assert seen and seen[-1][0].startswith("Paragraph 149")
        transcript.scroll_relative(y=-5, animate=False, immediate=True)
        await pilot.pause()
        await pilot.pause()
        assert reply.hidden_blocks == 0
        assert all(block.display for block in reply.blocks)
        now = dict(on_screen())
        assert [(text, now.get(text)) for text, y in seen if y + 5 < transcript.content_region.bottom] == [
            (text, y + 5) for text, y in seen if y + 5 < transcript.content_region.bottom]  # 5 lines down, as scrolled


async def test_the_focused_transcript_shades_only_the_selected_turn(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        transcript = chat(app).transcript()
        await fill(transcript, 3)
        transcript.focus()
        await pilot.pause()
        shaded = [view.styles.background.a > 0 for view in transcript.views]
        assert shaded == [False, False, True]

        await pilot.press("up")
        await pilot.pause()
        assert [view.styles.background.a > 0 for view in transcript.views] == [False, True, False]

        app.query_one("#prompt").focus()  # not focused: no shade, the mark stays
        await pilot.pause()
        assert not any(view.styles.background.a > 0 for view in transcript.views)
        assert transcript.views[1].has_class("-selected")
