"""Find anything you wrote: words (accents ignored), "phrases", #tags, on:/since:/until: days and
mode:, combined, newest first and paged, in the record, the history filter and `mindpane search`;
the full-text index follows every edit, delete, undo, import and forget."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.app.test_tui_history import HistoryApp, open_history, previews, seed, settle, title
from tests.app.test_tui_history import workspace as workspace
from tui import cli
from tui.adapters import eraser
from tui.adapters.record_db import SCHEMA_VERSION, RecordDB
from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry, MemoryRecord
from tui.domain.search import SearchQuery, SearchQueryError, parse_query
from tui.services.workspace import WorkspaceHistory

DAY = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def on(day: int, hour: int = 12) -> datetime:
    return DAY.replace(day=day, hour=hour)


ENTRIES = [  # (day of November 2026, mode, text)
    (2, "journal", "Coffee at the little café by the river #coffee"),
    (5, "journal", "Weeded the vegetable garden, planted beans #garden"),
    (10, "journal", "Rain all day; read about garden design #garden #reading"),
    (10, "code", "How do I walk a garden of nested dicts in python?"),
    (15, "journal", "The tomatoes in the garden are finally red #Garden"),
    (25, "journal", "Cafe con leche with Ana, talked about the move"),
]


@pytest.fixture
def record(tmp_path: Path) -> RecordDB:
    db = RecordDB(tmp_path / "entries.db")
    db.insert_many([MemoryRecord(f"e{n}", text, mode, on(day), on(day)) for n, (day, mode, text) in enumerate(ENTRIES)],
                   DAY)
    yield db
    db.close()


def found(db: RecordDB, text: str, offset: int = 0, limit: int = 50) -> list[str]:
    return [r.text.split()[0] + f"@{r.created_at.day}" for r in db.search(parse_query(text), offset, limit)[0]]


def test_the_query_syntax_reads_words_phrases_tags_days_and_a_mode():
    query = parse_query('garden "vegetable garden" #Garden #café on:2026-11-10 since:2026-11-01 '
                        'until:2026-11-30 mode:journal')
    assert query == SearchQuery(("garden",), ("vegetable garden",), ("garden", "cafe"), date(2026, 11, 10),
                                date(2026, 11, 1), date(2026, 11, 30), "journal")
    assert parse_query("  ").empty
    for bad in ("on:2026-13-01", "since:yesterday", "until:", "on:2026-2-1"):
        with pytest.raises(SearchQueryError, match=r"is not a date — write \w+:YYYY-MM-DD"):
            parse_query(bad)


def test_words_and_phrases_match_exactly_in_text_and_reply_ignoring_accents_newest_first(record):
    assert found(record, "garden") == ["The@15", "How@10", "Rain@10", "Weeded@5"]
    assert found(record, "garden beans") == ["Weeded@5"]
    assert found(record, '"vegetable garden"') == ["Weeded@5"]
    assert found(record, '"garden vegetable"') == []
    assert found(record, "cafe") == found(record, "café") == ["Cafe@25", "Coffee@2"]
    assert found(record, "gard") == []  # words match whole
    before = record.get("e5")
    record.replace(before, MemoryRecord("e5", before.text, "journal", before.created_at, before.updated_at,
                                        "Sounds like a warm afternoon"), "reply", DAY)
    assert found(record, "afternoon") == ["Cafe@25"]


def test_tags_days_and_mode_narrow_and_combine(record):
    assert found(record, "#garden") == ["The@15", "Rain@10", "Weeded@5"]  # #Garden is #garden
    assert found(record, "#reading #garden") == ["Rain@10"]
    assert found(record, "on:2026-11-10") == ["How@10", "Rain@10"]
    assert found(record, "since:2026-11-10") == ["Cafe@25", "The@15", "How@10", "Rain@10"]
    assert found(record, "until:2026-11-05") == ["Weeded@5", "Coffee@2"]
    assert found(record, "since:2026-11-05 until:2026-11-10 mode:journal") == ["Rain@10", "Weeded@5"]
    assert found(record, "garden mode:code") == ["How@10"]
    assert found(record, "#garden since:2026-11-06 design") == ["Rain@10"]
    assert found(record, "#garden on:2026-11-02") == []


def test_results_are_paged_newest_first_with_the_total(record):
    query = parse_query("mode:journal")
    first, total = record.search(query, 0, 2)
    second, again = record.search(query, 2, 2)
    third, _ = record.search(query, 4, 2)
    assert total == again == 5
    assert [r.id for r in first + second + third] == ["e5", "e4", "e2", "e1", "e0"]


def test_the_index_follows_edit_delete_restore_and_erase(record):
    record.replace(record.get("e1"), MemoryRecord("e1", "Pruned the roses #roses", "journal", on(5), on(6)), "edit",
                   DAY)
    assert found(record, "beans") == [] and found(record, "#garden") == ["The@15", "Rain@10"]
    assert found(record, "roses") == found(record, "#roses") == ["Pruned@5"]
    gone = record.get("e4")
    record.mark_deleted(gone, DAY)
    assert found(record, "tomatoes") == [] and found(record, "#garden") == ["Rain@10"]
    record.restore(gone)
    assert found(record, "tomatoes") == ["The@15"] and found(record, "#garden") == ["The@15", "Rain@10"]
    record.erase(["e4"])
    assert found(record, "tomatoes") == [] and found(record, "#garden") == ["Rain@10"]
    assert record.integrity() == "ok"
    with record._lock:
        assert record._db.execute("INSERT INTO entry_fts (entry_fts) VALUES ('integrity-check')") is not None


def test_an_older_record_gets_the_index_and_tags_of_its_entries_on_upgrade(tmp_path):
    path = tmp_path / "entries.db"
    db = RecordDB(path)
    db.insert_many([MemoryRecord("old", "Planted tulips #spring", "journal", on(3), on(3))], DAY)
    db.close()
    with sqlite3.connect(path) as raw:  # as schema 2 left it
        for name in ("TRIGGER entry_fts_insert", "TRIGGER entry_fts_delete", "TRIGGER entry_fts_update",
                     "TABLE entry_fts", "VIEW entry_alive", "TABLE tag", "TABLE vector", "TABLE pin"):
            raw.execute(f"DROP {name}")
        raw.execute("PRAGMA user_version = 2")
    reopened = RecordDB(path)
    try:
        assert reopened.schema_version == SCHEMA_VERSION
        assert found(reopened, "tulips") == found(reopened, "#spring") == ["Planted@3"]
    finally:
        reopened.close()


# -- through the store: undo, import, forget, the semantic fallback ------------------------------


def test_undo_of_a_delete_and_an_import_keep_the_index_in_step(store, clock):
    entry = store.add_entry(JOURNAL, "Fed the ducks at the pond #birds")
    store.delete(entry.id)
    assert store.record.search(parse_query("ducks"))[1] == 0
    store.undo(mode_name="journal")
    assert [r.id for r in store.record.search(parse_query("#birds ducks"))[0]] == [entry.id]
    store.import_entries(JOURNAL, [ImportedEntry("Imported: a heron at the pond #birds", on(7))], import_id="i1")
    assert store.record.search(parse_query("heron #birds"))[1] == 1
    store.undo(mode_name="journal")
    assert store.record.search(parse_query("heron"))[1] == 0
    assert store.record.search(parse_query("#birds"))[1] == 1


def test_a_forgotten_entry_no_longer_matches_and_no_file_keeps_its_text(store, data_dir, clock):
    marker = "quokkamarker42b7"
    for n in range(4):
        clock.advance(minutes=1)
        store.add_entry(JOURNAL, f"Day {n}: walked by the harbour #walks")
    doomed = store.add_entry(JOURNAL, f"A {marker} smiled at me #{marker}")
    store.update_text(doomed.id, f"A {marker} smiled at me twice #{marker}")
    assert store.record.search(parse_query(marker))[1] == store.record.search(parse_query(f"#{marker}"))[1] == 1
    store.forget([doomed.id])
    assert store.record.search(parse_query(marker))[1] == store.record.search(parse_query(f"#{marker}"))[1] == 0
    assert store.record.search(parse_query("#walks harbour"))[1] == 4
    assert eraser.find_text(data_dir, [marker]) == []


def test_with_no_exact_match_the_history_search_falls_back_to_meaning(workspace):
    seed(workspace, JOURNAL, ["We adopted a small grey kitten today", "Paid the electricity bill"])
    history = WorkspaceHistory(workspace)
    exact = history.search(parse_query("kitten"), JOURNAL, 0, 50, 10)
    assert exact.total == 1 and not exact.recalled and exact.title() == "1 match for kitten"
    fallback = history.search(parse_query("my new cat"), JOURNAL, 0, 50, 10)
    assert fallback.total == 0 and fallback.recalled[0].record.text == "We adopted a small grey kitten today"
    assert fallback.title() == "no exact match — 2 closest by meaning"
    assert history.search(parse_query("#nothing"), JOURNAL, 0, 50, 10).recalled == []  # no words: no fallback
    assert history.search(parse_query("kitten mode:code"), JOURNAL, 0, 50, 10).total == 0


# -- the history pane ----------------------------------------------------------------------------


async def test_the_history_filter_finds_tags_and_days(workspace):
    start = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    seed(workspace, JOURNAL, ["Sowed garlic #garden", "Long walk in the hills", "Harvested kale #garden",
                              "Quiet evening"], start=start)
    seed(workspace, JOURNAL, ["Raked the leaves #garden"], start=start + timedelta(days=1))
    seed(workspace, CODE, ["garden of forking paths #garden"], start=start)
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"#garden", "enter")
        await settle(app, pilot)
        assert previews(app) == ["Raked the leaves #garden", "Harvested kale #garden", "Sowed garlic #garden"]
        assert title(app) == "History · 3 matches for #garden"

        await pilot.press("ctrl+u", *"#garden on:2026-11-09", "enter")
        await settle(app, pilot)
        assert previews(app) == ["Harvested kale #garden", "Sowed garlic #garden"]
        assert title(app) == "History · 2 matches for #garden on:2026-11-09"

        await pilot.press("ctrl+u", *"on:2026-11-31", "enter")
        await settle(app, pilot)
        assert previews(app) == []
        assert "on:2026-11-31 is not a date" in title(app)

        await pilot.press("ctrl+u", *"garden mode:code", "enter")
        await settle(app, pilot)
        assert previews(app) == ["garden of forking paths #garden"]


# -- mindpane search -----------------------------------------------------------------------------


def test_mindpane_search_prints_matches_newest_first_and_json(store, settings, monkeypatch, capsys):
    store.import_entries(JOURNAL, [ImportedEntry("Sowed garlic #garden", on(9)),
                                   ImportedEntry("Harvested kale #garden", on(12)),
                                   ImportedEntry("Quiet evening", on(12))])
    store.close()
    data = ["--data-dir", str(settings.data_dir)]

    assert cli.main([*data, "search", "#garden"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("2026-11-12 12:00  journal") and lines[0].endswith("kale #garden")
    assert "Sowed garlic" in lines[1]
    assert "2 matches for #garden" in err

    assert cli.main([*data, "search", "--json", "garlic", "--mode", "journal"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["text"], e["mode"], e["created_at"][:10]) for e in entries] == [("Sowed garlic #garden", "journal",
                                                                                 "2026-11-09")]

    assert cli.main([*data, "search", "on:2026-02-30"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_mindpane_search_falls_back_to_meaning_and_says_so(store, settings, capsys):
    store.import_entries(JOURNAL, [ImportedEntry("We adopted a small grey kitten today", on(9)),
                                   ImportedEntry("Paid the electricity bill", on(10))])
    store.close()
    assert cli.main(["--data-dir", str(settings.data_dir), "search", "my", "new", "cat", "--mode", "journal"]) == 0
    captured = capsys.readouterr()
    assert "no exact match for my new cat" in captured.err
    assert "kitten" in captured.out.splitlines()[0]
