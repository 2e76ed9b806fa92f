"""Reading time in what the person wrote: each family of cues becomes the right window of local
days (or a wish for the latest entry), and ordinary words stay ordinary. Today is Friday
2026-11-20 09:30 UTC (FIXED_NOW)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime

import pytest

from tests.conftest import FIXED_NOW
from tui.services.time_cues import cue_for_recall, read_time_cue


def days(text: str) -> tuple[date | None, date | None, str]:
    """The cue's window as local days [first, last] and its label."""
    cue = read_time_cue(text, FIXED_NOW)
    assert cue is not None, f"no cue read in {text!r}"
    first = cue.since.astimezone().date() if cue.since else None
    last = date.fromordinal(cue.until.astimezone().date().toordinal() - 1) if cue.until else None
    return first, last, cue.label


@pytest.mark.parametrize(("text", "first", "last", "label"), [
    ("What did I write yesterday?", date(2026, 11, 19), date(2026, 11, 19), "yesterday (Nov 19)"),
    ("what happened this morning", date(2026, 11, 20), date(2026, 11, 20), "this morning (Nov 20)"),
    ("the day before yesterday", date(2026, 11, 18), date(2026, 11, 18), "the day before yesterday (Nov 18)"),
    ("What did I cook last night?", date(2026, 11, 19), date(2026, 11, 19), "last night (Nov 19)"),
    ("what was I doing 3 days ago", date(2026, 11, 17), date(2026, 11, 17), "3 days ago (Nov 17)"),
    ("How did I feel two weeks ago?", date(2026, 11, 2), date(2026, 11, 8), "two weeks ago (Nov 2–8)"),
    ("anything last week?", date(2026, 11, 9), date(2026, 11, 15), "last week (Nov 9–15)"),
    ("what about last weekend", date(2026, 11, 14), date(2026, 11, 15), "last weekend (Nov 14–15)"),
])
def test_relative_days_become_local_day_windows(text, first, last, label):
    assert days(text) == (first, last, label)


@pytest.mark.parametrize(("text", "first", "label"), [
    ("What did I write last Tuesday?", date(2026, 11, 17), "last Tuesday (Nov 17)"),
    ("what did I do on Monday", date(2026, 11, 16), "Monday (Nov 16)"),
    ("notes from last Friday", date(2026, 11, 13), "last Friday (Nov 13)"),
    ("what did I write on Friday", date(2026, 11, 20), "Friday (Nov 20)"),
])
def test_a_weekday_is_the_latest_such_day_and_last_means_before_today(text, first, label):
    assert days(text) == (first, first, label)


@pytest.mark.parametrize(("text", "day", "label"), [
    ("What did I do on November 10?", date(2026, 11, 10), "November 10"),
    ("what happened on 10/11", date(2026, 11, 10), "November 10"),
    ("the 10th of November 2025", date(2025, 11, 10), "November 10, 2025"),
    ("on 2026-11-03", date(2026, 11, 3), "November 3"),
    ("what did I do on December 25", date(2025, 12, 25), "December 25, 2025"),
])
def test_an_absolute_date_is_that_day_and_without_a_year_the_latest_past_one(text, day, label):
    assert days(text) == (day, day, label)


@pytest.mark.parametrize(("text", "first", "last", "label"), [
    ("What did I write in March?", date(2026, 3, 1), date(2026, 3, 31), "March"),
    ("in December", date(2025, 12, 1), date(2025, 12, 31), "December 2025"),
    ("What happened last year?", date(2025, 1, 1), date(2025, 12, 31), "last year (2025)"),
    ("what did I write about Ana in 2024", date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ("plans for May 2026", date(2026, 5, 1), date(2026, 5, 31), "May"),
])
def test_a_month_or_year_is_the_whole_month_or_year(text, first, last, label):
    assert days(text) == (first, last, label)


@pytest.mark.parametrize(("text", "first", "last", "label"), [
    ("What did I write since Monday?", date(2026, 11, 16), date(2026, 11, 20), "since Monday (Nov 16)"),
    ("between November 1 and November 10", date(2026, 11, 1), date(2026, 11, 10),
     "between November 1 and November 10"),
    ("from March to May", date(2026, 3, 1), date(2026, 5, 31), "from March to May"),
    ("the past 3 days", date(2026, 11, 18), date(2026, 11, 20), "the past 3 days (Nov 18–20)"),
    ("anything before November?", None, date(2026, 10, 31), "before November"),
])
def test_a_range_spans_from_its_first_day_to_its_last(text, first, last, label):
    assert days(text) == (first, last, label)


@pytest.mark.parametrize("text", [
    "What is the last color we talked about?", "what's my latest idea for the garden",
    "the most recent thing I said about Ana", "When did I last see Sam?", "the last time I called mum",
])
def test_recency_words_ask_for_the_latest_entry_without_a_window(text):
    cue = read_time_cue(text, FIXED_NOW)
    assert cue is not None and cue.recency and not cue.windowed


@pytest.mark.parametrize("text", [
    "what was that recipe again?", "I saw Ana the other day", "What did I do recently?",
    "Have I felt this way lately?", "What did I write last summer?",
])
def test_again_recently_and_a_season_do_not_ask_for_the_newest_entry(text):
    """Found on LoCoMo: "again" and "recently" in passing put "Nate: Bye Joanna!" first."""
    cue = read_time_cue(text, FIXED_NOW)
    assert cue is None or not cue.recency


@pytest.mark.parametrize(("text", "first", "last"), [
    ("What did Tim say last week, as mentioned on November 6, 2023?", date(2023, 10, 30), date(2023, 11, 6)),
    ("What did I do last Friday on 23 January, 2022?", date(2022, 1, 21), date(2022, 1, 23)),
    ("Where was Tim in the week before 16 November 2023?", date(2023, 11, 9), date(2023, 11, 15)),
])
def test_a_relative_phrase_is_read_from_the_date_the_question_names(text, first, last):
    assert days(text)[:2] == (first, last)


def test_the_week_before_a_day_is_the_seven_days_up_to_it():
    assert days("What did I do the week before November 10?")[:2] == (date(2026, 11, 3), date(2026, 11, 9))
    assert days("and two days after 3 November?")[:2] == (date(2026, 11, 4), date(2026, 11, 5))


@pytest.mark.parametrize("text", ["What did I eat on 31/02?", "What happened in 1850?", "on 45/13", ""])
def test_impossible_or_far_dates_give_no_cue_and_no_error(text):
    assert read_time_cue(text, FIXED_NOW) is None


def test_last_before_a_weekday_is_a_day_not_recency_and_both_can_hold():
    assert not read_time_cue("What did I write last Tuesday?", FIXED_NOW).recency
    both = read_time_cue("the latest news about the garden since Monday", FIXED_NOW)
    assert both.recency and both.label == "since Monday (Nov 16)"


@pytest.mark.parametrize("text", [
    "Maybe I should rest.", "March on, the song says.", "I may go swimming.", "Wait a second.",
    "Add 1/2 cup of flour.", "At last, some peace.", "The lake was cold and grey.",
    "How do I sort a list in python?", "It costs 2048 bytes.",
])
def test_ordinary_words_are_not_read_as_time(text):
    assert read_time_cue(text, FIXED_NOW) is None


def test_days_are_the_persons_local_days(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Honolulu")
    time.tzset()
    try:
        # 09:30 UTC on Nov 20 is 23:30 on Thursday Nov 19 in Honolulu: "yesterday" is Nov 18 there.
        cue = read_time_cue("what did I write yesterday", FIXED_NOW)
        assert cue.label == "yesterday (Nov 18)"
        assert cue.since == datetime.fromisoformat("2026-11-18T10:00:00+00:00")
        assert cue.until == datetime.fromisoformat("2026-11-19T10:00:00+00:00")
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


def test_plain_text_does_not_import_the_date_parser():
    code = ("import sys; from datetime import datetime, UTC; from tui.services.time_cues import read_time_cue; "
            "read_time_cue('The lake was cold today', datetime.now(UTC)); "
            "read_time_cue('Spent the morning swimming', datetime.now(UTC)); "
            "print('dateparser' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_the_cue_patterns_are_compiled_when_first_needed_and_a_text_without_a_time_word_needs_one():
    code = ("from datetime import datetime, UTC; from tui.services import time_cues; "
            "compiled = [time_cues._regex.cache_info().currsize]; "
            "time_cues.cue_for_recall('Why does my list comprehension shadow x?', datetime.now(UTC)); "
            "compiled.append(time_cues._regex.cache_info().currsize); print(compiled)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[0, 1]"  # none at import; then the gate alone


@pytest.mark.parametrize(("text", "window", "recency"), [
    ("What did I write last Tuesday?", True, False),
    ("What happened yesterday?", True, False),
    ("Remind me what we talked about in March", True, False),
    ("Anything I wrote about Ana last week?", True, False),
    ("What is the last color we talked about?", False, True),
    ("When did I last see Sam?", False, True),
    ("When did Melanie go camping in June?", True, False),
    ("What painting did Melanie show on October 13, 2023?", True, False),
    ("Where was John between August 11 and August 15 2023?", True, False),
])
def test_recall_follows_a_cue_in_a_question_about_the_past_whoever_it_is_about(text, window, recency):
    cue = cue_for_recall(text, FIXED_NOW)
    assert cue is not None and (cue.windowed, cue.recency) == (window, recency)


@pytest.mark.parametrize("text", [
    "Another foggy walk by the river this morning.",
    "Yesterday I went swimming with Ana and it was cold.",
    "How do I get yesterday's date in python?",
    "How do I filter the rows from last month in pandas?",
    "I saw Ana the other day.",
])
def test_recall_ignores_time_in_statements_and_questions_about_other_things(text):
    assert cue_for_recall(text, FIXED_NOW) is None
