"""A keyboard heatmap of entries per day: a month (weeks as rows, Monday first, each day's number
beside its shade) or a year (weeks as columns, a character a day). It is handed the counts; moving
posts ``Moved`` and Enter posts ``Chosen``. The shades are styled in ``styles/calendar.tcss``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.domain.calendar import LEVELS, level, month_weeks, shift_months, year_weeks

SHADES = "·░▒▓█"
"""A day's shade by level (0: no entry), readable without colours too."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_CELL = 6


class Heatmap(Widget, can_focus=True):
    HELP_TITLE = "Calendar heatmap"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"heatmap--level-{n}" for n in range(LEVELS + 1)),
        "heatmap--selected", "heatmap--other-month", "heatmap--label",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Day before", show=False),
        Binding("right", "move(1)", "Day after", show=False),
        Binding("up", "move(-7)", "Week before", show=False),
        Binding("down", "move(7)", "Week after", show=False),
        Binding("pageup", "page(-1)", "Earlier month/year"),
        Binding("pagedown", "page(1)", "Later month/year"),
        Binding("m", "view('month')", "Month"),
        Binding("y", "view('year')", "Year"),
        Binding("t", "today", "Today"),
        Binding("enter", "choose", "Show that day"),
    ]

    selected: reactive[date] = reactive(date.min)
    view: reactive[str] = reactive("month", layout=True)

    @dataclass
    class Moved(Message):
        """The selected day or the view changed: the screen says what is in view."""

        day: date
        view: str

    @dataclass
    class Chosen(Message):
        """Enter on ``day``."""

        day: date

    def __init__(self, today: date, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today
        self.counts: Mapping[date, int] = {}
        self.set_reactive(Heatmap.selected, today)

    def show_counts(self, counts: Mapping[date, int]) -> None:
        self.counts = counts
        self.refresh(layout=True)

    def days_in_view(self) -> tuple[date, date]:
        """The first and last day of the month or year in view."""
        if self.view == "year":
            return date(self.selected.year, 1, 1), date(self.selected.year, 12, 31)
        first = self.selected.replace(day=1)
        return first, shift_months(first, 1) - timedelta(days=1)

    # -- keys --------------------------------------------------------------------------------------

    def _select(self, day: date) -> None:
        self.selected = day
        self.post_message(self.Moved(day, self.view))

    def action_move(self, days: int) -> None:
        self._select(self.selected + timedelta(days=days))

    def action_page(self, step: int) -> None:
        self._select(shift_months(self.selected, step * (12 if self.view == "year" else 1)))

    def action_view(self, view: str) -> None:
        self.view = view
        self._select(self.selected)

    def action_today(self) -> None:
        self._select(self.today)

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self.selected))

    # -- drawing -----------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"heatmap--{name}", partial=True)

    def _peak(self) -> int:
        first, last = self.days_in_view()
        return max((count for day, count in self.counts.items() if first <= day <= last), default=0)

    def _cell_style(self, day: date, peak: int, first: date, last: date) -> Style:
        style = self._style(f"level-{level(self.counts.get(day, 0), peak)}")
        if not first <= day <= last:
            style += self._style("other-month")
        if day == self.selected:
            style += self._style("selected")
        return style

    def render(self) -> Text:
        text = self._render_year() if self.view == "year" else self._render_month()
        text.append("\n\n")
        text.append("less ", self._style("label"))
        for n, shade in enumerate(SHADES):
            text.append(shade, self._style(f"level-{n}"))
        text.append(" more", self._style("label"))
        return text

    def _render_month(self) -> Text:
        first, last = self.days_in_view()
        peak = self._peak()
        text = Text("".join(f"{name:>{MONTH_CELL - 1}} " for name in WEEKDAYS), self._style("label"))
        for week in month_weeks(self.selected):
            text.append("\n")
            for day in week:
                shade = SHADES[level(self.counts.get(day, 0), peak)]
                text.append(f"{day.day:>{MONTH_CELL - 3}} {shade}", self._cell_style(day, peak, first, last))
                text.append(" ")
        return text

    def _render_year(self) -> Text:
        first, last = self.days_in_view()
        peak = self._peak()
        weeks = year_weeks(self.selected)
        labels = [" "] * (len(weeks) + 3)
        for column, week in enumerate(weeks):
            start = next((day for day in week if day.day == 1 and first <= day <= last), None)
            if start is not None:
                labels[column:column + 3] = list(f"{start:%b}")
        text = Text("    " + "".join(labels).rstrip(), self._style("label"))
        for weekday in range(7):
            text.append("\n")
            text.append(f"{WEEKDAYS[weekday] if weekday % 2 == 0 else '':<4}", self._style("label"))
            for week in weeks:
                day = week[weekday]
                if first <= day <= last:
                    text.append(SHADES[level(self.counts.get(day, 0), peak)], self._cell_style(day, peak, first, last))
                else:
                    text.append(" ")
        return text
