"""A reply being waited for says so: "thinking… 12 s" under the turn, counting once a second, until
the first words arrive, the turn fails or is stopped; then the turn says how long it took. A retry
visibly starts again (the indicator, "attempt 2"), and a failure says which attempt failed and
when, so a second failure never looks like nothing happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.pilot import Pilot

from tests.ollama_stub import unused_port_url
from tests.tui_support import SIZE, make_app, send, settle, status_text
from tui.runtime.session import TurnState

TICK = 1.0
"""The indicator counts once a second."""


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def until(pilot: Pilot, done: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("never happened")


async def test_a_reply_being_waited_for_counts_the_seconds_until_stopped(settings, clock, ollama_stub):
    ollama_stub.script(text="Too late.", stall_after=0)  # the model says nothing for now
    app = make_app(replace(settings, stall_timeout=30), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Are you there?", wait=False)
        await until(pilot, lambda: view.turn.state is TurnState.STREAMING)
        await pilot.pause()
        assert "thinking… 0 s" in screen_text(app)

        clock.advance(seconds=12)
        await pilot.pause(TICK + 0.2)
        assert "thinking… 12 s" in screen_text(app)

        await pilot.press("escape")  # stop
        await pilot.pause()
        assert "thinking…" not in screen_text(app)
        assert "stopped" in status_text(view) and "after 12 s" in status_text(view)
        clock.advance(seconds=5)
        await pilot.pause(TICK + 0.2)
        assert "thinking…" not in screen_text(app)
        ollama_stub.release_stalls()
        await settle(pilot)
        assert view.turn.record is not None  # the entry is saved (a second "stopped")
        assert "stopped" in status_text(view) and "after 12 s" in status_text(view)


async def test_the_indicator_stops_at_the_first_words_and_the_wait_is_told(settings, clock, ollama_stub):
    ollama_stub.script(chunks=["First words, at last."], pace=1.5)  # 1.5 s before the first (and only) piece
    app = make_app(replace(settings, stall_timeout=30), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Take your time.", wait=False)
        await until(pilot, lambda: view.turn.state is TurnState.STREAMING)
        clock.advance(seconds=7)
        await until(pilot, lambda: bool(view.reply.text))
        await pilot.pause()
        assert "thinking…" not in screen_text(app)
        await settle(pilot)
        assert view.turn.state is TurnState.DONE
        assert "first words after 7 s" in status_text(view)
        assert "thinking…" not in screen_text(app)


async def test_a_retry_starts_visibly_and_its_failure_says_attempt_2(settings, clock, ollama_stub):
    ollama_stub.script(status=500, error="model runner crashed")
    app = make_app(replace(settings, stall_timeout=30), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Hello?")
        assert view.turn.state is TurnState.FAILED
        first = status_text(view)
        assert "failed at 09:30:00" in first

        clock.advance(seconds=65)
        ollama_stub.script(text="Still nothing.", stall_after=0)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: view.turn.state is TurnState.STREAMING)
        await pilot.pause()
        assert "thinking… 0 s · attempt 2" in screen_text(app)
        assert "model runner crashed" not in status_text(view)  # the old failure is gone

        clock.advance(seconds=3)
        ollama_stub.release_stalls()  # the model hangs up without a word
        await settle(pilot)
        assert view.turn.state is TurnState.FAILED
        assert "attempt 2 failed at 09:31:08 after 3 s" in status_text(view)
        assert "thinking…" not in screen_text(app)


async def test_the_same_failure_twice_does_not_look_like_nothing_happened(settings, clock):
    app = make_app(replace(settings, ollama_host=unused_port_url()), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Written while Ollama is off.")
        first = status_text(view)
        clock.advance(seconds=20)
        await pilot.press("ctrl+r")
        await settle(pilot)
        second = status_text(view)
        assert second != first
        assert "attempt 2 failed at 09:30:20" in second
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "attempt 3 failed at 09:30:20" in status_text(view)
