"""The one-line prompt at the bottom of the chat: Enter sends. Longer entries go to the composer,
and so does a multi-line paste (Textual's ``Input`` would keep only its first line)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.domain.modes import Mode
from tui.widgets.paste_safe_input import PasteSafeInput, normalise_line_ends

HISTORY_PAGE = 50
"""How many stored entries one ``PromptBar.HistoryWanted`` asks for."""

_walk_ids = itertools.count(1)


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
                if isinstance(self.parent, PromptBar):
                    self.parent.stop_walking()
                self.clear()
                self.post_message(PromptBar.Sent(text))
            return
        bar = self.parent
        if event.key in ("up", "down") and isinstance(bar, PromptBar) and bar.walk_history(older=event.key == "up"):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def paste_lines(self, text: str) -> None:
        """A multi-line paste is not squeezed onto the line: the composer opens with all of it."""
        self.post_message(PromptBar.MultiLinePaste(self.value_with(text)))


def one_line(text: str) -> str:
    """An entry as the one-line prompt can hold it: its lines joined with single spaces."""
    return " ".join(line.strip() for line in normalise_line_ends(text).splitlines() if line.strip())


@dataclass
class _Walk:
    """A walk through the mode's earlier entries (↑/↓), newest first; ``index`` -1 is the draft."""

    mode_name: str
    draft: str
    id: int = field(default_factory=lambda: next(_walk_ids))
    entries: list[str] = field(default_factory=list)
    index: int = -1
    offset: int = 0
    """How many stored entries were loaded so far (the next page starts there)."""
    more: bool = True
    loading: bool = False
    wanted: bool = False
    """An ↑ pressed while a page was loading: taken when it arrives."""


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

    class HistoryWanted(Message):
        """↑ walked past the entries the prompt holds: load up to ``limit`` of ``mode_name``'s stored
        entries from ``offset`` (newest first) and hand their texts to ``PromptBar.add_history`` with
        ``walk``. ``offset`` 0 starts a walk: this session's sends not stored yet go first."""

        def __init__(self, walk: int, mode_name: str, offset: int, limit: int = HISTORY_PAGE) -> None:
            super().__init__()
            self.walk = walk
            self.mode_name = mode_name
            self.offset = offset
            self.limit = limit

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._mode_name = ""
        self._walk: _Walk | None = None

    def compose(self) -> ComposeResult:
        yield PromptInput(id="prompt", classes="prompt")

    # -- history: ↑/↓ in an empty prompt -----------------------------------------------------------

    def walk_history(self, older: bool) -> bool:
        """↑ (``older``) or ↓ in the prompt: True if it walked the history (the key is used)."""
        walk = self._walk
        if walk is None:
            if not older or self.input.value or not self._mode_name:
                return False
            walk = self._walk = _Walk(self._mode_name, self.input.value)
        if older:
            self._older(walk)
        elif walk.index > 0:
            walk.index -= 1
            self._show(walk.entries[walk.index])
        else:  # past the newest (or before the first page came): back to the draft
            self.stop_walking()
            if walk.index == 0:
                self._show(walk.draft)
        return True

    def _older(self, walk: _Walk) -> None:
        if walk.index + 1 < len(walk.entries):
            walk.index += 1
            self._show(walk.entries[walk.index])
        elif walk.more:
            walk.wanted = True
            if not walk.loading:
                walk.loading = True
                self.post_message(self.HistoryWanted(walk.id, walk.mode_name, walk.offset))
        elif walk.index < 0:
            self.stop_walking()  # nothing to walk

    def add_history(self, walk_id: int, texts: list[str], next_offset: int, more: bool) -> None:
        """The page asked for with ``HistoryWanted`` (texts newest first); an ↑ waiting for it is taken."""
        walk = self._walk
        if walk is None or walk.id != walk_id:
            return
        walk.loading, walk.offset, walk.more = False, next_offset, more
        for text in map(one_line, texts):
            if text and (not walk.entries or walk.entries[-1] != text):
                walk.entries.append(text)
        if walk.wanted:
            walk.wanted = False
            if walk.index < 0 and self.input.value != walk.draft:  # typed meanwhile: that wins
                self.stop_walking()
            else:
                self._older(walk)

    def stop_walking(self) -> None:
        self._walk = None

    def _show(self, text: str) -> None:
        self.input.value = text
        self.input.cursor_position = len(text)

    @property
    def input(self) -> Input:
        return self.query_one("#prompt", Input)

    def show_mode(self, mode: Mode, compose_key: str) -> None:
        if mode.name != self._mode_name:
            self._mode_name = mode.name
            self.stop_walking()
        self.input.placeholder = mode.placeholder or f"Write to {mode.title}… (Enter sends)"
        self.input.border_title = f"{mode.title} · {mode.entry_label.lower()}"
        self.input.border_subtitle = f"{compose_key}: longer entry"

    def show_draft_kept(self, kept: bool, compose_key: str) -> None:
        note = "draft kept" if kept else "longer entry"
        self.input.border_subtitle = f"{compose_key}: {note}"
