"""When Ollama is down, the model is missing, the reply stalls or breaks off: a clear message
under the turn and in a notification, the journal entry saved anyway, and a retry key."""

from __future__ import annotations

from dataclasses import replace

from tests.ollama_stub import DEFAULT_MODEL, unused_port_url
from tests.tui_support import SIZE, chat, make_app, notified, ollama_text, send, settle, status_colour, status_text
from tui.runtime.session import TurnState


async def test_unreachable_ollama_is_explained_and_the_entry_is_saved(settings, clock):
    down = replace(settings, ollama_host=unused_port_url())
    app = make_app(down, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        host = down.ollama_host.removeprefix("http://")
        assert ollama_text(app) == f"ollama unreachable at {host}: start `ollama serve`"

        view = await send(pilot, "Wrote this while Ollama was off.")

        assert view.turn.state is TurnState.FAILED
        status = status_text(view)
        assert f"Ollama is not reachable at {down.ollama_host}" in status
        assert "ollama serve" in status
        assert "saved without a reply" in status and "ctrl+r" in status
        assert status_colour(view) == app.theme_variables["error"]  # drawn as an error, not muted
        assert any("not reachable" in text for text in notified(app))
        assert app.workspace.journal.record.count("journal") == 1
        assert app.workspace.journal.record.page("journal").records[0].reply == ""


async def test_missing_model_then_retry_after_pulling_it(settings, clock, ollama_stub):
    ollama_stub.models = set()
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ollama_text(app) == f"model not pulled: `ollama pull {DEFAULT_MODEL}`"
        view = await send(pilot, "An entry for a model that is not there.")
        assert f"Model {DEFAULT_MODEL} is not pulled" in status_text(view)
        assert app.workspace.journal.record.count("journal") == 1

        ollama_stub.models = {DEFAULT_MODEL}
        app.recheck_ollama()  # what the app does every few seconds while Ollama is in trouble
        await settle(pilot)
        assert ollama_text(app) == f"ollama ✓ {DEFAULT_MODEL}"

        ollama_stub.script(text="Now I can answer.")
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert view.turn.state is TurnState.DONE
        assert view.reply.text == "Now I can answer."
        assert ollama_text(app) == f"ollama ✓ {DEFAULT_MODEL}"
        records = app.workspace.journal.record.page("journal").records
        assert [(r.text, r.reply) for r in records] == [
            ("An entry for a model that is not there.", "Now I can answer.")]


async def test_stalled_reply_is_reported_and_retried(settings, clock, ollama_stub):
    ollama_stub.script(text="I was saying something", stall_after=2)
    app = make_app(replace(settings, stall_timeout=0.5), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Tell me about stalls.")
        ollama_stub.release_stalls()
        assert view.turn.state is TurnState.FAILED
        assert "cut off after 0.5 s without progress" in status_text(view)
        assert view.reply.text == "I was "
        assert app.workspace.journal.record.count("journal") == 1

        ollama_stub.script(text="A full answer this time.")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert view.reply.text == "A full answer this time."
        assert app.workspace.journal.record.count("journal") == 1


async def test_error_mid_stream_in_code_mode_keeps_the_question_to_retry(settings, clock, ollama_stub):
    ollama_stub.script(text="Use the walrus operator when", error_after=2, error="out of memory")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        view = await send(pilot, "When should I use :=?")
        status = status_text(view)
        assert "The reply was cut off: out of memory" in status
        assert "Not stored yet: your question is kept on disk until it is answered" in status
        assert view.reply.text == "Use the "
        assert app.workspace.journal.record.count("code") == 0
        assert [p.text for p in app.workspace.journal.record.pending()] == ["When should I use :=?"]

        ollama_stub.script(text="Use it to bind inside an expression.")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert view.turn.state is TurnState.DONE
        assert view.reply.text == "Use it to bind inside an expression."
        assert [r.text for r in app.workspace.journal.record.page("code").records] == ["When should I use :=?"]
        assert len(chat(app).transcript().views) == 1


async def test_retry_with_nothing_failed_says_so(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        assert "No failed journal turn to retry." in notified(app)


async def test_a_reply_cut_off_while_ollama_answers_keeps_the_status_green(settings, clock, ollama_stub):
    """Issue #18: a cut-off reply turned the status line to "ollama ✗" while Ollama was up. The cut
    says nothing of the server: it is asked again, and the status says what it answers."""
    ollama_stub.script(text="The connection drops in the middle of this reply", drop_after=3)
    ollama_stub.script(text="This one fills the context", done_reason="length")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ollama_text(app).startswith("ollama ✓")

        dropped = await send(pilot, "Tell me something long.")
        await settle(pilot)
        assert dropped.turn.state is TurnState.FAILED
        assert ollama_text(app) == f"ollama ✓ {DEFAULT_MODEL}"

        full = await send(pilot, "And something longer.")
        await settle(pilot)
        assert full.turn.state is TurnState.FAILED and "context is full" in status_text(full)
        assert ollama_text(app) == f"ollama ✓ {DEFAULT_MODEL}"


async def test_a_reply_cut_off_because_ollama_went_away_says_it_is_unreachable(settings, clock, ollama_stub):
    ollama_stub.script(text="Half of this reply and then the server is gone", stall_after=2)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Tell me something while Ollama stops.", wait=False)
        while not view.reply.text:
            await pilot.pause()
        ollama_stub.stop()  # releases the stalled reply (the connection closes) and stops listening
        await settle(pilot)

        assert view.turn.state is TurnState.FAILED
        assert ollama_text(app).startswith("ollama unreachable at"), ollama_text(app)
