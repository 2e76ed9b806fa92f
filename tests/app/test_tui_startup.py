"""Start-up: the screen is up and typing works before the store has opened; what is sent meanwhile
waits and is handled once the store is ready; a store that cannot open gets a clear screen; the
first frame is styled as a full restyle would style it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.tui_support import SIZE, chat, make_app, ollama_text, send, settle, status_text
from tui.app import MindpaneApp
from tui.runtime.session import TurnState
from tui.screens.main_screen import MainScreen
from tui.screens.store_error_screen import StoreErrorScreen
from tui.services.engine import open_store


def computed_styles(screen) -> list[tuple[str, str, dict[str, str]]]:
    return [(repr(node), node.styles.css, {name: styles.css for name, styles in node._component_styles.items()})
            for node in screen.walk_children(with_self=True)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
async def test_the_first_frame_is_styled_as_a_full_restyle_styles_it(settings, clock, ollama_stub, monkeypatch, size):
    """The screen's first showing skips Textual's restyle of every widget (each was styled when it
    mounted): nothing in the first frame may differ from what that restyle would have given."""
    drawn: list[tuple[str, list, list]] = []

    def on_ready(app) -> None:  # Textual's Ready: the first frame is drawn
        first = computed_styles(app.screen)
        app.screen.update_node_styles(animate=False)
        drawn.append((type(app.screen).__name__, first, computed_styles(app.screen)))

    monkeypatch.setattr(MindpaneApp, "on_ready", on_ready, raising=False)
    app = make_app(settings, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
    (screen, first, restyled), = drawn
    assert screen == "MainScreen" and len(first) > 30
    assert first == restyled


async def test_message_sent_before_the_store_opens_waits_and_is_answered(settings, clock, ollama_stub):
    store_may_open = threading.Event()

    def slow_open(s, outbox=None):
        store_may_open.wait(30)
        return open_store(s, clock, outbox)

    ollama_stub.script(text="Welcome back.")
    app = make_app(settings, clock, open_store=slow_open)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.store_state == "loading"
        assert isinstance(app.focused, Input) and app.focused.id == "prompt"
        assert "opening memories" in str(app.query_one("#status .store-state", Static).render())
        assert app.query_one("#memory").loading

        await pilot.press(*"hi")
        assert app.query_one("#prompt", Input).value == "hi"
        view = await send(pilot, "Written while the store was still opening.", wait=False)
        assert view.turn.state is TurnState.WAITING
        assert "waiting for the memory store" in status_text(view)

        store_may_open.set()
        await settle(pilot)
        assert app.store_state == "ready"
        assert not app.query_one("#memory").loading
        assert view.turn.state is TurnState.DONE
        assert view.reply.text == "Welcome back."
        assert app.workspace.journal.record.count("journal") == 1


async def test_second_message_waits_for_the_first_reply(settings, clock, ollama_stub):
    ollama_stub.script(chunks=["Fir", "st."], pace=0.2).script(text="Second.")  # the first reply takes its time
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        journal = app.workspace.modes["journal"]
        first_turn, second_turn = app.turns.send(journal, "One."), app.turns.send(journal, "Two.")
        assert second_turn.state is TurnState.WAITING
        for _ in range(200):  # until the chat shows the second turn's status
            second = chat(app).view_of(second_turn)
            if second is not None and second.query(".turn-status") and status_text(second):  # mounted, and says
                break
            await asyncio.sleep(0.005)
        assert "waiting for the previous reply" in status_text(second)
        first = chat(app).view_of(first_turn)
        await settle(pilot)
        assert (first.reply.text, second.reply.text) == ("First.", "Second.")
        assert [v.turn.text for v in chat(app).transcript().views] == ["One.", "Two."]


async def test_ollama_status_shows_the_model_when_all_is_well(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ollama_text(app) == "ollama ✓ gemma3:4b-it-qat"


def error_texts(app) -> list[str]:
    return [str(static.render()) for static in app.screen.query(Static)]


async def test_unwritable_data_dir_shows_the_store_error_screen(settings, clock, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app = make_app(type(settings)(data_dir=blocker / "data", ollama_host=settings.ollama_host), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StoreErrorScreen)
        texts = error_texts(app)
        assert any(text.startswith(f"Cannot write to the data directory {blocker / 'data'}") for text in texts)
        assert any("--data-dir" in text for text in texts)
        assert any("ctrl+r to try again once it is fixed, or ctrl+q to quit" in text for text in texts)

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, StoreErrorScreen)
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_store_held_by_another_mindpane_shows_the_store_error_screen(settings, clock, store):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StoreErrorScreen)
        texts = error_texts(app)
        assert any(text.startswith("Another mindpane is using the memory store") for text in texts)
        assert any("close the other mindpane first" in text for text in texts)
        assert app.store_state == "failed"

        store.close()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.store_state == "ready"


async def test_once_the_store_is_open_what_lives_on_is_kept_out_of_the_collectors_sight(settings, clock,
                                                                                      ollama_stub):
    """A full garbage collection walked every object mem0, Chroma and the model made, every half
    second while a reply streamed (65–150 ms stalls); they are frozen once the store opens, and
    given back to the collector when the app ends."""
    import gc

    before = gc.get_threshold()
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.store_state == "ready"
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]  # young collections less often while it runs
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


async def test_a_full_collection_runs_once_a_turn_has_ended_and_none_has_started(settings, clock, ollama_stub,
                                                                                 monkeypatch):
    """The collection the allocations would trigger on their own landed in the next turn (85 ms
    with the event loop stopped); it runs while the person reads the reply instead, and never
    while another turn is still running."""
    import tui.app
    import tui.runtime.collector

    collections: list[int] = []
    monkeypatch.setattr(tui.runtime.collector.gc, "collect", lambda generation=2: collections.append(generation))
    monkeypatch.setattr(tui.app, "COLLECT_AT_REST_AFTER", 0.05)
    ollama_stub.script(chunks=["A first ", "answer."], pace=0.3)
    ollama_stub.script(chunks=["A slower ", "answer ", "that takes ", "its time."], pace=0.3)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        collections.clear()  # the one at store open (freeze_what_lives_on)

        first = await send(pilot, "First entry.", wait=False)
        await send(pilot, "Second entry, sent while the first is answered.", wait=False)
        for _ in range(100):  # until the first turn has ended (the second runs then)
            await pilot.pause(0.02)
            if first.turn.state.name == "DONE":
                break
        await pilot.pause(0.3)  # the first turn ended well over 0.05 s ago; the second still streams
        assert first.turn.state.name == "DONE" and app.turns.unfinished == 1
        assert collections == []

        await settle(pilot)
        await pilot.pause(0.2)
        assert app.turns.unfinished == 0
        assert collections == [2]
