"""The one-line prompt at the bottom of the chat: Enter sends. Longer entries go to the composer,
and so does a multi-line paste (Textual's ``Input`` would keep only its first line)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.domain.modes import Mode
from tui.widgets.paste_safe_input import PasteSafeInput


class PromptInput(PasteSafeInput):
    async def _on_key(self, event: events.Key) -> None:
        """Enter submits here, when the key arrives, not as a binding after the key has bubbled up
        through every parent: on a busy event loop, keys typed after Enter were inserted first and
        two turns became one entry."""
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.value.strip()
            if text:
                self.clear()
                self.post_message(PromptBar.Sent(text))
            return
        await super()._on_key(event)

    def paste_lines(self, text: str) -> None:
        """A multi-line paste is not squeezed onto the line: the composer opens with all of it."""
        self.post_message(PromptBar.MultiLinePaste(self.value_with(text)))


class PromptBar(Vertical):
    class Sent(Message):
        """The person pressed Enter on a non-empty prompt (it is cleared at once; the chat gives the
        text back if it cannot be kept)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class MultiLinePaste(Message):
        """A paste with line breaks: ``text`` is the prompt's value with the paste at the cursor
        (line ends ``\\n``), for the composer. The prompt itself is left as it was."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield PromptInput(id="prompt", classes="prompt")

    @property
    def input(self) -> Input:
        return self.query_one("#prompt", Input)

    def show_mode(self, mode: Mode, compose_key: str) -> None:
        self.input.placeholder = mode.placeholder or f"Write to {mode.title}… (Enter sends)"
        self.input.border_title = f"{mode.title} · {mode.entry_label.lower()}"
        self.input.border_subtitle = f"{compose_key}: longer entry"

    def show_draft_kept(self, kept: bool, compose_key: str) -> None:
        note = "draft kept" if kept else "longer entry"
        self.input.border_subtitle = f"{compose_key}: {note}"
