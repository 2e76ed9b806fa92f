""""Forget all deleted" (ctrl+p) says how many entries it will erase before it asks, and erases
exactly those; with nothing deleted it says so and offers nothing to confirm."""

from __future__ import annotations

from textual.widgets import Button, Static

from tests.tui_support import SIZE, app_over_store, notified, run_command, settle
from tui.domain.modes import JOURNAL
from tui.screens.confirm_screen import ConfirmScreen


def question(app) -> str:
    return str(app.screen.query_one(".confirm-question", Static).content)


async def test_forget_all_deleted_says_how_many_it_erases(settings, clock, ollama_stub):
    def seed(store):
        store.add_entry(JOURNAL, "Kept: a good day.")
        for text in ("Deleted one.", "Deleted two.", "Deleted three."):
            store.delete(store.add_entry(JOURNAL, text).id)

    app = app_over_store(settings, clock, seed)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "Forget all deleted")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Forget the 3 deleted entries?" in question(app)
        await pilot.press("y")
        await settle(pilot)
        assert "Forgot 3 deleted entries: erased from the disk." in notified(app)
        assert app.workspace.journal.record.count("journal") == 1


async def test_forget_all_deleted_with_nothing_deleted_offers_nothing(settings, clock, ollama_stub):
    app = app_over_store(settings, clock, lambda store: None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "Forget all deleted")
        assert isinstance(app.screen, ConfirmScreen)
        assert "no deleted entries" in question(app).lower()
        assert app.screen.query_one(".confirm-yes", Button).disabled
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # nothing to go ahead with: still asking
        await pilot.press("escape")
        assert not any(text.startswith("Forgot") for text in notified(app))
