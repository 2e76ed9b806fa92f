"""Asked on quit while turns are unanswered: they are kept on the disk, and the person is told so."""

from __future__ import annotations

from tui.screens.confirm_screen import ConfirmScreen


class QuitScreen(ConfirmScreen):
    def __init__(self, unfinished: int) -> None:
        turns = f"{unfinished} turn{'s are' if unfinished != 1 else ' is'}"
        super().__init__(f"{turns} not answered yet. Nothing is lost: the text is kept on disk and comes back "
                         "the next time mindpane starts. Quit now?", confirm_label="Quit")
