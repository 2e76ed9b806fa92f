"""Receipts: the memories the selected answer was given, best first, with score, date and preview.

Receipts belong to an answer: the pane shows whichever turn the transcript has selected.
Choosing a receipt asks the screen to show that memory in full; ``x`` leaves it out of the answer
(the screen asks again without it) and shows it struck through, "excluded" (``x`` again takes it back);
a memory the model's context had no room for is shown dim, "left out for room";
``p`` asks the screen to pin its memory (or unpin it). A pinned memory is marked with the pin glyph
after its score, and one that went into the answer because it was pinned says so ("↳ pinned").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.pins import PIN_GLYPH
from tui.domain.records import RecalledMemory
from tui.runtime.session import Turn, TurnState
from tui.text import entry_preview, local_day, one_line
from tui.widgets.typing_goes_to_prompt import TypingGoesToPrompt

PREVIEW_CHARS = 200
"""Long enough for the widest pane; the list cuts the line to its width."""


def receipt_line(memory: RecalledMemory, note: str = "", pinned: bool = False) -> str:
    """Plain text: wrap it in ``Content`` (never markup) before it reaches a widget. A pinned memory's
    glyph takes the cell after the score, so every line keeps its columns."""
    date = local_day(memory.record.created_at)
    preview = entry_preview(memory.record.text, PREVIEW_CHARS)
    line = f"{memory.score:.2f}{PIN_GLYPH if pinned else ' '} {date}  {f'({note}) ' if note else ''}{preview}"
    return f"{line}\n      ↳ {one_line(memory.reason, PREVIEW_CHARS)}" if memory.reason else line


class RecalledPane(TypingGoesToPrompt, Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "exclude", "Leave out", show=False,
                tooltip="Leave the highlighted memory out of this answer and ask again (x again takes it back)"),
        Binding("p", "pin", "Pin", tooltip="Pin the highlighted memory: it goes into every prompt of its mode, "
                "above the recalled ones (p again unpins)"),
    ]

    @dataclass
    class ExcludeToggled(Message):
        """``x`` on a receipt: leave ``memory`` out of ``turn``'s answer (or take it back) and ask again."""

        turn: Turn
        memory: RecalledMemory

    @dataclass
    class PinToggled(Message):
        """``p`` on a receipt: pin ``memory`` in its mode, or unpin it."""

        memory: RecalledMemory

    @dataclass
    class Opened(Message):
        """A receipt was chosen: show its memory in full."""

        memory: RecalledMemory

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._turn: Turn | None = None
        self._memories: list[RecalledMemory] = []
        self._entry_label = "entry"
        self._notes: dict[str, str] = {}
        """Memories changed since they were recalled: "edited since" or "deleted"."""
        self._pins: dict[str, bool] = {}
        """Memories pinned or unpinned since they were recalled (else: pinned if recalled as pinned)."""
        self._shown: list[tuple[str, tuple]] | None = None
        """The lines the list shows, with their styles."""

    def compose(self) -> ComposeResult:
        yield Static("Receipts", classes="receipts-title", markup=False)
        yield Static("", classes="receipts-caption", markup=False)
        yield OptionList(classes="receipts-list")

    @property
    def memories(self) -> list[RecalledMemory]:
        return list(self._memories)

    @property
    def caption(self) -> str:
        return str(self.query_one(".receipts-caption", Static).content)

    def show(self, turn: Turn | None, entry_label: str = "entry") -> None:
        """Show what ``turn`` recalled (None: no answer selected yet)."""
        self._turn = turn
        self._entry_label = entry_label
        options = self.query_one(OptionList)
        keep = options.highlighted if turn is not None and turn.recalled == self._memories else None
        self._memories = list(turn.recalled or []) if turn is not None else []
        lines = [self._line(memory) for memory in self._memories]
        shown = [(line.plain, tuple(line.spans)) for line in lines]  # (Content's == ignores its styles)
        if shown != self._shown:  # shown again unchanged (the turn was only selected): nothing to redo
            self._shown = shown
            options.clear_options()
            options.add_options(Option(line, id=str(index)) for index, line in enumerate(lines))
        if self._memories:
            highlighted = keep if keep is not None and keep < len(self._memories) else 0
            if options.highlighted != highlighted:
                options.highlighted = highlighted
        self._caption(self._caption_for(turn, entry_label))

    def _line(self, memory: RecalledMemory) -> Content:
        memory_id = memory.record.id
        excluded = self._turn is not None and memory_id in self._turn.excluded
        no_room = not excluded and self._turn is not None and memory_id in self._turn.no_room
        why = "excluded" if excluded else "left out for room" if no_room else ""
        note = ", ".join(note for note in (why, self._notes.get(memory_id, "")) if note)
        line = Content(receipt_line(memory, note, self._pins.get(memory_id, memory.pinned)))
        return line.stylize("strike dim") if excluded else line.stylize("dim") if no_room else line

    def _caption_for(self, turn: Turn | None, entry_label: str) -> str:
        if turn is None:
            return "Memories recalled for an answer appear here."
        about = entry_preview(turn.text, 60)
        if turn.recalled is None:
            waiting = turn.state in (TurnState.WAITING, TurnState.RECALLING)
            return f"recalling for “{about}”…" if waiting else f"nothing recalled for “{about}”"
        if not turn.recalled:
            room = turn.room_note(entry_label)
            return (turn.nothing_found or f"no earlier {entry_label.lower()} was close enough to “{about}”") + \
                (f" · {room}" if room else "")
        pinned = sum(1 for memory in turn.recalled if memory.pinned)
        window = f" {turn.window}" if turn.window else ""
        recalled = turn.nothing_found.rstrip(".") or f"{len(turn.recalled) - pinned} recalled{window}"
        recalled += f" + {pinned} pinned" if pinned else ""
        room = turn.room_note(entry_label)  # before the text: a narrow pane cuts the line's end
        recalled += f" ({room})" if room else ""
        left_out = sum(1 for memory in turn.recalled if memory.record.id in turn.excluded)
        return f"{recalled} for “{about}”" + (f" · {left_out} left out" if left_out else "") + \
            " · Enter opens, x leaves out"

    def _caption(self, text: str) -> None:
        caption = self.query_one(".receipts-caption", Static)
        if str(caption.content) != text:  # each update lays the screen out again
            caption.update(text)

    def memory_changed(self, memory_id: str, deleted: bool) -> None:
        """An entry was edited or deleted elsewhere. A receipt keeps the text the answer was given,
        so it is only marked."""
        self._notes[memory_id] = "deleted" if deleted else "edited since"
        if any(memory.record.id == memory_id for memory in self._memories):
            self.show(self._turn, self._entry_label)

    def pin_changed(self, memory_id: str, pinned: bool) -> None:
        """An entry was pinned or unpinned: its receipts show the mark (or lose it)."""
        self._pins[memory_id] = pinned
        if any(memory.record.id == memory_id for memory in self._memories):
            self.show(self._turn, self._entry_label)

    def action_pin(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and 0 <= index < len(self._memories):
            self.post_message(self.PinToggled(self._memories[index]))

    def action_exclude(self) -> None:
        index = self.query_one(OptionList).highlighted
        if self._turn is not None and index is not None and 0 <= index < len(self._memories):
            self.post_message(self.ExcludeToggled(self._turn, self._memories[index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        if 0 <= index < len(self._memories):
            self.post_message(self.Opened(self._memories[index]))
