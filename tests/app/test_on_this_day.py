"""On this day: opening the journal shows what was written on this day a week, a month and years
ago, and the older entries closest to today's; a key opens one, Esc puts the panel away."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from tests.conftest import FIXED_NOW
from tests.tui_support import app_over_store, notified, settle
from tui.domain.modes import CODE, JOURNAL
from tui.domain.on_this_day import RELATED_TITLE
from tui.screens.entry_screen import EntryScreen
from tui.services.on_this_day import on_this_day
from tui.widgets.on_this_day_panel import OnThisDayPanel

WEEK_AGO = datetime(2026, 11, 13, 20, 0, tzinfo=UTC)
MONTH_AGO = datetime(2026, 10, 20, 7, 15, tzinfo=UTC)
YEAR_AGO = datetime(2025, 11, 20, 22, 0, tzinfo=UTC)
TWO_YEARS_AGO = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)


def seed_past(store) -> None:
    store.add_entry(JOURNAL, "Week-old entry: the first frost on the car.", at=WEEK_AGO)
    store.add_entry(JOURNAL, "Month-old entry: apples from the market.", at=MONTH_AGO)
    store.add_entry(JOURNAL, "Year-old entry: started learning the cello.", at=YEAR_AGO)
    store.add_entry(JOURNAL, "Two-year-old entry: moved into the flat.", at=TWO_YEARS_AGO)
    store.add_entry(JOURNAL, "An ordinary day, nothing to say.", at=datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    store.add_entry(CODE, "Week-old code question about dataclasses.", at=WEEK_AGO)


def titles(sections) -> list[str]:
    return [section.title for section in sections]


def texts(sections) -> list[list[str]]:
    return [[entry.text for entry in section.entries] for section in sections]


def test_each_past_day_of_the_mode_gets_its_section_nearest_first(store):
    seed_past(store)

    sections = on_this_day(store, JOURNAL, FIXED_NOW)

    assert titles(sections) == ["A week ago · Fri Nov 13", "A month ago · Oct 20", "A year ago · Nov 20, 2025",
                                "2 years ago · Nov 20, 2024"]
    assert texts(sections) == [["Week-old entry: the first frost on the car."],
                               ["Month-old entry: apples from the market."],
                               ["Year-old entry: started learning the cello."],
                               ["Two-year-old entry: moved into the flat."]]


def test_a_day_is_the_local_day(store, monkeypatch):
    """22:00 UTC on Nov 20, 2025 is already Nov 21 in Tokyo: not a year ago there."""
    seed_past(store)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    import time

    time.tzset()

    sections = on_this_day(store, JOURNAL, FIXED_NOW)

    assert "Year-old entry: started learning the cello." not in [text for day in texts(sections) for text in day]


def test_nothing_to_show_is_an_empty_list(store):
    assert on_this_day(store, JOURNAL, FIXED_NOW) == []
    store.add_entry(JOURNAL, "Written just now.")
    assert on_this_day(store, JOURNAL, FIXED_NOW) == []


def test_older_entries_like_todays_are_related_and_never_shown_twice(store):
    seed_past(store)
    store.add_entry(JOURNAL, "Practised the cello scales for an hour, my fingers hurt.",
                    at=datetime(2026, 8, 2, 18, 0, tzinfo=UTC))
    store.add_entry(JOURNAL, "Yesterday I also played cello, the bow is new.", at=FIXED_NOW - timedelta(days=1))
    store.add_entry(JOURNAL, "Cello lesson today: my teacher says my fingers are too stiff.", at=FIXED_NOW)

    sections = on_this_day(store, JOURNAL, FIXED_NOW)

    assert titles(sections)[-1] == RELATED_TITLE
    related = texts(sections)[-1]
    assert related[0] == "Practised the cello scales for an hour, my fingers hurt."
    assert "Year-old entry: started learning the cello." not in related  # already shown a year ago
    assert "Yesterday I also played cello, the bow is new." not in related  # not older than a week
    assert len(related) <= 3


# -- the panel ---------------------------------------------------------------------------------------


async def start(settings, clock, seed=seed_past, size=(120, 40)):
    """An app over a store that already holds the past entries."""
    return app_over_store(settings, clock, seed)


def panel(app) -> OnThisDayPanel:
    return app.screen_stack[0].query_one(OnThisDayPanel)


async def test_opening_the_journal_shows_the_panel_and_esc_dismisses_it(settings, clock):
    app = await start(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert panel(app).display
        shown = panel(app).shown_text()
        assert "A week ago · Fri Nov 13" in shown and "Week-old entry: the first frost on the car." in shown
        assert "Week-old code question" not in shown
        assert app.focused is not None and app.focused.id == "prompt"  # typing is never interrupted
        await pilot.press("f8")
        assert app.focused is panel(app).options
        await pilot.press("escape")
        assert not panel(app).display
        assert app.focused.id == "prompt"


async def test_enter_opens_the_entry_and_f8_brings_the_panel_back(settings, clock):
    app = await start(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await pilot.press("x")
        assert not panel(app).display
        await pilot.press("f8")
        await settle(pilot)
        assert panel(app).display and app.focused is panel(app).options
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert app.screen.record.text == "Month-old entry: apples from the market."


async def test_the_code_mode_never_shows_it(settings, clock):
    app = await start(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # back to the prompt (the panel has no focus yet: stays)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.mode.name == "code"
        assert not panel(app).display


async def test_nothing_from_this_day_shows_no_panel(settings, clock):
    app = await start(settings, clock, seed=lambda store: store.add_entry(JOURNAL, "Only today.", at=FIXED_NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not panel(app).display


def test_mindpane_ask_does_not_show_it(cli_env, ollama_stub, settings, clock):
    import subprocess

    from tui.services.engine import open_store

    store = open_store(settings, clock)
    try:
        seed_past(store)
    finally:
        store.close()
    ollama_stub.script("Noted.")
    result = subprocess.run([sys.executable, "-m", "tui", "ask", "A quiet Friday."], env=cli_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "A week ago" not in result.stdout and "On this day" not in result.stdout


def test_the_mode_setting_is_a_checked_flag(tmp_path):
    from tui.services.config import load_config, load_modes

    path = tmp_path / "config.toml"
    path.write_text('[modes.journal]\non_this_day = "yes"\n[modes.code]\non_this_day = true\n', encoding="utf-8")
    config = load_config(path, {})
    assert [problem.key for problem in config.problems] == ["modes.journal.on_this_day"]
    modes = load_modes(config)
    assert modes["journal"].on_this_day and modes["code"].on_this_day


async def test_a_store_failure_is_said_and_the_panel_stays_away(settings, clock, monkeypatch):
    from tui.domain.errors import StoreError

    def broken(*_args):
        raise StoreError("The memory store failed: disk I/O error", "run `mindpane doctor`")

    monkeypatch.setattr("tui.services.on_this_day.on_this_day", broken)
    app = await start(settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not panel(app).display
        assert any("disk I/O error" in note for note in notified(app))


async def test_f8_with_nothing_to_show_says_so(settings, clock):
    app = await start(settings, clock, seed=lambda store: None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert not panel(app).display
        assert any("Nothing in Journal from this day" in note for note in notified(app))
