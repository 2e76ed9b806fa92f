"""A locked journal opens on the unlock screen (#20): the passphrase, where the journal is, that a
lost passphrase cannot be recovered. The key is derived in a worker; a wrong passphrase says so and
changes nothing, as often as it is tried; the main screen exists only once the journal is unlocked."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.locked_support import PASSPHRASE, clear_hits, locked_app, make_locked, unlock
from tests.tui_support import SIZE, notified, settle
from tui.adapters.draft_file import LOCKED_DRAFT_FILE
from tui.adapters.key_file import KEY_FILE
from tui.screens.main_screen import MainScreen
from tui.screens.unlock_screen import UnlockScreen

SECRET = "Marker-4471 the letter I never sent"


def shown(app) -> str:
    return "\n".join(str(widget.content) for widget in app.screen.query(Static))


def passphrase_field(app) -> Input:
    return app.screen.query_one("#passphrase", Input)


async def test_a_locked_journal_opens_on_the_unlock_screen_and_opens_nothing_before_it(settings, clock):
    make_locked(settings, clock, [SECRET])
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and len(app.screen_stack) == 1
        assert passphrase_field(app).password and app.screen.focused is passphrase_field(app)
        text = shown(app)
        assert str(settings.data_dir) in text
        assert "cannot be recovered" in text
        assert not app.workspace.ready and not any(isinstance(s, MainScreen) for s in app.screen_stack)
        assert SECRET not in text


async def test_the_right_passphrase_opens_the_journal_and_its_entries(settings, clock):
    make_locked(settings, clock, [SECRET])
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.workspace.ready and app.store_state == "ready"
        assert [r.text for r in app.workspace.journal.record.page("journal").records] == [SECRET]
        assert app.screen.focused is app.screen.query_one("#prompt", Input)


async def test_a_wrong_passphrase_says_so_clears_the_field_and_changes_nothing_however_often(settings, clock):
    make_locked(settings, clock, [SECRET])
    key_before = (settings.data_dir / KEY_FILE).read_bytes()
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for attempt in range(5):
            await unlock(pilot, f"not it {attempt}")
            assert isinstance(app.screen, UnlockScreen), f"attempt {attempt}"
            assert "That passphrase does not unlock this journal" in shown(app)
            assert passphrase_field(app).value == ""
            assert not app.workspace.ready
        assert (settings.data_dir / KEY_FILE).read_bytes() == key_before
        await unlock(pilot)  # five wrong tries are no lockout
        assert isinstance(app.screen, MainScreen) and app.workspace.ready


async def test_an_empty_passphrase_is_not_tried(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, "")
        assert isinstance(app.screen, UnlockScreen)
        assert "Type the passphrase" in shown(app)


async def test_a_missing_key_file_says_what_is_wrong_and_what_to_do(settings, clock):
    make_locked(settings, clock, [SECRET])
    (settings.data_dir / KEY_FILE).unlink()
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert KEY_FILE in shown(app)
        assert notified(app, "error") == []  # said on the screen, not as a crash


async def test_ctrl_q_quits_from_the_unlock_screen(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_what_is_typed_on_the_unlock_screen_goes_nowhere_but_the_passphrase_field(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"typed too early", "tab", *"more", "enter")
        await settle(pilot)
        await unlock(pilot)
        assert app.screen.query_one("#prompt", Input).value == ""
        assert app.workspace.journal.record.page("journal").records == []
        assert app.workspace.journal.record.pending() == []


async def test_a_draft_in_a_locked_journal_is_sealed_on_the_disk_and_comes_back_after_unlock(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press(*SECRET)
        await settle(pilot)
        await pilot.pause(0.5)  # the draft writer waits a quarter of a second after the last key
        assert (settings.data_dir / LOCKED_DRAFT_FILE).exists()
        assert clear_hits(settings.data_dir, "Marker-4471") == []
        assert SECRET not in app.title and SECRET not in app.sub_title
    assert clear_hits(settings.data_dir, "Marker-4471") == []

    again = locked_app(settings, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert SECRET not in shown(again)
        await unlock(pilot)
        assert again.screen.query_one("#prompt", Input).value == SECRET


async def test_the_title_never_holds_an_entrys_text(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, PASSPHRASE)
        app.screen.query_one("#prompt", Input).value = SECRET
        await pilot.press("enter")
        await settle(pilot)
        assert (app.title, app.sub_title) == ("mindpane", "")
        assert all(SECRET not in (screen.title or "") + (screen.sub_title or "") for screen in app.screen_stack)
