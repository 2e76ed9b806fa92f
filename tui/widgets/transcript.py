"""One mode's transcript for this session: its turns, and which reply is selected.

The selected reply decides what the receipts pane shows, so moving between replies (keys or a
click) moves the receipts with it. New turns are selected as they arrive.

Every layout pass (each key typed in the prompt is one) walks every displayed widget, so only the
latest ``SHOWN_TURNS`` turns stay displayed; earlier ones come back a batch at a time when the
person scrolls to the top, clicks the "earlier turns" line, or moves the selection onto them.
Likewise a long reply shows only its last blocks while it streams (see ``ReplyView``): scrolling up
brings the rest back at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from tui.domain.modes import Mode
from tui.runtime.session import Turn
from tui.widgets.turn_view import TurnView
from tui.widgets.typing_goes_to_prompt import TypingGoesToPrompt

SHOWN_TURNS = 30
REVEAL_BATCH = 20


class Transcript(TypingGoesToPrompt, VerticalScroll, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "select_earlier", "Earlier reply", show=False),
        Binding("down,j", "select_later", "Later reply", show=False),
        Binding("home", "select_first", "First reply", show=False),
        Binding("end", "select_last", "Last reply", show=False),
        Binding("q", "flag('kind')", "Question / entry",
                tooltip="The selected turn is a question to the journal (kept, not recalled as a memory) or an "
                        "entry: q flips it (u in the history undoes it)"),
        Binding("w", "flag('reply_wrong')", "Reply wrong",
                tooltip="Mark the selected turn's reply wrong: it is not put into a prompt again (w again unmarks "
                        "it)"),
    ]

    cursor: reactive[int] = reactive(-1, init=False)

    @dataclass
    class Selected(Message):
        """The selected turn changed (or was updated): show its receipts."""

        transcript: Transcript
        view: TurnView | None

    @dataclass
    class FlagWanted(Message):
        """q or w on a turn: flip ``turn``'s ``flag`` (``kind``: question ↔ entry; ``reply_wrong``)."""

        turn: Turn
        flag: str

    def __init__(self, mode: Mode, hint: str, **kwargs) -> None:
        super().__init__(classes="transcript", **kwargs)
        self.mode = mode
        self.hint = hint
        self.border_title = f"{mode.title} transcript"
        """Shown on the frame it has while it has the focus."""
        self._first_shown = 0
        """Index of the earliest displayed turn; the ones before it are hidden."""
        self._last_view: TurnView | None = None
        """The view ``view_of`` found last (the streaming turn's, chunk after chunk)."""

    def compose(self) -> ComposeResult:
        yield Static(self.hint, classes="transcript-hint", markup=False)
        yield Static("", classes="transcript-earlier", markup=False)

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._reveal_at_top, init=False)

    @property
    def views(self) -> list[TurnView]:
        return list(self.query_children(TurnView))

    @property
    def selected(self) -> TurnView | None:
        views = self.views
        return views[self.cursor] if 0 <= self.cursor < len(views) else None

    async def add_turn(self, turn: Turn, retry_key: str) -> TurnView:
        view = TurnView(turn, self.mode, retry_key)
        await self.mount(view)
        self.add_class("-started")
        self._hide_before(max(0, len(self.views) - SHOWN_TURNS))
        self.cursor = len(self.views) - 1
        self.anchor()
        return view

    # -- showing only the latest turns -----------------------------------------------------------

    @property
    def hidden_count(self) -> int:
        return self._first_shown

    def _hide_before(self, index: int) -> None:
        views = self.views
        for position, view in enumerate(views):
            view.display = position >= index
        self._first_shown = index
        earlier = self.query_one(".transcript-earlier", Static)
        earlier.display = index > 0
        if index:
            turns = "turn" if index == 1 else "turns"
            earlier.update(f"▲ {index} earlier {turns} — scroll up, click here or press home to show them")

    def reveal_from(self, index: int) -> None:
        """Display the turns from ``index`` on, keeping the first turn now on screen in place."""
        if index >= self._first_shown:
            return
        anchor_view = self.views[self._first_shown]
        self._hide_before(max(0, index))
        self.call_after_refresh(self.scroll_to_widget, anchor_view, animate=False, top=True)

    def _reveal_at_top(self, scroll_y: float) -> None:
        if scroll_y < self.max_scroll_y:
            self._reveal_streaming_reply()
        if scroll_y <= 0 and self._first_shown and self.max_scroll_y > 0:
            self.reveal_from(self._first_shown - REVEAL_BATCH)

    def _reveal_streaming_reply(self) -> None:
        """The person scrolled up while a reply streams: the earlier blocks it hid come back, and
        what is on screen stays where it is."""
        views = self.views
        reply = views[-1].reply if views else None
        if reply is None or not reply.hidden_blocks:
            return
        shown = reply.blocks[reply.hidden_blocks]
        before = shown.virtual_region.y
        reply.show_all()

        def keep_in_place() -> None:
            self.scroll_to(y=self.scroll_y + shown.virtual_region.y - before, animate=False, immediate=True)

        self.call_after_refresh(keep_in_place)

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.has_class("transcript-earlier"):
            self.reveal_from(self._first_shown - REVEAL_BATCH)

    def view_of(self, turn: Turn) -> TurnView | None:
        last = self._last_view
        if last is not None and last.turn is turn and last.parent is self:  # each chunk of a reply asks
            return last
        view = next((view for view in self.views if view.turn is turn), None)
        self._last_view = view
        return view

    def select(self, view: TurnView) -> None:
        views = self.views
        if view in views:
            self.cursor = views.index(view)

    def announce(self) -> None:
        """Tell the screen the selected turn (its receipts may have changed)."""
        self.post_message(self.Selected(self, self.selected).set_sender(self))

    def watch_cursor(self, _old: int, cursor: int) -> None:
        if 0 <= cursor < self._first_shown:
            self._hide_before(cursor)
        for index, view in enumerate(self.views):
            view.show_selected(index == cursor)
        selected = self.selected
        if selected is not None and not self._is_newest(selected):
            self.release_anchor()
            self.call_after_refresh(self.scroll_to_widget, selected, animate=False, top=True)
        elif selected is not None:
            self.anchor()
        self.announce()

    def _is_newest(self, view: TurnView) -> bool:
        views = self.views
        return bool(views) and views[-1] is view

    def on_turn_view_clicked(self, message: TurnView.Clicked) -> None:
        message.stop()
        self.select(message.view)

    def move(self, step: int) -> None:
        views = self.views
        if views:
            self.cursor = max(0, min(len(views) - 1, (self.cursor if self.cursor >= 0 else len(views)) + step))

    def action_select_earlier(self) -> None:
        self.move(-1)

    def action_select_later(self) -> None:
        self.move(+1)

    def action_select_first(self) -> None:
        if self.views:
            self.cursor = 0

    def action_select_last(self) -> None:
        if self.views:
            self.cursor = len(self.views) - 1

    def action_flag(self, flag: str) -> None:
        selected = self.selected
        if selected is not None:
            self.post_message(self.FlagWanted(selected.turn, flag))
