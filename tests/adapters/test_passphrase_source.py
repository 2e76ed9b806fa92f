"""Where a locked journal's passphrase comes from for the shell commands (#20): a command the config
names, run without a shell under a time limit, or the terminal with echo off — never an argument."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.paths import REPO
from tests.pty_support import run_on_terminal
from tui.adapters.passphrase_source import PassphraseUnavailable, from_command

ASK_ON_TERMINAL = (
    "import sys\n"
    "from tui.adapters.passphrase_source import PassphraseUnavailable, from_terminal\n"
    "try:\n"
    "    got = from_terminal('Passphrase: ')\n"
    "except PassphraseUnavailable as error:\n"
    "    print(f'unavailable: {error}')\n"
    "else:\n"
    "    sys.stdout.buffer.write(got.encode('utf-8', 'surrogateescape'))\n"
)


def script(tmp_path, body: str, name: str = "passphrase.sh"):
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o700)
    return str(path)


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


# -- a passphrase command --------------------------------------------------------------------------


def test_only_the_first_line_counts_and_its_letters_are_kept(tmp_path):
    command = script(tmp_path, "printf 'caf\\303\\251 \\303\\274ber pass\\nsecond line\\n'")

    assert from_command(command) == "café über pass"
    assert from_command(f"{script(tmp_path, 'printf %s no-newline', 'bare.sh')}") == "no-newline"
    assert from_command("printf '%s\\r\\n' 'with spaces and a CRLF'") == "with spaces and a CRLF"


def test_a_ten_kilobyte_passphrase_comes_through_whole(tmp_path):
    long = "p" * 10_240
    assert from_command(f"printf '%s\\n' {long}") == long


def test_a_failing_command_names_its_exit_status_and_never_its_stderr(tmp_path):
    command = script(tmp_path, "echo 'gpg: decryption failed: hunter2-leaked' >&2\nexit 1")

    with pytest.raises(PassphraseUnavailable) as caught:
        from_command(command)

    said = str(caught.value)
    assert "exit 1" in said and "passphrase_command" in said
    assert "hunter2" not in said and "decryption failed" not in said


def test_a_command_that_prints_nothing_or_does_not_exist_is_said_plainly(tmp_path):
    with pytest.raises(PassphraseUnavailable, match="printed no passphrase"):
        from_command(script(tmp_path, "true"))
    with pytest.raises(PassphraseUnavailable, match="could not run"):
        from_command(str(tmp_path / "no-such-program"))


@pytest.mark.parametrize("command", ["", "   ", "pass show 'unclosed"])
def test_a_command_line_that_names_no_command_is_refused_without_a_traceback(command):
    with pytest.raises(PassphraseUnavailable, match="passphrase command"):
        from_command(command)


def test_a_hanging_command_is_stopped_at_the_time_limit_with_what_it_started(tmp_path):
    started = tmp_path / "started.pid"
    command = script(tmp_path, f"sleep 60 &\necho $! > {started}\nwait")

    began = time.monotonic()
    with pytest.raises(PassphraseUnavailable, match="gave nothing in 1 s"):
        from_command(command, timeout=1.0)

    assert time.monotonic() - began < 5
    sleeper = int(started.read_text())
    deadline = time.monotonic() + 5
    while _alive(sleeper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(sleeper), "the command's own child was left running"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie is dead, waiting for its parent
    except (FileNotFoundError, IndexError):
        return False


# -- the terminal ----------------------------------------------------------------------------------


def test_the_passphrase_is_read_from_the_terminal_with_echo_off():
    code, out, _err, shown = run_on_terminal(ASK_ON_TERMINAL, typed=[(b"Passphrase: ", "Geheimnis-ä 42\n".encode())],
                                             env=child_env(), cwd=REPO)

    assert code == 0 and out.decode() == "Geheimnis-ä 42"
    assert b"Passphrase: " in shown and b"Geheimnis" not in shown


def test_a_ten_kilobyte_passphrase_typed_on_the_terminal_comes_through_whole():
    """A terminal's line editing holds 4 KB a line: a longer paste must not be cut short."""
    long = ("0123456789abcdef" * 640).encode()

    code, out, _err, shown = run_on_terminal(ASK_ON_TERMINAL, typed=[(b"Passphrase: ", long + b"\n")],
                                             env=child_env(), cwd=REPO)

    assert code == 0 and out == long
    assert b"0123456789abcdef" not in shown


def test_backspace_edits_the_hidden_passphrase():
    typed = "wrongé\x7f\x7f\x7f\x7f\x7f\x7fright\n".encode()

    code, out, _err, _shown = run_on_terminal(ASK_ON_TERMINAL, typed=[(b"Passphrase: ", typed)],
                                              env=child_env(), cwd=REPO)

    assert code == 0 and out == b"right"


def test_without_a_terminal_it_says_to_set_passphrase_command():
    child = subprocess.run([sys.executable, "-c", ASK_ON_TERMINAL], env=child_env(), cwd=REPO,
                           stdin=subprocess.DEVNULL, capture_output=True, start_new_session=True, timeout=60)

    said = child.stdout.decode()
    assert child.returncode == 0 and said.startswith("unavailable: ")
    assert "no terminal" in said and "passphrase_command" in said
