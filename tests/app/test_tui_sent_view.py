"""On any answer, a key shows exactly what the model received: every message (the system prompt
with its memory block, the context turns, the text), the model and the options sent."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_support import SIZE, make_app, quiet_cursor, send, settle
from tui.screens.main_screen import MainScreen
from tui.screens.sent_screen import SentScreen


def shown(screen: SentScreen) -> list[tuple[str, str]]:
    roles = [str(s.content) for s in screen.query(".sent-role").results(Static)]
    texts = [str(s.content) for s in screen.query(".sent-content").results(Static)]
    return list(zip(roles, texts, strict=True))


async def seeded(pilot, clock) -> None:
    app = pilot.app
    await settle(pilot)
    app.workspace.journal.add_entry(app.workspace.modes["journal"],
                                  "Walked along the river at dawn; the fog made everything quiet.", "A quiet start.")
    clock.advance(days=1)
    await send(pilot, "Slept badly, thinking about the move.")
    await send(pilot, "Another foggy walk by the river this morning.")


async def test_the_view_shows_the_request_the_model_received(settings, clock, ollama_stub):
    ollama_stub.script(text="First reflection.").script(text="Second reflection.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await seeded(pilot, clock)
        assert MainScreen.key_for("show_sent") == "ctrl+l"
        await pilot.press("ctrl+l")
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, SentScreen)
        request = ollama_stub.chat_requests[-1]
        assert shown(screen) == [(m["role"], m["content"]) for m in request["messages"]]
        assert [role for role, _ in shown(screen)] == ["system", "user", "assistant", "user"]
        assert "Walked along the river at dawn" in shown(screen)[0][1]
        title = str(screen.query_one(".dialog-title", Static).content)
        assert request["model"] in title
        assert "stream" in str(screen.query_one(".sent-options", Static).content)
        assert 'options: {"num_ctx": 8192}' in str(screen.query_one(".sent-options", Static).content)
        assert screen.turn.sent_options == {"stream": request.get("stream"), "options": request.get("options")}

        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

        await pilot.press("escape", "alt+up")  # the earlier answer: its own request
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        first = ollama_stub.chat_requests[0]
        assert shown(app.screen) == [(m["role"], m["content"]) for m in first["messages"]]


async def test_nothing_sent_yet_says_so(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


def test_sent_view_snapshot(snap_compare, settings, clock, ollama_stub):
    ollama_stub.script(text="First reflection.").script(text="Second reflection.")
    app = make_app(settings, clock)

    async def run_before(pilot) -> None:
        await seeded(pilot, clock)
        await pilot.press("ctrl+l")
        await settle(pilot)
        quiet_cursor(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
