"""What is wrong in the config file, all of it, in a dialog that scrolls; and the start-up notice,
which says as much of it as fits the screen and points here. At 80×24 a notice with the whole list
was taller than the screen: its first lines, the file's name among them, were never seen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.services.config import ConfigProblem, problems_message

COMMAND = "Config problems"
"""The palette command that opens this dialog."""

TOAST_WIDTH, TOAST_FRAME, TOAST_CHROME = 60, 3, 4
"""Textual's notification (textual 8.2.8 ``Toast``): 60 columns at most half the screen's, of which
the border and padding take 3; its title, padding and margin take 4 rows."""


def problems_notice(problems: Sequence[ConfigProblem], console: Console, screen: Size) -> str:
    """The start-up notice: the file and as many problems as fit in two thirds of the screen's rows
    (at the notification's width), then how many more there are and where to read them."""
    message = problems_message(problems)
    width = min(TOAST_WIDTH, screen.width // 2) - TOAST_FRAME
    budget = max(3, screen.height * 2 // 3 - TOAST_CHROME)

    def rows(text: str) -> int:
        return sum(len(Text(line).wrap(console, width)) for line in text.split("\n"))

    if rows(message) <= budget:
        return message
    head, *listed = message.split("\n")
    shown = [head]
    for line in listed:
        left = len(listed) - len(shown)  # after this line
        if rows("\n".join([*shown, line, _more(left)])) > budget:
            break
        shown.append(line)
    return "\n".join([*shown, _more(len(listed) - len(shown) + 1)])


def _more(count: int) -> str:
    return f"…and {count} more: ctrl+p → “{COMMAND}” lists them all."


class ConfigProblemsScreen(ModalScreen[None]):
    HELP_TITLE = "Config problems"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__(classes="dialog-screen")
        self.problems = problems

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog config-problems"):
            yield Static("What is wrong in the config file", classes="dialog-title", markup=False)
            yield Static(problems_message(self.problems), markup=False)
            yield Static("The defaults stand in for what is wrong until the file is fixed and mindpane started "
                         "again; `mindpane config check` checks the file.", classes="dialog-hint", markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
