"""Two mindpanes on one locked journal (#20), as on a plain one: the second is refused clearly by the
store lock (``mindpane.lock``) and nothing is lost. ``mindpane ask`` while the app has the journal
open keeps its text (sealed in the encrypted record's outbox) for the next open; a second app says
another mindpane has the journal and leaves the first one's draft alone; ``mindpane lock`` while the
app runs is refused before it asks for a passphrase nobody would get to use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.locked_support import PASSPHRASE, clear_hits, locked_app, make_locked, unlock
from tests.paths import REPO
from tests.pty_support import run_on_terminal
from tests.tui_support import SIZE, make_app, settle
from tui.adapters.cipher_db import connect_locked
from tui.adapters.draft_file import read_locked_draft
from tui.adapters.key_file import KEY_FILE, unlock_key
from tui.adapters.locked_layout import LOCKED_RECORD, is_locked
from tui.screens.main_screen import MainScreen
from tui.screens.store_error_screen import StoreErrorScreen
from tui.services import engine
from tui.services.workspace import Workspace

ASKED = "Marker-2e71 asked while the app had the journal open"
DRAFT = "Marker-2e72 half a thought in the first window"
RUN_CLI = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"


@pytest.fixture
def command_env(cli_env, tmp_path):
    """The shell's environment, with a config file whose ``passphrase_command`` prints the passphrase."""
    script = tmp_path / "passphrase.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n", encoding="utf-8")
    script.chmod(0o700)
    config = tmp_path / "config.toml"
    config.write_text(f'passphrase_command = "{script}"\n', encoding="utf-8")
    return dict(cli_env, MINDPANE_CONFIG=str(config))


def kept_in_record(data_dir, text: str) -> int:
    """Entries plus outbox rows holding ``text`` in the encrypted record."""
    db = connect_locked(data_dir / LOCKED_RECORD, unlock_key(data_dir / KEY_FILE, PASSPHRASE))
    try:
        return sum(db.execute(f"SELECT COUNT(*) FROM {table} WHERE text = ?", (text,)).fetchone()[0]
                   for table in ("entry", "outbox"))
    finally:
        db.close()


def shown(app) -> str:
    from textual.widgets import Static

    return "\n".join(str(widget.content) for widget in app.screen.query(Static))


async def test_ask_while_the_app_has_the_locked_journal_open_is_refused_and_keeps_the_text(
        settings, clock, command_env):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        assert isinstance(app.screen, MainScreen) and app.workspace.ready
        result = subprocess.run([sys.executable, "-m", "tui", "ask", ASKED], env=command_env, cwd=REPO,
                                capture_output=True, text=True, timeout=120, start_new_session=True)
        assert result.returncode == 1
        assert "Another mindpane is using the memory store" in result.stderr
        assert "your text is kept" in result.stderr and "Traceback" not in result.stderr

    assert kept_in_record(settings.data_dir, ASKED) == 1  # in the outbox: the next open stores it
    assert clear_hits(settings.data_dir, "Marker-2e71") == []
    again = subprocess.run([sys.executable, "-m", "tui", "ask", "and now the app is closed"], env=command_env,
                           cwd=REPO, capture_output=True, text=True, timeout=120, start_new_session=True)
    assert again.returncode == 0, again.stderr
    db = connect_locked(settings.data_dir / LOCKED_RECORD, unlock_key(settings.data_dir / KEY_FILE, PASSPHRASE))
    try:
        assert db.execute("SELECT COUNT(*) FROM entry WHERE text = ?", (ASKED,)).fetchone()[0] == 1
    finally:
        db.close()


async def test_a_second_app_says_another_mindpane_has_the_journal_and_leaves_the_first_ones_draft(settings, clock):
    make_locked(settings, clock)
    first = Workspace(settings, clock=clock,
                      open_store=lambda s, outbox=None, key=None: engine.open_store(s, clock, outbox, key=key))
    first.unlock(PASSPHRASE)
    first.open()
    try:
        first.drafts.set_prompt(DRAFT)
        first.drafts.flush()
        second = locked_app(settings, clock)
        async with second.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await unlock(pilot)
            assert isinstance(second.screen, StoreErrorScreen)
            assert "Another mindpane is using the memory store" in shown(second)
            await pilot.press("ctrl+q")
            await settle(pilot)
        key = unlock_key(settings.data_dir / KEY_FILE, PASSPHRASE)
        assert read_locked_draft(settings.data_dir, key).prompt == DRAFT
        assert first.ready and first.journal.record.count("journal") == 0
    finally:
        first.close()
    key = unlock_key(settings.data_dir / KEY_FILE, PASSPHRASE)
    assert read_locked_draft(settings.data_dir, key).prompt == DRAFT
    assert clear_hits(settings.data_dir, "Marker-2e72") == []


async def test_mindpane_lock_while_the_app_runs_is_refused_before_asking_a_passphrase(settings, clock, cli_env):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.workspace.ready
        code, out, err, seen = run_on_terminal(RUN_CLI, "lock", "--yes", env=cli_env, cwd=REPO, seconds=30,
                                               typed=[(b"New passphrase", PASSPHRASE.encode() + b"\n"),
                                                      (b"again", PASSPHRASE.encode() + b"\n")])
        assert code == 1, out.decode() + err.decode()
        assert "Another mindpane is using the memory store" in err.decode()
        assert b"New passphrase" not in seen, "it asked for a passphrase it could not use"
        assert app.workspace.ready
    assert not is_locked(settings.data_dir) and not (settings.data_dir / KEY_FILE).exists()


async def test_unlock_permanently_while_the_app_runs_is_refused_before_asking_the_passphrase(
        settings, clock, cli_env):
    make_locked(settings, clock)
    app = locked_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot)
        assert app.workspace.ready
        code, out, err, seen = run_on_terminal(RUN_CLI, "unlock", "--permanently", env=cli_env, cwd=REPO,
                                               seconds=30, typed=[(b"Passphrase", PASSPHRASE.encode() + b"\n")])
        assert code == 1, out.decode() + err.decode()
        assert "Another mindpane is using the memory store" in err.decode()
        assert b"Passphrase" not in seen, "it asked for a passphrase it could not use"
    assert is_locked(settings.data_dir)
