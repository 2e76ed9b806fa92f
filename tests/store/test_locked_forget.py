"""Forget on a locked journal (#20) still erases: no byte of the entry (text, reply, older text, id)
is left in the encrypted record, even decrypted (its live tables by ``sqlcipher_export`` into a
plain copy, and every page of the file, free ones too), nor in the in-memory index, nor in a copy
``doctor --repair`` moved aside (which stays encrypted), nor in the draft file."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from tui.adapters import draft_file
from tui.adapters.cipher_db import connect_locked, is_locked_file
from tui.adapters.cipher_pages import decrypt_pages
from tui.domain.drafts import Draft
from tui.domain.modes import builtin_modes
from tui.services.engine import embedder_factory, open_journal

pytestmark = pytest.mark.usefixtures("keep_umask")

JOURNAL = builtin_modes()["journal"]
FIRST = "Marker-3c1f wrote the apology letter to Anna and burnt it"
EDITED = "Marker-3c1f wrote the apology letter to Anna and kept it"
REPLY = "Keeping-b77e it might be kinder than you think."
KEPT = "Planted tulip bulbs along the fence."


def plain_export(path, key, into) -> bytes:
    """The encrypted file's live content, exported to a plain file under ``into`` (tmp_path)."""
    plain = into / f"{path.name}.plain-export"
    db = connect_locked(path, key)
    try:
        db.execute(f"ATTACH DATABASE '{plain}' AS plaintext KEY ''")
        db.execute("SELECT sqlcipher_export('plaintext')")
        db.execute("DETACH DATABASE plaintext")
    finally:
        db.close()
    with sqlite3.connect(plain) as check:  # a real plain SQLite file
        assert check.execute("SELECT count(*) FROM entry").fetchone()[0] >= 1
    return plain.read_bytes()


def leaks(data: bytes, needles) -> list[str]:
    return [n for n in needles if n.encode() in data or n.encode("utf-16-le") in data]


def test_forget_on_a_locked_journal_leaves_no_byte_of_the_entry_decrypted_or_not(settings, clock, tmp_path):
    key, data = os.urandom(32), settings.data_dir
    journal = open_journal(data, embedder_factory(settings), clock, key=key)
    try:
        doomed = journal.add_entry(JOURNAL, FIRST, REPLY)
        journal.update_text(doomed.id, EDITED)
        kept = journal.add_entry(JOURNAL, KEPT)
    finally:
        journal.close()
    moved = data / "entries.locked.corrupt-20260101-120000"  # as repair moves a damaged record aside
    shutil.copyfile(data / "entries.locked", moved)
    os.chmod(moved, 0o600)
    draft_file.write_draft(data, Draft(prompt=f"more about {EDITED}"))
    needles = ["Marker-3c1f", "Keeping-b77e", doomed.id]

    journal = open_journal(data, embedder_factory(settings), clock, key=key)
    try:
        assert journal.recall("apology letter to Anna", JOURNAL, k=1)[0].record.id == doomed.id
        forgotten = journal.forget([doomed.id])
        assert forgotten.count == 1
        assert all(found.record.id != doomed.id for found in journal.recall("apology letter to Anna", JOURNAL, k=5))
        assert journal.history(doomed.id) == []
        assert journal.record.get(doomed.id, include_deleted=True) is None
    finally:
        journal.close()

    record = data / "entries.locked"
    assert is_locked_file(record) and leaks(record.read_bytes(), needles) == []
    assert leaks(plain_export(record, key, tmp_path), needles) == []
    assert leaks(decrypt_pages(record, key).image, needles) == []
    assert KEPT.encode() in decrypt_pages(record, key).image  # the decryption does find text
    copies = sorted(data.glob("entries.locked.corrupt-*"))
    for copy in copies:  # kept encrypted, without the entry; or deleted
        assert is_locked_file(copy) and leaks(decrypt_pages(copy, key).image, needles) == []
        assert KEPT.encode() in decrypt_pages(copy, key).image
    assert copies == [moved]
    assert all(leaks(path.read_bytes(), needles) == [] for path in data.rglob("*") if path.is_file())
    assert "Marker-3c1f" not in draft_file.read_draft(data).prompt
    assert kept.id
