"""The one-line prompt at the bottom of the chat: Enter sends. Longer entries go to the composer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.domain.modes import Mode


class PromptBar(Vertical):
    class Sent(Message):
        """The person pressed Enter on a non-empty prompt."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Input(id="prompt", classes="prompt")

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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            event.input.clear()
            self.post_message(self.Sent(text))
