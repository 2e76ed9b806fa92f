"""Traceback-keyed recall (code mode): a pasted traceback recalls the earlier exchange that hit the
same exception in the same library first, says why, and every preview shows the exception line."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import OptionList

from tests.tui_support import SIZE, make_app, receipt_texts, receipts, send, settle
from tui.cli import _print_recalled
from tui.domain.modes import CODE, JOURNAL, Mode
from tui.domain.records import ImportedEntry, MemoryRecord, RecalledMemory
from tui.domain.tracebacks import parse_traceback, split_key
from tui.services import traceback_recall
from tui.services.engine import make_chat, make_turns
from tui.services.turn import Recalled, TurnDone
from tui.text import entry_preview, one_line
from tui.widgets.history_table import HistoryTable
from tui.widgets.history_text import preview

SITE = "/home/ana/.venv/lib/python3.12/site-packages"

PANDAS_KEYERROR = f"""Traceback (most recent call last):
  File "/home/ana/reports/monthly.py", line 8, in <module>
    totals = sales["amount"].sum()
             ~~~~~^^^^^^^^^^
  File "{SITE}/pandas/core/frame.py", line 4102, in __getitem__
    indexer = self.columns.get_loc(key)
  File "{SITE}/pandas/core/indexes/base.py", line 3812, in get_loc
    raise KeyError(key) from err
KeyError: 'amount'"""

NEW_PANDAS_KEYERROR = f"""Traceback (most recent call last):
  File "/home/ana/reports/weekly.py", line 14, in <module>
    weekly = orders["date"].dt.isocalendar()
             ~~~~~~^^^^^^^^
  File "{SITE}/pandas/core/frame.py", line 4102, in __getitem__
    indexer = self.columns.get_loc(key)
  File "pandas/_libs/index.pyx", line 167, in pandas._libs.index.IndexEngine.get_loc
  File "pandas/_libs/hashtable_class_helper.pxi", line 7089, in pandas._libs.hashtable.PyObjectHashTable.get_item
KeyError: 'date'"""

NUMPY_INDEXERROR = f"""Traceback (most recent call last):
  File "/home/ana/reports/weekly.py", line 14, in <module>
    weekly = orders["date"].dt.isocalendar()[week]
  File "{SITE}/numpy/core/fromnumeric.py", line 59, in _wrapfunc
    return bound(*args, **kwds)
IndexError: index 53 is out of bounds for axis 0 with size 52"""

CHAINED = f"""Traceback (most recent call last):
  File "{SITE}/pandas/core/indexes/base.py", line 3802, in get_loc
    return self._engine.get_loc(casted_key)
KeyError: 'date'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/ana/load.py", line 3, in <module>
    frame = pd.read_csv("orders.csv")
  File "{SITE}/pandas/io/parsers/readers.py", line 912, in read_csv
    return _read(filepath_or_buffer, kwds)
  File "parsers.pyx", line 890, in pandas._libs.parsers.TextReader._check_tokenize_status
pandas.errors.ParserError: Error tokenizing data. C error: Expected 3 fields in line 7, saw 4"""


# -- the parser ---------------------------------------------------------------------------------

def test_a_plain_traceback_gives_exception_message_frames_and_library():
    info = parse_traceback(PANDAS_KEYERROR)

    assert (info.exception, info.message, info.exception_line) == ("KeyError", "'amount'", "KeyError: 'amount'")
    assert [(f.line, f.function, f.origin, f.module) for f in info.frames] == [
        (8, "<module>", "user", None),
        (4102, "__getitem__", "library", "pandas.core.frame"),
        (3812, "get_loc", "library", "pandas.core.indexes.base"),
    ]
    assert info.frames[0].file == "/home/ana/reports/monthly.py"
    assert (info.library, info.key) == ("pandas", "KeyError@pandas")
    assert split_key(info.key) == ("KeyError", "pandas") and split_key("KeyError") == ("KeyError", None)


def test_compiled_pandas_frames_count_as_the_library():
    info = parse_traceback(NEW_PANDAS_KEYERROR)

    assert info.frames[-1].origin == "library" and info.frames[-1].package == "pandas"
    assert info.key == "KeyError@pandas"


def test_a_numpy_frame_in_dist_packages_names_numpy():
    text = NUMPY_INDEXERROR.replace(SITE, "/usr/lib/python3/dist-packages")
    info = parse_traceback(text)

    assert info.key == "IndexError@numpy"
    assert info.frames[-1].module == "numpy.core.fromnumeric"


def test_a_chained_traceback_is_read_as_its_last_exception_with_a_dotted_name():
    info = parse_traceback(CHAINED)

    assert info.exception == "pandas.errors.ParserError"
    assert info.message.startswith("Error tokenizing data.")
    assert info.library == "pandas"
    assert info.frames[0].file == "/home/ana/load.py"  # frames of the last traceback only


def test_during_handling_chains_too():
    text = ("Traceback (most recent call last):\n  File \"a.py\", line 2, in <module>\n    d['x']\n"
            "KeyError: 'x'\n\nDuring handling of the above exception, another exception occurred:\n\n"
            "Traceback (most recent call last):\n  File \"a.py\", line 4, in <module>\n    raise ValueError('no x')\n"
            "ValueError: no x")

    info = parse_traceback(text)

    assert (info.exception, info.message, info.library) == ("ValueError", "no x", None)


def test_the_exceptions_module_names_the_library_when_no_frame_is_a_librarys():
    info = parse_traceback('Traceback (most recent call last):\n  File "job.py", line 1, in <module>\n'
                           "requests.exceptions.ConnectionError: connection refused")

    assert info.key == "requests.exceptions.ConnectionError@requests"


def test_a_standard_library_frame_is_the_fallback():
    info = parse_traceback('Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n'
                           '  File "/usr/lib/python3.12/json/decoder.py", line 355, in raw_decode\n'
                           "    raise JSONDecodeError(\"Expecting value\", s, err.value) from None\n"
                           "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")

    assert info.frames[-1].origin == "stdlib" and info.library == "json"
    assert info.exception_line == "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"


@pytest.mark.parametrize("header", [True, False], ids=["with-header", "script"])
def test_a_syntax_error(header):
    text = ('  File "/home/ana/app.py", line 4\n    def f(:\n          ^\n'
            "SyntaxError: invalid syntax")
    text = "Traceback (most recent call last):\n" + text if header else text

    info = parse_traceback(text)

    assert (info.exception, info.message, info.library) == ("SyntaxError", "invalid syntax", None)
    assert info.frames[0].function is None and info.frames[0].line == 4


def test_text_around_an_indented_traceback_is_ignored():
    indented = "\n".join("    " + line for line in PANDAS_KEYERROR.splitlines())
    text = f"Why does this happen? My CSV clearly has it.\n\n{indented}\n\nThanks! Using pandas 2.2."

    info = parse_traceback(text)

    assert info.key == "KeyError@pandas" and len(info.frames) == 3
    assert entry_preview(text, 200) == ("KeyError: 'amount' — Why does this happen? My CSV clearly has it. "
                                        "Thanks! Using pandas 2.2.")


@pytest.mark.parametrize("text", [
    "How do I read a CSV with pandas?",
    "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    (cut off here",
    'File "notes.txt", line 3 is where I wrote it.\nThanks',
])
def test_text_without_a_complete_traceback_parses_to_nothing(text):
    assert parse_traceback(text) is None
    assert entry_preview(text, 80) == one_line(text, 80)


def test_a_bare_exception_without_a_message():
    info = parse_traceback('Traceback (most recent call last):\n  File "a.py", line 9, in <module>\n'
                           "    time.sleep(10)\nKeyboardInterrupt")

    assert (info.exception, info.message, info.exception_line) == ("KeyboardInterrupt", "", "KeyboardInterrupt")


# -- recall -------------------------------------------------------------------------------------

ANSWER_THEN = "The CSV header has a trailing space: strip it with sales.columns = sales.columns.str.strip()."
LOOKALIKE = f"My weekly report on orders['date'] fails again:\n{NUMPY_INDEXERROR}"


@pytest.fixture
def turns(store, settings):
    return make_turns(store, make_chat(settings), settings)


@pytest.fixture
def seeded(store, clock, turns, ollama_stub):
    """Nov 3: a pandas KeyError answered (a real code turn: its key is stored). Nov 12: a question
    that looks more like the new one (same file, same column) but is a numpy IndexError, imported
    like an older entry (no key stored: parsed on the fly). And plain questions."""
    clock.now = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    ollama_stub.script(ANSWER_THEN)
    done = list(turns.run(CODE, f"Monthly report breaks:\n{PANDAS_KEYERROR}"))[-1]
    assert isinstance(done, TurnDone)
    store.import_entries(CODE, [
        ImportedEntry(LOOKALIKE, datetime(2026, 11, 12, 10, 0, tzinfo=UTC), "Week 53: use % 52 or check the length."),
        ImportedEntry("How do I parse the date column of the orders CSV in pandas?",
                      datetime(2026, 11, 13, 10, 0, tzinfo=UTC), "pd.read_csv(..., parse_dates=['date'])"),
        ImportedEntry("What is the difference between a dataclass and a NamedTuple?",
                      datetime(2026, 11, 14, 10, 0, tzinfo=UTC), "Mutability, mostly."),
    ])
    clock.now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    return done.record


def test_an_exchange_in_code_mode_stores_its_tracebacks_key(seeded, store):
    assert store.record.get(seeded.id).metadata["traceback"] == "KeyError@pandas"


def test_a_journal_entry_stores_no_key(turns, store, ollama_stub):
    ollama_stub.script("That sounds frustrating.")
    done = list(turns.run(JOURNAL, f"Work was rough.\n{PANDAS_KEYERROR}"))[-1]

    assert "traceback" not in store.record.get(done.record.id).metadata


def test_the_same_exception_in_the_same_library_is_recalled_first(seeded, store, turns, ollama_stub):
    query = f"My weekly report on orders['date'] fails:\n{NEW_PANDAS_KEYERROR}"
    by_relevance = [m.record.text for m in store.recall(query, CODE, k=10)]
    assert LOOKALIKE in by_relevance[:2], "the look-alike must be close (by meaning it looks closer)"

    ollama_stub.script("Check orders.columns.")
    recalled = next(e for e in list(turns.run(CODE, query)) if isinstance(e, Recalled)).memories

    assert recalled[0].record.id == seeded.id
    assert recalled[0].reason == f"same `KeyError` in pandas, Nov 3 — the answer then: {ANSWER_THEN}"
    assert recalled[1].record.text == LOOKALIKE and recalled[1].reason == ""
    assert all(not memory.reason for memory in recalled[1:])
    assert "The CSV header has a trailing space" in ollama_stub.chat_requests[-1]["messages"][0]["content"]


def test_the_same_exception_from_another_library_comes_next_with_its_reason(store, clock):
    builtin = ('Traceback (most recent call last):\n  File "a.py", line 2, in <module>\n    d["date"]\n'
               "KeyError: 'date'")
    store.import_entries(CODE, [
        ImportedEntry(builtin, clock.now - timedelta(days=2), "Use d.get('date')."),
        ImportedEntry(PANDAS_KEYERROR, clock.now - timedelta(days=1), ANSWER_THEN),
        ImportedEntry(NUMPY_INDEXERROR, clock.now - timedelta(days=3)),
    ])

    recalled = traceback_recall.recall(store, CODE, NEW_PANDAS_KEYERROR, 3, CODE.min_relevance)

    assert [m.record.text for m in recalled] == [PANDAS_KEYERROR, builtin, NUMPY_INDEXERROR]
    assert recalled[1].reason.startswith("same `KeyError`, Nov 18 — the answer then: Use d.get")


def test_a_plain_question_is_recalled_exactly_as_before(seeded, store, turns, ollama_stub):
    query = "How should I parse dates in the orders csv with pandas?"
    expected = store.recall(query, CODE, CODE.recall_size, CODE.min_relevance)

    ollama_stub.script("parse_dates.")
    recalled = next(e for e in list(turns.run(CODE, query)) if isinstance(e, Recalled)).memories

    assert recalled == expected and recalled
    assert all(memory.reason == "" for memory in recalled)


def test_a_mode_without_traceback_recall_ranks_a_traceback_by_similarity_alone(seeded, store):
    plain = Mode(name="code", title="Code", system_prompt="", traceback_recall=False)

    assert traceback_recall.recall(store, plain, NEW_PANDAS_KEYERROR, 5, 0.25) == store.recall(
        NEW_PANDAS_KEYERROR, plain, 5, 0.25)
    assert traceback_recall.traceback_metadata(plain, NEW_PANDAS_KEYERROR) == {}


def test_an_edited_entry_is_keyed_by_its_new_text(seeded, store):
    store.update_text(seeded.id, "How do I rename columns in pandas?")

    recalled = traceback_recall.recall(store, CODE, NEW_PANDAS_KEYERROR, 5, 0.0)

    assert all(not memory.reason for memory in recalled if memory.record.id == seeded.id)


# -- previews -----------------------------------------------------------------------------------

def test_the_cli_prints_the_exception_line_and_the_reason():
    at = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    record = MemoryRecord("1", f"Monthly report breaks:\n{PANDAS_KEYERROR}", "code", at, at, ANSWER_THEN)
    out = io.StringIO()

    _print_recalled([RecalledMemory(record, 0.61, "same `KeyError` in pandas, Nov 3 — the answer then: strip it")],
                    "Code", out)

    lines = out.getvalue().splitlines()
    assert lines[1] == "  0.61  2026-11-03  KeyError: 'amount' — Monthly report breaks:"
    assert lines[2] == "        ↳ same `KeyError` in pandas, Nov 3 — the answer then: strip it"
    assert "Traceback (most recent" not in out.getvalue()


def test_the_history_preview_is_the_exception_line():
    assert preview(PANDAS_KEYERROR) == "KeyError: 'amount'"
    assert preview("How do I read a CSV?") == "How do I read a CSV?"


async def test_receipts_and_history_show_the_exception_line_and_why(settings, clock, ollama_stub):
    ollama_stub.script(text="Check orders.columns for the real name.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        code = app.workspace.modes["code"]
        app.workspace.journal.import_entries(code, [
            ImportedEntry(PANDAS_KEYERROR, datetime(2026, 11, 3, 15, 0, tzinfo=UTC), ANSWER_THEN),
            ImportedEntry(LOOKALIKE, datetime(2026, 11, 12, 10, 0, tzinfo=UTC), "Week 53."),
        ])
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.mode.name == "code"

        await send(pilot, f"My weekly report on orders['date'] fails:\n{NEW_PANDAS_KEYERROR}")

        assert receipt_texts(app)[0] == PANDAS_KEYERROR
        first = str(receipts(app).query_one(OptionList).get_option_at_index(0).prompt)
        assert "  2026-11-03  KeyError: 'amount'" in first
        assert "↳ same `KeyError` in pandas, Nov 3 — the answer then: The CSV header" in first
        assert "Traceback (most recent" not in first
        assert "KeyError: 'date'" in receipts(app).caption
        table = app.query_one(HistoryTable)
        rows = [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]
        assert "KeyError: 'amount'" in rows
        assert any(row.startswith("IndexError: index 53") for row in rows)
        assert not any("Traceback (most recent" in row for row in rows)
