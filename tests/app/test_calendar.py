"""The calendar: entries per local day as a heatmap (a month, a year), the writing streak, and
Enter on a day filtering the history to that day."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from tests.tui_support import app_over_store, notified, quiet_cursor, settle
from tui.domain.calendar import level, month_weeks, shift_months, streaks, year_weeks
from tui.domain.modes import CODE, JOURNAL
from tui.screens.calendar_screen import CalendarScreen
from tui.widgets.history_pane import HistoryPane
from tui.widgets.history_table import HistoryTable

TODAY = date(2026, 11, 20)


# -- counting per local day -------------------------------------------------------------------------


def test_entries_are_counted_per_local_day_of_the_mode(store, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    store.add_entry(JOURNAL, "late evening in New York", at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC))  # Nov 19
    store.add_entry(JOURNAL, "morning", at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC))
    store.add_entry(JOURNAL, "afternoon", at=datetime(2026, 11, 20, 19, 0, tzinfo=UTC))
    gone = store.add_entry(JOURNAL, "deleted", at=datetime(2026, 11, 20, 20, 0, tzinfo=UTC))
    store.delete(gone.id)
    store.add_entry(CODE, "a question", at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    store.add_entry(JOURNAL, "long ago", at=datetime(2025, 1, 5, 15, 0, tzinfo=UTC))

    assert store.record.day_counts("journal") == {date(2026, 11, 19): 1, date(2026, 11, 20): 2, date(2025, 1, 5): 1}
    assert store.record.day_counts(None)[date(2026, 11, 20)] == 3
    since = datetime(2026, 11, 20).astimezone()  # local midnight
    assert store.record.day_counts("journal", since, since + timedelta(days=1)) == {date(2026, 11, 20): 2}


# -- streaks, shades and weeks ----------------------------------------------------------------------


def days(*pairs: tuple[int, int]) -> dict[date, int]:
    return {date(2026, month, day): 1 for month, day in pairs}


def test_the_current_streak_ends_today_or_yesterday_while_today_is_empty():
    assert streaks(days((11, 18), (11, 19), (11, 20)), TODAY).current == 3
    assert streaks(days((11, 18), (11, 19)), TODAY).current == 2
    assert streaks(days((11, 17), (11, 18)), TODAY).current == 0
    assert streaks({TODAY: 0}, TODAY).current == 0


def test_the_longest_streak_is_the_longest_run_of_days_ever():
    counts = days((10, 1), (10, 2), (10, 3), (10, 4), (10, 31), (11, 1), (11, 20))
    assert streaks(counts, TODAY).longest == 4
    assert streaks(counts, TODAY).current == 1
    assert streaks({}, TODAY).longest == 0


def test_shades_grow_with_the_share_of_the_busiest_day():
    assert [level(count, 8) for count in (0, 1, 2, 3, 4, 6, 8)] == [0, 1, 1, 2, 2, 3, 4]
    assert level(1, 1) == 4


def test_a_month_ago_lands_on_the_months_last_day_when_it_must():
    assert shift_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert shift_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


def test_weeks_run_monday_to_sunday():
    weeks = month_weeks(TODAY)
    assert weeks[0][0] == date(2026, 10, 26) and weeks[-1][-1] == date(2026, 12, 6)
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)
    assert len(year_weeks(TODAY)) == 53


# -- the calendar screen ------------------------------------------------------------------------------


def seed(store) -> None:
    for day, count in ((20, 2), (19, 1), (18, 1), (10, 1), (9, 1)):
        for n in range(count):
            store.add_entry(JOURNAL, f"Journal on Nov {day} #{n}", at=datetime(2026, 11, day, 8 + n, tzinfo=UTC))
    store.add_entry(CODE, "A code question on Nov 17", at=datetime(2026, 11, 17, 9, tzinfo=UTC))


def app_over_seeded_store(settings, clock):
    return app_over_store(settings, clock, seed)


def header(app) -> str:
    return app.screen.header_text()


async def test_f6_opens_the_month_with_counts_and_streaks_and_arrows_move(settings, clock):
    app = app_over_seeded_store(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)
        assert header(app) == "Journal · November 2026 · 6 entries · streak 3 days · longest 3 days"
        assert app.screen.selected_text() == "Fri Nov 20, 2026 · 2 entries"
        await pilot.press("left")
        assert app.screen.selected_text() == "Thu Nov 19, 2026 · 1 entry"
        await pilot.press("up")
        assert app.screen.selected_text() == "Thu Nov 12, 2026 · no entry"
        await pilot.press("pageup")
        assert header(app).startswith("Journal · October 2026 · 0 entries")
        await pilot.press("t", "y")
        assert header(app).startswith("Journal · 2026 · 6 entries")
        await pilot.press("m", "a")
        await settle(pilot)
        assert header(app) == "All modes · November 2026 · 7 entries · streak 4 days · longest 4 days"
        await pilot.press("escape")
        assert not isinstance(app.screen, CalendarScreen)


async def test_enter_on_a_day_filters_the_history_to_that_day(settings, clock):
    app = app_over_seeded_store(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("left", "left", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, CalendarScreen)
        history = app.screen.query_one(HistoryPane)
        assert history.query_one(".history-filter").value == "on:2026-11-18"
        table = history.query_one(HistoryTable)
        assert table.row_count == 1


def test_the_month_view_snapshot(snap_compare, settings, clock):
    app = app_over_seeded_store(settings, clock)

    async def open_calendar(pilot) -> None:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("left")
        quiet_cursor(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_calendar)


async def test_counts_that_cannot_be_read_are_said(settings, clock, monkeypatch):
    from tui.domain.errors import StoreError

    app = app_over_seeded_store(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        def broken(*_args, **_kwargs):
            raise StoreError("The memory store failed: disk I/O error", "run `mindpane doctor`")

        monkeypatch.setattr(app.workspace.journal.record, "day_counts", broken)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, CalendarScreen)
        assert any("disk I/O error" in note for note in notified(app))
        assert app.screen.query_one(".calendar-day").content == "The counts could not be read."
        assert header(app) == "Journal · November 2026 · counts unavailable"
