"""``mindpane lock``, ``unlock --permanently``, ``passphrase`` and ``init --locked`` as a person runs
them (#20): in a real terminal for the typed passphrases, or with ``passphrase_command``."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pty
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.pty_support import read_for
from tui.adapters.key_file import KEY_FILE, unlock_key
from tui.adapters.locked_layout import is_locked
from tui.adapters.record_db import RecordDB
from tui.adapters.store_lock import StoreLock
from tui.domain.records import MemoryRecord

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SECRET = "Marker-c3a1: the letter I never sent"
TYPED = "s3cret typed h\u00e9re"


@pytest.fixture
def journal(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True)
    record = RecordDB(data_dir / "entries.db")
    try:
        record.insert(MemoryRecord("e1", SECRET, "journal", AT, AT, "", {}))
    finally:
        record.close()
    return data_dir


def _bytes_of(data_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data_dir.iterdir())
            if p.is_file() and p.name != "mindpane.lock" and not p.name.endswith(("-shm", "-wal"))}


def _with_command(cli_env: dict, tmp_path: Path, passphrase: str) -> dict:
    """``passphrase_command`` in a config file: a small script that prints ``passphrase``."""
    script = tmp_path / f"pass-{hashlib.sha1(passphrase.encode()).hexdigest()[:8]}.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{passphrase}'\n")
    script.chmod(0o700)
    config = tmp_path / f"config-{script.stem}.toml"
    config.write_text(f'passphrase_command = "{script}"\n')
    return {**cli_env, "MINDPANE_CONFIG": str(config)}


def mindpane(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, start_new_session=True)


class Terminal:
    """The real program on a pseudo-terminal that is its controlling terminal (``/dev/tty``)."""

    def __init__(self, env: dict, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "tui", *args], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, cwd=REPO, start_new_session=True,
                                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.seen = b""

    def wait_for(self, text: str, seconds: float = 60) -> None:
        self.seen = read_for(self.master, seconds, text.encode(), self.seen)
        assert text.encode() in self.seen, self.seen.decode("utf-8", "replace")

    def type(self, line: str) -> None:
        """As a person types: a moment after the prompt (``passphrase_source`` turns echo off, and
        drops what was typed ahead, just after it writes the prompt)."""
        self.seen = read_for(self.master, 0.3, None, self.seen)
        os.write(self.master, line.encode() + b"\r")

    def finish(self) -> int:
        deadline = time.monotonic() + 60
        try:
            while self.proc.poll() is None and time.monotonic() < deadline:
                self.seen = read_for(self.master, 0.2, None, self.seen)
            if self.proc.poll() is None:
                self.proc.kill()
            self.seen = read_for(self.master, 0.2, None, self.seen)
            return self.proc.wait(60)
        finally:
            os.close(self.master)

    @property
    def text(self) -> str:
        return self.seen.decode("utf-8", "replace")


def test_lock_warns_asks_to_go_on_then_for_the_passphrase_twice_and_locks(cli_env, journal):
    term = Terminal(cli_env, "lock")
    term.wait_for("Go on? [y/N]")
    term.type("y")
    term.wait_for("New passphrase:")
    term.type(TYPED)
    term.wait_for("again")
    term.type(TYPED)
    assert term.finish() == 0, term.text
    assert "If you lose the passphrase, the journal is lost" in term.text and "mindpane export" in term.text
    assert "is locked" in term.text and "s3cret" not in term.text  # echo off: never shown
    assert is_locked(journal) and unlock_key(journal / KEY_FILE, TYPED)


def test_saying_no_or_typing_two_different_passphrases_changes_nothing(cli_env, journal):
    before = _bytes_of(journal)
    declined = Terminal(cli_env, "lock")
    declined.wait_for("Go on? [y/N]")
    declined.type("n")
    assert declined.finish() == 1 and "nothing was changed" in declined.text
    differ = Terminal(cli_env, "lock", "--yes")
    differ.wait_for("New passphrase:")
    differ.type("one thing")
    differ.wait_for("again")
    differ.type("another")
    assert differ.finish() == 1 and "The two passphrases differ" in differ.text and "Traceback" not in differ.text
    assert _bytes_of(journal) == before and not is_locked(journal)


def test_without_a_terminal_lock_needs_yes_and_a_passphrase_command(cli_env, journal, tmp_path):
    refused = mindpane(cli_env, "lock")
    assert refused.returncode == 1 and "--yes" in refused.stderr and not is_locked(journal)
    no_terminal = mindpane(cli_env, "lock", "--yes")
    assert no_terminal.returncode == 1 and "passphrase_command" in no_terminal.stderr
    assert "Traceback" not in no_terminal.stderr and not is_locked(journal)
    locked = mindpane(_with_command(cli_env, tmp_path, "from the command"), "lock", "--yes")
    assert locked.returncode == 0, locked.stderr
    assert unlock_key(journal / KEY_FILE, "from the command")


def test_unlock_permanently_decrypts_and_a_wrong_passphrase_changes_no_byte(cli_env, journal, tmp_path):
    assert mindpane(_with_command(cli_env, tmp_path, "right one"), "lock", "--yes").returncode == 0
    before = _bytes_of(journal)
    wrong = mindpane(_with_command(cli_env, tmp_path, "wrong one"), "unlock", "--permanently")
    assert wrong.returncode == 1 and "does not unlock" in wrong.stderr and "Traceback" not in wrong.stderr
    assert _bytes_of(journal) == before
    session = mindpane(cli_env, "unlock")
    assert session.returncode == 2 and "--permanently" in session.stderr

    done = mindpane(_with_command(cli_env, tmp_path, "right one"), "unlock", "--permanently")
    assert done.returncode == 0, done.stderr
    assert not is_locked(journal) and not (journal / KEY_FILE).exists()
    record = RecordDB(journal / "entries.db")
    try:
        assert record.get("e1").text == SECRET
    finally:
        record.close()


def test_passphrase_asks_the_current_one_then_the_new_one_twice(cli_env, journal, tmp_path):
    assert mindpane(_with_command(cli_env, tmp_path, "old words"), "lock", "--yes").returncode == 0
    record_bytes = (journal / "entries.locked").read_bytes()
    wrong = Terminal(cli_env, "passphrase")
    wrong.wait_for("Current passphrase:")
    wrong.type("not the old words")
    assert wrong.finish() == 1 and "does not unlock" in wrong.text

    change = Terminal(cli_env, "passphrase")
    change.wait_for("Current passphrase:")
    change.type("old words")
    change.wait_for("New passphrase:")
    change.type(TYPED)
    change.wait_for("again")
    change.type(TYPED)
    assert change.finish() == 0, change.text
    assert unlock_key(journal / KEY_FILE, TYPED) and (journal / "entries.locked").read_bytes() == record_bytes


def test_init_locked_makes_a_new_locked_journal_once(cli_env, data_dir, tmp_path):
    env = _with_command(cli_env, tmp_path, "first words")
    plain = mindpane(env, "init")
    assert plain.returncode == 2 and "--locked" in plain.stderr
    made = mindpane(env, "init", "--locked")
    assert made.returncode == 0, made.stderr
    assert is_locked(data_dir) and unlock_key(data_dir / KEY_FILE, "first words")
    again = mindpane(env, "init", "--locked")
    assert again.returncode == 1 and "already" in again.stderr


def test_a_running_mindpane_makes_lock_refuse_with_a_clear_line(cli_env, journal, tmp_path):
    other = StoreLock(journal)
    other.acquire()
    try:
        refused = mindpane(_with_command(cli_env, tmp_path, "words"), "lock", "--yes")
    finally:
        other.release()
    assert refused.returncode == 1 and "Another mindpane" in refused.stderr and "Traceback" not in refused.stderr
    assert not is_locked(journal) and not (journal / KEY_FILE).exists()
