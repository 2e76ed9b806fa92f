"""The one-line prompt at the bottom of the chat: Enter sends. Longer entries go to the composer,
and so does a multi-line paste (Textual's ``Input`` would keep only its first line).

↑/↓ walk the mode's earlier entries. One with several lines (a traceback) is shown on the one
line as a preview, its lines marked ``⏎``; Enter sends the entry exactly as it was written, and
any edit opens it in the composer, lines and all (an ``Input`` cannot hold a line break).

In a mode that tells questions to the journal from entries (``Mode.mark_questions``) its title
says which the text is as it is typed ("Journal · question to the journal"), and F7 flips it: the
choice holds until the text is sent (or the prompt is emptied), and goes with ``Sent``."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.domain import entry_kind
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
            bar = self.parent
            text = (bar.text if isinstance(bar, PromptBar) else self.value).strip()
            if text:
                kind = held = None
                if isinstance(bar, PromptBar):
                    bar.stop_walking()
                    kind = bar.kind_for(text)
                    held = bar.hold_sent(text)  # on the disk before anything else
                self.clear()
                self.post_message(PromptBar.Sent(text, kind, held))
            return
        bar = self.parent
        if isinstance(bar, PromptBar) and event.key in bar.flip_keys():  # here too, so a flip and Enter keep order
            event.stop()
            event.prevent_default()
            bar.action_flip_kind()
            return
        if event.key in ("up", "down") and isinstance(bar, PromptBar) and bar.walk_history(older=event.key == "up"):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def paste_lines(self, text: str) -> None:
        """A multi-line paste is not squeezed onto the line: the composer opens with all of it."""
        bar = self.parent
        if isinstance(bar, PromptBar) and bar.recalled_lines:
            self._edit_recalled(bar, text)
        else:
            self.post_message(PromptBar.MultiLinePaste(self.value_with(text)))

    def replace(self, text: str, start: int, end: int) -> None:
        """Every edit of the value comes here (typing, deleting, cutting, pasting one line). On the
        preview of a recalled multi-line entry it opens the entry in the composer instead."""
        bar = self.parent
        if isinstance(bar, PromptBar) and bar.recalled_lines:
            self._edit_recalled(bar, text)
        else:
            super().replace(text, start, end)

    def _edit_recalled(self, bar: PromptBar, added: str) -> None:
        """The composer takes the recalled entry with what was typed or pasted added at its end
        (a place on the preview is not a place in the lines; a deletion opens it as it was)."""
        whole = bar.text + added
        bar.stop_walking()
        self.clear()
        self.post_message(PromptBar.MultiLinePaste(whole))


LINE_MARK = " ⏎ "
"""Between the lines of a multi-line entry previewed on the one-line prompt."""


def preview(text: str) -> str:
    """A multi-line entry as the one-line prompt shows it: its lines, marked ``⏎``."""
    return LINE_MARK.join(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class _Recalled:
    """A multi-line entry the walk shows as ``preview``; ``text`` is what Enter sends."""

    text: str
    preview: str

    @property
    def lines(self) -> int:
        return len(self.text.splitlines())


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "flip_kind", "Question / entry", show=False,
                tooltip="Send the text as a question to the journal (kept and searchable, not recalled as a "
                        "memory) or as an entry; the prompt's title says which"),
    ]

    @dataclass
    class Sent(Message):
        """The person pressed Enter on a non-empty prompt (it is cleared at once; the chat gives the
        text back if it cannot be kept). ``kind``: an entry or a question to the journal, as the
        prompt showed it; None in a mode that does not tell them apart. ``held``: the turn id
        ``PromptBar.hold`` kept the text under, in the key's handler (None: not kept yet)."""

        text: str
        kind: str | None = None
        held: str | None = None

    @dataclass
    class MultiLinePaste(Message):
        """Text with line breaks, for the composer: a paste (``text`` is the prompt's value with
        the paste at the cursor, line ends ``\\n``; the prompt is left as it was), or a recalled
        multi-line entry being edited (the prompt is emptied)."""

        text: str

    @dataclass
    class HistoryWanted(Message):
        """↑ walked past the entries the prompt holds: load up to ``limit`` of ``mode_name``'s stored
        entries from ``offset`` (newest first) and hand their texts to ``PromptBar.add_history`` with
        ``walk``. ``offset`` 0 starts a walk: this session's sends not stored yet go first."""

        walk: int
        mode_name: str
        offset: int
        limit: int = HISTORY_PAGE

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._mode_name = ""
        self._walk: _Walk | None = None
        self._mode: Mode | None = None
        self._read: str | None = None
        """The kind the prompt's text reads as (None: the mode does not tell kinds apart)."""
        self._chosen: str | None = None
        """The kind the person chose with F7 for the text in the prompt, until it is sent."""
        self._note: str | None = None
        """What sending will do, when it is not a new turn (editing a sent one)."""
        self._others: list[str] | None = None
        """The other modes the next turn also recalls from (F9)."""
        self._compose_hint = ""
        self._compose_key = ""
        self._recalled: _Recalled | None = None
        """The multi-line entry the prompt previews (↑), while its preview is unchanged."""
        self._shown: str | None = None
        """The value the history walk last put in the prompt."""
        self.hold: Callable[[str, str], str | None] | None = None
        """Keeps a text being sent on the disk at once, given the mode's name and the text; its
        turn id (None: not kept). Set by the chat: Enter must not wait for a message's way up."""
        self.keep_draft: Callable[[str], None] | None = None
        """Keeps the person's own text (``draft``) on the disk as it changes; set by the chat. A
        call, not a message per key: typing must not queue work on a busy event loop."""

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
        for text in (normalise_line_ends(text).strip() for text in texts):
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
        recalled = _Recalled(text, preview(text)) if "\n" in text else None
        shown = recalled.preview if recalled else text
        self._recalled, self._shown = recalled, shown
        self.input.value = shown
        self.input.cursor_position = len(shown)
        self._show_title()

    @property
    def draft(self) -> str:
        """The prompt's text that is the person's own: not an entry ↑ brought back unchanged."""
        walk = self._walk
        if walk is not None and walk.index >= 0 and self.input.value == self._shown:
            return walk.draft
        return self.input.value

    def hold_sent(self, text: str) -> str | None:
        """``text`` is being sent as a new turn: keep it on the disk now (not an edit of a sent turn:
        the screen decides what that becomes)."""
        if self.hold is None or self._note is not None or not self._mode_name:
            return None
        return self.hold(self._mode_name, text)

    @property
    def recalled_lines(self) -> int:
        """How many lines the recalled entry the prompt previews has (0: no such entry shown)."""
        recalled = self._recalled
        return recalled.lines if recalled is not None and self.input.value == recalled.preview else 0

    @property
    def text(self) -> str:
        """What sending (or the composer) takes: the prompt's value, or the whole recalled entry it
        previews, lines and all."""
        recalled = self._recalled
        return recalled.text if recalled is not None and self.input.value == recalled.preview else self.input.value

    @property
    def compose_key(self) -> str:
        """The key that opens the composer, as the mode's title shows it."""
        return self._compose_key

    @property
    def input(self) -> Input:
        return self.query_one("#prompt", Input)

    def show_mode(self, mode: Mode, compose_key: str) -> None:
        if mode.name != self._mode_name:
            self._mode_name = mode.name
            self.stop_walking()
        self._mode, self._chosen, self._note, self._others = mode, None, None, None
        self._read = entry_kind.decide(mode, self.input.value) if self.input.value.strip() else None
        self.input.placeholder = mode.placeholder or f"Write to {mode.title}… (Enter sends)"
        self._compose_key = compose_key
        self._compose_hint = f"{compose_key}: longer entry"
        self._show_title()

    def show_draft_kept(self, kept: bool, compose_key: str) -> None:
        self._compose_key = compose_key
        self._compose_hint = f"{compose_key}: {'draft kept' if kept else 'longer entry'}"
        self._show_title()

    def show_editing(self, note: str | None) -> None:
        """The title says what sending will do (editing a sent turn), or (None) is the mode's again."""
        self._note = note
        self._show_title()

    def show_other_modes(self, titles: list[str] | None) -> None:
        """The title says the next send also recalls from ``titles`` (None: it does not)."""
        self._others = titles or None
        self._show_title()

    # -- the kind of what is typed: an entry or a question to the journal --------------------------

    @property
    def kind(self) -> str | None:
        """The kind the text in the prompt goes as: the person's choice, else what it reads as."""
        return self._chosen or self._read

    def kind_for(self, text: str) -> str | None:
        """The kind ``text``, being sent now, goes as; the person's choice ends with it."""
        chosen, self._chosen = self._chosen, None
        return entry_kind.decide(self._mode, text, chosen) if self._mode is not None else None

    @on(Input.Changed, "#prompt")
    def _text_changed(self, event: Input.Changed) -> None:
        if self._recalled is not None and event.value != self._recalled.preview:
            self._recalled = None  # the value was set anew (sent, given back, edit and resend)
            self._show_title()
        if self.keep_draft is not None:
            self.keep_draft(self.draft)
        if self._mode is None or not self._mode.mark_questions:
            return
        was, had_text = self.kind, self._read is not None
        if not event.value.strip():
            self._chosen, self._read = None, None
        else:
            self._read = entry_kind.classify(event.value)
        if self.kind != was or had_text != (self._read is not None):  # a title per change of kind, not per key
            self._show_title()

    def action_flip_kind(self) -> None:
        mode = self._mode
        if mode is None or not mode.mark_questions:
            title = mode.title if mode else "This mode"
            self.notify(f"{title} does not tell questions from entries (mark_questions is off in its config).",
                        markup=False)
            return
        value = self.input.value
        if not value.strip():  # nothing to send yet: nothing to flip
            return
        self._read = entry_kind.classify(value)  # as it reads now: its Changed may still be on its way
        self._chosen = entry_kind.flipped(self.kind or entry_kind.ENTRY)
        self._show_title()

    def _show_title(self) -> None:
        mode, prompt = self._mode, self.input
        if mode is None:
            return
        question = self.kind == entry_kind.QUESTION and self._note is None
        what = entry_kind.QUESTION_LABEL.lower() if question else mode.entry_label.lower()
        title = f"{mode.title} · {what}"
        if self._others:
            title += f" · also recalls from {', '.join(self._others)} (this turn)"
        prompt.border_title = self._note or title
        hint = ""
        if self.kind is not None and self._note is None:
            other = "an entry" if question else "a question"
            hint = f"{self._flip_key()}: make it {other} · "
        lines = self.recalled_lines
        prompt.border_subtitle = (f"{lines} lines: Enter sends them as written · typing or {self._compose_key} "
                                  "edits them") if lines else hint + self._compose_hint
        prompt.set_class(self._note is not None, "-editing")
        prompt.set_class(bool(self._others), "-other-modes")
        prompt.set_class(question, "-question")

    @classmethod
    def flip_keys(cls) -> list[str]:
        """The keys that flip the kind (``BINDINGS``: the help lists them from there)."""
        return [binding.key for binding in Binding.make_bindings(cls.BINDINGS) if binding.action == "flip_kind"]

    @classmethod
    def _flip_key(cls) -> str:
        return cls.flip_keys()[0]
