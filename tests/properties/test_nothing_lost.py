"""Nothing typed is lost: a sent turn is on the disk before anything else happens to it, and it
comes back — stored once — after a quit mid-turn or a killed process."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.pty_support import app_env, kill_app, read_for, spawn_app
from tests.tui_support import SIZE, chat, make_app, notified, send, settle
from tui.runtime.session import TurnState
from tui.screens.quit_screen import QuitScreen
from tui.services.workspace import Workspace


def _never_opens(gate: threading.Event):
    def open_later(settings, outbox=None):
        gate.wait(60)
        raise RuntimeError("this test's store never opens")
    return open_later


def _reopened(settings, clock) -> Workspace:
    workspace = Workspace(settings, clock=clock)
    workspace.open()
    return workspace


async def test_quit_with_two_turns_queued_while_the_store_opens_keeps_both(settings, clock):
    gate = threading.Event()
    app = make_app(settings, clock, open_store=_never_opens(gate))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await send(pilot, "First thought while it was loading.", wait=False)
            await send(pilot, "Second thought, still loading.", wait=False)

            await pilot.press("ctrl+q")
            assert isinstance(app.screen, QuitScreen)
            assert "2 turns are not answered yet" in app.screen._question
            await pilot.press("enter")
    finally:
        gate.set()

    workspace = _reopened(settings, clock)
    try:
        texts = sorted(r.text for r in workspace.journal.record.page("journal").records)
        assert texts == ["First thought while it was loading.", "Second thought, still loading."]
        assert workspace.journal.record.pending() == []
    finally:
        workspace.close()


async def test_an_unanswered_code_question_comes_back_after_a_restart_and_can_be_retried(settings, clock,
                                                                                        ollama_stub):
    gate = threading.Event()
    app = make_app(settings, clock, open_store=_never_opens(gate))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+t")
            await send(pilot, "How do I reverse a list in place?", wait=False)
            await pilot.press("ctrl+q", "ctrl+q")
    finally:
        gate.set()

    ollama_stub.script(text="Use `items.reverse()`.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        view = chat(app).transcript("code").views[-1]
        assert (view.turn.text, view.turn.state) == ("How do I reverse a list in place?", TurnState.FAILED)

        await pilot.press("ctrl+r")
        await settle(pilot)

        assert view.turn.state is TurnState.DONE
        assert [(r.text, r.reply) for r in app.workspace.journal.record.page("code").records] == [
            ("How do I reverse a list in place?", "Use `items.reverse()`.")]
        assert app.workspace.journal.record.pending() == []


def test_killing_the_app_right_after_enter_loses_nothing_and_duplicates_nothing(settings, clock, ollama_stub,
                                                                               isolated_home, warm_model_cache):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OLLAMA", "MINDPANE"))}
    env.update(HOME=str(isolated_home), MINDPANE_DATA_DIR=str(settings.data_dir), OLLAMA_HOST=ollama_stub.host_port,
               TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]), PYTHONDONTWRITEBYTECODE="1",
               MINDPANE_CACHE_DIR=str(warm_model_cache))
    ollama_stub.script(text="A reply that may or may not arrive.")
    master, slave = pty.openpty()
    app = subprocess.Popen([sys.executable, "-m", "tui"], stdin=slave, stdout=slave, stderr=slave, env=env,
                           cwd=REPO, start_new_session=True)
    os.close(slave)
    try:
        assert b"Journal" in read_for(master, 60, b"Journal"), "the app never drew its first frame"
        os.write(master, b"Killed a moment after pressing Enter.")
        read_for(master, 0.3)
        os.write(master, b"\r")
        read_for(master, 0.1)
        app.send_signal(signal.SIGKILL)
        app.wait(30)
    finally:
        if app.poll() is None:
            app.kill()
        os.close(master)

    workspace = _reopened(settings, clock)
    try:
        texts = [r.text for r in workspace.journal.record.page("journal").records]
        assert texts == ["Killed a moment after pressing Enter."]
        assert workspace.journal.record.pending() == []
    finally:
        workspace.close()


async def test_keys_typed_right_after_enter_start_the_next_turn_not_join_this_one(settings, clock, ollama_stub):
    from textual import events
    from textual.widgets import Input

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt = app.query_one("#prompt", Input)
        for key, character in [("o", "o"), ("n", "n"), ("e", "e"), ("enter", "\r"), ("t", "t"), ("w", "w")]:
            prompt.post_message(events.Key(key, character))  # all queued at once: a busy event loop
        await settle(pilot)

        assert [view.turn.text for view in chat(app).transcript().views] == ["one"]
        assert prompt.value == "tw"


async def test_a_send_the_disk_cannot_keep_gives_the_text_back_and_says_why(settings, clock):
    import sqlite3

    from textual.widgets import Input

    from tui.services.engine import open_outbox

    class FullDisk:
        def __init__(self, settings):
            self._real = open_outbox(settings)

        def put_pending(self, *args):
            raise sqlite3.OperationalError("database or disk is full")

        def __getattr__(self, name):
            return getattr(self._real, name)

    app = make_app(settings, clock, open_outbox=FullDisk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one("#prompt", Input).value = "A thought the full disk cannot take."
        await pilot.press("enter")
        await settle(pilot)

        assert app.query_one("#prompt", Input).value == "A thought the full disk cannot take."
        assert chat(app).transcript().views == []
        assert any("disk full" in message.lower() for message in notified(app))


async def test_a_multi_line_send_the_disk_cannot_keep_goes_back_to_the_composer_with_its_lines(settings, clock):
    import sqlite3

    from textual.widgets import Input, TextArea

    from tui.screens.composer_screen import ComposerScreen
    from tui.services.engine import open_outbox

    class FullDisk:
        def __init__(self, settings):
            self._real = open_outbox(settings)

        def put_pending(self, *args):
            raise sqlite3.OperationalError("database or disk is full")

        def __getattr__(self, name):
            return getattr(self._real, name)

    app = make_app(settings, clock, open_outbox=FullDisk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "Line one.\nLine two.")
        await pilot.press("up")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

        assert app.query_one("#prompt", Input).value == ""
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.query_one(TextArea).text == "Line one.\nLine two."


@pytest.fixture
def warm_model_cache() -> Path:
    """The run's model cache with the rewritten model in it: a process started on it is one of the
    ordinary starts. The first start after an install makes that file, in a child process (``onnx``
    would hold the app's interpreter lock for half a second): the test on an empty cache is about that."""
    from tui.adapters.bundled_embedder import BundledEmbedder
    from tui.adapters.model_cache import CACHE_DIR_VARIABLE

    BundledEmbedder()
    return Path(os.environ[CACHE_DIR_VARIABLE])


def test_a_kill_right_after_enter_in_the_first_second_loses_nothing(settings, clock, ollama_stub, isolated_home,
                                                                    tmp_path, warm_model_cache):
    """Enter the moment the first frame is drawn (the store is still opening), a kill -9 a tenth of
    a second later, three times: each entry is there once after a restart, not also as a draft."""
    import dataclasses

    from tui.adapters.draft_file import read_draft

    env = app_env(isolated_home, ollama_stub, warm_model_cache)
    ollama_stub.script(text="A reply that will not arrive.")
    for run in range(3):
        data_dir = tmp_path / f"first-second-{run}"
        text = f"Written in the first second, run {run}."
        app, master = spawn_app(env, data_dir)
        try:
            assert b"Journal" in read_for(master, 60, b"Journal"), "the app never drew its first frame"
            os.write(master, text.encode() + b"\r")
            read_for(master, 0.1)
        finally:
            kill_app(app, master)

        workspace = _reopened(dataclasses.replace(settings, data_dir=data_dir), clock)
        try:
            assert [r.text for r in workspace.journal.record.page("journal").records] == [text], f"run {run}"
            assert workspace.journal.record.pending() == []
        finally:
            workspace.close()
        assert read_draft(data_dir).prompt == "", f"run {run}: the sent text came back as a draft too"


def test_a_kill_right_after_enter_while_the_first_start_makes_the_model_loses_nothing(settings, clock, ollama_stub,
                                                                                     isolated_home, tmp_path):
    """The first start after an install (no model cache yet) makes the int8 model while the store
    opens. Enter a moment after that begins (its cache dir appears just before), a kill -9 a tenth
    of a second later, twice: each entry is there once after a restart."""
    import dataclasses

    ollama_stub.script(text="A reply that will not arrive.")
    for run in range(2):
        data_dir, model_cache = tmp_path / f"first-start-{run}", tmp_path / f"no-model-yet-{run}"
        text = f"Written while the first start made the model, run {run}."
        app, master = spawn_app(app_env(isolated_home, ollama_stub, model_cache), data_dir)
        try:
            seen = read_for(master, 60, b"Journal")
            assert b"Journal" in seen, "the app never drew its first frame"
            deadline = time.monotonic() + 60
            while not model_cache.exists() and time.monotonic() < deadline:
                seen = read_for(master, 0.005, start=seen[-4000:])
            assert model_cache.exists(), "the app never began to make its model"
            read_for(master, 0.15)
            os.write(master, text.encode() + b"\r")
            read_for(master, 0.1)
        finally:
            kill_app(app, master)

        workspace = _reopened(dataclasses.replace(settings, data_dir=data_dir), clock)
        try:
            assert [r.text for r in workspace.journal.record.page("journal").records] == [text], f"run {run}"
            assert workspace.journal.record.pending() == []
        finally:
            workspace.close()


def test_a_kill_while_typing_keeps_what_was_typed_as_the_draft(settings, clock, ollama_stub, isolated_home,
                                                               warm_model_cache):
    from tui.adapters.draft_file import read_draft

    env = app_env(isolated_home, ollama_stub, warm_model_cache)
    app, master = spawn_app(env, settings.data_dir)
    try:
        assert b"Journal" in read_for(master, 60, b"Journal"), "the app never drew its first frame"
        os.write(master, b"Half a sentence, never sent")
        read_for(master, 1.5)
    finally:
        kill_app(app, master)

    assert read_draft(settings.data_dir).prompt == "Half a sentence, never sent"


def test_a_kill_while_typing_in_a_locked_journal_keeps_the_draft_sealed(settings, clock, ollama_stub, isolated_home,
                                                                       warm_model_cache):
    """A locked journal: unlocked on its screen, a few words typed, kill -9. What was typed is kept,
    sealed: not one byte of it in clear under the data dir or HOME, and no terminal title was set."""
    from tests.locked_support import PASSPHRASE, clear_hits, make_locked
    from tui.adapters.draft_file import read_locked_draft
    from tui.adapters.key_file import unlock_key
    from tui.adapters.locked_layout import key_path

    typed = "Marker-5518 half a sentence, never sent"
    make_locked(settings, clock)
    app, master = spawn_app(app_env(isolated_home, ollama_stub, warm_model_cache), settings.data_dir)
    try:
        seen = read_for(master, 60, b"is locked")
        assert b"is locked" in seen, "the unlock screen never showed"
        os.write(master, PASSPHRASE.encode() + b"\r")
        seen = read_for(master, 60, b"Journal", seen)
        assert b"Journal" in seen, "the journal never opened"
        os.write(master, typed.encode())
        seen = read_for(master, 1.5, start=seen)
    finally:
        kill_app(app, master)

    assert clear_hits(settings.data_dir, "Marker-5518") == [] and clear_hits(isolated_home, "Marker-5518") == []
    assert not any(title in seen for title in (b"\x1b]0;", b"\x1b]1;", b"\x1b]2;")), "a terminal title was set"
    key = unlock_key(key_path(settings.data_dir), PASSPHRASE)
    assert read_locked_draft(settings.data_dir, key).prompt == typed
