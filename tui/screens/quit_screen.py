"""Asked on quit while turns are unanswered: they are kept on the disk, and the person is told so.
A reply that has arrived but is still being saved is not one of them: quitting waits for it."""

from __future__ import annotations

from tui.screens.confirm_screen import ConfirmScreen


class QuitScreen(ConfirmScreen):
    def __init__(self, unanswered: int, saving: bool = False) -> None:
        turns = f"{unanswered} turn{'s are' if unanswered != 1 else ' is'}"
        then = " The reply that just arrived is saving: quitting waits the moment it takes." if saving else ""
        super().__init__(f"{turns} not answered yet. Nothing is lost: the text is kept on disk and comes back "
                         f"the next time mindpane starts.{then} Quit now?", confirm_label="Quit")
