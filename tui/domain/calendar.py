"""Days, weeks and streaks for the calendar: pure date arithmetic over per-day entry counts, so the
heatmap, its header and the on-this-day lookups share one definition of "a month ago"."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

LEVELS = 4
"""Shades above "no entry": the heatmap's legend has LEVELS + 1 cells."""


@dataclass(frozen=True)
class Streaks:
    current: int
    """Consecutive days with an entry ending today (or yesterday, while today has none yet)."""
    longest: int


def streaks(counts: Mapping[date, int], today: date) -> Streaks:
    days = {day for day, count in counts.items() if count > 0}
    end = today if today in days else today - timedelta(days=1)
    current = 0
    while end - timedelta(days=current) in days:
        current += 1
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return Streaks(current, longest)


def level(count: int, peak: int) -> int:
    """0 for no entry, else 1..LEVELS by the share of the busiest day in view (``peak``)."""
    if count <= 0:
        return 0
    return max(1, min(LEVELS, -(-LEVELS * count // max(peak, 1))))


def shift_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def shift_years(day: date, years: int) -> date:
    return shift_months(day, 12 * years)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weeks(first: date, last: date) -> list[list[date]]:
    """Whole weeks (Monday to Sunday) covering ``first`` to ``last``."""
    start, rows = week_start(first), []
    while start <= last:
        rows.append([start + timedelta(days=i) for i in range(7)])
        start += timedelta(days=7)
    return rows


def month_weeks(day: date) -> list[list[date]]:
    """The weeks of ``day``'s month, Monday first (the first and last hold days of the months around it)."""
    first = day.replace(day=1)
    return weeks(first, first.replace(day=calendar.monthrange(day.year, day.month)[1]))


def year_weeks(day: date) -> list[list[date]]:
    """The weeks of ``day``'s year (53 or 54 columns in the year view)."""
    return weeks(date(day.year, 1, 1), date(day.year, 12, 31))


def in_view(counts: Mapping[date, int], first: date, last: date) -> int:
    """Entries written from ``first`` to ``last`` (both included)."""
    return sum(count for day, count in counts.items() if first <= day <= last)
