"""The check after a record is copied (``mindpane lock`` / ``unlock --permanently``) compares every
table the record has, so a copy that lost or changed any row is never swapped in."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

import pytest

from tui.adapters import record_copy
from tui.adapters.record_db import RecordDB
from tui.domain.errors import StoreError
from tui.domain.records import MemoryRecord

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("table", ["entry", "sync_entry", "meta"])
def test_a_copy_that_differs_in_any_table_fails_the_check(tmp_path, table):
    source, target = tmp_path / "entries.db", tmp_path / "copy"
    record = RecordDB(source)
    record.insert(MemoryRecord("e1", "a line", "journal", AT, AT, "", {}))
    record.close()
    with sqlite3.connect(source) as raw:
        raw.execute("INSERT INTO sync_entry (entry_id, version, hashes) VALUES ('e1', 1, '{}')")
    key = os.urandom(32)
    record_copy.export(source, None, target, key)
    record_copy.verify(source, None, target, key)  # a true copy passes
    changed = {"entry": "UPDATE entry SET reply = 'changed'", "meta": "INSERT INTO meta VALUES ('x', 'y')",
               "sync_entry": "UPDATE sync_entry SET version = 2"}[table]
    copy = record_copy.connect(target, key)
    copy.execute(changed)
    copy.commit()
    copy.close()
    with pytest.raises(StoreError, match=table):
        record_copy.verify(source, None, target, key)
