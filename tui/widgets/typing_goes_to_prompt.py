"""Keys typed in a pane that has no use for them go to the prompt.

The transcript, the receipts and the history list have keys of their own (q, w, x, /, u…); any
other printable key typed there was dropped without a sign, so someone who tabbed away and kept
typing lost their words. Such a key now asks for the prompt (``TypedAway``): the screen gives the
prompt the focus and the key acts there, after what the prompt holds.

Keys that arrive together (fast typing, a terminal sending them at once) all reach the pane before
the prompt has the focus: once one went to the prompt, every key follows it (Enter sends, Backspace
deletes, even the pane's own q), until the pane has the focus again.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widget import Widget


@dataclass
class TypedAway(Message):
    """The key ``key`` (``character``) was typed where it means nothing: it belongs to the prompt."""

    key: str
    character: str | None


def meant_for_prompt(widget: Widget, event: events.Key) -> bool:
    """A printable key, without ctrl/alt, that no binding of the focused chain (nor the app) takes.
    (A text box inside the pane, the history's filter, keeps the keys typed into it: it stops them.)"""
    return event.is_printable and "+" not in event.key and event.key not in widget.screen.active_bindings


class TypingGoesToPrompt:
    """Mixin for a pane: the printable keys it has no binding for go to the prompt."""

    _typing_away = False
    """A key went to the prompt, whose focus is on its way: the keys that follow go there too."""

    def on_key(self, event: events.Key) -> None:
        assert isinstance(self, Widget)
        if self._typing_away or meant_for_prompt(self, event):
            event.stop()
            event.prevent_default()
            self._typing_away = True
            self.post_message(TypedAway(event.key, event.character))

    def on_focus(self) -> None:
        self._typing_away = False

    def on_descendant_focus(self) -> None:
        self._typing_away = False
