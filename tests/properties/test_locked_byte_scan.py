"""A locked journal leaves no word of itself on the disk (#20): every file changed during the test
under the data dir, HOME, TMPDIR and the whole of /tmp is read byte for byte for an entry's and a
reply's words, in UTF-8, UTF-16 and escaped forms — after the shell commands ran, while the app
runs and after it quits. A positive control first shows the scan finds what is there."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.byte_scan import hits
from tests.paths import REPO
from tui.adapters.key_file import KEY_FILE, KdfParams, create_key
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
