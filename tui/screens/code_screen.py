"""One block of a reply full-screen, read-only: a code block highlighted in its language (any
other block as markdown source), to read a long one whole, select part of it, or copy it all."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.widgets.markdown import MarkdownFence

from tui.runtime.clipboard import copy_with_notice


class CodeScreen(ModalScreen[None]):
    HELP_TITLE = "Code view"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,ctrl+y", "copy", "Copy", tooltip="Copy the whole block (code without its fence)"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, code: str, language: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.code = code
        self.language = language

    def compose(self) -> ComposeResult:
        lines = self.code.count("\n") + 1
        title = f"{self.language or 'text'} · {lines} line{'s' if lines != 1 else ''} · read-only"
        with Vertical(classes="dialog code-view"):
            yield Static(title, classes="dialog-title", markup=False)
            with VerticalScroll(classes="code-view-body"):
                code = MarkdownFence.highlight(self.code, self.language, ansi=self.app.native_ansi_color,
                                               dark=self.app.current_theme.dark)
                yield Static(code, classes="code-view-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".code-view-body").focus()

    def action_copy(self) -> None:
        copy_with_notice(self.app, self.code)

    def action_close(self) -> None:
        self.dismiss(None)
