"""`doctor --repair` on a damaged entries.db reads back every entry SQLite's file still holds (as
``sqlite3 .recover`` would) before anything is rebuilt, says what came back and what was lost, and
never reports ✓ for an empty journal made from a full one. The store here was used only through
`ask` (no chroma/ to rebuild from), the case that used to end in "all ✓, 0 entries"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.store.test_doctor import doctor
from tui.domain.modes import CODE, JOURNAL
from tui.services.engine import open_store

pytestmark = pytest.mark.usefixtures("keep_umask")

COUNT = 40


def ask_only_store(settings, clock) -> dict[str, tuple]:
    """Entries as `mindpane ask` stores them (index_later: no chroma/, no history.db), some long
    enough to spill onto overflow pages; returns id → (mode, text, reply, created_at)."""
    store = open_store(settings, clock, index_later=True)
    kept = {}
    try:
        for n in range(COUNT):
            clock.advance(hours=7)
            mode = CODE if n % 5 == 0 else JOURNAL
            text = f"Entry {n}: walked along the canal and thought about the week {n}."
            if n % 9 == 0:
                text += " It went on and on. " + "The water was still and grey. " * 250  # ~7.5 KB
            record = store.add_entry(mode, text, f"Reply {n}: that sounds calm.")
            kept[record.id] = (record.mode, record.text, record.reply, record.created_at)
        store.record.put_pending("turn-left", JOURNAL.name, "A question still waiting for its answer.", clock.now)
    finally:
        store.close()
    assert not (settings.data_dir / "chroma").exists()
    return kept


def pages_of(record: Path, table: str, kind: str) -> list[int]:
    with sqlite3.connect(record) as db:
        return [n for (n,) in db.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
                                          (table, kind))]


def garble(record: Path, pages: list[int], page_size: int = 4096) -> None:
    data = bytearray(record.read_bytes())
    for page in pages:
        data[(page - 1) * page_size:page * page_size] = b"\xa5" * page_size
    record.write_bytes(bytes(data))


def entries_now(settings, clock) -> dict[str, tuple]:
    store = open_store(settings, clock)
    try:
        return {r.id: (r.mode, r.text, r.reply, r.created_at) for mode in (JOURNAL, CODE)
                for r in store.record.page(mode.name, 0, 1000).records}
    finally:
        store.close()


def test_doctor_does_not_promise_a_rebuild_from_a_chroma_dir_that_does_not_exist(settings, clock):
    ask_only_store(settings, clock)
    record = settings.data_dir / "entries.db"
    garble(record, pages_of(record, "entry", "leaf")[:1])

    code, out, _ = doctor(settings)

    assert code == 1
    line = next(line for line in out.splitlines() if line.startswith(f"✗ {record} is damaged"))
    assert "from chroma/" not in line
    assert "reads back every entry it can" in line


def test_repair_reads_back_what_the_damaged_record_still_holds_and_names_what_was_lost(settings, clock):
    kept = ask_only_store(settings, clock)
    record = settings.data_dir / "entries.db"
    lost_pages = pages_of(record, "entry", "leaf")[2:4]
    garble(record, lost_pages)

    code, out, err = doctor(settings, "--repair")

    assert code == 1, out + err  # something was lost: never all ✓
    back = entries_now(settings, clock)
    assert 0 < len(back) < COUNT
    assert all(kept[memory_id] == entry for memory_id, entry in back.items())  # exactly as they were
    moved = moved_record(settings)
    lost = COUNT - len(back)
    assert f"✓ read back {len(back)} of {COUNT} entries from {moved}" in out
    assert f"✗ {lost} of {COUNT} entries could not be read back from {moved}" in out
    lost_dates = sorted(kept[i][3] for i in kept if i not in back)
    assert f"dated {lost_dates[0]:%Y-%m-%d} … {lost_dates[-1]:%Y-%m-%d}" in out
    assert "fix: keep " in out
    store = open_store(settings, clock)
    try:
        assert [p.text for p in store.record.pending()] == ["A question still waiting for its answer."]
        some = next(iter(back))
        assert store.recall(kept[some][1], store_mode(kept[some][0]), k=1)[0].record.id == some
    finally:
        store.close()


def moved_record(settings) -> Path:
    [moved] = [p for p in settings.data_dir.glob("entries.db.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    return moved


def store_mode(name: str):
    return {JOURNAL.name: JOURNAL, CODE.name: CODE}[name]


def test_a_damaged_tree_page_loses_nothing_its_leaves_still_hold(settings, clock):
    """The root page of the entry table is garbage: SQLite reaches none of its rows, yet every leaf
    page is intact; they are read as orphans and placed by the shape of their rows."""
    kept = ask_only_store(settings, clock)
    record = settings.data_dir / "entries.db"
    with sqlite3.connect(record) as db:
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'entry'").fetchone()[0]
    assert root in pages_of(record, "entry", "internal")
    garble(record, [root])

    code, out, err = doctor(settings, "--repair")

    assert entries_now(settings, clock) == kept
    assert f"✓ read back {COUNT} of {COUNT} entries" in out
    assert "could not be read back" not in out
    assert code == 0, out + err


def test_a_record_with_nothing_readable_left_is_never_reported_as_fine(settings, clock):
    ask_only_store(settings, clock)
    record = settings.data_dir / "entries.db"
    size = record.stat().st_size
    record.write_bytes(b"\x00garbage" * (size // 8))

    code, out, err = doctor(settings, "--repair")

    assert code == 1, out + err
    moved = moved_record(settings)
    assert f"✗ nothing could be read back from {moved}" in out
    assert "keep " in out


def test_entries_still_only_in_the_write_ahead_log_are_read_back_too(tmp_path, clock):
    from tui.adapters.record_db import RecordDB
    from tui.adapters.record_salvage import read_record_rows
    from tui.domain.records import MemoryRecord

    live = tmp_path / "live" / "entries.db"
    live.parent.mkdir()
    RecordDB(live).close()  # the schema is in the main file; what follows only in the -wal
    records = RecordDB(live)
    try:
        for n in range(3):
            records.insert(MemoryRecord(f"id-{n}", f"Written just before the crash, {n}.", JOURNAL.name,
                                        clock.now, clock.now))
        moved = tmp_path / "entries.db.corrupt-20261120-093000"
        moved.write_bytes(live.read_bytes())
        wal = live.with_name("entries.db-wal").read_bytes()
    finally:
        records.close()
    assert read_record_rows(moved).entries == {}  # the main file alone does not have them

    moved.with_name(moved.name + "-wal").write_bytes(wal)

    found = read_record_rows(moved)
    texts = sorted(row[2] for row in found.entries.values())
    assert texts == [f"Written just before the crash, {n}." for n in range(3)]
