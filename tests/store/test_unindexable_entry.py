"""An entry the record holds but the index cannot take (metadata an older mindpane let in, written
here straight into entries.db) never locks the person out: the store, the app, doctor and later
imports all open; the entry is skipped in the index, named by doctor, and the rest works."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from tests.store.test_doctor import doctor
from tests.store.test_export_import import cli, records_of
from tests.tui_support import SIZE, make_app, settle
from tui.domain.modes import JOURNAL
from tui.domain.records import content_key
from tui.screens.store_error_screen import StoreErrorScreen
from tui.services.engine import open_store

pytestmark = pytest.mark.usefixtures("keep_umask")

PLANTED_AT = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
BAD_METADATA = {
    "an empty list": '{"tags": [], "mode": "journal"}',
    "a nested object": '{"where": {"city": "Oslo"}, "mode": "journal"}',
    "an empty key": '{"": 1, "mode": "journal"}',
    "NaN in a list (it would break Chroma for good)": '{"scores": [NaN], "mode": "journal"}',
}


def plant(settings, clock, metadata: str) -> str:
    """A good entry stored as usual, then a bad one written into entries.db as an old version would
    have (the store closed meanwhile). Returns the bad entry's id."""
    store = open_store(settings, clock)
    try:
        store.add_entry(JOURNAL, "Walked along the harbour in the rain.", "Sounds calm.")
    finally:
        store.close()
    text, at = "Took the night train to Oslo.", PLANTED_AT.isoformat()
    with sqlite3.connect(settings.data_dir / "entries.db") as db:
        db.execute("INSERT INTO entry (id, mode, text, reply, created_at, updated_at, metadata, content_key) "
                   "VALUES (?, 'journal', ?, '', ?, ?, ?, ?)",
                   ("planted-1", text, at, at, metadata, content_key("journal", PLANTED_AT, text)))
    return "planted-1"


@pytest.mark.parametrize("case", BAD_METADATA, ids=list(BAD_METADATA))
def test_the_store_opens_and_everything_else_works(settings, clock, tmp_path, case):
    bad_id = plant(settings, clock, BAD_METADATA[case])

    store = open_store(settings, clock)
    try:
        assert store.record.count("journal") == 2
        assert store.recall("harbour in the rain", JOURNAL, k=1)[0].record.text.startswith("Walked along")
        assert store.recall("night train to Oslo", JOURNAL, k=1)[0].record.id == bad_id  # the record's vectors
        added = store.add_entry(JOURNAL, "Bought a new umbrella.")
        assert store.recall("umbrella", JOURNAL, k=1)[0].record.id == added.id
        store.attach_reply(bad_id, "Did you sleep on the train?")
        store.update_text(bad_id, "Took the night train to Oslo, slept well.")
        store.delete(bad_id)
        assert store.record.count("journal") == 2
        assert store.undo(mode_name="journal") is not None  # the delete, undone
        assert store.record.get(bad_id).text == "Took the night train to Oslo, slept well."
        assert store.forget([bad_id]).count == 1
        assert store.record.get(bad_id) is None and store.record.count("journal") == 2
    finally:
        store.close()
    store = open_store(settings, clock)  # and again, with nothing left to heal
    store.close()

    later = tmp_path / "later.json"
    later.write_text(json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "journal", "text": "Imported after.", "created_at": "2025-07-01T10:00:00+00:00"}]}), encoding="utf-8")
    code, out, err = cli(settings, "import", str(later))
    assert code == 0 and "imported 1 entry" in out, err
    assert len(records_of(settings.data_dir)) == 3


def test_doctor_names_the_entry_the_index_cannot_take_and_repair_keeps_it(settings, clock):
    bad_id = plant(settings, clock, BAD_METADATA["an empty list"])
    open_store(settings, clock).close()  # the index followed the record, without that entry

    code, out, _ = doctor(settings)

    assert code == 1
    line = next(line for line in out.splitlines() if bad_id in line)
    assert line.startswith("✗") and "journal" in line and "2025-06-01" in line and '"metadata.tags"' in line
    assert "Oslo" not in out  # entry text is never shown
    assert not any("does not match" in line for line in out.splitlines()), out

    code, out, err = doctor(settings, "--repair")
    assert "Traceback" not in out + err
    assert sorted(row[1] for row in records_of(settings.data_dir)) == [
        "Took the night train to Oslo.", "Walked along the harbour in the rain."]
    code, out, _ = doctor(settings)  # still named, and nothing else is wrong
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("✗")] == [line]


async def test_the_app_opens_over_a_record_holding_such_an_entry(settings, clock):
    plant(settings, clock, BAD_METADATA["a nested object"])

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        assert not isinstance(app.screen, StoreErrorScreen)
        assert app.workspace.ready
        assert "2 entries" in str(app.screen.history.query_one(".history-title", Static).content)
