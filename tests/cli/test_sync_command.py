"""``mindpane sync init/join``, ``mindpane sync`` and ``sync status`` as a person runs them (#21):
two devices (two data dirs, each its own config file) and a real Postgres hub reached over TCP
with a password that only ``sync_password_command`` prints."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.hub.conftest import hub_db, hub_server, tls_front  # noqa: F401  (the real Postgres fixtures)
from tests.ollama_stub import unused_port_url
from tests.paths import REPO
from tui.domain.modes import JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.engine import open_store

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
SYNC_PASSPHRASE = "blue kettle on the stairs"


def script(path: Path, line: str) -> Path:
    path.write_text(f"#!/bin/sh\nprintf '%s\\n' '{line}'\n")
    path.chmod(0o700)
    return path


class Device:
    """One device: its data dir and config file; ``run`` is ``mindpane`` in a shell, no terminal."""

    def __init__(self, name: str, tmp_path: Path, env: dict, password: str,
                 passphrase: str = SYNC_PASSPHRASE) -> None:
        self.data_dir = tmp_path / name
        self.config = tmp_path / f"{name}.toml"
        secret = script(tmp_path / f"{name}-hub-password.sh", password)
        phrase = script(tmp_path / f"{name}-passphrase.sh", passphrase)
        self.config.write_text(f'sync_password_command = "{secret}"\npassphrase_command = "{phrase}"\n')
        self.env = {**env, "MINDPANE_CONFIG": str(self.config), "MINDPANE_DATA_DIR": str(self.data_dir)}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tui", *args], env=self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=180, stdin=subprocess.DEVNULL, start_new_session=True)

    def settings(self, settings):
        return replace(settings, data_dir=self.data_dir)

    def write(self, settings, clock, *texts: str) -> None:
        journal = open_store(self.settings(settings), clock)
        try:
            journal.import_entries(JOURNAL, [ImportedEntry(text, START + timedelta(hours=i))
                                             for i, text in enumerate(texts)])
        finally:
            journal.close()

    def texts(self, settings, clock) -> dict[str, str]:
        journal = open_store(self.settings(settings), clock)
        try:
            return {record.id: record.text for record in journal.record.iter_entries()}
        finally:
            journal.close()

    def edit(self, settings, clock, entry_id: str, text: str) -> None:
        journal = open_store(self.settings(settings), clock)
        try:
            journal.update_text(entry_id, text)
        finally:
            journal.close()


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def failed(result: subprocess.CompletedProcess, password: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and password not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("mindpane: ")
    return lines[-1]


@pytest.fixture
def devices(tmp_path, cli_env, hub_db):  # noqa: F811
    return (Device("laptop", tmp_path, cli_env, hub_db.password),
            Device("desktop", tmp_path, cli_env, hub_db.password))


def test_init_join_and_sync_carry_entries_both_ways(devices, hub_db, settings, clock):  # noqa: F811
    laptop, desktop = devices
    laptop.write(settings, clock, "walked to the river", "read two chapters", "cooked lentils")

    made = ok(laptop.run("sync", "init", hub_db.dsn))
    assert "Pushing 3 entries to the hub" in made and "↓ 0 ↑ 3" in made
    assert tomllib.loads(laptop.config.read_text())["sync_hub"] == hub_db.dsn

    joined = ok(desktop.run("sync", "join", hub_db.dsn))
    assert "↓ 3 ↑ 0" in joined
    assert sorted(desktop.texts(settings, clock).values()) == ["cooked lentils", "read two chapters",
                                                               "walked to the river"]

    desktop.write(settings, clock, "a new entry on the desktop")
    assert ok(desktop.run("sync")).strip() == "↓ 0 ↑ 1"
    assert ok(laptop.run("sync")).strip() == "↓ 1 ↑ 0"
    assert "a new entry on the desktop" in laptop.texts(settings, clock).values()


def test_an_entry_changed_on_both_devices_is_one_conflict_shown_by_status(devices, hub_db, settings, clock):  # noqa: F811
    laptop, desktop = devices
    laptop.write(settings, clock, "the first draft")
    ok(laptop.run("sync", "init", hub_db.dsn))
    ok(desktop.run("sync", "join", hub_db.dsn))
    (entry_id,) = laptop.texts(settings, clock)
    laptop.edit(settings, clock, entry_id, "the laptop's version")
    desktop.edit(settings, clock, entry_id, "the desktop's version")

    assert ok(laptop.run("sync")).strip() == "↓ 0 ↑ 1"
    # the entry (the desktop's edit on top) and the copy of the laptop's version go out
    assert ok(desktop.run("sync")).strip() == "↓ 1 ↑ 2, 1 conflict: see F4"

    status = ok(desktop.run("sync", "status"))
    assert f"Hub: {hub_db.dsn}" in status
    assert "Conflicts: 1 (resolve them in the app: F4)" in status
    assert "Last sync: " in status and "Last sync: never" not in status


def test_status_before_joining_and_changes_waiting_after(devices, hub_db, settings, clock):  # noqa: F811
    laptop, _ = devices
    laptop.write(settings, clock, "one")
    assert "Not joined to a sync hub" in ok(laptop.run("sync", "status"))
    ok(laptop.run("sync", "init", hub_db.dsn))
    laptop.write(settings, clock, "two", "three")

    status = ok(laptop.run("sync", "status"))
    assert "Changes waiting to go out: 2" in status and "Conflicts: 0" in status
    assert "This device: " in status


def test_each_fault_is_one_clear_line(devices, hub_db, hub_server, tls_front, tmp_path, cli_env, settings,  # noqa: F811
                                      clock):
    laptop, desktop = devices
    password = hub_db.password
    assert "not joined to a sync hub yet" in failed(laptop.run("sync"), password)

    wrong = Device("wrong", tmp_path, cli_env, "not-the-password")
    assert "refused the login: wrong password or user" in failed(wrong.run("sync", "init", hub_db.dsn), password)

    nowhere = f"postgresql://mindpane@{unused_port_url().split('//')[1]}/hub"
    assert "is unreachable" in failed(laptop.run("sync", "init", nowhere), password)

    behind_tls = hub_server.fresh_database(port=tls_front.port)
    tls = Device("tls", tmp_path, cli_env, behind_tls.password)
    assert "secure (TLS) connection" in failed(tls.run("sync", "init", f"{behind_tls.dsn}?sslmode=verify-full"),
                                               password)

    ok(laptop.run("sync", "init", hub_db.dsn))
    assert "already holds a mindpane journal" in failed(desktop.run("sync", "init", hub_db.dsn), password)
    forgetful = Device("forgetful", tmp_path, cli_env, password, passphrase="a passphrase nobody set")
    assert "does not unlock" in failed(forgetful.run("sync", "join", hub_db.dsn), password)

    other = hub_server.fresh_database()
    ok(desktop.run("sync", "init", other.dsn))  # the desktop's journal is another journal, on another hub
    desktop.config.write_text(desktop.config.read_text().replace(other.dsn, hub_db.dsn))
    assert "relays another journal" in failed(desktop.run("sync"), password)

    with hub_server.admin(hub_db.name) as admin:
        admin.execute("UPDATE mindpane_meta SET schema = 99")
    assert "set up by a newer mindpane" in failed(laptop.run("sync"), password)


def test_a_locked_journal_syncs_too(devices, hub_db, settings, clock):  # noqa: F811
    laptop, desktop = devices
    ok(laptop.run("init", "--locked"))  # its passphrase from passphrase_command
    assert ok(laptop.run("sync", "init", hub_db.dsn))
    desktop.write(settings, clock, "written on the plain desktop")
    ok(desktop.run("sync", "join", hub_db.dsn))
    assert ok(laptop.run("sync")).strip() == "↓ 1 ↑ 0"
    assert "Changes waiting to go out: 0" in ok(laptop.run("sync", "status"))


RUN_CLI = "import sys\nfrom tui.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def test_on_a_terminal_the_password_and_the_sync_passphrase_are_typed(tmp_path, cli_env, hub_db, settings,  # noqa: F811
                                                                        clock):
    from tests.pty_support import run_on_terminal

    laptop, desktop = (Device(name, tmp_path, cli_env, hub_db.password) for name in ("laptop", "desktop"))
    for device in (laptop, desktop):
        device.config.write_text("")  # no secret commands: everything is asked on the terminal
    laptop.write(settings, clock, "typed on a terminal")
    password = hub_db.password.encode() + b"\r"
    code, out, err, shown = run_on_terminal(
        RUN_CLI, "sync", "init", hub_db.dsn, env=laptop.env, cwd=REPO,
        typed=[(b"database password: ", password), (b"Sync passphrase: ", b"tea at noon\r"),
               (b"same passphrase again: ", b"tea at noon\r")])
    assert code == 0, err.decode()
    assert b"tea at noon" not in shown + out + err and hub_db.password.encode() not in shown + out + err
    assert "↓ 0 ↑ 1" in out.decode() and shown.count(b"database password: ") == 1

    code, out, err, shown = run_on_terminal(
        RUN_CLI, "sync", "join", hub_db.dsn, env=desktop.env, cwd=REPO,
        typed=[(b"database password: ", password), (b"sync passphrase: ", b"tea at noon\r")])
    assert code == 0, err.decode()
    assert "↓ 1 ↑ 0" in out.decode()
