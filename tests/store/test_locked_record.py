"""A locked journal's record (#20): the same record, in a SQLCipher file under the data key."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from tui.adapters.cipher_db import is_locked_file
from tui.adapters.record_db import RecordDB
from tui.domain.errors import KeyFileError
from tui.domain.records import MemoryRecord
from tui.domain.search import parse_query

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SECRET = "Marker-51c2: told nobody about the job offer in Lisbon"


def _record(memory_id: str, text: str) -> MemoryRecord:
    return MemoryRecord(memory_id, text, "journal", AT, AT, "A reply about Lisbon.", {})


def test_a_locked_record_keeps_entries_search_pins_and_the_outbox_and_no_file_holds_their_text(tmp_path):
    key = os.urandom(32)
    record = RecordDB(tmp_path / "entries.db", key=key)
    try:
        record.insert(_record("e1", SECRET))
        record.put_pending("turn-1", "journal", SECRET + " (still waiting)", AT)
        record.pin("e1", AT)
        assert [r.id for r in record.search(parse_query("lisbon"))[0]] == ["e1"]
        while_open = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    finally:
        record.close()

    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for data in (while_open, on_disk):
        assert b"Marker-51c2" not in data and "Marker-51c2".encode("utf-16-le") not in data and b"Lisbon" not in data
    assert is_locked_file(tmp_path / "entries.db")

    again = RecordDB(tmp_path / "entries.db", key=key)
    try:
        assert again.get("e1").text == SECRET and again.pinned_ids("journal") == {"e1"}
        assert [p.text for p in again.pending()] == [SECRET + " (still waiting)"]
    finally:
        again.close()


def test_a_locked_record_opened_with_another_key_or_none_is_refused_and_left_as_it_was(tmp_path):
    path = tmp_path / "entries.db"
    RecordDB(path, key=os.urandom(32)).close()
    before = path.read_bytes()

    with pytest.raises(KeyFileError):
        RecordDB(path, key=os.urandom(32))
    with pytest.raises(Exception, match="not a database"):  # the plain opener: what open_errors names
        RecordDB(path)
    assert path.read_bytes() == before
