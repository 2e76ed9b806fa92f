"""Exactly what the model received for one turn: every message (the system prompt with its memory
block, the earlier turns sent as context, the text), the model and the options that went with them.
Read-only and literal: nothing in the text is parsed as markup or Markdown."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui.runtime.session import Turn
from tui.text import for_display


def _option(value: Any) -> str:
    if value is None:
        return "none (the model's defaults)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SentScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, turn: Turn) -> None:
        super().__init__(classes="dialog-screen")
        self.turn = turn

    def compose(self) -> ComposeResult:
        turn = self.turn
        messages = turn.sent or []
        characters = sum(len(message.get("content", "")) for message in messages)
        with Vertical(classes="dialog sent"):
            yield Static(f"What was sent · {for_display(turn.model)}", classes="dialog-title", markup=False)
            options = [f"model: {turn.model}",
                       *(f"{key}: {_option(value)}" for key, value in turn.sent_options.items())]
            yield Static(for_display(" · ".join(options)), classes="sent-options", markup=False)
            yield Static(f"{len(messages)} message{'s' if len(messages) != 1 else ''}, {characters} characters, "
                         "exactly as the model received them", classes="dialog-hint", markup=False)
            with VerticalScroll(classes="sent-body"):
                for message in messages:
                    yield Static(for_display(message.get("role", "")), classes="sent-role", markup=False)
                    yield Static(for_display(message.get("content", "")), classes="sent-content", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".sent-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
