"""Locking a locked journal again (#20): F12 or the palette, or the idle time runs out (the config's
``auto_lock_minutes``). Every screen that showed entries goes, the key is dropped, the unlock screen
shows; what was being typed is kept (sealed) and comes back with the next unlock. A reply being
streamed or saved is never cut off: the lock waits for it."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input

from tests.locked_support import clear_hits, locked_app, make_locked, unlock
from tests.tui_support import SIZE, make_app, notified, run_command, settle
from tui.screens.main_screen import MainScreen
from tui.screens.unlock_screen import UnlockScreen

SECRET = "Marker-8813 the thing about the house"
DRAFT = "Marker-2290 half a thought about"


def is_locked_again(app) -> bool:
    return (isinstance(app.screen, UnlockScreen) and len(app.screen_stack) == 1
            and app.workspace.needs_passphrase and not app.workspace.ready)


async def send(pilot, text: str) -> None:
    """Enter ``text`` in the prompt (the app's own queries look at its first screen: the unlock screen)."""
    pilot.app.screen.query_one("#prompt", Input).value = text
    await pilot.press("enter")


async def until(pilot, condition, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("it never happened")


async def test_f12_locks_takes_down_what_showed_entries_and_the_passphrase_brings_it_all_back(settings, clock):
    make_locked(settings, clock, [SECRET])
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await pilot.press("ctrl+e")  # the composer, over the main screen
        await settle(pilot)
        app.screen.query_one("TextArea").text = DRAFT
        await pilot.press("f12")
        await settle(pilot)

        assert is_locked_again(app)
        assert not any(isinstance(screen, MainScreen) for screen in app.screen_stack)
        assert clear_hits(settings.data_dir, "Marker-2290") == [] and clear_hits(settings.data_dir, "Marker-8813") == []

        await unlock(pilot)
        assert isinstance(app.screen, MainScreen) and app.workspace.ready
        assert [r.text for r in app.workspace.journal.record.page("journal").records] == [SECRET]
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.query_one("TextArea").text == DRAFT
    assert app.workspace.needs_passphrase  # quitting dropped the key


async def test_the_palette_locks_the_journal(settings, clock):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        app.screen.query_one("#prompt", Input).value = DRAFT
        await run_command(pilot, "Lock the journal")
        assert is_locked_again(app)
        await unlock(pilot)
        assert app.screen.query_one("#prompt", Input).value == DRAFT


async def test_a_plain_journal_has_nothing_to_lock_and_never_auto_locks(settings, clock):
    app = make_app(dataclasses.replace(settings, auto_lock_minutes=0.005), clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await pilot.pause(0.8)
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.workspace.ready
        assert any("nothing to lock" in text for text in notified(app))


async def test_the_journal_locks_itself_after_the_idle_time(settings, clock):
    make_locked(settings, clock, [SECRET])
    app = locked_app(dataclasses.replace(settings, auto_lock_minutes=0.03), clock)  # 1.8 s
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        app.screen.query_one("#prompt", Input).value = DRAFT
        await until(pilot, lambda: is_locked_again(app))
        assert clear_hits(settings.data_dir, "Marker-2290") == []
        await unlock(pilot)
        assert app.screen.query_one("#prompt", Input).value == DRAFT


async def test_keys_keep_the_journal_open(settings, clock):
    make_locked(settings, clock)
    app = locked_app(dataclasses.replace(settings, auto_lock_minutes=0.02), clock)  # 1.2 s
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        for _ in range(8):  # 2.4 s of typing, a key every 0.3 s
            await pilot.press("a")
            await pilot.pause(0.3)
            assert isinstance(app.screen, MainScreen), "it locked while keys were pressed"
        await until(pilot, lambda: is_locked_again(app))


async def test_a_streaming_reply_is_never_cut_off_the_lock_comes_after_it_is_saved(settings, clock, ollama_stub):
    make_locked(settings, clock)
    ollama_stub.script(text="one two three four five six seven eight nine ten", pace=0.4)  # ~4 s
    app = locked_app(dataclasses.replace(settings, auto_lock_minutes=0.03), clock)  # 1.8 s
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await send(pilot, SECRET)
        await pilot.pause(2.5)  # idle past the 1.8 s: the reply is still streaming
        assert isinstance(app.screen, MainScreen) and app.turns.busy
        await until(pilot, lambda: is_locked_again(app))
        await unlock(pilot)
        (entry,) = app.workspace.journal.record.page("journal").records
        assert entry.text == SECRET and entry.reply == "one two three four five six seven eight nine ten"


async def test_f12_while_a_reply_streams_waits_for_it(settings, clock, ollama_stub):
    make_locked(settings, clock)
    ollama_stub.script(text="alpha beta gamma delta epsilon", pace=0.2)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        await send(pilot, SECRET)
        await pilot.press("f12")
        assert isinstance(app.screen, MainScreen)
        assert any("as soon as the reply is saved" in text for text in notified(app))
        await until(pilot, lambda: is_locked_again(app))
        await unlock(pilot)
        (entry,) = app.workspace.journal.record.page("journal").records
        assert entry.reply == "alpha beta gamma delta epsilon"
