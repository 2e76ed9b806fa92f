"""Locking a plain journal, unlocking it for good, a new locked one and a new passphrase (#20): the
switch is whole or not at all, whatever stops it, and no byte of an entry stays in clear."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.byte_scan import files_holding
from tests.paths import REPO
from tui.adapters.draft_file import DRAFT_FILE, LOCKED_DRAFT_FILE, read_draft, read_locked_draft, write_draft
from tui.adapters.key_file import KEY_FILE, KdfParams, unlock_key
from tui.adapters.locked_layout import LOCKED_RECORD, is_locked, is_marker
from tui.adapters.outbox_file import open_record
from tui.adapters.record_db import SCHEMA_VERSION, RecordDB
from tui.adapters.store_lock import StoreLock
from tui.adapters.store_switch import SWITCH_FILE
from tui.domain.drafts import Draft
from tui.domain.errors import DiskFull, KeyFileError, StoreError, StoreLocked, WrongPassphrase
from tui.domain.modes import builtin_modes
from tui.domain.records import MemoryRecord
from tui.services import locking
from tui.services.engine import embedder_factory, open_journal

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
JOURNAL = builtin_modes()["journal"]
TEXTS = [f"Marker-7e{n:02d}: the secret about the garden shed number {n}" for n in range(30)]


def _plain_journal(data_dir: Path, texts=TEXTS) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    record = RecordDB(data_dir / "entries.db")
    try:
        for n, text in enumerate(texts):
            record.insert(MemoryRecord(f"e{n}", text, "journal", AT, AT, f"A reply to {n}.", {}))
        record.put_pending("turn-x", "journal", "Marker-7eff: waiting in the outbox", AT)
        record.pin("e1", AT)
    finally:
        record.close()


def _texts(record: RecordDB) -> set[str]:
    return {entry.text for batch in record.alive("journal") for entry in batch}


def _hits(directory: Path, needle: str = "Marker-7e") -> list[str]:
    return files_holding(directory, needle)


def _fingerprint(data_dir: Path) -> dict[str, str]:
    """Every file's bytes, but the lock file's and SQLite's own side files when they hold nothing of
    the record (an empty WAL and its index, made by any reader of a WAL-mode file)."""
    return {str(path.relative_to(data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(data_dir.rglob("*")) if path.is_file() and path.name != "mindpane.lock"
            and not path.name.endswith("-shm") and not (path.name.endswith("-wal") and not path.stat().st_size)}


def test_locking_keeps_every_entry_readable_with_the_passphrase_and_none_in_clear(data_dir):
    _plain_journal(data_dir)
    (data_dir / "mindpane.log").write_text("INFO opened; Marker-7e03 quoted in a log line\n")
    (data_dir / "history.db.corrupt-20260101-101010").write_bytes(b"Marker-7e04 in a moved copy")
    locking.lock_store(data_dir, PASSPHRASE, FAST)

    assert is_locked(data_dir) and is_marker(data_dir / "entries.db")
    assert _hits(data_dir) == [] and not (data_dir / SWITCH_FILE).exists()
    assert sorted(p.name for p in data_dir.iterdir()) == sorted([LOCKED_RECORD, "entries.db", KEY_FILE,
                                                                 "mindpane.lock"])
    record = open_record(data_dir, unlock_key(data_dir / KEY_FILE, PASSPHRASE))
    try:
        assert _texts(record) == set(TEXTS)
        assert [p.turn_id for p in record.pending()] == ["turn-x"] and record.pinned_ids() == {"e1"}
        assert [change.kind for change in record.changes()] == ["pin"]
    finally:
        record.close()


def test_unlocking_for_good_gives_the_plain_journal_back_and_recall_works_again(settings, clock):
    journal = open_journal(settings.data_dir, embedder_factory(settings), clock)
    try:
        journal.add_entry(JOURNAL, "Marker-7e90: planted tulip bulbs along the fence")
        journal.add_entry(JOURNAL, "Marker-7e91: my sister called about the wedding")
    finally:
        journal.close()
    assert (settings.data_dir / "chroma").exists()
    locking.lock_store(settings.data_dir, PASSPHRASE, FAST)
    assert not (settings.data_dir / "chroma").exists() and not (settings.data_dir / "history.db").exists()
    assert _hits(settings.data_dir) == []

    locking.unlock_permanently(settings.data_dir, PASSPHRASE)

    assert not is_locked(settings.data_dir)
    assert not (settings.data_dir / KEY_FILE).exists() and not (settings.data_dir / LOCKED_RECORD).exists()
    again = open_journal(settings.data_dir, embedder_factory(settings), clock)
    try:  # the Chroma index is rebuilt from the record
        assert again.recall("flowers in the garden", JOURNAL, k=1)[0].record.text.startswith("Marker-7e90")
    finally:
        again.close()


def test_a_wrong_passphrase_for_unlocking_or_changing_leaves_every_byte_as_it_was(data_dir):
    _plain_journal(data_dir)
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    before = _fingerprint(data_dir)
    with pytest.raises(WrongPassphrase):
        locking.unlock_permanently(data_dir, "not it")
    with pytest.raises(WrongPassphrase):
        locking.change_passphrase(data_dir, "not it", "new one", FAST)
    assert _fingerprint(data_dir) == before


def test_changing_the_passphrase_rewraps_the_key_and_leaves_the_record_untouched(data_dir):
    _plain_journal(data_dir)
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    record_before = (data_dir / LOCKED_RECORD).read_bytes()
    key = unlock_key(data_dir / KEY_FILE, PASSPHRASE)

    locking.change_passphrase(data_dir, PASSPHRASE, "a new phrase", FAST)

    assert (data_dir / LOCKED_RECORD).read_bytes() == record_before
    assert unlock_key(data_dir / KEY_FILE, "a new phrase") == key
    with pytest.raises(WrongPassphrase):
        unlock_key(data_dir / KEY_FILE, PASSPHRASE)


@pytest.mark.parametrize("passphrase", ["x" * 10_240, "caf\u00e9 \u00fcber \u65e5\u8a18"], ids=["10kb", "non-ascii"])
def test_a_10_kb_or_non_ascii_passphrase_locks_and_unlocks(data_dir, passphrase):
    _plain_journal(data_dir)
    locking.lock_store(data_dir, unicodedata.normalize("NFC", passphrase), FAST)
    # typed on a keyboard that sends the decomposed form (NFD): the same passphrase
    locking.unlock_permanently(data_dir, unicodedata.normalize("NFD", passphrase))
    record = open_record(data_dir)
    try:
        assert _texts(record) == set(TEXTS)
    finally:
        record.close()


def test_an_empty_passphrase_is_refused_and_nothing_changes(data_dir):
    _plain_journal(data_dir)
    before = _fingerprint(data_dir)
    with pytest.raises(WrongPassphrase, match="empty passphrase"):
        locking.lock_store(data_dir, "", FAST)
    assert _fingerprint(data_dir) == before and not is_locked(data_dir)


def test_a_running_mindpane_or_a_second_lock_makes_it_refuse(data_dir):
    _plain_journal(data_dir)
    other = StoreLock(data_dir)
    other.acquire()
    try:
        before = _fingerprint(data_dir)
        with pytest.raises(StoreLocked, match="Another mindpane"):
            locking.lock_store(data_dir, PASSPHRASE, FAST)
        assert _fingerprint(data_dir) == before
    finally:
        other.release()


def test_locking_twice_or_locking_nothing_is_refused(data_dir, tmp_path):
    with pytest.raises(StoreError, match="no journal"):
        locking.lock_store(tmp_path / "empty", PASSPHRASE, FAST)
    _plain_journal(data_dir)
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    with pytest.raises(StoreError, match="already locked"):
        locking.lock_store(data_dir, PASSPHRASE, FAST)


def test_a_missing_or_damaged_key_file_is_said_and_the_record_untouched(data_dir):
    _plain_journal(data_dir)
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    record = (data_dir / LOCKED_RECORD).read_bytes()
    (data_dir / KEY_FILE).write_text("{not json")
    with pytest.raises(KeyFileError, match="damaged"):
        locking.unlock_permanently(data_dir, PASSPHRASE)
    (data_dir / KEY_FILE).unlink()
    with pytest.raises(KeyFileError, match="missing"):
        locking.unlock_permanently(data_dir, PASSPHRASE)
    with pytest.raises(KeyFileError, match="missing"):
        locking.change_passphrase(data_dir, PASSPHRASE, "new", FAST)
    assert (data_dir / LOCKED_RECORD).read_bytes() == record


def test_a_new_locked_journal_is_made_empty_and_refused_where_a_journal_is(data_dir, settings, clock):
    key = locking.init_locked(data_dir, PASSPHRASE, FAST)
    assert is_locked(data_dir) and unlock_key(data_dir / KEY_FILE, PASSPHRASE) == key
    journal = open_journal(data_dir, embedder_factory(settings), clock, key=key)
    try:
        journal.add_entry(JOURNAL, "Marker-7e80: the first locked entry")
    finally:
        journal.close()
    assert _hits(data_dir) == []
    with pytest.raises(StoreError, match="already"):
        locking.init_locked(data_dir, PASSPHRASE, FAST)


def test_create_locked_is_wanted_only_for_a_new_data_dir(settings):
    from dataclasses import replace

    wanting = replace(settings, create_locked=True)
    assert locking.wants_new_locked_journal(wanting) and not locking.wants_new_locked_journal(settings)
    locking.create_locked_journal(wanting, PASSPHRASE, FAST)
    assert is_locked(settings.data_dir) and not locking.wants_new_locked_journal(wanting)


def test_a_full_disk_is_refused_before_anything_is_written(small_disk):
    data_dir = small_disk / "data"
    _plain_journal(data_dir, [f"Marker-7e{n:04d} " + "a long day " * 400 for n in range(300)])
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 8 * 1024 * 1024 - 512 * 1024))  # room for the reserve, not a copy
    before = _fingerprint(data_dir)
    with pytest.raises(DiskFull, match="Disk full"):
        locking.lock_store(data_dir, PASSPHRASE, FAST)
    assert _fingerprint(data_dir) == before


# -- kills and a disk filling behind the check: in a child process -----------------------------------

_CHILD = """
import resource, sys
from pathlib import Path
from tui.adapters.draft_file import DRAFT_FILE, LOCKED_DRAFT_FILE, read_draft, read_locked_draft, write_draft
from tui.adapters.key_file import KdfParams
from tui.services import locking
limit = int(sys.argv[3])
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
fast = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
try:
    if sys.argv[1] == "lock":
        locking.lock_store(Path(sys.argv[2]), "pp", fast)
    else:
        locking.unlock_permanently(Path(sys.argv[2]), "pp")
except Exception as exc:
    print(type(exc).__name__, exc, file=sys.stderr)
    sys.exit(1)
"""


def _switch_in_child(what: str, data_dir: Path, stop_at: str = "", fsize_limit: int = 0):
    env = {**os.environ, "PYTHONPATH": str(REPO), "MINDPANE_TEST_STOP_AT": stop_at}
    return subprocess.run([sys.executable, "-c", _CHILD, what, str(data_dir), str(fsize_limit)], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def _whole_plain_or_whole_locked(data_dir: Path) -> str:
    """Open as the next mindpane would (finishing or undoing the switch): every entry there, in one
    form; a locked journal keeps no entry text in clear."""
    locked = is_locked(data_dir)
    record = open_record(data_dir, unlock_key(data_dir / KEY_FILE, "pp") if locked else None)
    try:
        assert _texts(record) == set(TEXTS) and len(record.pending()) == 1
    finally:
        record.close()
    assert not (data_dir / SWITCH_FILE).exists()
    leftovers = [p.name for p in data_dir.iterdir() if ".partial" in p.name or ".retired" in p.name]
    assert leftovers == []
    if locked:
        assert _hits(data_dir) == [] and is_marker(data_dir / "entries.db")
    else:
        assert not (data_dir / KEY_FILE).exists()
    return "locked" if locked else "plain"


LOCK_STEPS = ["key", "copied", "verified", "committed", "plain-overwritten", "marker", "leftovers"]


@pytest.mark.parametrize("step", LOCK_STEPS)
def test_a_kill_at_any_step_of_locking_leaves_the_plain_or_the_locked_journal_whole(data_dir, step):
    _plain_journal(data_dir)
    killed = _switch_in_child("lock", data_dir, stop_at=step)
    assert killed.returncode == 137, killed.stderr
    expected = "plain" if LOCK_STEPS.index(step) < LOCK_STEPS.index("committed") else "locked"
    assert _whole_plain_or_whole_locked(data_dir) == expected
    if expected == "plain":  # and locking again then works
        assert _switch_in_child("lock", data_dir).returncode == 0
        assert _whole_plain_or_whole_locked(data_dir) == "locked"


@pytest.mark.parametrize("step", ["copied", "verified", "retired", "committed"])
def test_a_kill_at_any_step_of_unlocking_leaves_the_locked_or_the_plain_journal_whole(data_dir, step):
    _plain_journal(data_dir)
    assert _switch_in_child("lock", data_dir).returncode == 0
    killed = _switch_in_child("unlock", data_dir, stop_at=step)
    assert killed.returncode == 137, killed.stderr
    assert _whole_plain_or_whole_locked(data_dir) == ("plain" if step == "committed" else "locked")


def test_a_disk_that_fills_while_the_copy_is_written_fails_cleanly_and_changes_nothing(data_dir):
    _plain_journal(data_dir, [f"Marker-7e{n:04d} " + "a long day " * 400 for n in range(300)])
    before = _fingerprint(data_dir)
    record_size = (data_dir / "entries.db").stat().st_size
    failed = _switch_in_child("lock", data_dir, fsize_limit=record_size // 2)  # a real limit on file size
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "Could not lock the journal" in failed.stderr and "is plain, whole" in failed.stderr
    assert _fingerprint(data_dir) == before and not is_locked(data_dir)


@pytest.fixture
def small_disk(tmp_path):
    from tests.properties.test_disk_full import _mount_small_disk, _unmount

    where = tmp_path / "small-disk"
    _mount_small_disk(where)
    try:
        yield where
    finally:
        _unmount(where)


def test_the_next_full_open_finishes_a_lock_a_kill_stopped_after_its_commit(settings, clock):
    _plain_journal(settings.data_dir)
    assert _switch_in_child("lock", settings.data_dir, stop_at="committed").returncode == 137
    assert _hits(settings.data_dir) != []  # the plain record is still there, beside the locked one

    journal = open_journal(settings.data_dir, embedder_factory(settings), clock,
                           key=unlock_key(settings.data_dir / KEY_FILE, "pp"))
    try:
        assert {e.text for e in journal.record.iter_entries()} == set(TEXTS)
    finally:
        journal.close()
    assert _hits(settings.data_dir) == [] and not (settings.data_dir / SWITCH_FILE).exists()


def test_a_draft_not_sent_yet_is_sealed_by_locking_and_opened_by_unlocking_for_good(data_dir):
    _plain_journal(data_dir)
    draft = Draft("Marker-7edd: half a thought about the shed", {"code": "Marker-7edc: a question"})
    write_draft(data_dir, draft)
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    assert not (data_dir / DRAFT_FILE).exists() and _hits(data_dir) == []
    key = unlock_key(data_dir / KEY_FILE, PASSPHRASE)
    assert read_locked_draft(data_dir, key) == draft

    locking.unlock_permanently(data_dir, PASSPHRASE)
    assert not (data_dir / LOCKED_DRAFT_FILE).exists() and read_draft(data_dir) == draft


def test_a_journal_an_older_mindpane_wrote_is_upgraded_and_locked_whole(data_dir):
    """Someone upgrades mindpane and runs ``mindpane lock`` before opening the journal once."""
    _plain_journal(data_dir)
    with sqlite3.connect(data_dir / "entries.db") as raw:  # as schema 2 left it
        for name in ("TRIGGER entry_fts_insert", "TRIGGER entry_fts_delete", "TRIGGER entry_fts_update",
                     "TABLE entry_fts", "VIEW entry_alive", "TABLE tag", "TABLE vector", "TABLE pin"):
            raw.execute(f"DROP {name}")
        raw.execute("DELETE FROM change")  # the pin it logged: schema 2 had no pins
        raw.execute("PRAGMA user_version = 2")
    locking.lock_store(data_dir, PASSPHRASE, FAST)
    record = open_record(data_dir, unlock_key(data_dir / KEY_FILE, PASSPHRASE))
    try:
        assert _texts(record) == set(TEXTS) and record.schema_version == SCHEMA_VERSION
    finally:
        record.close()


def test_a_damaged_record_is_named_and_not_locked(data_dir):
    _plain_journal(data_dir)
    (data_dir / "entries.db").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=r"entries\.db could not be opened"):
        locking.lock_store(data_dir, PASSPHRASE, FAST)
    assert not is_locked(data_dir) and not (data_dir / KEY_FILE).exists()
