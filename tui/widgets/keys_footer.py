"""The footer, with the key to the help always in view.

Textual's footer lists the focused pane's keys first and the app's last, and cuts the row at the
terminal's edge: at 80 columns, with the history focused, F1 was the first key to fall off — the
one key that lists all the others. Here it comes first, wherever the focus is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

HELP_ACTION = "help"
"""The app's action that opens the help (``MindpaneApp.BINDINGS``)."""


class KeysFooter(Footer):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        first = [key for key in keys if getattr(key, "action", None) == HELP_ACTION]  # a FooterKey
        yield from first
        yield from (key for key in keys if key not in first)
