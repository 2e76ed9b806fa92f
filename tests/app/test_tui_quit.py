"""Quitting: ctrl+q right after a reply finished, while its entry is still being saved, says
"saving…", waits the moment the save takes, then quits — with the reply stored."""

from __future__ import annotations

import threading

from tests.tui_support import SIZE, chat, make_app, notified, send, settle
from tui.screens.quit_screen import QuitScreen
from tui.services import engine
from tui.services.workspace import Workspace


class SlowSave:
    """The real store, whose saving of a reply waits for ``gate`` (a slow disk, a large index)."""

    def __init__(self, store, gate: threading.Event, entered: threading.Event) -> None:
        self._store, self._gate, self._entered = store, gate, entered

    def attach_reply(self, *args, **kwargs):
        self._entered.set()
        self._gate.wait(30)
        return self._store.attach_reply(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


async def until(pilot, condition, rounds: int = 400) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("it never happened")


async def test_quit_while_the_last_reply_is_being_saved_says_saving_then_quits_with_it_stored(settings, clock,
                                                                                           ollama_stub):
    gate, entered = threading.Event(), threading.Event()
    ollama_stub.script(text="Rest is part of the work.")

    def open_store(s, outbox=None):
        return SlowSave(engine.open_store(s, clock, outbox), gate, entered)

    app = make_app(settings, clock, open_store=open_store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            view = await send(pilot, "Took the afternoon off.", wait=False)
            await until(pilot, lambda: entered.is_set() and view.turn.reply == "Rest is part of the work.")

            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not isinstance(app.screen, QuitScreen)
            assert any("saving" in notice.lower() for notice in notified(app))
            assert app.return_code is None  # still running: the save is not done

            gate.set()
            await until(pilot, lambda: app.return_code is not None)
            assert app.return_code == 0
    finally:
        gate.set()

    workspace = Workspace(settings, clock=clock)
    workspace.open()
    try:
        assert [(r.text, r.reply) for r in workspace.journal.record.page("journal").records] == [
            ("Took the afternoon off.", "Rest is part of the work.")]
        assert workspace.journal.record.pending() == []
    finally:
        workspace.close()


async def test_with_a_turn_still_waiting_the_question_counts_only_the_unanswered_ones(settings, clock,
                                                                                     ollama_stub):
    gate, entered = threading.Event(), threading.Event()
    ollama_stub.script(text="First answer.").script(text="Second answer.")

    def open_store(s, outbox=None):
        return SlowSave(engine.open_store(s, clock, outbox), gate, entered)

    app = make_app(settings, clock, open_store=open_store)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            first = await send(pilot, "The first thought.", wait=False)
            await until(pilot, lambda: entered.is_set() and first.turn.reply == "First answer.")
            await send(pilot, "The second thought, queued behind it.", wait=False)

            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, QuitScreen)
            assert "1 turn is not answered yet" in app.screen._question
            assert "saving" in app.screen._question.lower()
            await pilot.press("enter")
            await pilot.pause()
            assert app.return_code is None  # the reply being saved is waited for

            gate.set()
            await until(pilot, lambda: app.return_code is not None)
            assert len(chat(app).transcript().views) == 2
    finally:
        gate.set()

    workspace = Workspace(settings, clock=clock)
    workspace.open()
    try:
        stored = {r.text: r.reply for r in workspace.journal.record.page("journal").records}
        assert stored["The first thought."] == "First answer."
        assert "The second thought, queued behind it." in stored  # kept, answered another time
    finally:
        workspace.close()
