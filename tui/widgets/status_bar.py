"""The top line: which mode is on, whether the memory store is open, how the sync with the hub
stands (a journal joined to one), and what Ollama said."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.domain.errors import ModelNotFound, OllamaUnreachable
from tui.domain.modes import Mode
from tui.runtime.messages import OllamaStatus
from tui.text import one_line

STORE_TEXT = {
    "loading": "◌ opening memories…",
    "ready": "",
    "failed": "✗ memory store unavailable",
}


def ollama_text(status: OllamaStatus | None, host: str) -> str:
    """One line a person can act on: the model in use, or the command that fixes the problem."""
    if status is None:
        return "ollama: checking…"
    if status.ok:
        return f"ollama ✓ {status.model}"
    if isinstance(status.error, OllamaUnreachable):
        return f"ollama unreachable at {host.removeprefix('http://')}: start `ollama serve`"
    if isinstance(status.error, ModelNotFound):
        return f"model not pulled: `ollama pull {status.model}`"
    return f"ollama ✗ {one_line(status.error.message, 60)}"


MODE_TITLE_CHARS = 18
"""A mode's title on the status line is cut to this: titles come from the config file, and a few
long ones must still leave room for the Ollama state."""


def modes_text(modes: Iterable[Mode], current: Mode) -> Text:
    text = Text()
    for mode in modes:
        title = one_line(mode.title, MODE_TITLE_CHARS)
        if mode.name == current.name:
            text.append(f" ◆ {title} ", style="bold reverse")
        else:
            text.append(f" ◇ {title} ", style="dim")
    return text


class StatusBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("mindpane", classes="app-name", markup=False)
        yield Static("", classes="mode-tabs")
        yield Static("", classes="store-state", markup=False)
        yield Static("", classes="sync-state", markup=False)
        yield Static("", classes="ollama-state", markup=False)

    def show_mode(self, modes: Iterable[Mode], current: Mode) -> None:
        self.query_one(".mode-tabs", Static).update(modes_text(modes, current))

    def show_store(self, state: str) -> None:
        self.query_one(".store-state", Static).update(STORE_TEXT.get(state, state))
        for name in STORE_TEXT:
            self.set_class(name == state, f"-store-{name}")

    def show_ollama(self, status: OllamaStatus | None, host: str) -> None:
        self.query_one(".ollama-state", Static).update(ollama_text(status, host))
        self.set_class(status is not None and not status.ok, "-ollama-trouble")
        self.set_class(status is not None and status.ok, "-ollama-ok")

    def show_sync(self, text: str) -> None:
        """``⟳ syncing``, ``✓ synced 2 min ago``, ``✗ hub unreachable: …``; empty: not joined."""
        self.query_one(".sync-state", Static).update(text)
        self.set_class(bool(text), "-sync-shown")
        self.set_class(text.startswith("✗"), "-sync-trouble")
