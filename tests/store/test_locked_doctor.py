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
    size = (data / "entries.locked.db").stat().st_size

    code, out, err = doctor(settings, "--no-passphrase")

    assert code == 0, out
    assert "Traceback" not in out + err and "newer mindpane" not in out
    assert f"✓ {data} holds a locked journal (encrypted with a passphrase)" in out
    assert f"✓ {data / 'journal.key'}: readable and well-formed (Argon2id, 1 pass, 8 MiB, 1 lane)" in out
    assert f"✓ {data / 'entries.locked.db'}: encrypted, {size} bytes" in out
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
    assert f"✓ {data / 'entries.locked.db'}: ok, schema {SCHEMA_VERSION}; 2 entries, 0 deleted, 1 in the outbox" in out
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
    record = (settings.data_dir / "entries.locked.db").read_bytes()

    code, out, _ = doctor(settings, "--no-passphrase")

    assert code == 1
    assert f"✗ The key file {key_file} is damaged — fix: restore journal.key from a backup" in out
    key_file.unlink()
    code, out, _ = doctor(settings, "--no-passphrase")
    assert code == 1 and f"✗ This journal is locked but its key file {key_file} is missing" in out
    assert (settings.data_dir / "entries.locked.db").read_bytes() == record


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
