"""One place for unexpected worker failures: a bug in a store call is shown and logged, and the
app keeps running."""

from __future__ import annotations

from tests.tui_support import SIZE, make_app, notified, send, settle
from tui.screens.main_screen import MainScreen


async def test_an_unexpected_error_in_a_worker_is_shown_and_the_app_keeps_running(settings, clock, ollama_stub,
                                                                                 monkeypatch):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken(*_args, **_kwargs):
            raise RuntimeError("the page reader exploded")

        monkeypatch.setattr(app.workspace.journal.record, "page", broken)
        app.screen.history.reload()
        for _ in range(100):  # not settle(): waiting on a failed worker re-raises its error
            await pilot.pause(0.02)
            errors = notified(app, "error")
            if errors:
                break
        assert any("RuntimeError: the page reader exploded" in message for message in errors)
        assert isinstance(app.screen, MainScreen)

        monkeypatch.undo()
        view = await send(pilot, "Still here.")
        assert view.reply.text

