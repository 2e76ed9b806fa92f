"""The canonical record: every entry in mindpane's own SQLite file, the outbox that keeps a turn's
text from the moment it is sent, the change log with undo, and an index that heals from the record."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta

from tui.adapters.record_db import SCHEMA_VERSION
from tui.domain.modes import CODE, JOURNAL, builtin_modes
from tui.domain.records import ImportedEntry
from tui.services.engine import open_outbox, open_store
from tui.services.outbox import replay_pending


def _rows(data_dir, query, args=()):
    with sqlite3.connect(data_dir / "entries.db") as db:
        return db.execute(query, args).fetchall()


def test_each_entry_is_in_the_canonical_record_with_its_reply_dates_and_metadata(store, data_dir, clock):
    record = store.add_entry(JOURNAL, "Fed the ducks at the pond.", "How lovely.", {"model": "m:1"})

    rows = _rows(data_dir, "SELECT id, mode, text, reply, created_at, metadata FROM entry")
    assert rows == [(record.id, "journal", "Fed the ducks at the pond.", "How lovely.", clock.now.isoformat(),
                     '{"model": "m:1", "mode": "journal"}')]
    assert _rows(data_dir, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _rows(data_dir, "PRAGMA journal_mode") == [("wal",)]


def test_a_turn_in_the_outbox_is_stored_once_however_often_it_is_replayed(settings, clock):
    outbox = open_outbox(settings)
    outbox.put_pending("turn-1", "journal", "Typed just before the power cut.", clock.now - timedelta(minutes=3))
    outbox.put_pending("turn-2", "code", "Why is my dict unordered?", clock.now - timedelta(minutes=2))
    outbox.close()

    for _ in range(2):
        store = open_store(settings, clock)
        try:
            replayed = replay_pending(store, builtin_modes())
            assert [p.text for p in replayed.waiting] == ["Why is my dict unordered?"]
            assert [r.text for r in store.record.page("journal").records] == ["Typed just before the power cut."]
            assert store.record.page("journal").records[0].created_at == clock.now - timedelta(minutes=3)
            assert store.record.count("code") == 0
        finally:
            store.close()


def test_storing_the_entry_of_a_pending_turn_takes_it_out_of_the_outbox_exactly_once(store, clock):
    store.record.put_pending("turn-9", "code", "What is a walrus?", clock.now)

    first = store.add_entry(CODE, "What is a walrus?", ":= assigns in an expression", turn_id="turn-9")
    again = store.add_entry(CODE, "What is a walrus?", ":= assigns in an expression", turn_id="turn-9")

    assert first.id == again.id
    assert store.record.count("code") == 1
    assert store.record.pending() == []


def test_undo_reverts_an_edit_a_delete_and_an_import(store, clock):
    kept = store.add_entry(JOURNAL, "Planted tulip bulbs by the fence.", "Spring will be bright.")
    clock.advance(minutes=1)
    store.update_text(kept.id, "Planted garlic by the fence.")
    assert store.undo(mode_name="journal").kind == "edit"
    assert store.record.get(kept.id).text == "Planted tulip bulbs by the fence."
    assert store.recall("tulips in the garden", JOURNAL, k=1)[0].record.id == kept.id

    store.delete(kept.id)
    assert store.record.get(kept.id) is None
    assert store.undo().kind == "delete"
    back = store.record.get(kept.id)
    assert (back.id, back.text, back.reply, back.created_at) == (
        kept.id, "Planted tulip bulbs by the fence.", "Spring will be bright.", kept.created_at)
    assert store.recall("tulip bulbs", JOURNAL, k=1)[0].record.id == kept.id

    store.import_entries(JOURNAL, [ImportedEntry("An imported note about kayaking.", clock.now - timedelta(days=9))])
    assert store.record.count("journal") == 2
    assert store.undo().kind == "import"
    assert store.record.count("journal") == 1
    assert all("kayak" not in r.record.text for r in store.recall("kayaking", JOURNAL, k=5))


def test_the_change_log_lists_edits_deletes_replies_and_imports_newest_first(store, clock):
    record = store.add_entry(JOURNAL, "Draft of a letter to Sam.")
    store.attach_reply(record.id, "Sounds heartfelt.")
    store.update_text(record.id, "Letter to Sam, sent.")
    store.delete(record.id)

    changes = store.record.change_lines()

    assert [c.kind for c in changes] == ["delete", "edit", "reply"]
    assert (changes[1].before.text, changes[1].after.text) == ("Draft of a letter to Sam.", "Letter to Sam, sent.")
    assert (changes[2].before.reply, changes[2].after.reply) == ("", "Sounds heartfelt.")


def test_undo_twice_walks_back_through_changes_not_back_and_forth(store):
    record = store.add_entry(JOURNAL, "one")
    store.update_text(record.id, "two")
    store.update_text(record.id, "three")

    store.undo()
    store.undo()

    assert store.record.get(record.id).text == "one"
    assert store.undo() is None


def test_a_lost_chroma_dir_is_rebuilt_from_the_record_on_open(settings, clock):
    store = open_store(settings, clock)
    record = store.add_entry(JOURNAL, "Climbed the old lighthouse stairs.", "What a view!")
    store.close()
    shutil.rmtree(settings.data_dir / "chroma")

    store = open_store(settings, clock)
    try:
        recalled = store.recall("lighthouse", JOURNAL, k=1)
        assert [(r.record.id, r.record.reply) for r in recalled] == [(record.id, "What a view!")]
    finally:
        store.close()


def test_entries_kept_only_by_an_older_install_in_chroma_are_adopted(settings, clock):
    store = open_store(settings, clock)
    record = store.add_entry(JOURNAL, "Written before the record existed.", "Noted.")
    store.close()
    (settings.data_dir / "entries.db").unlink()

    store = open_store(settings, clock)
    try:
        again = store.record.get(record.id)
        assert (again.text, again.reply, again.created_at) == (record.text, "Noted.", record.created_at)
    finally:
        store.close()
