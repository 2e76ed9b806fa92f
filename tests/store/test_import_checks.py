"""Import checks every entry the way the record and the index will take it, before anything is
written: metadata Chroma refuses (or that would break it), dates out of range, text that is not
valid Unicode, nesting too deep, unknown modes. Each is one clear line naming the entry (skippable
with --skip-bad), never a traceback, never a half-done import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.store.test_export_import import cli, other, records_of
from tui.domain.modes import JOURNAL
from tui.services.engine import open_store

pytestmark = pytest.mark.usefixtures("keep_umask")

GOOD = {"mode": "journal", "text": "A plain good day.", "created_at": "2024-01-01T10:00:00+00:00"}


def export_file(tmp_path: Path, *entries: dict | str, name: str = "in.json") -> Path:
    """A mindpane export holding ``entries`` (a str is written as raw JSON text, e.g. with NaN)."""
    bodies = [entry if isinstance(entry, str) else json.dumps(entry) for entry in entries]
    path = tmp_path / name
    path.write_text('{"mindpane_export": 1, "entries": [\n' + ",\n".join(bodies) + "\n]}\n", encoding="utf-8")
    return path


def bad_entry(**fields) -> dict:
    return {**GOOD, "text": "The bad one.", **fields}


def assert_refused_then_skipped(settings, clock, path: Path, *named: str) -> None:
    """Refused whole (one line naming entry 2 and ``named``), then --skip-bad keeps entry 1 only, and
    the store opens and takes a later import."""
    code, out, err = cli(settings, "import", str(path))
    assert code == 1 and out == "", err
    assert len(err.strip().splitlines()) == 1, err
    assert "entry 2" in err and "nothing was imported" in err and "Traceback" not in err, err
    for word in named:
        assert word in err, err
    assert not (settings.data_dir / "entries.db").exists() or records_of(settings.data_dir) == []

    code, out, err = cli(settings, "import", "--skip-bad", str(path))
    assert code == 0, err
    assert "imported 1 entry" in out and "skipped 1 bad entry" in err and "entry 2" in err
    assert [row[1] for row in records_of(settings.data_dir)] == ["A plain good day."]

    store = open_store(settings, clock)  # the index took what the record took
    try:
        assert store.recall("a plain good day", JOURNAL, k=1)[0].record.text == "A plain good day."
    finally:
        store.close()
    later = export_file(path.parent, {**GOOD, "text": "Imported later."}, name="later.json")
    assert cli(settings, "import", str(later))[0] == 0


METADATA_CHROMA_REFUSES = {
    "an empty list": ({"tags": []}, "tags"),
    "a nested object": ({"where": {"city": "Oslo"}}, "where"),
    "an empty key": ({"": 1}, "empty"),
    "a key Chroma keeps for itself": ({"$and": 1}, "$and"),
    "a list of mixed kinds": ({"tags": ["a", 1]}, "tags"),
    "a list holding null": ({"tags": [None]}, "tags"),
}


@pytest.mark.parametrize("case", METADATA_CHROMA_REFUSES, ids=list(METADATA_CHROMA_REFUSES))
def test_metadata_the_index_refuses_is_refused_before_the_record_takes_it(settings, clock, tmp_path, case):
    metadata, named = METADATA_CHROMA_REFUSES[case]
    path = export_file(tmp_path, GOOD, bad_entry(metadata=metadata))

    assert_refused_then_skipped(settings, clock, path, named, "metadata")


RAW_BAD_NUMBERS = {
    "NaN": '"metadata": {"score": NaN}',
    "Infinity": '"metadata": {"score": Infinity}',
    "NaN in a list (it breaks Chroma for good)": '"metadata": {"scores": [1.5, NaN]}',
    "a number too big for a float": '"metadata": {"score": 1e999}',
    "an integer too big for the index": '"metadata": {"score": 99999999999999999999}',
}


@pytest.mark.parametrize("case", RAW_BAD_NUMBERS, ids=list(RAW_BAD_NUMBERS))
def test_numbers_json_cannot_carry_back_out_are_refused(settings, clock, tmp_path, case):
    bad = json.dumps(bad_entry())[:-1] + ", " + RAW_BAD_NUMBERS[case] + "}"
    path = export_file(tmp_path, GOOD, bad)

    assert_refused_then_skipped(settings, clock, path, "score")


def test_too_many_metadata_values_are_refused_before_they_break_the_index(settings, clock, tmp_path):
    path = export_file(tmp_path, GOOD, bad_entry(metadata={"tags": [f"t{n}" for n in range(6000)]}))

    assert_refused_then_skipped(settings, clock, path, "tags")


DATES_OUT_OF_RANGE = {
    "year 1 with an offset": "0001-01-01T00:30:00+05:00",
    "year 9999 with an offset": "9999-12-31T23:00:00-05:00",
    "year 1 without an offset": "0001-01-01T00:00:00",
}


@pytest.mark.parametrize("case", DATES_OUT_OF_RANGE, ids=list(DATES_OUT_OF_RANGE))
def test_a_date_out_of_range_is_a_bad_entry_not_a_traceback(settings, clock, tmp_path, case):
    path = export_file(tmp_path, GOOD, bad_entry(created_at=DATES_OUT_OF_RANGE[case]))

    assert_refused_then_skipped(settings, clock, path, "created_at")


def test_a_jrnl_line_dated_year_one_is_a_bad_entry(settings, clock, tmp_path):
    path = tmp_path / "journal.txt"
    path.write_text("[2024-01-01 10:00] A plain good day.\n\n[0001-01-01 09:00] Year one.\n", encoding="utf-8")

    code, out, err = cli(settings, "import", str(path))
    assert code == 1 and "line 3" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err

    code, out, err = cli(settings, "import", "--skip-bad", str(path))
    assert code == 0 and "imported 1 entry" in out and "line 3" in err, err
    assert [row[1] for row in records_of(settings.data_dir)] == ["A plain good day."]


def test_a_jrnl_json_entry_dated_year_one_is_a_bad_entry(settings, clock, tmp_path):
    path = tmp_path / "jrnl.json"
    path.write_text(json.dumps({"tags": {}, "entries": [
        {"title": "A plain good day.", "body": "", "date": "2024-01-01", "time": "10:00"},
        {"title": "Year one.", "body": "", "date": "0001-01-01", "time": "00:00"}]}), encoding="utf-8")

    assert_refused_then_skipped(settings, clock, path, "date")


LONE_SURROGATES = {
    "in the text": '"text": "half a \\ud83d smile"',
    "in the reply": '"reply": "\\udc00"',
    "in a metadata value": '"metadata": {"mood": "\\ud800"}',
    "in a metadata key": '"metadata": {"\\ud800": 1}',
    "in the model": '"model": "m\\udfff"',
}


@pytest.mark.parametrize("case", LONE_SURROGATES, ids=list(LONE_SURROGATES))
def test_a_lone_surrogate_is_a_bad_entry_not_a_store_failure(settings, clock, tmp_path, case):
    bad = json.dumps(bad_entry())[:-1] + ", " + LONE_SURROGATES[case] + "}"
    bad = bad.replace('"text": "The bad one.", ', "") if "text" in LONE_SURROGATES[case] else bad
    path = export_file(tmp_path, GOOD, bad)

    assert_refused_then_skipped(settings, clock, path, "surrogate")


def test_json_nested_100k_deep_is_a_clear_refusal(settings, clock, tmp_path):
    deep = '{"text": "deep", "created_at": "2024-01-02T10:00:00+00:00", "metadata": {"a": ' + \
        "[" * 100_000 + "]" * 100_000 + "}}"
    path = export_file(tmp_path, GOOD, deep)

    code, out, err = cli(settings, "import", str(path))
    assert code == 1 and out == "" and "Traceback" not in err, err
    assert "entry 2" in err and "deep" in err and len(err.strip().splitlines()) == 1, err

    code, out, err = cli(settings, "import", "--skip-bad", str(path))  # the rest of the file cannot be read
    assert code == 0 and "imported 1 entry" in out and "entry 2" in err, err


def test_a_number_with_thousands_of_digits_is_a_clear_refusal(settings, tmp_path):
    long = json.dumps(bad_entry())[:-1] + ', "metadata": {"n": ' + "7" * 5000 + "}}"
    path = export_file(tmp_path, GOOD, long)

    code, _, err = cli(settings, "import", str(path))

    assert code == 1 and "entry 2" in err and "digits" in err and "Traceback" not in err, err


def test_skip_bad_skips_entries_of_an_unknown_mode_and_names_them(settings, clock, tmp_path):
    path = export_file(tmp_path, GOOD, bad_entry(mode="poetry"))

    code, out, err = cli(settings, "import", str(path))
    assert code == 1 and "poetry" in err and "--mode" in err

    code, out, err = cli(settings, "import", "--skip-bad", str(path))
    assert code == 0, err
    assert "imported 1 entry" in out and "skipped 1 bad entry" in err and "poetry" in err and "entry 2" in err
    assert [row[1] for row in records_of(settings.data_dir)] == ["A plain good day."]


def test_a_truncated_file_says_where_and_what_in_plain_words(settings, clock, tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"mindpane_export": 1, "entries": [\n' + json.dumps(GOOD) + ',\n  {"text": "Half a sen',
                    encoding="utf-8")

    code, _, err = cli(other(settings, tmp_path), "import", str(path))

    assert code == 1
    assert "line 3, column 12" in err and "the file ends in the middle of a string" in err, err
    assert "Unterminated" not in err and "starting at" not in err
