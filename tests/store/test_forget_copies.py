"""Forget erases an entry from every copy mindpane made, not only the live files: ``doctor --repair``
moves damaged files aside (``<name>.corrupt-<stamp>``) and they hold the text of every entry they
held. After a forget no byte of the entry's text (nor its id) is left anywhere under the data dir;
a copy the entry could not be erased from inside is deleted, and the forget says so. ``doctor``
lists such copies: where, what they hold, since when."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from tests.app.test_tui_history import HistoryApp, open_newest_entry, seed, settle
from tests.store.test_doctor import doctor
from tests.tui_support import notified
from tui.adapters import eraser
from tui.adapters.record_salvage import read_record_rows
from tui.domain.modes import CODE, JOURNAL
from tui.services.engine import open_store
from tui.services.workspace import Workspace

pytestmark = pytest.mark.usefixtures("keep_umask")

MARKER = "quokkamarker5d1e77"
FIRST = f"On the ferry a {MARKER} looked at me as if it knew."
EDITED = f"On the ferry a {MARKER} looked at me as if it knew my name."


def fill(settings, clock) -> tuple[str, list[str]]:
    """Four entries, one of them (the doomed one) edited; returns its id and the needles to look for."""
    store = open_store(settings, clock)
    try:
        for n in range(3):
            clock.advance(hours=5)
            store.add_entry(JOURNAL, f"Day {n}: repaired the fence and painted the gate.", f"Reply {n}.")
        clock.advance(hours=5)
        doomed = store.add_entry(JOURNAL, FIRST, "What a curious animal.")
        clock.advance(minutes=3)
        store.update_text(doomed.id, EDITED)
        store.add_entry(CODE, "How do I sort a dict by value?", "sorted(d.items(), key=lambda kv: kv[1])")
    finally:
        store.close()
    return doomed.id, [MARKER, FIRST, EDITED, "What a curious animal."]  # its id stays in Chroma's log, by design


def garble_header(path: Path) -> None:
    """SQLite no longer recognises the file ("file is not a database"); every page keeps its bytes."""
    data = bytearray(path.read_bytes())
    data[:100] = b"\x5a" * 100
    path.write_bytes(bytes(data))


def garble_page(path: Path, index: str) -> None:
    """One page of an index is garbage: the file is damaged, the table rows are intact."""
    with sqlite3.connect(path) as db:
        page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
    data = bytearray(path.read_bytes())
    data[(page - 1) * 4096:page * 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(data))


def moved_on(copy: Path) -> str:
    """When repair moved ``copy`` aside, as doctor shows it (the stamp in its name)."""
    stamp = datetime.strptime(copy.name.split(".corrupt-")[1][:15], "%Y%m%d-%H%M%S")
    return f"{stamp:%Y-%m-%d %H:%M}"


def size_of(copy: Path) -> int:
    """A moved SQLite file with the -wal/-shm/-journal files that moved with it."""
    return sum(p.stat().st_size for p in copy.parent.glob(f"{copy.name}*"))


def copies(data_dir: Path, name: str) -> list[Path]:
    return [p for p in data_dir.glob(f"{name}.corrupt-*") if not p.name.endswith(("-wal", "-shm", "-journal"))]


def forget(settings, clock, memory_id: str):
    store = open_store(settings, clock)
    try:
        return store.forget([memory_id])
    finally:
        store.close()


def test_forget_after_repair_moved_a_damaged_history_aside_leaves_no_byte_of_the_entry(settings, clock):
    """The issue's case: history.db damaged, repaired (moved aside), then the entry forgotten."""
    doomed, needles = fill(settings, clock)
    history = settings.data_dir / "history.db"
    garble_header(history)
    code, out, err = doctor(settings, "--repair")
    assert code == 0, out + err
    [moved] = copies(settings.data_dir, "history.db")
    assert {hit.path for hit in eraser.find_text(settings.data_dir, [MARKER])} >= {moved}

    code, out, _ = doctor(settings)
    assert (f"✓ copy moved aside by repair on {moved_on(moved)}: {moved} ({size_of(moved)} bytes), "
            "the change history of 5 entries") in out

    result = forget(settings, clock, doomed)

    assert result.count == 1
    assert eraser.find_text(settings.data_dir, needles) == []
    assert not moved.exists()  # it held the entry's rows; SQLite could not open it to erase them
    assert result.notes == (f"{moved} (a damaged copy repair had moved aside) was deleted: the entry could not "
                            "be erased inside it",)


def test_forget_erases_the_entry_from_a_moved_record_and_index_and_keeps_the_rest_of_the_copy(settings, clock):
    doomed, needles = fill(settings, clock)
    garble_page(settings.data_dir / "entries.db", "entry_by_date")
    garble_header(settings.data_dir / "chroma" / "chroma.sqlite3")
    code, out, err = doctor(settings, "--repair")
    assert code == 0, out + err
    [record_copy], [index_copy] = copies(settings.data_dir, "entries.db"), copies(settings.data_dir, "chroma")

    code, out, _ = doctor(settings)
    day = moved_on(record_copy)
    assert (f"✓ copy moved aside by repair on {day}: {record_copy} ({size_of(record_copy)} bytes), "
            "5 entries (2026-11-20 … 2026-11-21), all of them in entries.db") in out
    index_bytes = sum(p.stat().st_size for p in index_copy.rglob("*") if p.is_file())
    assert f"✓ copy moved aside by repair on {day}: {index_copy} ({index_bytes} bytes), a search index" in out

    result = forget(settings, clock, doomed)

    assert eraser.find_text(settings.data_dir, needles) == []
    assert eraser.find_text(record_copy.parent, [doomed]) == [] or all(
        hit.path.is_relative_to(settings.data_dir / "chroma") for hit in eraser.find_text(settings.data_dir, [doomed]))
    assert not index_copy.exists()
    left = read_record_rows(record_copy)  # the copy keeps every other entry, readable
    assert sorted(row[2] for row in left.entries.values()) == [
        "Day 0: repaired the fence and painted the gate.", "Day 1: repaired the fence and painted the gate.",
        "Day 2: repaired the fence and painted the gate.", "How do I sort a dict by value?"]
    assert set(result.notes) == {
        f"{index_copy} (a damaged copy repair had moved aside) was deleted: a search index cannot be erased "
        "entry by entry (it is rebuilt from entries.db)",
        f"{record_copy} (a damaged copy repair had moved aside) was rewritten from what could be read of it, "
        "without the entry"}


def test_a_moved_copy_holding_entries_the_record_lacks_is_not_reported_as_fine(settings, clock):
    fill(settings, clock)
    record = settings.data_dir / "entries.db"
    garble_page(record, "entry_by_date")
    code, _, _ = doctor(settings, "--repair")
    assert code == 0
    [moved] = copies(settings.data_dir, "entries.db")
    store = open_store(settings, clock)
    try:
        gone = store.record.page(JOURNAL.name, 0, 1).records[0]
        store._record.erase([gone.id])  # as if the repair had not got it back
    finally:
        store.close()

    code, out, _ = doctor(settings)

    assert code == 1
    assert f"✗ copy moved aside by repair on {moved_on(moved)}: {moved}" in out
    assert "5 entries (2026-11-20 … 2026-11-21), 1 of them not in entries.db — fix: keep it" in out


async def test_the_forget_notification_says_a_damaged_copy_was_deleted(settings, clock):
    workspace = Workspace(settings, clock=clock)
    workspace.open()
    try:
        seed(workspace, JOURNAL, ["keep this one", f"forget this {MARKER} one"])
    finally:
        workspace.close()
    garble_header(settings.data_dir / "history.db")
    assert doctor(settings, "--repair")[0] == 0
    [moved] = copies(settings.data_dir, "history.db")

    workspace = Workspace(settings, clock=clock)
    workspace.open()
    try:
        app = HistoryApp(workspace)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_newest_entry(app, pilot)
            await pilot.press("f", "y")
            await settle(app, pilot)
            notes = notified(app)
    finally:
        workspace.close()
    assert any(note.startswith("Entry forgotten: erased from the disk.") and f"{moved} (a damaged copy" in note
               for note in notes), notes
    assert eraser.find_text(settings.data_dir, [MARKER]) == []
