"""``mindpane doctor``: one line per check, read-only unless ``--repair``; ``--repair`` moves a damaged
file aside and rebuilds it, and every entry comes back with its id, date, text and reply."""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ollama_stub import unused_port_url
from tui.adapters.data_dir import secure_data_dir
from tui.adapters.record_db import SCHEMA_VERSION
from tui.adapters.store_lock import StoreLock
from tui.cli import doctor as cli_doctor
from tui.domain.modes import CODE, JOURNAL
from tui.services.doctor import diagnose
from tui.services.engine import open_outbox, open_store

pytestmark = pytest.mark.usefixtures("keep_umask")


def doctor(settings, *argv):
    parser = argparse.ArgumentParser(prog="mindpane")
    cli_doctor.add_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = cli_doctor.run(settings, parser.parse_args(["doctor", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def close(store):
    """Close a store as a process exit would: Chroma keeps a system per path until its client closes."""
    store.close()
    pass  # the store closes its Chroma client itself


def fill(settings, clock):
    """Three entries with replies (one edited), closed, and the data dir made private as the app does."""
    store = open_store(settings, clock)
    try:
        first = store.add_entry(JOURNAL, "Climbed the old lighthouse stairs at dusk.", "What a view it must be.")
        clock.advance(days=1)
        second = store.add_entry(JOURNAL, "Baked sourdough bread with my sister.", "Sounds warm and close.")
        clock.advance(hours=2)
        store.update_text(second.id, "Baked rye sourdough bread with my sister.")
        third = store.add_entry(CODE, "How do I read a big CSV file lazily?", "Iterate over csv.reader rows.")
        entries = [store.record.get(record.id) for record in (first, second, third)]
    finally:
        close(store)
    secure_data_dir(settings.data_dir)
    return entries


def assert_all_back(settings, clock, entries):
    store = open_store(settings, clock)
    try:
        for entry in entries:
            again = store.record.get(entry.id)
            assert (again.text, again.reply, again.created_at, again.mode) == (
                entry.text, entry.reply, entry.created_at, entry.mode)
        assert store.recall("lighthouse stairs", JOURNAL, k=1)[0].record.id == entries[0].id
        assert store.recall("rye bread", JOURNAL, k=1)[0].record.id == entries[1].id
        assert store.recall("lazy CSV reading", CODE, k=1)[0].record.id == entries[2].id
    finally:
        close(store)


def snapshot(root: Path) -> dict[str, tuple]:
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        found[str(path)] = (info.st_mtime_ns, info.st_size, info.st_mode, digest)
    return found


def test_a_healthy_store_passes_every_check_and_shows_no_entry_text(settings, clock):
    entries = fill(settings, clock)

    code, out, _ = doctor(settings)

    assert code == 0, out
    lines = out.splitlines()
    assert lines and all(line.startswith("✓ ") for line in lines), out
    data = settings.data_dir
    assert f"✓ data dir {data}: private" in out
    assert "✓ lock: no other mindpane is using it" in out
    assert f"✓ {data / 'entries.db'}: ok, schema {SCHEMA_VERSION}; 3 entries, 0 deleted, 0 in the outbox" in out
    assert "✓ chroma index (minilm-l6-v2-int8): code 1/1, journal 2/2 (indexed/entries)" in out
    assert f"✓ {data / 'history.db'}: ok, history of 3 entries" in out
    assert "sha256 ok" in out
    assert "gemma3:4b-it-qat is pulled (for journal, code)" in out
    for entry in entries:
        assert entry.text not in out and entry.reply not in out


def test_entries_from_the_shell_that_wait_for_the_index_are_not_reported_as_damage(settings, clock):
    fill(settings, clock)
    shell = open_store(settings, clock, index_later=True)  # as `mindpane ask` opens it
    try:
        shell.add_entry(CODE, "How do I read a CSV file lazily?", "Use csv.reader over the open file.")
    finally:
        close(shell)

    code, out, _ = doctor(settings)

    assert code == 0, out
    assert ("✓ chroma index (minilm-l6-v2-int8): code 1/1, journal 2/2 (indexed/entries); 1 entry from the "
            "shell wait to be indexed at the next open") in out
    assert all(line.startswith("✓ ") for line in out.splitlines()), out


def test_outbox_turns_are_counted_by_mode_and_date_and_checking_writes_nothing(settings, clock):
    fill(settings, clock)
    outbox = open_outbox(settings)  # stays open: its turns are in entries.db-wal, not yet in the main file
    try:
        outbox.put_pending("t-1", "journal", "Typed just before the power cut.", clock.now - timedelta(minutes=5))
        outbox.put_pending("t-2", "code", "Why is my dict unordered?", clock.now)
        outbox.put_pending("t-3", "code", "What does the walrus do?", clock.now + timedelta(minutes=1))
        before = snapshot(settings.data_dir)

        code, out, err = doctor(settings)

        assert snapshot(settings.data_dir) == before
    finally:
        outbox.close()
    assert code == 0, out
    assert "3 entries, 0 deleted, 3 in the outbox" in out
    assert ("✓ outbox: 3 turns waiting — code 2 (2026-11-21 11:30 … 2026-11-21 11:31), journal 1 "
            "(2026-11-21 11:25)") in out
    assert "power cut" not in out and "walrus" not in out and err == ""


def test_a_truncated_chroma_file_is_named_and_repair_re_embeds_every_entry(settings, clock):
    entries = fill(settings, clock)
    chroma_file = settings.data_dir / "chroma" / "chroma.sqlite3"
    half = chroma_file.stat().st_size // 2
    os.truncate(chroma_file, half)

    code, out, _ = doctor(settings)

    assert code == 1
    assert f"✗ {chroma_file} is damaged (database disk image is malformed) — fix: mindpane doctor --repair" in out

    code, out, err = doctor(settings, "--repair")

    assert code == 0, out + err
    moved = list(settings.data_dir.glob("chroma.corrupt-*"))
    assert len(moved) == 1 and (moved[0] / "chroma.sqlite3").stat().st_size == half  # kept, never deleted
    assert f"✓ moved {settings.data_dir / 'chroma'} aside to {moved[0]}" in out
    assert "re-embedding journal ████████████████████ 2/2" in err
    assert "re-embedding code ████████████████████ 1/1" in err
    assert out.split("after repair:\n")[1].count("✗") == 0
    assert_all_back(settings, clock, entries)


def test_garbage_in_history_db_is_moved_aside_and_the_history_rebuilt(settings, clock):
    entries = fill(settings, clock)
    history = settings.data_dir / "history.db"
    history.write_bytes(b"not a database at all " * 200)

    code, out, _ = doctor(settings)

    assert code == 1
    assert f"✗ {history} is damaged (file is not a database) — fix: mindpane doctor --repair" in out

    code, out, err = doctor(settings, "--repair")

    assert code == 0, out + err
    moved = list(settings.data_dir.glob("history.db.corrupt-*"))
    assert [path.read_bytes()[:22] for path in moved] == [b"not a database at all "]
    assert "✓ history of 3 entries rebuilt" in out
    store = open_store(settings, clock)
    try:
        first = store.history(entries[0].id)
        assert [(e.event, e.new_text, e.at) for e in first] == [("ADD", entries[0].text, entries[0].created_at)]
        edited = store.history(entries[1].id)
        assert [(e.event, e.old_text, e.new_text) for e in edited] == [
            ("ADD", None, "Baked sourdough bread with my sister."),
            ("UPDATE", "Baked sourdough bread with my sister.", "Baked rye sourdough bread with my sister.")]
    finally:
        close(store)
    assert_all_back(settings, clock, entries)


def test_a_damaged_record_is_rebuilt_from_chroma_with_ids_dates_texts_and_replies(settings, clock):
    entries = fill(settings, clock)
    record = settings.data_dir / "entries.db"
    record.write_bytes(record.read_bytes()[:4096] + b"\xff" * 8192)

    code, out, _ = doctor(settings)

    assert code == 1
    assert f"✗ {record} is damaged" in out
    assert "reads back every entry it can from it, and takes the rest from chroma/" in out

    code, out, err = doctor(settings, "--repair")

    assert code == 0, out + err
    assert len(list(settings.data_dir.glob("entries.db.corrupt-*"))) == 1
    assert_all_back(settings, clock, entries)


def test_another_mindpane_holding_the_lock_is_reported_and_repair_refuses(settings):
    settings.data_dir.mkdir(mode=0o700)
    other = StoreLock(settings.data_dir)
    other.acquire()
    try:
        code, out, _ = doctor(settings)
        assert code == 1
        assert f"✗ lock: another mindpane (pid {os.getpid()}) is using {settings.data_dir}" in out

        code, out, _ = doctor(settings, "--repair")
        assert code == 1
        assert out == (f"✗ another mindpane (pid {os.getpid()}) is using {settings.data_dir}: nothing was changed"
                       " — fix: quit it (ctrl+q), then run `mindpane doctor --repair` again\n")
    finally:
        other.release()
    code, out, _ = doctor(settings)
    assert "✓ lock: no other mindpane is using it" in out


def test_ollama_down_or_a_model_missing_says_what_to_run(settings, ollama_stub):
    ollama_stub.models = {"gemma3:4b-it-qat"}
    code, out, _ = doctor(replace(settings, model="qwen2.5-coder:7b"))
    assert code == 1
    assert "qwen2.5-coder:7b is not pulled (for journal, code) — fix: run `ollama pull qwen2.5-coder:7b`" in out

    code, out, _ = doctor(replace(settings, ollama_host=unused_port_url()))
    assert "✗ Ollama: Ollama is not reachable at http://127.0.0.1:" in out
    assert "— fix: start it with `ollama serve`" in out


def test_stray_library_settings_are_reported_by_name_only(settings, tmp_path, monkeypatch):
    here = tmp_path / "project"
    here.mkdir()
    (here / ".env").write_text("OLLAMA_HOST=http://elsewhere:1\nCHROMA_API_IMPL=chromadb.api.fastapi.FastAPI\n"
                               "DEBUG=1\n", encoding="utf-8")
    env = {"CHROMA_SERVER_HOST": "secret-host.example", "MEM0_TELEMETRY": "true", "ANONYMIZED_TELEMETRY": "False"}

    stray = diagnose(settings, env=env, cwd=here)[-1]

    assert stray.ok
    assert stray.label.startswith(f"stray settings ignored: {here / '.env'} mentions CHROMA_API_IMPL, OLLAMA_HOST; "
                                  "the environment sets CHROMA_SERVER_HOST; MEM0_TELEMETRY turn telemetry on")
    assert "secret-host" not in stray.label and "elsewhere" not in stray.label

    (here / ".env").write_text("CHROMA_SERVER_HEADERS=not-a-dict\n", encoding="utf-8")
    broken = diagnose(settings, env={}, cwd=here)[-1]
    assert not broken.ok and "chroma_server_headers" in broken.label
    assert broken.fix == f"remove those lines from {here / '.env'}, or run mindpane from another directory"


def test_mindpane_doctor_runs_from_the_shell(settings, clock, isolated_home, ollama_stub, tmp_path):
    """Needs `doctor` wired into tui/cli/__init__.py."""
    fill(settings, clock)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OLLAMA", "MINDPANE"))}
    env.update(HOME=str(isolated_home), OLLAMA_HOST=ollama_stub.host_port, TZ="UTC", PYTHONDONTWRITEBYTECODE="1")
    before = snapshot(settings.data_dir)

    result = subprocess.run([sys.executable, "-m", "tui", "doctor", "--data-dir", str(settings.data_dir)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert f"✓ {settings.data_dir / 'entries.db'}: ok, schema {SCHEMA_VERSION}; 3 entries" in result.stdout
    assert snapshot(settings.data_dir) == before
