"""What "on this day" shows: the days to look back at, and the sections a panel lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tui.domain.calendar import shift_months, shift_years
from tui.domain.records import MemoryRecord


@dataclass(frozen=True)
class Section:
    """A heading ("A week ago · Fri Nov 13") and the entries under it."""

    title: str
    entries: list[MemoryRecord] = field(default_factory=list)
    dated: bool = False
    """Each entry shows its own day (the heading does not say it: related entries)."""


def _years_ago(years: int) -> str:
    return "A year ago" if years == 1 else f"{years} years ago"


def looking_back(today: date, oldest: date) -> list[tuple[str, date]]:
    """The days to reread, nearest first, each with its heading: a week, a month, then every year
    back to the year of the ``oldest`` entry."""
    days = [(f"A week ago · {_day(today - timedelta(days=7), weekday=True)}", today - timedelta(days=7)),
            (f"A month ago · {_day(shift_months(today, -1))}", shift_months(today, -1))]
    years = 1
    while (past := shift_years(today, -years)) >= oldest.replace(month=1, day=1):
        days.append((f"{_years_ago(years)} · {_day(past, year=True)}", past))
        years += 1
    return days


def _day(day: date, weekday: bool = False, year: bool = False) -> str:
    text = f"{day:%b} {day.day}"
    if weekday:
        text = f"{day:%a} {text}"
    return f"{text}, {day.year}" if year else text


RELATED_TITLE = "Related to today"
