"""``mindpane ask`` with text that is not clean UTF-8, and failure lines that say once, truthfully,
what became of the entry."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.paths import REPO
from tui import cli
from tui.domain.errors import ChatError, StoreError
from tui.domain.records import MemoryRecord
from tui.services.turn import PendingTurn, TurnFailed


def mindpane_bytes(env, *args, stdin: bytes):
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, cwd=REPO, input=stdin,
                          capture_output=True, timeout=120)


def test_a_byte_that_is_not_utf8_on_stdin_is_replaced_and_the_entry_stored(cli_env, ollama_stub):
    ollama_stub.script("Sounds cosy.")
    result = mindpane_bytes(cli_env, "ask", "-", stdin=b"Caf\xe9 au lait by the window this morning.\n")

    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 0, stderr
    assert stderr == "mindpane: standard input is not valid UTF-8: replaced 1 invalid byte with U+FFFD\n"
    assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "Caf\ufffd au lait by the window this morning."
    assert "Sounds cosy." in result.stdout.decode("utf-8")

    later = mindpane_bytes(cli_env, "ask", "-", stdin="A caf\u00e9 by the window again.".encode())
    assert later.returncode == 0, later.stderr.decode()
    assert later.stderr == b""
    assert "Caf\ufffd au lait by the window this morning." in later.stdout.decode("utf-8")


def test_several_bad_bytes_are_counted(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe ok \xc3\n")))
    assert cli._prompt_text(["-"]) == "\ufffd\ufffd ok \ufffd\n"
    assert capsys.readouterr().err == ("mindpane: standard input is not valid UTF-8: "
                                       "replaced 3 invalid bytes with U+FFFD\n")


def test_valid_utf8_including_a_literal_replacement_character_is_untouched(monkeypatch, capsys):
    text = "d\u00e9j\u00e0 vu \ufffd \U0001f600\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert cli._prompt_text(["-"]) == text
    assert capsys.readouterr().err == ""


def test_an_argument_that_is_not_utf8_is_replaced_too(capsys):
    # what Python makes of argv bytes b"caf\xe9" (surrogateescape)
    assert cli._prompt_text(["caf\udce9", "time"]) == "caf\ufffd time"
    assert "the arguments is not valid UTF-8: replaced 1 invalid byte" in capsys.readouterr().err


def record() -> MemoryRecord:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return MemoryRecord("id-1", "q", "journal", at, at)


@pytest.mark.parametrize("hint", [
    "run `mindpane doctor` to see what is wrong; your text is kept",
    "free some space, then retry (ctrl+r); your text is kept",
    "Your text is kept, see mindpane.log",
])
@pytest.mark.parametrize("saved", [False, True], ids=["not-stored", "stored-without-reply"])
def test_a_failure_line_says_once_what_became_of_the_entry(hint, saved):
    """The hint is written for the full-screen app ("your text is kept": the prompt still holds it);
    the CLI's own note is the one that is true here, and it is said once, never next to its opposite."""
    error = StoreError("The memory store failed: disk I/O error", hint)
    pending = PendingTurn("journal", "q", "id-1" if saved else None)
    event = TurnFailed(error, pending, record=record() if saved else None)

    line = cli._failure_line(event)

    note = cli._kept_note(event.record)
    assert line.startswith("The memory store failed: disk I/O error")
    assert line.endswith(note)
    assert line.casefold().count("kept") == note.casefold().count("kept")
    assert not ("kept" in line.casefold() and "nothing was saved" in line.casefold())
    assert " — ;" not in line and " — ," not in line and "  (" not in line


def test_a_failure_line_keeps_a_hint_that_says_nothing_about_keeping():
    error = ChatError("Model llama9:404b is not pulled", "run `ollama pull llama9:404b`")
    event = TurnFailed(error, PendingTurn("code", "q"))
    assert cli._failure_line(event) == ("Model llama9:404b is not pulled — run `ollama pull llama9:404b`"
                                        + cli._kept_note(event.record))
