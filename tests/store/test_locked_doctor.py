"""``mindpane doctor`` on a locked journal (#20): without the passphrase it checks what it can (the key
file, the encrypted record's size, the marker, no plain leftovers) and says what it could not; with it
(here from ``passphrase_command``) it checks the record itself. Never a traceback, never a plain copy."""

from __future__ import annotations

import argparse
import io
import os
import shlex
import sys
from dataclasses import replace
from datetime import datetime

import pytest

from tui.adapters.key_file import KdfParams, create_key
from tui.adapters.record_db import SCHEMA_VERSION
from tui.cli import doctor as cli_doctor
from tui.domain.modes import builtin_modes
from tui.services.engine import embedder_factory, open_journal

pytestmark = pytest.mark.usefixtures("keep_umask")

JOURNAL = builtin_modes()["journal"]
FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
PASSPHRASE = "correct horse battery"
SECRETS = ("Marker-51ab: the letter I never sent", "Marker-77cd: lighthouse stairs at dusk")


def doctor(settings, *argv):
    parser = argparse.ArgumentParser(prog="mindpane")
    cli_doctor.add_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = cli_doctor.run(settings, parser.parse_args(["doctor", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def with_passphrase_command(settings, tmp_path, passphrase=PASSPHRASE):
    script = tmp_path / "give-passphrase.py"
    script.write_text(f"print({passphrase!r})\n", encoding="utf-8")
    return replace(settings, passphrase_command=f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")


def make_locked(settings, clock) -> bytes:
    settings.data_dir.mkdir(mode=0o700, exist_ok=True)
    key = create_key(settings.data_dir / "journal.key", PASSPHRASE, FAST)
    journal = open_journal(settings.data_dir, embedder_factory(settings), clock, key=key)
    try:
        first = journal.add_entry(JOURNAL, SECRETS[0], "That sounds heavy.")
        journal.add_entry(JOURNAL, SECRETS[1])
        journal.update_text(first.id, SECRETS[0] + " (to my brother)")
        journal.record.put_pending("turn-1", "journal", "Marker-99ef: waiting in the outbox", clock())
    finally:
        journal.close()
    return key


def test_without_the_passphrase_it_checks_the_structure_and_says_what_it_could_not(settings, clock):
    make_locked(settings, clock)
    data = settings.data_dir
    size = (data / "entries.locked").stat().st_size

    code, out, err = doctor(settings, "--no-passphrase")

    assert code == 0, out
    assert "Traceback" not in out + err and "newer mindpane" not in out
    assert f"✓ {data} holds a locked journal (encrypted with a passphrase)" in out
    assert f"✓ {data / 'journal.key'}: readable and well-formed (Argon2id, 1 pass, 8 MiB, 1 lane)" in out
    assert f"✓ {data / 'entries.locked'}: encrypted, {size} bytes" in out
    assert f"✓ {data / 'entries.db'}: the marker that makes an older mindpane refuse this dir" in out
    assert "✓ no plain leftovers (chroma/, history.db, entries.db-wal)" in out
    assert ("– not checked without the passphrase: the record's integrity, schema, entries, outbox and entries "
            "the index cannot take (run `mindpane doctor` on a terminal, or set passphrase_command)") in out
    assert "chroma index" not in out and "history.db: " not in out
    assert all(secret not in out for secret in SECRETS)


def test_with_the_passphrase_it_checks_the_encrypted_record_like_a_plain_one(settings, clock, tmp_path):
    make_locked(settings, clock)
    data = settings.data_dir
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "mindpane.log"}

    code, out, _ = doctor(with_passphrase_command(settings, tmp_path))

    assert code == 0, out
    assert f"✓ {data / 'entries.locked'}: ok, schema {SCHEMA_VERSION}; 2 entries, 0 deleted, 1 in the outbox" in out
    assert "✓ every page of the encrypted record passes its authentication check" in out
    assert "✓ outbox: 1 turn waiting" in out
    assert "not checked without the passphrase" not in out and "chroma" not in out.replace("chroma/,", "")
    after = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file() and p.name != "mindpane.log"}
    assert after == before
    assert all(secret not in out for secret in SECRETS)


def test_a_wrong_passphrase_from_the_command_is_said_and_the_structure_still_checked(settings, clock, tmp_path):
    make_locked(settings, clock)

    code, out, err = doctor(with_passphrase_command(settings, tmp_path, "not the passphrase"))

    assert code == 1 and "Traceback" not in out + err
    assert "✗ the journal could not be unlocked: " in out
    assert f"✓ {settings.data_dir / 'journal.key'}: readable and well-formed" in out
    assert "– not checked without the passphrase" in out


def test_a_damaged_or_missing_key_file_is_named_and_nothing_is_changed(settings, clock):
    make_locked(settings, clock)
    key_file = settings.data_dir / "journal.key"
    key_file.write_bytes(b"{not json")
    record = (settings.data_dir / "entries.locked").read_bytes()

    code, out, _ = doctor(settings, "--no-passphrase")

    assert code == 1
    assert f"✗ The key file {key_file} is damaged — fix: restore journal.key from a backup" in out
    key_file.unlink()
    code, out, _ = doctor(settings, "--no-passphrase")
    assert code == 1 and f"✗ This journal is locked but its key file {key_file} is missing" in out
    assert (settings.data_dir / "entries.locked").read_bytes() == record


def test_plain_leftovers_and_a_missing_marker_are_failures(settings, clock):
    make_locked(settings, clock)
    data = settings.data_dir
    (data / "chroma").mkdir(mode=0o700)
    (data / "history.db").write_bytes(b"")
    os.chmod(data / "history.db", 0o600)

    code, out, _ = doctor(settings, "--no-passphrase")

    assert code == 1
    assert f"✗ plain files beside a locked journal: {data / 'chroma'}, {data / 'history.db'}" in out
    (data / "entries.db").unlink()
    code, out, _ = doctor(settings, "--no-passphrase")
    assert f"✗ {data / 'entries.db'} (the marker that makes an older mindpane refuse this dir) is missing" in out


def entries_page(record, key, needle: str) -> int:
    from tui.adapters.cipher_pages import PAGE_SIZE, decrypt_pages

    image = decrypt_pages(record, key).image
    return image.index(needle.encode()) // PAGE_SIZE + 1


def test_repair_reads_back_a_damaged_encrypted_record_and_keeps_every_copy_encrypted(settings, clock, tmp_path):
    from tui.adapters.cipher_db import is_locked_file
    from tui.adapters.cipher_pages import PAGE_SIZE
    from tui.adapters.record_db import RecordDB

    settings.data_dir.mkdir(mode=0o700)
    key = create_key(settings.data_dir / "journal.key", PASSPHRASE, FAST)
    journal = open_journal(settings.data_dir, embedder_factory(settings), clock, key=key)
    try:
        for n in range(60):
            clock.advance(hours=3)
            journal.add_entry(JOURNAL, f"Entry-{n:03d}: a long day at the allotment, " + "weeding " * 30)
    finally:
        journal.close()
    record = settings.data_dir / "entries.locked"
    page = entries_page(record, key, "Entry-031: ")
    damaged = bytearray(record.read_bytes())
    damaged[(page - 1) * PAGE_SIZE + 300] ^= 0x01  # one flipped bit: that page fails its HMAC
    record.write_bytes(bytes(damaged))

    code, out, _ = doctor(with_passphrase_command(settings, tmp_path))
    assert code == 1 and f"✗ {record} is damaged (" in out

    code, out, err = doctor(with_passphrase_command(settings, tmp_path), "--repair")

    assert "Traceback" not in out + err
    moved = sorted(settings.data_dir.glob("entries.locked.corrupt-*"))
    assert len(moved) == 1 and f"✓ moved {record} aside to {moved[0]}" in out
    assert is_locked_file(moved[0]) and moved[0].read_bytes() == bytes(damaged)  # kept as it was: encrypted
    assert "read back " in out and f"entries from {moved[0]}" in out
    again = RecordDB(record, key=key)
    try:
        back = again.count("journal")
    finally:
        again.close()
    assert 45 <= back < 60  # every entry on an intact page came back; those on the damaged one did not
    assert f"✗ {60 - back} of 60 entries could not be read back from {moved[0]}" in out
    assert f"✓ {record}: ok, schema {SCHEMA_VERSION}; {back} entries" in out.split("after repair:")[1]
    code, out, _ = doctor(with_passphrase_command(settings, tmp_path))  # the copy is read with the key
    assert f"✗ copy moved aside by repair on {datetime.now():%Y-%m-%d}" in out
    assert f"{moved[0]} ({len(damaged)} bytes), 60 entries" in out
    assert f"{60 - back} of them not in entries.locked" in out
    for path in settings.data_dir.rglob("*"):  # nothing written in clear
        assert not path.is_file() or b"Entry-0" not in path.read_bytes(), path
    assert not (settings.data_dir / "chroma").exists() and not (settings.data_dir / "history.db").exists()


def test_repair_of_a_locked_journal_without_its_passphrase_changes_nothing(settings, clock):
    make_locked(settings, clock)
    before = sorted(p.name for p in settings.data_dir.iterdir())

    code, out, err = doctor(settings, "--repair", "--no-passphrase")

    assert code == 1 and "Traceback" not in out + err
    assert ("✗ repairing a locked journal needs its passphrase: nothing was changed — fix: run `mindpane doctor "
            "--repair` on a terminal, or set passphrase_command") in out
    assert sorted(p.name for p in settings.data_dir.iterdir()) == before
    (settings.data_dir / "journal.key").unlink()
    code, out, _ = doctor(settings, "--repair")
    key_file = settings.data_dir / "journal.key"
    assert code == 1 and f"✗ This journal is locked but its key file {key_file} is missing" in out
    assert "nothing was changed" in out and (settings.data_dir / "entries.locked").is_file()


def test_on_a_terminal_doctor_asks_for_the_passphrase_and_checks_the_record(settings, clock, cli_env):
    import fcntl
    import pty
    import signal
    import subprocess
    import termios
    from pathlib import Path

    from tests.pty_support import read_for

    make_locked(settings, clock)
    master, slave = pty.openpty()

    def own_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # /dev/tty is this pty: where the passphrase is asked

    run = subprocess.Popen([sys.executable, "-m", "tui", "doctor"], stdin=slave, stdout=slave, stderr=slave,
                           env={**cli_env, "PYTHONPATH": str(Path(__file__).parents[2])}, start_new_session=True,
                           preexec_fn=own_terminal)
    os.close(slave)
    try:
        seen = read_for(master, 60, b"Passphrase for the journal")
        os.write(master, PASSPHRASE.encode() + b"\n")
        seen = read_for(master, 60, b"stray settings", seen)
        run.wait(60)
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            run.wait(30)
        os.close(master)
    screen = seen.decode("utf-8", "replace")
    assert "Traceback" not in screen and PASSPHRASE not in screen  # not echoed
    assert f"✓ {settings.data_dir / 'entries.locked'}: ok, schema {SCHEMA_VERSION}; 2 entries" in screen
    assert run.returncode == 0, screen
