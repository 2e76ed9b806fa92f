"""Pins: a memory pinned in a mode goes into every prompt of that mode, above the recalled ones
(capped by the mode's ``pin_limit``), is marked in the receipts and the history, and can be unpinned.
Pinning is in the change log (undo), a deleted entry's pin comes back with it, forgetting erases it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.widgets import OptionList, Static

from tests.tui_support import SIZE, make_app, notified, receipts, send, settle, status_text
from tui.adapters.record_db import SCHEMA_VERSION, RecordDB
from tui.domain.modes import CODE, JOURNAL
from tui.domain.pins import PIN_GLYPH, PINNED_REASON
from tui.domain.records import ImportedEntry, MemoryRecord
from tui.screens.entry_screen import EntryScreen
from tui.services.engine import make_chat, make_turns
from tui.services.prompt import MEMORY_BLOCK_END, MEMORY_BLOCK_START, PINNED_BLOCK_END, PINNED_BLOCK_START
from tui.services.turn import Recalled
from tui.widgets.history_table import HistoryTable

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ALLERGY = "I am allergic to peanuts, always check recipes for them."
SISTER = "My sister Ana lives in Lisbon and we talk every Sunday."
LAKE = "Swam in the lake this morning, the water was cold and clear."


def seed(store, mode, texts: list[str]) -> list[MemoryRecord]:
    """Store ``texts`` one hour apart, oldest first; returns them in that order."""
    store.import_entries(mode, [ImportedEntry(text, START + timedelta(hours=i)) for i, text in enumerate(texts)])
    by_text = {record.text: record for record in store.record.iter_entries(mode.name)}
    return [by_text[text] for text in texts]


async def seed_shown(pilot, texts: list[str]) -> None:
    """Journal entries stored while the app runs, and the history showing them."""
    await settle(pilot)
    seed(pilot.app.workspace.journal, JOURNAL, texts)
    pilot.app.screen.history.reload()
    await settle(pilot)


def first_event(events):
    """The turn's first event (what was recalled), after running it to the end."""
    first, *_rest = events
    return first


def system_prompt(ollama_stub) -> str:
    return ollama_stub.chat_requests[-1]["messages"][0]["content"]


# -- the store ---------------------------------------------------------------------------------


def test_pinned_memories_are_listed_oldest_pin_first_and_can_be_unpinned(store, clock):
    allergy, sister, lake = seed(store, JOURNAL, [ALLERGY, SISTER, LAKE])
    store.pin(lake.id)
    clock.advance(minutes=1)
    store.pin(allergy.id)
    store.pin(allergy.id)  # pinning twice is pinning once

    assert [record.text for record in store.record.pinned("journal")] == [LAKE, ALLERGY]
    assert store.record.pinned_ids("journal") == {lake.id, allergy.id}
    assert store.record.pinned_ids("code") == set() and store.record.pinned("code") == []

    store.unpin(lake.id)
    store.unpin(sister.id)  # never pinned: nothing happens
    assert [record.text for record in store.record.pinned("journal")] == [ALLERGY]


def test_pin_and_unpin_are_in_the_change_log_and_undo_reverts_them(store, clock):
    allergy, sister = seed(store, JOURNAL, [ALLERGY, SISTER])
    store.pin(allergy.id)
    clock.advance(minutes=1)
    store.pin(sister.id)
    clock.advance(minutes=1)
    store.unpin(allergy.id)
    assert [change.kind for change in store.record.change_lines()[:3]] == ["unpin", "pin", "pin"]

    assert store.undo(mode_name="journal").kind == "unpin"
    # the pin comes back where it was: still the oldest
    assert [record.text for record in store.record.pinned("journal")] == [ALLERGY, SISTER]
    assert store.undo(mode_name="journal").kind == "pin"
    assert [record.text for record in store.record.pinned("journal")] == [ALLERGY]


def test_a_deleted_entry_is_not_pinned_until_undo_brings_it_back(store):
    [allergy] = seed(store, JOURNAL, [ALLERGY])
    store.pin(allergy.id)
    store.delete(allergy.id)
    assert store.record.pinned("journal") == [] and store.record.pinned_ids("journal") == set()

    store.undo(mode_name="journal")
    assert [record.text for record in store.record.pinned("journal")] == [ALLERGY]


def test_pinning_an_entry_that_is_gone_says_so(store):
    from tui.domain.errors import MemoryNotFound

    with pytest.raises(MemoryNotFound):
        store.pin("no-such-entry")


def test_forgetting_a_pinned_entry_erases_its_pin(store, data_dir):
    [allergy] = seed(store, JOURNAL, [ALLERGY])
    store.pin(allergy.id)
    store.forget([allergy.id])
    assert store.record.pinned("journal") == []
    with sqlite3.connect(data_dir / "entries.db") as raw:
        assert raw.execute("SELECT COUNT(*) FROM pin").fetchone() == (0,)
        assert raw.execute("SELECT COUNT(*) FROM change WHERE entry_id = ?", (allergy.id,)).fetchone() == (0,)


def test_a_version_3_record_opens_with_pins_and_vectors_and_its_entries(tmp_path):
    path = tmp_path / "entries.db"
    db = RecordDB(path)
    db.insert_many([MemoryRecord("old", ALLERGY, "journal", START, START)], START)
    db.close()
    with sqlite3.connect(path) as raw:  # as schema 3 left it
        raw.execute("DROP TABLE pin")
        raw.execute("DROP TABLE vector")
        raw.execute("PRAGMA user_version = 3")
    reopened = RecordDB(path)
    try:
        assert reopened.schema_version == SCHEMA_VERSION == 7
        assert reopened.get("old").text == ALLERGY
        assert reopened.pinned("journal") == []
        reopened.pin("old", START)
        assert reopened.pinned_ids("journal") == {"old"}
    finally:
        reopened.close()


def test_a_mode_sets_how_many_pins_go_into_its_prompts_in_the_config_file(tmp_path):
    from tui.services.config import load_config, load_modes

    path = tmp_path / "config.toml"
    path.write_text('[modes.journal]\npin_limit = 2\n\n[modes.code]\npin_limit = "all"\n', encoding="utf-8")
    config = load_config(path, {})

    modes = load_modes(config)
    assert (modes["journal"].pin_limit, modes["code"].pin_limit) == (2, 5)
    [problem] = config.problems
    assert problem.key == "modes.code.pin_limit" and "whole number" in str(problem)


# -- the turn and its prompt -------------------------------------------------------------------


@pytest.fixture
def turns(store, settings):
    return make_turns(store, make_chat(settings), settings)


def test_pinned_memories_go_first_in_their_own_block_above_the_recalled_ones(turns, store, ollama_stub):
    allergy, _sister, _lake = seed(store, JOURNAL, [ALLERGY, SISTER, LAKE])
    store.pin(allergy.id)
    ollama_stub.script("Noted.")

    events = list(turns.run(JOURNAL, "Another cold swim in the lake today."))

    memories = events[0].memories
    assert isinstance(events[0], Recalled)
    assert (memories[0].record.text, memories[0].score, memories[0].reason) == (ALLERGY, 1.0, PINNED_REASON)
    assert memories[0].pinned and not any(memory.pinned for memory in memories[1:])
    assert LAKE in [memory.record.text for memory in memories[1:]]
    system = system_prompt(ollama_stub)
    pinned = system.split(PINNED_BLOCK_START, 1)[1].split(PINNED_BLOCK_END, 1)[0]
    recalled = system.split(MEMORY_BLOCK_START, 1)[1].split(MEMORY_BLOCK_END, 1)[0]
    assert system.index(PINNED_BLOCK_END) < system.index(MEMORY_BLOCK_START)
    assert "pinned" in pinned and "always" in pinned
    assert f"Entry: {ALLERGY}" in pinned and ALLERGY not in recalled
    assert f"Entry: {LAKE}" in recalled


def test_a_pinned_memory_that_is_also_recalled_appears_once(turns, store, ollama_stub):
    [lake] = seed(store, JOURNAL, [LAKE])
    store.pin(lake.id)
    ollama_stub.script("Brr.")

    memories = first_event(turns.run(JOURNAL, "Swam in the lake again, cold and clear water.")).memories

    assert [(memory.record.text, memory.reason) for memory in memories] == [(LAKE, PINNED_REASON)]
    assert system_prompt(ollama_stub).count(LAKE) == 1


def test_only_pin_limit_pins_go_into_a_prompt_oldest_first(turns, store, clock, ollama_stub):
    records = seed(store, JOURNAL, [f"Pinned note number {n} about gardening." for n in range(4)])
    for record in reversed(records):  # pinned newest entry first: pin order, not entry order, counts
        store.pin(record.id)
        clock.advance(minutes=1)
    ollama_stub.script("Ok.")
    capped = replace(JOURNAL, pin_limit=2, recall_size=0)

    memories = first_event(turns.run(capped, "Unrelated words about trains.")).memories

    assert [memory.record.text for memory in memories] == [records[3].text, records[2].text]
    system = system_prompt(ollama_stub)
    assert records[1].text not in system and records[0].text not in system


def test_without_pins_the_prompt_has_no_pinned_block(turns, store, ollama_stub):
    seed(store, JOURNAL, [LAKE])
    ollama_stub.script("Ok.")
    list(turns.run(JOURNAL, "The lake was cold."))
    assert PINNED_BLOCK_START not in system_prompt(ollama_stub)


def test_a_journal_pin_never_reaches_a_code_prompt(turns, store, ollama_stub):
    [allergy] = seed(store, JOURNAL, [ALLERGY])
    store.pin(allergy.id)
    ollama_stub.script("Use a set.")

    memories = first_event(turns.run(CODE, "How do I check recipes for peanuts in a list?")).memories

    assert memories == []
    assert ALLERGY not in system_prompt(ollama_stub) and PINNED_BLOCK_START not in system_prompt(ollama_stub)


def test_leaving_a_pinned_memory_out_of_an_answer_keeps_it_out_of_that_prompt(turns, store, ollama_stub):
    [allergy] = seed(store, JOURNAL, [ALLERGY])
    store.pin(allergy.id)
    ollama_stub.script("First.")
    first = list(turns.run(JOURNAL, "Baking a cake tonight."))
    ollama_stub.script("Again.")

    again = list(turns.run(JOURNAL, "Baking a cake tonight.", entry_id=first[-1].record.id, given=[]))

    assert again[0].memories == [] and ALLERGY not in system_prompt(ollama_stub)


def test_the_pin_glyph_is_one_cell_wide():
    assert cell_len(PIN_GLYPH) == 1


# -- what a person sees --------------------------------------------------------------------------


def history_previews(app) -> list[str]:
    table = app.query_one(HistoryTable)
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


async def test_p_in_the_history_pins_the_row_and_the_next_answer_shows_it_first(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app.workspace.journal, JOURNAL, [ALLERGY, SISTER])
        app.screen.history.reload()
        await settle(pilot)
        table = app.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=1)  # newest first: the allergy note is the second row
        await pilot.press("p")
        await settle(pilot)

        assert history_previews(app)[1].startswith(f"{PIN_GLYPH} ") and PIN_GLYPH not in history_previews(app)[0]
        assert any("Pinned — goes into every Journal prompt" in note for note in notified(app))
        ollama_stub.script("Sounds lovely.")
        app.query_one("#prompt").focus()
        view = await send(pilot, "Had a quiet evening reading.")
        assert status_text(view).endswith("nothing recalled · 1 pinned")

        memories = receipts(app).memories
        assert (memories[0].record.text, memories[0].reason) == (ALLERGY, PINNED_REASON)
        first_line = str(receipts(app).query_one(OptionList).get_option_at_index(0).prompt)
        assert PIN_GLYPH in first_line and "pinned" in first_line
        assert receipts(app).caption.startswith("0 recalled + 1 pinned for")

        table.focus()
        table.move_cursor(row=2)  # the new entry is the newest row now
        await pilot.press("p")
        await settle(pilot)
        assert not any(PIN_GLYPH in preview for preview in history_previews(app))
        assert "Unpinned" in notified(app)
        assert app.workspace.journal.record.pinned("journal") == []


async def test_p_on_a_receipt_pins_its_memory_and_marks_it(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app.workspace.journal, JOURNAL, [LAKE])
        ollama_stub.script("Cold water wakes you up.")
        await send(pilot, "Swam in the cold lake again.")
        assert receipts(app).memories[0].record.text == LAKE
        options = receipts(app).query_one(OptionList)
        options.focus()
        options.highlighted = 0

        await pilot.press("p")
        await settle(pilot)

        assert [record.text for record in app.workspace.journal.record.pinned("journal")] == [LAKE]
        assert PIN_GLYPH in str(options.get_option_at_index(0).prompt)
        assert any(note.startswith("Pinned") for note in notified(app))
        assert any(preview.startswith(PIN_GLYPH) and "lake" in preview for preview in history_previews(app))

        await pilot.press("p")
        await settle(pilot)
        assert app.workspace.journal.record.pinned("journal") == []
        assert PIN_GLYPH not in str(options.get_option_at_index(0).prompt)


async def test_p_in_an_opened_entry_pins_it_and_u_in_the_history_undoes_the_pin(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await seed_shown(pilot, [SISTER])
        app.query_one(HistoryTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)

        await pilot.press("p")
        await settle(pilot)

        assert str(app.screen.query_one(".entry-meta", Static).content).startswith(f"{PIN_GLYPH} pinned")
        assert [record.text for record in app.workspace.journal.record.pinned("journal")] == [SISTER]
        await pilot.press("escape")
        await settle(pilot)
        assert history_previews(app)[0].startswith(PIN_GLYPH)

        await pilot.press("u")
        await settle(pilot)
        assert app.workspace.journal.record.pinned("journal") == []
        assert "Undone: pinned entry." in notified(app)
        assert not history_previews(app)[0].startswith(PIN_GLYPH)


# -- export and import -----------------------------------------------------------------------------


def test_a_pin_survives_an_export_and_import_round_trip_byte_for_byte(settings, clock, tmp_path):
    from tests.store.test_export_import import cli, other
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    try:
        _allergy, sister = seed(store, JOURNAL, [ALLERGY, SISTER])
        [question] = seed(store, CODE, ["How do I pin a dependency version?"])
        store.pin(sister.id)
        store.pin(question.id)
    finally:
        store.close()
    first = tmp_path / "first.json"
    assert cli(settings, "export", "-o", str(first))[0] == 0
    exported = {entry["text"]: entry for entry in json.loads(first.read_text())["entries"]}
    assert exported[SISTER]["pinned"] is True and "pinned" not in exported[ALLERGY]
    target = other(settings, tmp_path)

    code, _out, err = cli(target, "import", str(first))

    assert (code, err) == (0, ""), err
    second = tmp_path / "second.json"
    assert cli(target, "export", "-o", str(second))[0] == 0
    assert second.read_bytes() == first.read_bytes()
    reopened = open_store(target, clock)
    try:
        assert [record.text for record in reopened.record.pinned("journal")] == [SISTER]
        assert reopened.record.pinned_ids("code") == {question.id}
    finally:
        reopened.close()


def test_an_import_with_a_pinned_that_is_not_true_or_false_names_the_entry(settings, tmp_path):
    from tests.store.test_export_import import cli

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "journal", "text": "Hello", "created_at": "2026-11-20T09:30:00+00:00", "pinned": "yes"}]}))

    code, _out, err = cli(settings, "import", str(path))

    assert code != 0 and '"pinned" must be true or false' in err


async def test_p_typed_in_the_history_filter_is_text_not_a_pin(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await seed_shown(pilot, [SISTER])
        app.query_one(".history-filter").focus()

        await pilot.press("p")
        await settle(pilot)

        assert app.query_one(".history-filter").value == "p"
        assert app.workspace.journal.record.pinned("journal") == []


async def test_the_pinned_memories_list_shows_what_fits_the_prompt_and_p_unpins(settings, clock, ollama_stub):
    from textual.widgets import DataTable

    from tui.screens.pins_screen import PinsScreen

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        records = seed(app.workspace.journal, JOURNAL, [f"Pinned note {n}" for n in range(6)])
        for record in records:
            app.workspace.journal.pin(record.id)
            clock.advance(minutes=1)
        app.screen.history.reload()
        await settle(pilot)

        app.screen.action_pins()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PinsScreen)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [row[3] for row in rows] == [f"Pinned note {n}" for n in range(6)]
        assert [row[1] for row in rows] == ["yes"] * 5 + ["over pin_limit"]

        await pilot.press("p")  # the oldest pin goes; the sixth now fits
        await settle(pilot)

        assert [str(table.get_row_at(index)[1]) for index in range(table.row_count)] == ["yes"] * 5
        assert [record.text for record in app.workspace.journal.record.pinned("journal")] == \
            [f"Pinned note {n}" for n in range(1, 6)]
        assert "Unpinned" in notified(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not history_previews(app)[-1].startswith(PIN_GLYPH)  # the oldest row lost its mark
        assert history_previews(app)[0].startswith(PIN_GLYPH)
