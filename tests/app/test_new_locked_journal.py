"""``create_locked = true`` (#20): a new data dir is made a locked journal from its very first entry.
The app opens on a "new journal" form (the passphrase typed twice, and that a lost one cannot be
recovered); only then is the journal made (in a worker) and opened. A journal that exists already
opens as it is."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input, Static

from tests.locked_support import PASSPHRASE, clear_hits, fast_params, unlock
from tests.tui_support import SIZE, settle
from tui.adapters.key_file import KEY_FILE
from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked
from tui.app import MindpaneApp
from tui.domain.modes import builtin_modes
from tui.screens.main_screen import MainScreen
from tui.screens.unlock_screen import UnlockScreen
from tui.services import engine
from tui.services.workspace import Workspace

SECRET = "Marker-6632 the first thing I ever wrote here"


def new_locked_app(settings, clock) -> MindpaneApp:
    """The app over ``settings`` with ``create_locked = true`` (the fast KDF for the new key)."""
    wanting = replace(settings, create_locked=True)

    def open_store(opened_settings, outbox=None, key=None):
        return engine.open_store(opened_settings, clock, outbox, key=key)

    workspace = Workspace(wanting, clock=clock, open_store=open_store, kdf_params=fast_params())
    return MindpaneApp(wanting, workspace, clock=clock)


def shown(app) -> str:
    return "\n".join(str(widget.content) for widget in app.screen.query(Static))


async def type_new(pilot, first: str, again: str) -> None:
    screen = pilot.app.screen
    screen.query_one("#passphrase", Input).value = first
    await pilot.press("enter")
    await settle(pilot)
    assert screen.focused is screen.query_one("#again", Input)
    screen.query_one("#again", Input).value = again
    await pilot.press("enter")
    await settle(pilot)


async def test_a_new_data_dir_asks_for_a_new_passphrase_twice_and_makes_nothing_before(settings, clock):
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and len(app.screen_stack) == 1
        text = shown(app)
        assert "new locked journal" in text.lower() and str(settings.data_dir) in text
        assert "cannot be recovered" in text
        fields = list(app.screen.query(Input))
        assert [field.id for field in fields] == ["passphrase", "again"] and all(f.password for f in fields)
        assert not app.workspace.ready
        assert not (settings.data_dir / PLAIN_RECORD).exists() and not (settings.data_dir / KEY_FILE).exists()


async def test_the_passphrase_typed_twice_makes_a_locked_journal_and_opens_it(settings, clock):
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_new(pilot, PASSPHRASE, PASSPHRASE)
        assert isinstance(app.screen, MainScreen), shown(app)
        assert app.workspace.ready and app.store_state == "ready"
        assert is_locked(settings.data_dir) and (settings.data_dir / LOCKED_RECORD).exists()
        app.workspace.journal.add_entry(builtin_modes()["journal"], SECRET)
        assert engine.unlock(settings, PASSPHRASE)  # the key file takes this passphrase
    assert clear_hits(settings.data_dir, "Marker-6632") == []


async def test_after_a_lock_the_new_journal_asks_for_its_passphrase_once(settings, clock):
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_new(pilot, PASSPHRASE, PASSPHRASE)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert [field.id for field in app.screen.query(Input)] == ["passphrase"]
        assert "This journal is locked" in shown(app)
        await unlock(pilot)
        assert isinstance(app.screen, MainScreen) and app.workspace.ready


async def test_two_different_passphrases_say_so_and_make_nothing(settings, clock):
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_new(pilot, PASSPHRASE, PASSPHRASE + "!")
        assert isinstance(app.screen, UnlockScreen)
        assert "differ" in shown(app)
        assert all(field.value == "" for field in app.screen.query(Input))
        assert app.screen.focused is app.screen.query_one("#passphrase", Input)
        assert not (settings.data_dir / KEY_FILE).exists() and not is_locked(settings.data_dir)
        await type_new(pilot, PASSPHRASE, PASSPHRASE)
        assert isinstance(app.screen, MainScreen) and is_locked(settings.data_dir)


async def test_an_empty_new_passphrase_is_refused(settings, clock):
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and "Type a new passphrase" in shown(app)
        assert not (settings.data_dir / KEY_FILE).exists()


async def test_a_plain_journal_that_exists_opens_as_it_is(settings, clock):
    from tui.services.engine import embedder_factory, open_journal

    open_journal(settings.data_dir, embedder_factory(settings), clock).close()
    app = new_locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.workspace.ready
        assert not is_locked(settings.data_dir)
