"""The command palette's commands for the main screen. A command that has a key says which, and
that key is read from the ``BINDINGS`` that bind it, so rebinding a key changes what the palette
says with it (a key typed into the text here once could only drift)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding

from tui.widgets.history_pane import HistoryPane
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from tui.app import MindpaneApp
    from tui.screens.main_screen import MainScreen

FLIP_KIND = "flag('kind')"
MARK_WRONG = "flag('reply_wrong')"


def key_name(key: str) -> str:
    """A key as README and the notices write it: ``F9``, ``Esc``, ``ctrl+n``, ``q``."""
    if re.fullmatch(r"f\d+", key):
        return key.upper()
    return {"escape": "Esc"}.get(key, key)


def bound_key(owner: type, action: str) -> str:
    """The first key ``owner``'s ``BINDINGS`` bind to ``action``, as a person reads it."""
    for binding in Binding.make_bindings(owner.BINDINGS):  # type: ignore[attr-defined]
        if binding.action == action:
            return key_name(binding.key)
    raise LookupError(f"{owner.__name__} binds no key to {action}")


def shared_key(action: str, *owners: type) -> str:
    """The key that does ``action`` in each of ``owners`` (each different one, if they differ)."""
    return " / ".join(dict.fromkeys(bound_key(owner, action) for owner in owners))


def main_screen_commands(app: MindpaneApp, screen: MainScreen) -> Iterator[SystemCommand]:
    from tui.screens.main_screen import MainScreen

    def key(action: str) -> str:
        return bound_key(MainScreen, action)

    mode = app.mode
    yield SystemCommand("Long entry", "Open the multi-line composer", screen.action_compose)
    yield SystemCommand("Retry", "Send the last failed turn again", screen.action_retry)
    yield SystemCommand("Stop reply", f"Stop the reply that is streaming; what arrived is kept ({key('escape')})",
                        screen.action_stop)
    yield SystemCommand("Regenerate", f"Ask again for the selected answer with the same memories "
                        f"({key('regenerate')})", screen.action_regenerate)
    yield SystemCommand("Edit and resend", "Put the selected turn's text back in the prompt to edit and "
                        f"send it again ({key('edit_resend')})", screen.action_edit_resend)
    yield SystemCommand("Copy code", "Copy the reply's last code block (or the reply)", screen.action_copy)
    if mode.mark_questions:
        yield SystemCommand("Question or entry", "The selected turn is a question to the journal (kept, not "
                            f"recalled as a memory) or an entry: flip it ({bound_key(Transcript, FLIP_KIND)} on a "
                            f"turn; {bound_key(PromptBar, 'flip_kind')} in the prompt)", screen.action_flip_kind)
    yield SystemCommand("Reply is wrong", "Mark the selected reply wrong: it is not put into a prompt again; again "
                        f"unmarks it ({shared_key(MARK_WRONG, Transcript, HistoryPane)} on a turn or a history row)",
                        screen.action_mark_wrong)
    yield SystemCommand("Also recall from other modes",
                        f"The next {mode.entry_label.lower()} also recalls from other modes, this turn only "
                        f"({key('other_modes')})", screen.action_other_modes)
    yield SystemCommand("What was sent", "Exactly what the model received for the selected answer",
                        screen.action_show_sent)
    yield SystemCommand("Memory panes", "Show or hide receipts and history", screen.action_toggle_memory)
    yield SystemCommand("Changes", "Every edit, delete, reply and import; revert one", screen.action_changes)
    yield SystemCommand("On this day", f"Entries from this day a week, a month and years ago ({key('on_this_day')})",
                        screen.action_on_this_day)
    yield SystemCommand("Calendar", "A heatmap of entries per day, with your streak; Enter shows a day "
                        f"({key('calendar')})", screen.action_calendar)
    yield SystemCommand("Pinned memories", f"What goes into every {mode.title} prompt: open or unpin a pin",
                        screen.action_pins)
    yield SystemCommand("Forget all deleted", "Erase every deleted entry from the disk for good",
                        screen.forget_deleted)
    model = app.workspace.model_for(mode)
    yield SystemCommand(f"Model: {model}", f"Choose the Ollama model {mode.title} uses (lists the models Ollama has)",
                        app.action_pick_model)
    yield SystemCommand("Pull model", f"Download {model}, the model {mode.title} uses, into Ollama",
                        app.action_pull_model)
