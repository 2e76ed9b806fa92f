"""The shell commands on a locked journal (#20): ``ask``, ``search``, ``export`` and ``import`` get
the passphrase from the terminal or the configured command, never from an argument; a wrong one,
a missing or damaged key file is one clear line and changes nothing; export asks before it writes
the journal in clear."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import unicodedata

import pytest

from tests.byte_scan import files_holding
from tests.paths import REPO
from tests.pty_support import run_on_terminal
from tui.adapters.key_file import KEY_FILE, KdfParams, create_key
from tui.adapters.locked_layout import LOCKED_RECORD
from tui.domain.modes import builtin_modes
from tui.services.engine import embedder_factory, open_journal

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
PASSPHRASE = "correct horse \u2602 battery"
SECRET = "Marker-7c3e: the letter to my brother in Z\u00fcrich I never sent"
ASKED = b"Passphrase for the journal in"
RUN_CLI = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def mindpane(env, *args, stdin=None):
    """``mindpane`` in a session of its own: no terminal to ask on, as from cron or a pipe."""
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, cwd=REPO, input=stdin, capture_output=True,
                          text=True, timeout=120, start_new_session=True)


def on_terminal(env, *args, typed=(), stdin=b""):
    code, out, err, shown = run_on_terminal(RUN_CLI, *args, typed=list(typed), stdin=stdin, env=env, cwd=REPO)
    return code, out.decode(), err.decode(), shown


def make_locked(data_dir, settings, clock, passphrase=PASSPHRASE, text=SECRET) -> None:
    data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
    key = create_key(data_dir / KEY_FILE, passphrase, FAST)
    journal = open_journal(data_dir, embedder_factory(settings), clock, key=key)
    try:
        journal.add_entry(builtin_modes()["journal"], text, "That sounds heavy.")
    finally:
        journal.close()


@pytest.fixture
def locked(settings, clock, keep_umask):
    make_locked(settings.data_dir, settings, clock)
    return settings.data_dir


@pytest.fixture
def command_env(cli_env, tmp_path):
    """The environment with a config file naming a passphrase command; ``use(text)`` sets what it prints."""
    script = tmp_path / "passphrase.sh"
    config = tmp_path / "config.toml"
    config.write_text(f'passphrase_command = "{script}"\n', encoding="utf-8")
    cli_env["MINDPANE_CONFIG"] = str(config)

    def use(passphrase: str = PASSPHRASE, body: str | None = None) -> dict[str, str]:
        script.write_text("#!/bin/sh\n" + (body or f"printf '%s\\n' '{passphrase}'") + "\n", encoding="utf-8")
        script.chmod(0o700)
        return cli_env

    return use


def files_of(directory) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes() for path in sorted(directory.rglob("*"))
            if path.is_file()}


hits = files_holding


# -- ask -------------------------------------------------------------------------------------------


def test_ask_on_a_locked_journal_recalls_streams_and_stores_the_entry_encrypted(locked, command_env, ollama_stub):
    env = command_env()
    ollama_stub.script("Writing it down is a start.")

    result = mindpane(env, "ask", "Thinking about my brother again, Marker-51aa in M\u00fcnchen.")

    assert result.returncode == 0, result.stderr
    assert "Recalled 1 earlier journal entry:" in result.stdout and "Marker-7c3e" in result.stdout
    assert result.stdout.rstrip().endswith("Writing it down is a start.")
    assert "Traceback" not in result.stderr and PASSPHRASE not in result.stderr + result.stdout
    assert hits(locked, "Marker-51aa", "M\u00fcnchen", "Marker-7c3e", "Z\u00fcrich") == []
    found = mindpane(env, "search", "Marker-51aa")
    assert found.returncode == 0 and "Marker-51aa" in found.stdout


def test_ask_reads_the_entry_from_stdin_and_the_passphrase_from_the_terminal(locked, cli_env, ollama_stub):
    ollama_stub.script("Noted.")

    code, out, err, shown = on_terminal(cli_env, "ask", "-", stdin=b"An entry piped in, Marker-88d0.\n",
                                        typed=[(ASKED, PASSPHRASE.encode() + b"\n")])

    assert code == 0, err
    assert "Noted." in out and ollama_stub.chat_requests[-1]["messages"][-1]["content"] == (
        "An entry piped in, Marker-88d0.")
    assert PASSPHRASE.encode() not in shown  # typed with echo off
    assert hits(locked, "Marker-88d0") == []


def test_an_empty_passphrase_on_the_terminal_is_a_try_and_the_next_one_counts(locked, cli_env):
    code, out, err, _shown = on_terminal(cli_env, "search", "brother",
                                         typed=[(ASKED, b"\n"), (ASKED, PASSPHRASE.encode() + b"\n")])

    assert code == 0, err
    assert "No passphrase was given; try again (2 left)" in err and "Marker-7c3e" in out


def test_a_ten_kilobyte_passphrase_typed_decomposed_unlocks_a_journal_locked_with_it_composed(
        settings, clock, cli_env, tmp_path, keep_umask):
    composed = "Caf\u00e9 \u00fcber " * 800  # 10.4 KB of UTF-8, letters with accents
    make_locked(settings.data_dir, settings, clock, passphrase=composed)
    typed = unicodedata.normalize("NFD", composed).encode() + b"\n"

    code, out, err, shown = on_terminal(cli_env, "search", "brother", typed=[(ASKED, typed)])

    assert code == 0, err
    assert "Marker-7c3e" in out and b"Caf" not in shown


def test_three_wrong_passphrases_on_the_terminal_end_it_and_write_nothing(locked, cli_env, ollama_stub):
    before = files_of(locked)

    code, _out, err, _shown = on_terminal(cli_env, "ask", "Not to be stored.",
                                          typed=[(ASKED, b"guess one\n"), (ASKED, b"guess two\n"),
                                                 (ASKED, b"guess three\n")])

    assert code == 1 and "Traceback" not in err
    assert "try again (2 left)" in err and "try again (1 left)" in err
    assert err.count("mindpane: That passphrase does not unlock this journal") == 1
    assert files_of(locked) == before and ollama_stub.chat_requests == []


def test_a_wrong_passphrase_from_the_command_is_one_try_and_one_line(locked, command_env, ollama_stub):
    before = files_of(locked)

    result = mindpane(command_env("not the passphrase"), "search", "brother")

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("mindpane: That passphrase does not unlock this journal")
    assert result.stderr.count("\n") == 1 and "left)" not in result.stderr
    assert files_of(locked) == before


def test_a_failing_passphrase_command_says_its_exit_status_not_its_output(locked, command_env):
    result = mindpane(command_env(body="echo 'pass: hunter2 not in store' >&2; exit 1"), "search", "brother")

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "failed (exit 1)" in result.stderr and "hunter2" not in result.stderr


def test_without_a_terminal_or_a_command_it_says_to_set_passphrase_command(locked, cli_env):
    result = mindpane(cli_env, "search", "brother")

    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "no terminal" in result.stderr and "passphrase_command" in result.stderr


def test_a_plain_journal_never_asks(cli_env, command_env, ollama_stub, tmp_path):
    env = command_env(body=f"touch {tmp_path / 'was-asked'}; echo x")

    result = mindpane(env, "ask", "A plain entry.")

    assert result.returncode == 0, result.stderr
    assert mindpane(env, "search", "plain").returncode == 0
    assert not (tmp_path / "was-asked").exists()


# -- search and import -----------------------------------------------------------------------------


def test_search_finds_exact_words_and_the_closest_by_meaning_on_a_locked_journal(locked, command_env):
    env = command_env()

    exact = mindpane(env, "search", "brother")
    closest = mindpane(env, "search", "unsent correspondence to a sibling")

    assert exact.returncode == 0 and "Marker-7c3e" in exact.stdout, exact.stderr
    assert "1 match for brother" in exact.stderr
    assert closest.returncode == 0 and "Marker-7c3e" in closest.stdout, closest.stderr
    assert "closest by meaning" in closest.stderr


def test_import_into_a_locked_journal_stores_the_entries_encrypted(locked, command_env, tmp_path):
    env = command_env()
    source = tmp_path / "journal.txt"
    source.write_text("[2022-03-01 07:15] Woke up early in Gen\u00e8ve.\nMarker-3f19 watched the sunrise.\n",
                      encoding="utf-8")

    result = mindpane(env, "import", str(source))

    assert result.returncode == 0, result.stderr
    assert "imported 1 entry" in result.stdout
    assert hits(locked, "Marker-3f19", "Gen\u00e8ve") == []
    assert "Marker-3f19" in mindpane(env, "search", "sunrise").stdout


# -- export ----------------------------------------------------------------------------------------


def test_export_of_a_locked_journal_is_refused_without_a_terminal_to_ask_or_yes(locked, command_env, tmp_path):
    env = command_env()
    target = tmp_path / "out.json"

    to_file = mindpane(env, "export", "-o", str(target))
    to_stdout = mindpane(env, "export", "-o", "-")

    for result in (to_file, to_stdout):
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "in clear" in result.stderr and "--yes" in result.stderr
    assert not target.exists() and to_stdout.stdout == ""
    assert [path.name for path in tmp_path.iterdir() if "out.json" in path.name] == []


def test_export_with_yes_writes_the_journal_to_stdout(locked, command_env):
    result = mindpane(command_env(), "export", "--yes", "-o", "-")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["entries"][0]["text"] == SECRET


def test_export_asks_on_the_terminal_and_no_writes_nothing(locked, cli_env, tmp_path):
    target = tmp_path / "out.json"

    code, _out, err, shown = on_terminal(cli_env, "export", "-o", str(target), typed=[(b"[y/N]", b"n\n")])

    assert code == 1 and not target.exists()
    assert "in clear" in err and b"[y/N]" in shown and ASKED not in shown  # no passphrase asked for a no


def test_export_asked_and_confirmed_writes_an_owner_only_file_even_with_umask_022(locked, cli_env, tmp_path,
                                                                                  keep_umask):
    target = tmp_path / "out.json"
    os.umask(0o022)

    code, _out, err, _shown = on_terminal(cli_env, "export", "-o", str(target),
                                          typed=[(b"[y/N]", b"y\n"), (ASKED, PASSPHRASE.encode() + b"\n")])

    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["entries"][0]["text"] == SECRET


# -- the key file ----------------------------------------------------------------------------------


def _flip_a_byte_in_the_wrapped_key(path) -> None:
    fields = json.loads(path.read_text())
    wrapped = fields["wrapped_key"]
    fields["wrapped_key"] = ("B" if wrapped[5] != "B" else "C").join((wrapped[:5], wrapped[6:]))
    path.write_text(json.dumps(fields))


def _cut_the_file(path) -> None:
    path.write_bytes(path.read_bytes()[:40])


@pytest.mark.parametrize("damage, said", [
    (lambda path: path.unlink(), "is missing"),
    (_flip_a_byte_in_the_wrapped_key, "journal.key"),
    (_cut_the_file, "is damaged"),
])
def test_a_missing_or_damaged_key_file_is_one_clear_line_and_the_record_is_untouched(locked, command_env, damage,
                                                                                     said):
    damage(locked / KEY_FILE)
    record = (locked / LOCKED_RECORD).read_bytes()
    before = files_of(locked)

    result = mindpane(command_env(), "search", "brother")

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and said in result.stderr
    assert (locked / LOCKED_RECORD).read_bytes() == record and files_of(locked) == before


def test_the_key_file_of_another_journal_is_refused_and_the_record_is_untouched(locked, command_env, settings,
                                                                                clock, tmp_path, ollama_stub):
    other = tmp_path / "other"
    make_locked(other, settings, clock, text="Another journal altogether.")
    shutil.copyfile(other / KEY_FILE, locked / KEY_FILE)
    before = files_of(locked)

    searched = mindpane(command_env(), "search", "brother")
    asked = mindpane(command_env(), "ask", "Should not be stored.")

    for result in (searched, asked):
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "journal.key" in result.stderr or "key" in result.stderr.lower()
    assert files_of(locked) == before and ollama_stub.chat_requests == []
