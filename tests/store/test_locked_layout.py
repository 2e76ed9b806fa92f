"""How a locked data dir is laid out and told apart (#20): an older mindpane refuses it clearly,
a plain open refuses it as locked, and a missing key file is named."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tui.adapters.key_file import KdfParams, create_key
from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked, key_path
from tui.adapters.record_db import RecordDB
from tui.domain.errors import JournalLocked, KeyFileError
from tui.domain.modes import builtin_modes
from tui.services import engine

JOURNAL = builtin_modes()["journal"]
FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def _locked_journal(settings, clock, key):
    journal = engine.open_journal(settings.data_dir, engine.embedder_factory(settings), clock, key=key)
    journal.add_entry(JOURNAL, "the first locked entry")
    journal.close()


def test_a_locked_data_dir_keeps_a_marker_an_older_record_refuses_as_newer(settings, clock):
    _locked_journal(settings, clock, os.urandom(32))
    assert (settings.data_dir / LOCKED_RECORD).exists() and is_locked(settings.data_dir)
    with pytest.raises(sqlite3.DatabaseError, match="newer mindpane"):
        RecordDB(settings.data_dir / PLAIN_RECORD)  # what every mindpane before #20 opens first


def test_opening_a_locked_journal_without_its_key_says_it_is_locked(settings, clock):
    _locked_journal(settings, clock, os.urandom(32))
    with pytest.raises(JournalLocked, match="locked"):
        engine.open_outbox(settings)
    with pytest.raises(JournalLocked, match="locked"):
        engine.open_store(settings, clock)


def test_the_passphrase_gives_the_key_that_opens_the_record(settings, clock):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = create_key(key_path(settings.data_dir), "correct horse", FAST)
    _locked_journal(settings, clock, key)
    outbox = engine.open_outbox(settings, engine.unlock(settings, "correct horse"))
    try:
        assert outbox.counts().alive == 1
    finally:
        outbox.close()


def test_a_missing_key_file_is_named_and_the_record_left_as_it_was(settings, clock):
    _locked_journal(settings, clock, os.urandom(32))
    before = (settings.data_dir / LOCKED_RECORD).read_bytes()
    with pytest.raises(KeyFileError, match=r"journal\.key is missing") as raised:
        engine.unlock(settings, "anything")
    assert "backup" in raised.value.hint
    assert (settings.data_dir / LOCKED_RECORD).read_bytes() == before
