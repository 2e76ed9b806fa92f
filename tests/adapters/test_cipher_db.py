"""A locked journal's SQLite files (#20): SQLCipher under the raw data key."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tui.adapters.cipher_db import connect_locked, is_locked_file
from tui.domain.errors import KeyFileError

MARKER = "Marker-7f3a: wrote about the quarrel with my brother"


def _every_byte(directory) -> bytes:
    return b"".join(path.read_bytes() for path in directory.iterdir() if path.is_file())


def test_what_is_written_is_in_no_file_and_reads_back_with_the_key(tmp_path):
    key = os.urandom(32)
    path = tmp_path / "entries.db"
    db = connect_locked(path, key, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE entry (text TEXT)")
    db.execute("CREATE VIRTUAL TABLE entry_fts USING fts5(text)")
    db.execute("INSERT INTO entry VALUES (?)", (MARKER,))
    db.execute("INSERT INTO entry_fts VALUES (?)", (MARKER,))
    on_disk_while_open = _every_byte(tmp_path)  # the WAL and its index included
    db.close()

    for encoded in (MARKER.encode(), MARKER.encode("utf-16-le"), b"quarrel"):
        assert encoded not in on_disk_while_open and encoded not in _every_byte(tmp_path)
    assert is_locked_file(path)
    again = connect_locked(path, key)
    try:
        assert again.execute("SELECT text FROM entry_fts WHERE entry_fts MATCH 'quarrel'").fetchall() == [(MARKER,)]
    finally:
        again.close()


def test_a_wrong_key_is_named_and_sqlcipher_prints_nothing(tmp_path, capfd):
    path = tmp_path / "entries.db"
    connect_locked(path, os.urandom(32)).execute("CREATE TABLE t (x)").connection.commit()

    with pytest.raises(KeyFileError) as caught:
        connect_locked(path, os.urandom(32))
    assert "does not open with this journal's key" in caught.value.message
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # "ERROR CORE … hmac check failed" would tear the screen


def test_a_plain_record_is_told_from_a_locked_one(tmp_path):
    plain = tmp_path / "plain.db"
    with sqlite3.connect(plain) as db:
        db.execute("CREATE TABLE t (x)")
    assert not is_locked_file(plain)
    with pytest.raises(ValueError):
        connect_locked(tmp_path / "x.db", b"short")
