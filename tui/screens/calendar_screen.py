"""The calendar: a heatmap of entries per day (a month or a year, this mode or all modes) with the
writing streak, because a year of writing says more than a count. Enter on a day closes it with
that day (the main screen filters the history to it); the counts load in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.domain.calendar import in_view, streaks
from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.screen_access import CalendarAccess
from tui.widgets.heatmap import Heatmap


def _count(number: int, noun: str, nouns: str) -> str:
    return f"{number:,} {noun if number == 1 else nouns}"


def _entries(number: int) -> str:
    return {0: "no entry", 1: "1 entry"}.get(number, f"{number:,} entries")


class CalendarScreen(ReportsWorkerFailures, ModalScreen[date | None]):
    """``days`` counts the entries per day (in a worker); dismissed with the day chosen, if any."""

    HELP_TITLE = "Calendar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "toggle_modes", "This mode / all modes"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class Counted(Message, bubble=False):
        """Entries per day of ``mode_name`` (None: every mode)."""

        mode_name: str | None
        counts: dict[date, int]

    def __init__(self, mode: Mode, today: date, days: CalendarAccess) -> None:
        super().__init__(classes="dialog-screen")
        self.mode = mode
        self.days = days
        self.today = today
        self.all_modes = False
        self.counts: dict[date, int] = {}
        self.loaded = False
        self.failed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog calendar"):
            yield Static("", classes="dialog-title calendar-header", markup=False)
            yield Heatmap(self.today, classes="calendar-heatmap")
            yield Static("", classes="calendar-day", markup=False)
            yield Static("←→ a day · ↑↓ a week · PgUp/PgDn a month (a year) · m/y month/year · a all modes · "
                         "t today · Enter shows that day in the history · Esc closes",
                         classes="dialog-hint", markup=False)
        yield Footer()

    @property
    def heatmap(self) -> Heatmap:
        return self.query_one(Heatmap)

    def on_mount(self) -> None:
        self.heatmap.focus()
        self._show()
        self._load(None if self.all_modes else self.mode.name)

    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False, description="count entries per day")
    def _load(self, mode_name: str | None) -> None:
        try:
            self.post_message(self.Counted(mode_name, self.days.day_counts(mode_name)))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_calendar_screen_counted(self, message: Counted) -> None:
        if message.mode_name != (None if self.all_modes else self.mode.name):
            return  # toggled again meanwhile
        self.counts, self.loaded = message.counts, True
        self.heatmap.show_counts(message.counts)
        self._show()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), title="Calendar", severity="error", markup=False)
        self.failed = True
        self._show()
        self.query_one(".calendar-day", Static).update("The counts could not be read.")

    # -- what is in view -----------------------------------------------------------------------------

    def header_text(self) -> str:
        heatmap = self.heatmap
        first, last = heatmap.days_in_view()
        when = f"{first:%Y}" if heatmap.view == "year" else f"{first:%B %Y}"
        scope = "All modes" if self.all_modes else self.mode.title
        if not self.loaded:
            return f"{scope} · {when} · " + ("counts unavailable" if self.failed else "counting…")
        streak = streaks(self.counts, self.today)
        entries = _count(in_view(self.counts, first, last), "entry", "entries")
        return (f"{scope} · {when} · {entries} · streak {_count(streak.current, 'day', 'days')}"
                f" · longest {_count(streak.longest, 'day', 'days')}")

    def selected_text(self) -> str:
        day = self.heatmap.selected
        return f"{day:%a %b} {day.day}, {day.year} · {_entries(self.counts.get(day, 0))}"

    def _show(self) -> None:
        self.query_one(".calendar-header", Static).update(self.header_text())
        self.query_one(".calendar-day", Static).update(self.selected_text() if self.loaded else "")

    @on(Heatmap.Moved)
    def _moved(self, message: Heatmap.Moved) -> None:
        message.stop()
        self._show()

    @on(Heatmap.Chosen)
    def _chosen(self, message: Heatmap.Chosen) -> None:
        message.stop()
        self.dismiss(message.day)

    def action_toggle_modes(self) -> None:
        self.all_modes = not self.all_modes
        self.loaded = self.failed = False
        self._show()
        self._load(None if self.all_modes else self.mode.name)

    def action_close(self) -> None:
        self.dismiss(None)
