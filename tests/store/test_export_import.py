"""``mindpane export`` and ``mindpane import``: every entry out as lossless JSON, readable Markdown or
jrnl's JSON, and back in from our JSON or jrnl's JSON and text journal, with the original dates,
never twice, all or nothing unless --skip-bad."""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.paths import REPO
from tui.adapters.record_db import _UPGRADES, SCHEMA_VERSION, RecordDB
from tui.cli import transfer as cli_transfer
from tui.domain.modes import CODE, JOURNAL, builtin_modes
from tui.domain.records import ImportedEntry, MemoryRecord, content_key
from tui.services.engine import open_store

DAY = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("keep_umask")


def cli(settings, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mindpane")
    cli_transfer.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = cli_transfer.run(settings, args, out, err)
    return code, out.getvalue(), err.getvalue()


def fill(settings, clock, entries):
    """Store (mode, text, reply, extra, at) tuples through the real store, then close it."""
    store = open_store(settings, clock)
    try:
        return [store.add_entry(mode, text, reply, extra, at=at) for mode, text, reply, extra, at in entries]
    finally:
        store.close()


def three_days(settings, clock):
    return fill(settings, clock, [
        (JOURNAL, "Fed the ducks at the pond. They were loud @ducks #pond", "How lovely.", {"model": "m:1"}, DAY),
        (CODE, "How do I read a big CSV lazily?", "Use csv.reader over the open file.", {"model": "c:2"},
         DAY + timedelta(days=1)),
        (JOURNAL, "Quiet evening.\nRead a novel by the window.", "", None, DAY + timedelta(days=2, hours=10)),
    ])


def records_of(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "entries.db") as db:
        return db.execute("SELECT mode, text, reply, created_at FROM entry WHERE deleted_at IS NULL "
                          "ORDER BY created_at, id").fetchall()


def other(settings, tmp_path, name="other"):
    return replace(settings, data_dir=tmp_path / name)


# -- export --------------------------------------------------------------------------------------


def test_json_export_is_lossless_oldest_first_with_the_model_apart(settings, clock):
    kept = three_days(settings, clock)

    code, out, err = cli(settings, "export")

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["mindpane_export"] == 1
    assert [e["id"] for e in data["entries"]] == [r.id for r in kept]
    first = data["entries"][0]
    assert first == {"id": kept[0].id, "mode": "journal",
                     "text": "Fed the ducks at the pond. They were loud @ducks #pond", "reply": "How lovely.",
                     "created_at": "2026-11-18T09:30:00+00:00",
                     "updated_at": "2026-11-18T09:30:00+00:00", "model": "m:1", "metadata": {"mode": "journal"}}
    assert data["entries"][2]["model"] is None
    assert data["entries"][2]["text"] == "Quiet evening.\nRead a novel by the window."


def test_json_export_keeps_control_characters_but_never_prints_them_raw(settings, clock):
    fill(settings, clock, [(JOURNAL, "red \x1b[31malert\x1b[0m and \x9b2J", "", None, DAY)])

    code, out, _ = cli(settings, "export", "--format", "json")

    assert code == 0
    assert "\x1b" not in out and "\x9b" not in out
    assert json.loads(out)["entries"][0]["text"] == "red \x1b[31malert\x1b[0m and \x9b2J"


def test_markdown_export_has_a_section_per_local_day_and_renders_text_literally(settings, clock, monkeypatch):
    monkeypatch.setenv("TZ", "EST5")  # UTC-5, no daylight saving
    time.tzset()
    fill(settings, clock, [
        (JOURNAL, "# not a heading\n<script>alert(1)</script> *not bold* \x1b[31mred", "Sounds **good**.",
         {"model": "m:1"}, datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
        (CODE, "Why?\n```python\nprint('<b>')\n```", "Because.", None, datetime(2026, 11, 20, 15, 5, tzinfo=UTC)),
    ])

    code, out, _ = cli(settings, "export", "--format", "md")

    assert code == 0
    assert out.index("## 2026-11-19") < out.index("21:00") < out.index("## 2026-11-20") < out.index("10:05")
    assert "Journal" in out and "Code" in out
    assert "\\# not a heading" in out
    assert "<script>" not in out and "\\<script\\>" in out
    assert "\\*not bold\\*" in out
    assert "\x1b" not in out
    assert "> Sounds **good**." in out  # the reply is a blockquote, in its own Markdown (test_export_formats)
    assert "```python\nprint('<b>')\n```" in out  # code blocks stay code blocks (literal inside)


def test_jrnl_export_has_jrnls_json_shape_with_the_reply_kept_in_the_body(settings, clock):
    three_days(settings, clock)

    code, out, _ = cli(settings, "export", "--format", "jrnl")

    assert code == 0
    data = json.loads(out)
    assert set(data) == {"tags", "entries"}
    assert data["tags"] == {"@ducks": 1, "#pond": 1}
    first, _, third = data["entries"]
    assert first == {"title": "Fed the ducks at the pond.", "date": "2026-11-18", "time": "09:30",
                     "body": "They were loud @ducks #pond\n\n--- reply (m:1) ---\nHow lovely.",
                     "tags": ["@ducks", "#pond"], "starred": False}
    assert (third["title"], third["body"], third["tags"]) == ("Quiet evening.", "Read a novel by the window.", [])


def test_export_filters_by_mode_and_by_local_days_or_exact_times(settings, clock, tmp_path):
    kept = three_days(settings, clock)

    def ids(*argv):
        code, out, err = cli(settings, "export", *argv)
        assert code == 0, err
        return [e["id"] for e in json.loads(out)["entries"]]

    assert ids("--mode", "code") == [kept[1].id]
    assert ids("--mode", "journal", "--since", "2026-11-19") == [kept[2].id]
    assert ids("--since", "2026-11-19", "--until", "2026-11-19") == [kept[1].id]
    assert ids("--until", "2026-11-18") == [kept[0].id]
    assert ids("--since", "2026-11-19T09:30:00+00:00", "--until", "2026-11-20T19:30:00Z") == [kept[1].id, kept[2].id]
    assert ids("--since", "2026-11-19T09:30:01+00:00") == [kept[2].id]

    path = tmp_path / "out" / "journal.md"
    path.parent.mkdir()
    code, out, err = cli(settings, "export", "--format", "md", "--mode", "journal", "-o", str(path))
    assert (code, out) == (0, "")
    assert "exported 2 entries" in err
    assert "Fed the ducks" in path.read_text(encoding="utf-8")
    assert cli(settings, "export", "--since", "yesterday")[0] == 2


def test_the_record_streams_entries_by_keyset_oldest_first_even_across_ties(data_dir):
    data_dir.mkdir(parents=True)
    records = RecordDB(data_dir / "entries.db")
    try:
        store_entries = []
        for n in range(7):
            at = DAY + timedelta(hours=n // 3)  # three entries share each moment
            store_entries.append(MemoryRecord(f"id-{6 - n}", f"text {n}", "journal" if n % 2 else "code", at, at))
        records.insert_many(store_entries, DAY)
        expected = sorted(store_entries, key=lambda r: (r.created_at, r.id))

        assert [r.id for r in records.iter_entries(batch=2)] == [r.id for r in expected]
        assert [r.id for r in records.iter_entries(mode="code", batch=1)] == [r.id for r in expected
                                                                           if r.mode == "code"]
        window = list(records.iter_entries(since=DAY + timedelta(hours=1), until=DAY + timedelta(hours=2), batch=2))
        assert [r.text for r in window] == ["text 5", "text 4", "text 3"]  # one moment: by id
        plan = records._all("EXPLAIN QUERY PLAN SELECT id FROM entry WHERE deleted_at IS NULL AND mode = ? AND "
                            "(created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 5", ("code", "", ""))
        assert not any("TEMP B-TREE" in row[-1] for row in plan)
    finally:
        records.close()


# -- import --------------------------------------------------------------------------------------


def test_json_round_trip_into_an_empty_data_dir_is_byte_identical(settings, clock, tmp_path):
    kept = three_days(settings, clock)
    first = tmp_path / "first.json"
    assert cli(settings, "export", "-o", str(first))[0] == 0
    target = other(settings, tmp_path)

    code, out, err = cli(target, "import", str(first))

    assert (code, err) == (0, ""), err
    assert "imported 3 entries (journal 2, code 1)" in out
    second = tmp_path / "second.json"
    assert cli(target, "export", "-o", str(second))[0] == 0
    assert second.read_bytes() == first.read_bytes()
    assert [e["id"] for e in json.loads(second.read_text())["entries"]] == [r.id for r in kept]


def test_reimporting_the_same_file_adds_nothing(settings, clock, tmp_path):
    three_days(settings, clock)
    path = tmp_path / "all.json"
    cli(settings, "export", "-o", str(path))

    code, out, _ = cli(settings, "import", str(path))  # into the data dir it came from
    assert code == 0
    assert "imported 0 entries" in out and "3 already there" in out

    target = other(settings, tmp_path)
    assert cli(target, "import", str(path))[0] == 0
    code, out, _ = cli(target, "import", str(path))
    assert "imported 0 entries" in out and "3 already there" in out
    assert len(records_of(target.data_dir)) == 3


def test_an_undone_import_comes_back_with_new_ids_and_the_whole_import_is_one_batch(settings, clock, tmp_path):
    kept = three_days(settings, clock)
    path = tmp_path / "all.json"
    cli(settings, "export", "-o", str(path))
    target = other(settings, tmp_path)
    cli(target, "import", str(path))
    with sqlite3.connect(target.data_dir / "entries.db") as db:
        batches = db.execute("SELECT kind, batch FROM change").fetchall()
    assert len(batches) == 3 and {kind for kind, _ in batches} == {"import"}
    assert len({batch for _, batch in batches}) == 1 and batches[0][1]

    store = open_store(target, clock)
    try:
        while store.undo() is not None:
            pass
        assert store.record.count("journal") == store.record.count("code") == 0
    finally:
        store.close()
    _, out, _ = cli(target, "import", str(path))
    assert "imported 3 entries" in out
    assert {r.id for r in kept}.isdisjoint(e["id"] for e in json.loads(cli(target, "export")[1])["entries"])


def test_mode_override_and_unknown_modes(settings, clock, tmp_path):
    path = tmp_path / "poems.json"
    path.write_text(json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "poetry", "text": "Roses in the rain.", "created_at": "2024-05-01T08:00:00+02:00"},
        {"mode": "journal", "text": "Plain day.", "created_at": "2024-05-02T08:00:00+02:00"},
    ]}), encoding="utf-8")

    code, out, err = cli(settings, "import", str(path))
    assert code == 1 and out == ""
    assert "poetry" in err and "--mode" in err and len(err.strip().splitlines()) == 1
    assert not (settings.data_dir / "entries.db").exists() or records_of(settings.data_dir) == []

    code, out, err = cli(settings, "import", "--mode", "journal", str(path))
    assert code == 0, err
    assert records_of(settings.data_dir) == [("journal", "Roses in the rain.", "", "2024-05-01T06:00:00+00:00"),
                                              ("journal", "Plain day.", "", "2024-05-02T06:00:00+00:00")]
    assert cli(settings, "import", "--mode", "nope", str(path))[0] == 2


JRNL_JSON = {
    "tags": {"@work": 1},
    "entries": [
        {"title": "Started the new job.", "body": "Met the team @work. Nervous but glad.", "date": "2023-01-09",
         "time": "08:45", "tags": ["@work"], "starred": True},
        {"title": "Long walk.", "body": "", "date": "2023-01-10", "time": "19:02", "tags": [], "starred": False},
    ],
}

JRNL_TEXT = """[2022-03-01 07:15] Woke up early. *
Watched the sunrise from the balcony.
It was cold.

[2022-03-02 21:40] Finished the book
[not a date] stays part of the body

[2022-03-03 09:05:00 PM] Late night thoughts.
"""


def test_jrnl_json_import_keeps_dates_text_and_stars(settings, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "EST5")
    time.tzset()
    path = tmp_path / "jrnl.json"
    path.write_text(json.dumps(JRNL_JSON, indent=2), encoding="utf-8")

    code, out, err = cli(settings, "import", str(path))

    assert code == 0, err
    assert "imported 2 entries (journal 2)" in out
    assert records_of(settings.data_dir) == [
        ("journal", "Started the new job.\nMet the team @work. Nervous but glad.", "", "2023-01-09T13:45:00+00:00"),
        ("journal", "Long walk.", "", "2023-01-11T00:02:00+00:00")]
    exported = json.loads(cli(settings, "export")[1])["entries"]
    assert exported[0]["metadata"]["starred"] is True and exported[0]["created_at"] == "2023-01-09T08:45:00-05:00"
    assert "imported 0 entries" in cli(settings, "import", "--format", "jrnl", str(path))[1]


def test_our_jrnl_export_imports_back_with_its_reply(settings, clock, tmp_path):
    three_days(settings, clock)
    path = tmp_path / "jrnl.json"
    cli(settings, "export", "--format", "jrnl", "--mode", "journal", "-o", str(path))
    target = other(settings, tmp_path)

    assert cli(target, "import", str(path))[0] == 0

    assert records_of(target.data_dir) == [
        ("journal", "Fed the ducks at the pond.\nThey were loud @ducks #pond", "How lovely.",
         "2026-11-18T09:30:00+00:00"),
        ("journal", "Quiet evening.\nRead a novel by the window.", "", "2026-11-20T19:30:00+00:00")]
    exported = json.loads(cli(target, "export")[1])["entries"]
    assert exported[0]["model"] == "m:1"


def test_jrnl_text_import_keeps_dates_bodies_and_stars(settings, clock, tmp_path):
    path = tmp_path / "journal.txt"
    path.write_text(JRNL_TEXT, encoding="utf-8")

    code, out, err = cli(settings, "import", "--mode", "journal", str(path))

    assert code == 0, err
    assert records_of(settings.data_dir) == [
        ("journal", "Woke up early.\nWatched the sunrise from the balcony.\nIt was cold.", "",
         "2022-03-01T07:15:00+00:00"),
        ("journal", "Finished the book\n[not a date] stays part of the body", "", "2022-03-02T21:40:00+00:00"),
        ("journal", "Late night thoughts.", "", "2022-03-03T21:05:00+00:00")]
    assert json.loads(cli(settings, "export")[1])["entries"][0]["metadata"]["starred"] is True
    code, out, _ = cli(settings, "import", "--format", "jrnl-txt", str(path))
    assert "imported 0 entries" in out and "3 already there" in out


def test_imported_entries_are_recalled_and_paged_with_their_original_dates(settings, clock, tmp_path):
    path = tmp_path / "journal.txt"
    path.write_text(JRNL_TEXT, encoding="utf-8")
    cli(settings, "import", str(path))

    store = open_store(settings, clock)
    try:
        recalled = store.recall("watching the sunrise on a cold morning", JOURNAL, k=1)
        assert recalled[0].record.created_at == datetime(2022, 3, 1, 7, 15, tzinfo=UTC)
        page = store.record.page("journal")
        assert [r.created_at.day for r in page.records] == [3, 2, 1]
        assert store.history(recalled[0].record.id)[0].at == datetime(2022, 3, 1, 7, 15, tzinfo=UTC)
    finally:
        store.close()


BAD_FILES = {
    "bad json": ("bad.json", '{"mindpane_export": 1, "entries": [\n'
                 '  {"mode": "journal", "text": "ok", "created_at": "2024-01-01T10:00:00+00:00"},\n'
                 '  {"mode": "journal", "text": "broken" "created_at": "2024-01-02T10:00:00+00:00"}\n]}\n',
                 "line 3"),
    "missing text": ("missing.json", json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "journal", "text": "fine", "created_at": "2024-01-01T10:00:00+00:00"},
        {"mode": "journal", "created_at": "2024-01-02T10:00:00+00:00"},
        {"mode": "journal", "text": "also fine", "created_at": "2024-01-03T10:00:00+00:00"}]}, indent=1),
        "entry 2"),
    "bad jrnl date": ("bad.txt", "[2024-01-01 10:00] Fine.\n\n[2024-13-45 10:00] Bad month.\n\n"
                      "[2024-01-03 10:00] Also fine.\n", "line 3"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_malformed_file_imports_nothing_and_names_the_problem(settings, clock, tmp_path, case):
    name, content, where = BAD_FILES[case]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    code, out, err = cli(settings, "import", str(path))

    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and where in err and "nothing was imported" in err
    assert not (settings.data_dir / "entries.db").exists() or records_of(settings.data_dir) == []


def test_skip_bad_imports_the_good_entries_and_says_where_the_bad_ones_were(settings, clock, tmp_path):
    for name, content, where in BAD_FILES.values():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")

        code, _, err = cli(settings, "import", "--skip-bad", str(path))

        assert code == 0, err
        assert where in err and "skipped" in err
    texts = [row[1] for row in records_of(settings.data_dir)]
    assert sorted(texts) == sorted(["ok", "fine", "also fine", "Fine.", "Also fine."])


def test_a_truncated_export_with_skip_bad_keeps_the_entries_before_the_cut(settings, clock, tmp_path):
    three_days(settings, clock)
    whole = cli(settings, "export")[1]
    path = tmp_path / "cut.json"
    path.write_text(whole[: whole.index('"Quiet evening')], encoding="utf-8")
    target = other(settings, tmp_path)

    assert cli(target, "import", str(path))[0] == 1
    code, out, err = cli(target, "import", "--skip-bad", str(path))

    assert code == 0 and "imported 2 entries" in out and "line 4" in err
    assert len(records_of(target.data_dir)) == 2


def test_dry_run_reports_what_would_be_imported_and_writes_nothing(settings, clock, tmp_path):
    three_days(settings, clock)
    path = tmp_path / "all.json"
    cli(settings, "export", "-o", str(path))
    empty = other(settings, tmp_path)

    code, out, _ = cli(empty, "import", "--dry-run", str(path))
    assert code == 0
    assert "would import 3 entries (journal 2, code 1)" in out
    assert not empty.data_dir.exists()

    before = (settings.data_dir / "entries.db").read_bytes()
    code, out, _ = cli(settings, "import", "--dry-run", str(path))
    assert "would import 0 entries" in out and "3 already there" in out
    assert records_of(settings.data_dir) and len(records_of(settings.data_dir)) == 3
    assert (settings.data_dir / "entries.db").read_bytes() == before


def test_a_missing_or_unrecognised_file_is_one_line(settings, tmp_path):
    code, _, err = cli(settings, "import", str(tmp_path / "nope.json"))
    assert code == 1 and "nope.json" in err and len(err.strip().splitlines()) == 1
    odd = tmp_path / "odd.txt"
    odd.write_text("just some words\n", encoding="utf-8")
    code, _, err = cli(settings, "import", str(odd))
    assert code == 1 and "--format" in err
    newer = tmp_path / "newer.json"
    newer.write_text('{"mindpane_export": 2, "entries": []}', encoding="utf-8")
    code, _, err = cli(settings, "import", str(newer))
    assert code == 1 and "upgrade mindpane" in err


def test_import_entries_reports_progress_and_keeps_given_ids_and_dates(store, clock):
    seen = []
    entries = [ImportedEntry(f"note {n}", DAY + timedelta(minutes=n), id=f"given-{n}",
                             updated_at=DAY + timedelta(days=1)) for n in range(5)]

    assert store.import_entries(JOURNAL, entries, batch=2, progress=lambda done, total: seen.append((done, total))) == 5

    assert seen == [(2, 5), (4, 5), (5, 5)]
    again = store.record.get("given-3")
    assert (again.created_at, again.updated_at) == (DAY + timedelta(minutes=3), DAY + timedelta(days=1))
    assert store.record.known_keys([content_key("journal", DAY + timedelta(minutes=1), "note 1"), "x"]) == {
        content_key("journal", DAY + timedelta(minutes=1), "note 1")}
    assert store.record.entry_modes(["given-0", "other"]) == {"given-0": "journal"}
    assert [r.id for r in store.record.iter_entries("journal", batch=2)] == [f"given-{n}" for n in range(5)]


def test_the_schema_upgrade_gives_existing_entries_their_content_key(data_dir):
    data_dir.mkdir(parents=True)
    path = data_dir / "entries.db"
    with sqlite3.connect(path) as db:
        db.executescript(_UPGRADES[0])
        db.execute("INSERT INTO entry (id, mode, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   ("old", "journal", "An entry from before.", "2025-02-03T04:05:06+00:00",
                    "2025-02-03T04:05:06+00:00"))
        db.execute("PRAGMA user_version = 1")

    records = RecordDB(path)
    try:
        assert records.schema_version == SCHEMA_VERSION
        key = content_key("journal", datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC), "An entry from before.")
        assert records.known_keys([key]) == {key}
    finally:
        records.close()


def test_mindpane_export_runs_from_the_shell(settings, clock, tmp_path, isolated_home):
    three_days(settings, clock)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OLLAMA", "MINDPANE"))}
    env.update(HOME=str(isolated_home), MINDPANE_DATA_DIR=str(settings.data_dir), TZ="UTC")

    done = subprocess.run([sys.executable, "-m", "tui", "export", "--mode", "code"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert [e["text"] for e in json.loads(done.stdout)["entries"]] == ["How do I read a big CSV lazily?"]


def test_builtin_modes_are_what_import_checks_against():
    assert set(builtin_modes()) == {"journal", "code"}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 13, 64])
def test_the_json_reader_streams_across_any_chunk_boundary(monkeypatch, chunk):
    from tui.services import import_json

    doc = {"mindpane_export": 10, "entries": [{"text": "é \\ \" \u2028 😀" * 3, "n": 12345.5e3, "ok": [True, None]},
                                             {}, {"nested": {"a": [1, 22, 333]}}], "tail": -7}
    monkeypatch.setattr(import_json, "CHUNK", chunk)
    reader = import_json.JsonReader(io.StringIO(json.dumps(doc, indent=1, ensure_ascii=False)))

    events = [(kind, name, value) for kind, name, _, value in reader.events()]

    assert events == [("key", "mindpane_export", 10), *[("entry", n, e) for n, e in enumerate(doc["entries"], 1)],
                      ("key", "tail", -7)]


def test_duplicates_inside_one_file_are_imported_once(settings, tmp_path):
    entry = {"mode": "code", "text": "Same question twice?", "created_at": "2024-02-02T10:00:00+00:00"}
    path = tmp_path / "twice.json"
    path.write_text(json.dumps({"mindpane_export": 1, "entries": [entry, entry, {**entry, "text": "Another?"}]}),
                    encoding="utf-8")

    code, out, _ = cli(settings, "import", str(path))

    assert code == 0
    assert "imported 2 entries (code 2)" in out and "1 already there" in out


def test_a_dry_run_with_skip_bad_says_what_it_would_skip(settings, tmp_path):
    name, content, where = BAD_FILES["missing text"]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    code, out, err = cli(settings, "import", "--dry-run", "--skip-bad", str(path))

    assert code == 0
    assert "would import 2 entries (journal 2)" in out
    assert "would skip 1 bad entry" in err and where in err
    assert not settings.data_dir.exists()


def test_the_progress_bar_draws_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown, hidden = Terminal(), io.StringIO()
    for stream in (shown, hidden):
        bar = cli_transfer.ProgressBar(stream, 1000)
        bar.update(1000, 1000)
        bar.close()

    assert "1,000/1,000" in shown.getvalue() and hidden.getvalue() == ""


# -- export's output path ------------------------------------------------------------------------


def test_export_refuses_an_existing_file_unless_forced(settings, clock, tmp_path):
    three_days(settings, clock)
    path = tmp_path / "journal.json"
    path.write_text("keep me", encoding="utf-8")

    code, out, err = cli(settings, "export", "-o", str(path))

    assert code == 1 and out == ""
    assert str(path) in err and "--force" in err
    assert path.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no partial left

    code, _, err = cli(settings, "export", "-o", str(path), "--force")
    assert code == 0, err
    assert len(json.loads(path.read_text(encoding="utf-8"))["entries"]) == 3


def test_export_never_writes_inside_the_data_dir_even_forced_or_through_a_symlink(settings, clock, tmp_path):
    three_days(settings, clock)
    record = settings.data_dir / "entries.db"
    before = record.read_bytes()
    link = tmp_path / "innocent.json"
    link.symlink_to(record)
    dir_link = tmp_path / "elsewhere"
    dir_link.symlink_to(settings.data_dir)

    for target in (record, link, settings.data_dir / "new.json", dir_link / "new.json"):
        code, out, err = cli(settings, "export", "-o", str(target), "--force")
        assert code == 1 and out == "", target
        assert "inside the data dir" in err, err
    assert record.read_bytes() == before
    assert not (settings.data_dir / "new.json").exists()
    assert sorted(p.name for p in settings.data_dir.iterdir() if "partial" in p.name) == []


def test_export_to_dash_is_standard_output(settings, clock, tmp_path, monkeypatch):
    three_days(settings, clock)
    monkeypatch.chdir(tmp_path)

    code, out, err = cli(settings, "export", "-o", "-")

    assert (code, err) == (0, "")
    assert len(json.loads(out)["entries"]) == 3
    assert not (tmp_path / "-").exists()
