"""``mindpane ask`` as a person runs it from the shell, again and again, in separate processes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.audit_hook import the_model_rewrite
from tests.ollama_stub import unused_port_url
from tests.paths import REPO
from tui.services.prompt import MEMORY_BLOCK_END, MEMORY_BLOCK_START


def mindpane(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_help_and_version(cli_env):
    assert "ask" in mindpane(cli_env, "--help").stdout
    assert mindpane(cli_env, "--version").stdout.startswith("mindpane ")


def test_the_loop_remembers_across_separate_runs(cli_env, ollama_stub):
    ollama_stub.script("Rest sounds right.")
    first = mindpane(cli_env, "ask", "I felt exhausted after the marathon training today.")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no library log lines or warnings leak onto the terminal
    assert "No earlier journal entries recalled." in first.stdout
    assert "Rest sounds right." in first.stdout

    ollama_stub.script("Be kind to your knees.")
    second = mindpane(cli_env, "ask", "--mode", "journal", "My legs are sore from running.")

    assert second.returncode == 0, second.stderr
    assert "Recalled 1 earlier journal entry:" in second.stdout
    assert "I felt exhausted after the marathon training today." in second.stdout
    assert second.stdout.rstrip().endswith("Be kind to your knees.")
    system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
    block = system.split(MEMORY_BLOCK_START)[1].split(MEMORY_BLOCK_END)[0]
    assert "I felt exhausted after the marathon training today." in block
    assert "Rest sounds right." in block


def test_code_mode_does_not_see_journal_entries(cli_env, ollama_stub):
    mindpane(cli_env, "ask", "Python makes me feel stupid some days.")

    code = mindpane(cli_env, "ask", "--mode", "code", "--model", "gemma3:4b-it-qat", "How do python decorators work?")

    assert code.returncode == 0, code.stderr
    assert "No earlier code entries recalled." in code.stdout
    assert "stupid" not in ollama_stub.chat_requests[-1]["messages"][0]["content"]


def test_the_prompt_can_come_from_standard_input(cli_env, ollama_stub):
    result = mindpane(cli_env, "ask", "-", stdin="A multi-line\nentry from a file.\n")
    assert result.returncode == 0, result.stderr
    assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "A multi-line\nentry from a file."


def test_ollama_down_is_one_clear_line_and_the_entry_is_kept(cli_env, ollama_stub):
    cli_env["OLLAMA_HOST"] = unused_port_url()
    result = mindpane(cli_env, "ask", "Writing while offline.")

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not reachable" in result.stderr and "ollama serve" in result.stderr
    assert "saved without a reply" in result.stderr

    cli_env["OLLAMA_HOST"] = ollama_stub.host_port
    later = mindpane(cli_env, "ask", "Back online and writing again.")
    assert "Writing while offline." in later.stdout


def test_an_unanswered_code_question_is_kept_and_announced_by_the_next_ask(cli_env, ollama_stub):
    cli_env["OLLAMA_HOST"] = unused_port_url()
    first = mindpane(cli_env, "ask", "--mode", "code", "How do I flatten a nested list?")
    assert first.returncode == 1

    cli_env["OLLAMA_HOST"] = ollama_stub.host_port
    later = mindpane(cli_env, "ask", "--mode", "code", "What does zip(strict=True) do?")
    assert later.returncode == 0
    assert later.stderr.strip() == (
        "mindpane: 1 unanswered question is kept from earlier; open mindpane and press ctrl+r to answer")


def test_a_missing_model_is_one_clear_line(cli_env):
    result = mindpane(cli_env, "ask", "--mode", "code", "--model", "llama9:404b", "Anything?")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "mindpane: Model llama9:404b is not pulled — run `ollama pull llama9:404b` "
        "(your question is kept; open mindpane and press ctrl+r to ask it again)")


def test_an_empty_prompt_is_refused(cli_env):
    result = mindpane(cli_env, "ask", "   ")
    assert result.returncode == 2
    assert "nothing to ask" in result.stderr


def test_a_full_turn_talks_only_to_ollama_and_writes_only_in_the_data_dir(cli_env, ollama_stub, data_dir,
                                                                         isolated_home, tmp_path):
    report = tmp_path / "audit.json"
    cli_env.pop("MINDPANE_CACHE_DIR")  # the int8-kernel model is made here, in the data dir, audited too
    run = subprocess.run(
        [sys.executable, str(REPO / "tests" / "audited_cli.py"), str(report), str(data_dir), "--",
         "ask", "Checking that nothing leaves the machine."],
        env=cli_env, cwd=REPO, capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, run.stderr
    seen = json.loads(report.read_text())
    assert seen["connect"], "the turn should have connected to the stand-in Ollama"
    assert set(seen["connect"]) == {repr(("127.0.0.1", ollama_stub.port))}
    assert seen["write"] == []
    assert [the_model_rewrite(spawned) for spawned in seen["spawn"]] == [True]  # the model made, in a child
    assert all(path.startswith(str(data_dir)) for path in seen["sqlite"])
    assert list(isolated_home.rglob("*")) == []
    assert list((tmp_path / "tmp").rglob("*")) == []
    assert list((data_dir / "models").glob("*.onnx"))
    assert (data_dir / "entries.db").is_file()
    assert not (data_dir / "mem0").exists()  # one shell turn never loads mem0 (the next full open indexes it)


def test_recalled_previews_never_send_terminal_escapes(cli_env, ollama_stub):
    mindpane(cli_env, "ask", "A note with \x1b[2J\x1b]0;title\x07 escapes about gardening.")

    result = mindpane(cli_env, "ask", "Gardening again today.")

    assert result.returncode == 0, result.stderr
    assert "A note with escapes about gardening." in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_ask_says_what_the_models_context_had_no_room_for(cli_env, ollama_stub, settings, clock):
    from tui.domain.modes import JOURNAL
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    try:
        for number in range(6):
            store.add_entry(JOURNAL, f"Moving day {number}: the boxes, the kettle lost again. "
                            + "Unpacked the books and the plates, then sat on the floor." * 4,
                            "It sounds like the move has taken a lot out of you. " * 10)
    finally:
        store.close()
    ollama_stub.context_length = 2048

    result = mindpane(cli_env, "ask", "Moving day again: the boxes are nearly gone.")

    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("Recalled "))
    assert header.startswith("Recalled 5 earlier journal entries (") and header.endswith(" left out for room):")
    left_out = int(header.split("(")[1].split()[0])
    assert result.stdout.count("(left out for room) Moving day") == left_out > 0
    assert ollama_stub.chat_requests[-1]["options"] == {"num_ctx": 2048}

    clipped = mindpane(cli_env, "ask", "-", stdin="So much to say about the move today. " * 800)
    assert clipped.returncode == 0, clipped.stderr
    assert "Your entry is longer than the model's context: only its beginning was sent" in clipped.stdout
    assert ollama_stub.chat_requests[-1]["messages"][-1]["content"].endswith("context of 2048 tokens.]")


def _read_a_little_then_close(env, *args):
    """Run ``mindpane ARGS | head -c 64``: read the first bytes, close the pipe, wait for the end."""
    proc = subprocess.Popen([sys.executable, "-m", "tui", *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.read(64)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    return first, proc.wait(timeout=120), err


def test_ask_into_a_pipe_closed_early_exits_quietly_and_stores_the_whole_reply(cli_env, ollama_stub, data_dir):
    reply = "".join(f"Line {n}: the move is a lot, and you are handling it step by step.\n" for n in range(4000))
    ollama_stub.script(reply)  # far more than a pipe's buffer holds: the writes after the close fail

    first, code, err = _read_a_little_then_close(cli_env, "ask", "Moving day. Boxes everywhere.")

    assert first
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    with sqlite3.connect(data_dir / "entries.db") as db:
        rows = db.execute("SELECT text, reply FROM entry WHERE deleted_at IS NULL").fetchall()
    assert rows == [("Moving day. Boxes everywhere.", reply)]


def test_search_into_a_pipe_closed_early_exits_quietly(cli_env, data_dir):
    from tui.adapters.record_db import RecordDB
    from tui.domain.records import MemoryRecord

    data_dir.mkdir(parents=True)
    day = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    records = RecordDB(data_dir / "entries.db")
    try:
        records.insert_many([MemoryRecord(f"id-{n}", f"Garden note {n}: weeded the beds and watered the beans.",
                                          "journal", day + timedelta(minutes=n), day + timedelta(minutes=n))
                             for n in range(3000)], day)
    finally:
        records.close()

    first, code, err = _read_a_little_then_close(cli_env, "search", "garden", "--limit", "3000")

    assert first.startswith(b"2026-")
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize("args", [("doctor",), ("config", "show"), ("models",)], ids=" ".join)
def test_every_command_into_a_pipe_closed_at_once_ends_without_a_traceback(cli_env, args):
    """``mindpane doctor | head -1`` (a reader gone before the first line): no BrokenPipe traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "tui", *args], env=cli_env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
