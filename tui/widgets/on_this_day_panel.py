"""The on-this-day panel: a mode's entries from this day a week, a month and years ago, and older
ones related to today's, under a heading per day. It is handed its sections (the screen loads them
in a worker); Enter asks for the entry as the history pane does, Esc or x puts the panel away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.records import MemoryRecord
from tui.text import entry_preview, local_day
from tui.widgets.history_pane import HistoryPane

if TYPE_CHECKING:
    from tui.domain.on_this_day import Section

PREVIEW = 70


def _line(entry: MemoryRecord, dated: bool) -> str:
    day = f"{local_day(entry.created_at)}  " if dated else ""
    return f"  {day}{entry_preview(entry.text, PREVIEW)}"


class OnThisDayPanel(Vertical):
    HELP_TITLE = "On this day"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,x", "dismiss", "Dismiss", tooltip="Put the on-this-day panel away (F8 brings it back)"),
    ]

    @dataclass
    class Dismissed(Message):
        """The person put the panel away: the screen gives the keys back to the prompt."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode_name: str | None = None
        self.sections: list[Section] = []

    def compose(self) -> ComposeResult:
        yield Static("On this day", classes="on-this-day-title", markup=False)
        yield OptionList(classes="on-this-day-list")

    def on_mount(self) -> None:
        self.display = False

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def show_sections(self, mode_name: str, sections: list[Section]) -> None:
        """List ``sections`` (a heading each, then its entries) and show the panel; focus stays put."""
        self.mode_name, self.sections = mode_name, sections
        options = self.options
        options.clear_options()
        for section in sections:
            options.add_option(Option(section.title, disabled=True))
            options.add_options(Option(_line(entry, section.dated), id=entry.id) for entry in section.entries)
        options.highlighted = next((i for i in range(options.option_count)
                                    if not options.get_option_at_index(i).disabled), None)
        self.display = True

    def hide(self) -> None:
        self.display = False

    def shown_text(self) -> str:
        """What the panel lists, a line per heading or entry (for tests and screen readers)."""
        options = self.options
        return "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(HistoryPane.OpenEntry(event.option.id))

    def action_dismiss(self) -> None:
        self.hide()
        self.post_message(self.Dismissed())
