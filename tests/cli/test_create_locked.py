"""``create_locked = true`` and ``mindpane ask`` on a new data dir (#20): the new passphrase comes
first (from ``passphrase_command``, or typed twice on the terminal), the journal is made locked, and
only then is the text stored: not one byte of it ever in clear on the disk. Two different passphrases
make nothing. A journal that exists already is used as it is."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests import byte_scan
from tests.paths import REPO
from tests.pty_support import run_on_terminal
from tui.adapters.key_file import KEY_FILE, unlock_key
from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked
from tui.adapters.record_db import RecordDB

PASSPHRASE = "a new \u2602 passphrase"
SECRET = "Marker-91d4: the first thing this journal ever kept"
RUN_CLI = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"


@pytest.fixture
def config(cli_env, tmp_path):
    """A config file with ``create_locked = true``; ``lines`` adds to it. Returns the environment."""
    path = tmp_path / "config.toml"
    cli_env["MINDPANE_CONFIG"] = str(path)

    def write(*lines: str) -> dict[str, str]:
        path.write_text("\n".join(["create_locked = true", *lines]) + "\n", encoding="utf-8")
        return cli_env

    return write


def with_command(config, tmp_path) -> dict[str, str]:
    script = tmp_path / "passphrase.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n", encoding="utf-8")
    script.chmod(0o700)
    return config(f'passphrase_command = "{script}"')


def stored_texts(data_dir) -> list[str]:
    record = RecordDB(data_dir / LOCKED_RECORD, key=unlock_key(data_dir / KEY_FILE, PASSPHRASE))
    try:
        return [entry.text for entry in record.page("journal").records]
    finally:
        record.close()


def test_ask_with_the_passphrase_command_makes_the_new_journal_locked_before_storing(config, tmp_path, data_dir,
                                                                                    isolated_home):
    env = with_command(config, tmp_path)
    since = time.time() - 1
    result = subprocess.run([sys.executable, "-m", "tui", "ask", SECRET], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=120, start_new_session=True)

    assert result.returncode == 0, result.stderr
    assert is_locked(data_dir) and (data_dir / KEY_FILE).exists()
    assert stored_texts(data_dir) == [SECRET]
    assert byte_scan.hits([data_dir, isolated_home, tmp_path], ["Marker-91d4"], since) == []


def test_ask_on_a_terminal_asks_the_new_passphrase_twice(config, tmp_path, data_dir, isolated_home):
    env = config()
    since = time.time() - 1
    code, out, err, shown = run_on_terminal(RUN_CLI, "ask", "-", stdin=SECRET.encode(), env=env, cwd=REPO,
                                            typed=[(b"New passphrase", PASSPHRASE.encode() + b"\n"),
                                                   (b"again", PASSPHRASE.encode() + b"\n")])

    assert code == 0, err.decode()
    assert b"cannot be recovered" in shown and str(data_dir).encode() in shown
    assert PASSPHRASE.encode() not in shown + out + err
    assert stored_texts(data_dir) == [SECRET]
    assert byte_scan.hits([data_dir, isolated_home, tmp_path], ["Marker-91d4"], since) == []


def test_two_different_new_passphrases_make_nothing_and_give_the_text_back(config, data_dir):
    env = config()
    code, _out, err, _shown = run_on_terminal(RUN_CLI, "ask", "-", stdin=SECRET.encode(), env=env, cwd=REPO,
                                            typed=[(b"New passphrase", PASSPHRASE.encode() + b"\n"),
                                                   (b"again", b"something else\n")])

    assert code == 1
    assert "The two passphrases differ" in err.decode() and SECRET in err.decode()
    assert "Traceback" not in err.decode()
    assert not (data_dir / KEY_FILE).exists() and not (data_dir / PLAIN_RECORD).exists()
    assert not is_locked(data_dir)


def test_a_plain_journal_that_exists_stays_plain(config, tmp_path, data_dir, settings, clock):
    from tui.services.engine import embedder_factory, open_journal

    open_journal(data_dir, embedder_factory(settings), clock).close()
    env = with_command(config, tmp_path)
    result = subprocess.run([sys.executable, "-m", "tui", "ask", "a plain day"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=120, start_new_session=True)

    assert result.returncode == 0, result.stderr
    assert not is_locked(data_dir) and not (data_dir / KEY_FILE).exists()


@pytest.mark.parametrize("command", [["search", "anything"], ["export", "--yes", "-o", "-"], ["import", "{file}"]],
                         ids=["search", "export", "import"])
def test_the_other_commands_on_a_new_data_dir_make_it_locked_too_never_plain(config, tmp_path, data_dir,
                                                                               isolated_home, command):
    """The first command to touch a new data dir makes the journal: under create_locked, locked."""
    env = with_command(config, tmp_path)
    source = tmp_path / "in.json"
    source.write_text('{"entries": [{"mode": "journal", "text": "Marker-91d5 imported", '
                      '"created_at": "2026-01-02T10:00:00+00:00"}]}', encoding="utf-8")
    argv = [part.replace("{file}", str(source)) for part in command]
    result = subprocess.run([sys.executable, "-m", "tui", *argv], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=120, start_new_session=True)
    assert result.returncode == 0, result.stderr
    assert is_locked(data_dir) and (data_dir / LOCKED_RECORD).is_file()
    assert byte_scan.files_holding(data_dir, "Marker-91d5") == []
