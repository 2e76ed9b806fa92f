"""A locked journal leaves no word of itself on the disk (#20): every file changed during the test
under the data dir, HOME, TMPDIR and the whole of /tmp is read byte for byte for an entry's and a
reply's words, in UTF-8, UTF-16 and escaped forms — after the shell commands ran, while the app
runs and after it quits. A positive control first shows the scan finds what is there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.byte_scan import hits
from tests.paths import REPO
from tui.adapters.draft_file import LOCKED_DRAFT_FILE, read_locked_draft
from tui.adapters.key_file import KEY_FILE, KdfParams, create_key, unlock_key
from tui.adapters.locked_layout import key_path
from tui.adapters.outbox_file import open_record
from tui.services.engine import embedder_factory, open_journal

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
PASSPHRASE = "lantern \u00e9t\u00e9 orchard"


def _roots(env: dict[str, str], data_dir: Path) -> list[Path]:
    return [data_dir, Path(env["HOME"]), Path(env["TMPDIR"]), Path("/tmp")]


@pytest.fixture
def locked_env(cli_env, settings, clock, tmp_path, keep_umask):
    """A locked journal (one old entry) and a config whose passphrase command prints its passphrase."""
    settings.data_dir.mkdir(parents=True, mode=0o700)
    key = create_key(settings.data_dir / KEY_FILE, PASSPHRASE, FAST)
    open_journal(settings.data_dir, embedder_factory(settings), clock, key=key).close()
    script = tmp_path / "passphrase.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n", encoding="utf-8")
    script.chmod(0o700)
    config = tmp_path / "config.toml"
    config.write_text(f'passphrase_command = "{script}"\n', encoding="utf-8")
    cli_env["MINDPANE_CONFIG"] = str(config)
    return cli_env


def _mindpane(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=180, start_new_session=True)


def test_the_scan_finds_a_word_written_in_any_of_its_forms(tmp_path):
    word = f"Probe-{uuid.uuid4().hex[:10]} caf\u00e9"
    since = time.time()
    (tmp_path / "utf16.bin").write_bytes(b"\x00junk" + word.encode("utf-16-le"))
    (tmp_path / "escaped.json").write_text('{"t": "' + word.replace("\u00e9", "\\u00e9") + '"}')
    (tmp_path / "clean.txt").write_text("nothing here")
    assert sorted(Path(hit.split(":")[0]).name for hit in hits([tmp_path], [word], since)) == [
        "escaped.json", "utf16.bin"]


def test_ask_and_search_on_a_locked_journal_leave_no_word_of_it_anywhere_on_the_disk(
        locked_env, settings, ollama_stub):
    entry = f"Marker-{uuid.uuid4().hex[:12]} the argument with Dana about the house in Gr\u00e4felfing"
    reply = f"Reply-{uuid.uuid4().hex[:12]} that sounds hard to carry"
    ollama_stub.script(reply)
    since = time.time()
    asked = _mindpane(locked_env, "ask", "--mode", "journal", entry)
    assert asked.returncode == 0, asked.stderr
    assert reply in asked.stdout
    searched = _mindpane(locked_env, "search", "Gr\u00e4felfing")
    assert searched.returncode == 0 and entry.split()[0] in searched.stdout, searched.stderr
    needles = [entry.split()[0], "Gr\u00e4felfing", reply.split()[0]]
    assert hits(_roots(locked_env, settings.data_dir), needles, since) == []


def test_the_app_on_a_locked_journal_leaves_no_word_of_it_on_the_disk_while_it_runs_or_after_it_quits(
        settings, clock, ollama_stub, isolated_home, tmp_path, model_cache, keep_umask):
    """Unlock on the screen, send an entry, get a reply, type a draft, lock with F12 and unlock
    again, quit: the data dir, HOME, TMPDIR and /tmp are scanned while the app runs and after."""
    from tests.locked_support import PASSPHRASE, make_locked
    from tests.pty_support import app_env, kill_app, read_for, spawn_app

    make_locked(settings, clock, ["Planted tulip bulbs along the fence."])
    entry = f"Marker-{uuid.uuid4().hex[:12]} the talk with Imre about Oktoberfest debts"
    reply = f"Reply-{uuid.uuid4().hex[:12]} that sounds like a relief"
    draft = f"Draft-{uuid.uuid4().hex[:12]} half a thought"
    ollama_stub.script(reply)
    env = app_env(isolated_home, ollama_stub, model_cache)
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    needles = [entry.split()[0], "Oktoberfest", reply.split()[0], draft.split()[0]]
    roots = _roots(env, settings.data_dir)
    since = time.time()
    app, master = spawn_app(env, settings.data_dir)
    try:
        seen = read_for(master, 60, b"is locked")
        assert b"is locked" in seen, "the unlock screen never showed"
        os.write(master, PASSPHRASE.encode() + b"\r")
        seen = read_for(master, 60, b"Journal", seen)
        os.write(master, entry.encode() + b"\r")
        seen = read_for(master, 60, reply.split()[0].encode(), seen)
        assert reply.split()[0].encode() in seen, "the reply never showed"
        os.write(master, draft.encode())
        seen = read_for(master, 1.5, start=seen)  # the draft is kept a quarter of a second after typing
        assert (settings.data_dir / LOCKED_DRAFT_FILE).exists(), "the draft is on the disk (sealed)"
        assert hits(roots, needles, since) == [], "while running"
        os.write(master, b"\x1b[24~")  # F12: lock
        seen = read_for(master, 30, b"is locked", seen[-200:])
        assert hits(roots, needles, since) == [], "while locked"
        os.write(master, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 60
        while app.poll() is None and time.monotonic() < deadline:
            read_for(master, 0.2)  # keep reading: an app whose terminal is full cannot quit
    finally:
        if app.poll() is None:
            kill_app(app, master)
        else:
            os.close(master)
    assert app.returncode == 0
    assert hits(roots, needles, since) == [], "after quitting"
    key = unlock_key(key_path(settings.data_dir), PASSPHRASE)
    assert read_locked_draft(settings.data_dir, key).prompt == draft  # what the scan did not find is there
    record = open_record(settings.data_dir, key)
    try:
        assert [(stored.text, stored.reply) for stored in record.iter_entries("journal") if stored.text == entry] == [
            (entry, reply)]
    finally:
        record.close()
