"""The main screen's part in "on this day": when a mode that has it opens (and the store is ready),
load its sections in a worker — once per mode per session — and show the panel only when there is
something in it; F8 asks again and gives the panel the keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode
from tui.services.screen_access import OnThisDayAccess
from tui.widgets.on_this_day_panel import OnThisDayPanel

if TYPE_CHECKING:  # type checkers see the screen it is mixed into
    from textual import getters
    from textual.screen import Screen as _Host

    from tui.app import MindpaneApp
    from tui.domain.on_this_day import Section
else:
    _Host = object


@dataclass
class OnThisDayLoaded(Message, bubble=False):
    """The sections of ``mode_name`` (or the ``error`` that stopped them); ``asked``: by F8."""

    mode_name: str
    sections: list[Section]
    asked: bool
    error: MindpaneError | None = None


class OnThisDayHost(_Host):
    """Mixed into the main screen (before ``Screen``), which composes an ``OnThisDayPanel``; the
    worker runs on that screen, whose ``ReportsWorkerFailures`` hands an unexpected failure to the app."""

    if TYPE_CHECKING:  # ``self.app.workspace`` & co. typed; at run time Textual's own: see ``tui.screens``
        app = getters.app(MindpaneApp)
    chat: Any
    _offered: set[str] | None = None
    """Modes whose panel was offered this session (a mode switch back does not offer it again)."""

    @property
    def on_this_day_panel(self) -> OnThisDayPanel:
        return self.query_one(OnThisDayPanel)

    def offer_on_this_day(self, mode: Mode) -> None:
        """The mode is open (or the store just opened): the panel of the last mode goes, and this
        mode's is loaded the first time it opens."""
        panel = self.on_this_day_panel
        if panel.mode_name != mode.name:
            panel.hide()
        if self._offered is None:
            self._offered = set()
        if not mode.on_this_day or mode.name in self._offered or not self.app.workspace.ready:
            return
        self._offered.add(mode.name)
        self._load_on_this_day(mode, asked=False)

    def action_on_this_day(self) -> None:
        """F8: show the panel again (it is loaded afresh) and move the keys into it."""
        panel = self.on_this_day_panel
        app = self.app
        if panel.display and panel.mode_name == app.mode.name:
            self._focus_panel()
        elif not app.workspace.ready:
            app.notify("The memory store is still opening.", markup=False)
        else:
            self._load_on_this_day(app.mode, asked=True)

    def _focus_panel(self) -> None:
        self.remove_class("-memory-hidden")
        self.on_this_day_panel.options.focus()

    def clock_now(self) -> datetime:
        """Now, by the app's clock (a fixed one in tests)."""
        clock: Callable[[], datetime] | None = self.app.clock
        return clock() if clock is not None else datetime.now(UTC)

    @work(thread=True, exclusive=True, group="on-this-day", exit_on_error=False, description="on this day")
    def _load_on_this_day(self, mode: Mode, asked: bool) -> None:
        try:
            sections = OnThisDayAccess(self.app.workspace).sections(mode, self.clock_now())
        except MindpaneError as error:
            self.post_message(OnThisDayLoaded(mode.name, [], asked, error))
            return
        self.post_message(OnThisDayLoaded(mode.name, sections, asked))

    def on_on_this_day_loaded(self, message: OnThisDayLoaded) -> None:
        app = self.app
        if message.error is not None:
            app.notify(str(message.error), title="On this day", severity="error", markup=False)
            return
        if message.mode_name != app.mode.name:
            return  # the mode changed meanwhile
        if not message.sections:
            if message.asked:
                app.notify(f"Nothing in {app.mode.title} from this day a week, a month or a year ago, "
                           "and nothing older like today's entries.", title="On this day", markup=False)
            return
        self.on_this_day_panel.show_sections(message.mode_name, message.sections)
        if message.asked:
            self._focus_panel()

    def on_on_this_day_panel_dismissed(self, message: OnThisDayPanel.Dismissed) -> None:
        message.stop()
        self.chat.prompt_bar.input.focus()
