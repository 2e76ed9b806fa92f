"""The main screen: status line, chat, and the memory column (receipts + history).

It routes rather than decides: app state (mode, store, Ollama) flows in through watchers, the turn
controller's ``TurnUpdate`` messages go to the chat, pane intents (send, retry, answer, open an
entry or a receipt) go to the controller or become the screen that shows them. Wide terminals
get a side column; narrow ones stack the memory panes under the chat, and F3 hides them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen

from tui.domain import entry_kind, flags
from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode, readable_modes
from tui.domain.pins import PinState
from tui.runtime.clipboard import copy_with_notice
from tui.runtime.messages import OllamaStatus, TurnUpdate
from tui.runtime.session import Turn
from tui.runtime.workers import ReportsWorkerFailures
from tui.screens.on_this_day_host import OnThisDayHost
from tui.services.screen_access import (
    CalendarAccess,
    ChangesAccess,
    DeletedAccess,
    EntryAccess,
    EntryMarks,
    PinsAccess,
)
from tui.services.workspace import WorkspaceHistory
from tui.text import local_day
from tui.widgets.chat_pane import ChatPane
from tui.widgets.history_pane import HistoryPane
from tui.widgets.keys_footer import KeysFooter
from tui.widgets.on_this_day_panel import OnThisDayPanel
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.recalled_pane import RecalledPane
from tui.widgets.status_bar import StatusBar
from tui.widgets.transcript import Transcript
from tui.widgets.typing_goes_to_prompt import TypedAway

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual import getters

    from tui.app import MindpaneApp
    from tui.screens.composer_screen import Composed
    from tui.screens.entry_screen import EntryScreen
    from tui.widgets.block_cursor import BlockCursor

# The screens a key opens are imported when first opened, not here: the first frame needs only
# what it shows (the code view alone pulls in Markdown and syntax highlighting).

WIDE_FROM = 100
"""Columns from which the memory panes sit beside the chat instead of under it."""


class MainScreen(OnThisDayHost, ReportsWorkerFailures, Screen):
    if TYPE_CHECKING:  # ``self.app.turns`` & co. typed; at run time Textual's own: see ``tui.screens``
        app = getters.app(MindpaneApp)

    AUTO_FOCUS = "#prompt"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (WIDE_FROM, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+e", "compose", "Compose", tooltip="Write a longer, multi-line entry", priority=True),
        Binding("ctrl+r", "retry", "Retry", tooltip="Send the last failed turn again"),
        Binding("ctrl+y", "copy", "Copy", tooltip="Copy the reply's last code block (or the whole reply)"),
        Binding("ctrl+o", "block_cursor", "Blocks", show=False,
                tooltip="Move a cursor over the selected reply's blocks: copy one, open a code block full-screen"),
        Binding("f3,ctrl+g", "toggle_memory", "Panes", tooltip="Show or hide the receipts and history panes"),
        Binding("f4", "changes", "Changes", show=False,
                tooltip="The change log: every edit, delete, reply and import, with revert"),
        Binding("f6", "calendar", "Calendar", show=False,
                tooltip="A heatmap of entries per day (month or year) with your streak; Enter shows that day"),
        Binding("f8", "on_this_day", "On this day", show=False,
                tooltip="Entries from this day a week, a month and years ago, and older ones like today's"),
        Binding("alt+up,ctrl+up", "earlier_reply", "Earlier reply", show=False),
        Binding("alt+down,ctrl+down", "later_reply", "Later reply", show=False),
        Binding("escape", "escape", "Stop / back to the prompt", show=False,
                tooltip="Stop the reply that is streaming (what arrived is kept); else cancel an edit and go "
                        "back to the prompt"),
        Binding("ctrl+n", "regenerate", "Regenerate", show=False,
                tooltip="Ask again for the selected answer, with the same memories; the old reply stays in "
                        "the change log"),
        Binding("ctrl+f", "edit_resend", "Edit and resend", show=False,
                tooltip="Put the selected turn's text back in the prompt: sending edits that journal entry and "
                        "asks again (code: asks a new question)"),
        Binding("f9", "other_modes", "Other modes", show=False,
                tooltip="The next turn also recalls from other modes (the mode's may_read); F9 again cancels"),
        Binding("ctrl+l", "show_sent", "What was sent", show=False,
                tooltip="Show exactly what the model received for the selected answer: messages, model, options"),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        self.add_class(self._width_class(app.size.width))
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            yield ChatPane(app.workspace.modes, app.mode, retry_key=self.key_for("retry"), drafts=app.workspace.drafts,
                           id="chat")
            with Vertical(id="memory"):
                yield OnThisDayPanel(id="on-this-day")
                yield RecalledPane(id="receipts")
                yield HistoryPane(WorkspaceHistory(app.workspace), id="history")
        yield KeysFooter()

    @classmethod
    def _width_class(cls, width: int) -> str:
        """The class Textual gives a screen this wide (``HORIZONTAL_BREAKPOINTS``) on its first resize,
        which comes after the first frame: set while composing, the first frame is laid out for the
        terminal's width (a narrow one showed the wide layout first), and the resize changes nothing."""
        return next(name for least, name in sorted(cls.HORIZONTAL_BREAKPOINTS, reverse=True) if width >= least)

    _shown = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first time the screen is shown, Textual restyles all of it (it runs after this handler),
        though every widget was styled when mounted a moment before and again at each class change
        since: the first frame skips that restyle (~5 ms). Later resumes (a dialog closed) restyle."""
        if not self._shown:
            self._shown = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        self.query_one("#memory").loading = not self.app.workspace.ready
        self.watch(self.app, "mode", self._mode_changed)
        self.watch(self.app, "store_state", self._store_changed)
        self.watch(self.app, "ollama", self._ollama_changed)

    # -- parts -----------------------------------------------------------------------------------

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    @property
    def receipts(self) -> RecalledPane:
        return self.query_one(RecalledPane)

    @property
    def history(self) -> HistoryPane:
        return self.query_one(HistoryPane)

    @classmethod
    def key_for(cls, action: str) -> str:
        for binding in Binding.make_bindings(cls.BINDINGS):
            if binding.action == action:
                return binding.key
        return action

    # -- app state flowing in ----------------------------------------------------------------------

    def _mode_changed(self, mode: Mode) -> None:
        self.query_one(StatusBar).show_mode(self.app.workspace.modes.values(), mode)
        self.chat.show_mode(mode, self.key_for("compose"))
        self._other_modes = False
        self._stop_editing()
        if self.app.workspace.ready:
            self.history.show_mode(mode)
        self.offer_on_this_day(mode)

    def _store_changed(self, state: str) -> None:
        self.query_one(StatusBar).show_store(state)
        self.query_one("#memory").loading = state == "loading"
        if state == "ready":
            self.history.show_mode(self.app.mode)
            self.offer_on_this_day(self.app.mode)

    def _ollama_changed(self, status: OllamaStatus | None) -> None:
        # No status yet (start-up): no host shown, and the Ollama client is not made on the event loop.
        host = self.app.workspace.chat.host if status is not None else ""
        self.query_one(StatusBar).show_ollama(status, host)

    # -- pane messages flowing out -----------------------------------------------------------------

    def on_transcript_selected(self, message: Transcript.Selected) -> None:
        message.stop()
        if message.transcript.mode.name == self.app.mode.name:
            turn = message.view.turn if message.view is not None else None
            self._after_chat_frame(self._show_receipts, message.transcript.mode.name, turn)

    def _show_receipts(self, mode_name: str, turn: Turn | None) -> None:
        if mode_name == self.app.mode.name:
            self.receipts.show(turn, self.app.mode.entry_label)

    async def on_turn_update(self, message: TurnUpdate) -> None:
        """From the turn controller: the chat shows it; a stored entry goes into the history."""
        await self.chat.show_turn(message)
        if message.stored is not None and message.turn.mode == self.app.mode.name:
            self._after_chat_frame(self.history.entry_added, message.stored)

    def _after_chat_frame(self, change: Callable[..., None], *args: object) -> None:
        """The memory column changes a frame after the chat it follows. Textual redraws the box
        around everything that changed in a frame: the chat and the column changing together
        redrew the whole screen (25–40 ms at 160×45, a turn's longest stalls); apart, each side
        redraws only itself."""
        self.call_after_refresh(change, *args)

    def on_prompt_bar_sent(self, message: PromptBar.Sent) -> None:
        message.stop()
        editing = self._editing
        self._stop_editing()
        if editing is not None and self._edits_entry(editing):
            refused = self.app.turns.edit(editing, message.text)
            if refused is not None:
                self.notify(refused, title="Not sent", markup=False)
                self.chat.give_back(message.text)
            return
        other_modes, self._other_modes = self._other_modes, False
        self.chat.show_other_modes(None)
        if self.app.turns.send(self.app.mode, message.text, other_modes, message.kind, message.held) is None:
            self.chat.give_back(message.text)

    def on_prompt_bar_history_wanted(self, message: PromptBar.HistoryWanted) -> None:
        """↑ in the prompt: a page of the mode's entries, loaded in a worker (this session's sends
        not stored yet go first)."""
        message.stop()
        unstored = self.app.turns.unstored(message.mode_name) if message.offset == 0 else []
        self._load_prompt_history(message, unstored)

    @dataclass
    class PromptHistory(Message, bubble=False):
        """A page of texts for the prompt's history walk ``walk``, newest first."""

        walk: int
        texts: list[str]
        next_offset: int
        more: bool

    @work(thread=True, group="prompt-history", exit_on_error=False, description="load the prompt's history")
    def _load_prompt_history(self, wanted: PromptBar.HistoryWanted, unstored: list[str]) -> None:
        history = WorkspaceHistory(self.app.workspace)
        texts, next_offset, more = list(unstored), wanted.offset, False
        if history.ready:
            try:
                page = history.page(wanted.mode_name, wanted.offset, wanted.limit)
            except MindpaneError:
                pass  # the store is in trouble: its own screen says so; the walk has what it has
            else:
                texts += [record.text for record in page.records]
                next_offset, more = page.offset + len(page.records), page.has_more
        self.post_message(self.PromptHistory(wanted.walk, texts, next_offset, more))

    def on_main_screen_prompt_history(self, message: PromptHistory) -> None:
        self.chat.prompt_bar.add_history(message.walk, message.texts, message.next_offset, message.more)

    def on_typed_away(self, message: TypedAway) -> None:
        message.stop()
        self.chat.type_into_prompt(message.key, message.character)

    def on_history_pane_open_entry(self, message: HistoryPane.OpenEntry) -> None:
        from tui.screens.entry_screen import EntryScreen

        message.stop()
        self.app.push_screen(EntryScreen(message.memory_id, EntryAccess(self.app.workspace), report_to=self.history))

    def on_recalled_pane_opened(self, message: RecalledPane.Opened) -> None:
        from tui.screens.receipt_screen import ReceiptScreen

        message.stop()
        self.app.push_screen(ReceiptScreen(message.memory, self.app.mode))

    def on_history_pane_entry_changed(self, message: HistoryPane.EntryChanged) -> None:
        self.receipts.memory_changed(message.memory_id, message.deleted)

    # -- pins: p on a receipt (the history pane pins its own rows) ---------------------------------

    def on_recalled_pane_pin_toggled(self, message: RecalledPane.PinToggled) -> None:
        message.stop()
        if self.app.workspace.ready:
            self._toggle_pin(message.memory.record.id)

    @dataclass
    class Pinned(Message, bubble=False):
        """A receipt's memory was pinned or unpinned (``state``), or ``error`` says why not."""

        state: PinState | None = None
        error: MindpaneError | None = None

    @work(thread=True, group="pin", exit_on_error=False, description="pin a receipt's memory")
    def _toggle_pin(self, memory_id: str) -> None:
        try:
            self.post_message(self.Pinned(EntryMarks(self.app.workspace).toggle_pin(memory_id)))
        except MindpaneError as error:
            self.post_message(self.Pinned(error=error))

    def on_main_screen_pinned(self, message: Pinned) -> None:
        if message.state is None:
            self.notify(str(message.error), severity="error", markup=False)
            return
        self.notify(message.state.notice, markup=False)
        # the history marks the row, then the message bubbles back here for the receipts
        self.history.post_message(HistoryPane.PinChanged(message.state.memory_id, message.state.pinned))

    def on_history_pane_pin_changed(self, message: HistoryPane.PinChanged) -> None:
        self.receipts.pin_changed(message.memory_id, message.pinned)

    # -- flags: q flips a turn's kind (question ↔ entry), w marks its reply wrong ------------------------

    def on_transcript_flag_wanted(self, message: Transcript.FlagWanted) -> None:
        message.stop()
        self._flag_turn(message.turn, message.flag)

    def action_flip_kind(self) -> None:
        """The selected turn (else the newest) is a question to the journal ↔ an entry."""
        self._flag_selected(entry_kind.KIND_KEY)

    def action_mark_wrong(self) -> None:
        """The selected turn's (else the newest's) reply is marked wrong, or not any more."""
        self._flag_selected(flags.REPLY_WRONG_KEY)

    def _flag_selected(self, flag: str) -> None:
        turn = self._selected_turn()
        if turn is None:
            self.notify("Nothing sent yet.", markup=False)
        else:
            self._flag_turn(turn, flag)

    def _flag_turn(self, turn: Turn, flag: str) -> None:
        refused = self.app.turns.flag_refused(turn, flag)
        if refused is not None:
            self.notify(refused, markup=False)
        elif turn.record is None:  # not stored yet: it will be stored with the kind chosen now
            kind = entry_kind.flipped(turn.kind or entry_kind.ENTRY)
            self.app.turns.set_kind(turn, kind)
            mode = self.app.workspace.modes[turn.mode]
            self.notify(flags.notice({flag: kind}, mode.recall_questions), markup=False)
        elif not self.app.workspace.ready:
            self.notify("The memory store is still opening.", markup=False)
        else:
            self._flip(turn.record.id, flag)

    @dataclass
    class Flagged(Message, bubble=False):
        """A turn's flag was flipped (``state``), or ``error`` says why not."""

        state: flags.FlagState | None = None
        error: MindpaneError | None = None

    @work(thread=True, group="flag", exit_on_error=False, description="flip a turn's flag")
    def _flip(self, memory_id: str, flag: str) -> None:
        try:
            self.post_message(self.Flagged(EntryMarks(self.app.workspace).flip(memory_id, flag)))
        except MindpaneError as error:
            self.post_message(self.Flagged(error=error))

    def on_main_screen_flagged(self, message: Flagged) -> None:
        if message.state is None:
            self.notify(str(message.error), severity="error", markup=False)
            return
        self.notify(message.state.notice, markup=False)
        # the history marks the row, then the message bubbles back here for the turns
        self.history.post_message(HistoryPane.FlagsChanged(message.state.memory_id, message.state.flags))

    def on_history_pane_flags_changed(self, message: HistoryPane.FlagsChanged) -> None:
        self.app.turns.flags_changed(message.memory_id, message.flags)

    def on_entry_screen_answer_requested(self, message: EntryScreen.AnswerRequested) -> None:
        """An entry kept without a reply (Ollama was down, the app was closed) gets one now."""
        record = message.record
        mode = self.app.workspace.modes.get(record.mode)
        if mode is None:
            self.notify(f"No mode named {record.mode!r} to answer in.", severity="error", markup=False)
            return
        if mode.name != self.app.mode.name:
            self.app.use_mode(mode.name)
        self.app.turns.answer(record)

    # -- actions -----------------------------------------------------------------------------------

    def action_changes(self) -> None:
        from tui.screens.changes_screen import ChangesScreen

        self.app.push_screen(ChangesScreen(ChangesAccess(self.app.workspace), report_to=self.history))

    def action_calendar(self) -> None:
        """The calendar; a day chosen there filters the history to it."""
        from tui.screens.calendar_screen import CalendarScreen

        if not self.app.workspace.ready:
            self.notify("The memory store is still opening.", markup=False)
            return

        def chosen(day: date | None) -> None:
            if day is not None:
                self.remove_class("-memory-hidden")
                self.history.filter_to(f"on:{day.isoformat()}")

        today = self.clock_now().astimezone().date()
        self.app.push_screen(CalendarScreen(self.app.mode, today, CalendarAccess(self.app.workspace)), chosen)

    def action_pins(self) -> None:
        from tui.screens.pins_screen import PinsScreen

        self.app.push_screen(PinsScreen(self.app.mode, PinsAccess(self.app.workspace), report_to=self.history))

    def forget_deleted(self) -> None:
        """Erase the deleted entries from the disk, after saying how many and asking."""
        from tui.screens.confirm_screen import ForgetDeletedScreen

        if not self.app.workspace.ready:
            self.notify("The memory store is still opening.", markup=False)
            return
        deleted = DeletedAccess(self.app.workspace)
        asking = ForgetDeletedScreen(deleted)

        def confirmed(yes: bool | None) -> None:
            if yes and asking.ids:
                self._forget_deleted(deleted, asking.ids)

        self.app.push_screen(asking, confirmed)

    @dataclass
    class Forgotten(Message, bubble=False):
        """The deleted entries were erased (``count``; ``notes`` on copies repair had moved aside),
        or ``error`` says why not."""

        count: int = 0
        error: MindpaneError | None = None
        notes: tuple[str, ...] = ()

    @work(thread=True, exclusive=True, group="forget", exit_on_error=False)
    def _forget_deleted(self, deleted: DeletedAccess, ids: list[str]) -> None:
        try:
            done = deleted.forget(ids)
            self.post_message(self.Forgotten(done.count, notes=done.notes))
        except MindpaneError as error:
            self.post_message(self.Forgotten(error=error))

    def on_main_screen_forgotten(self, message: Forgotten) -> None:
        if message.error is not None:
            self.notify(str(message.error), severity="error", markup=False)
        else:
            self.notify(" ".join([f"Forgot {message.count} deleted entr{'y' if message.count == 1 else 'ies'}: "
                                  "erased from the disk.", *(f"{note}." for note in message.notes)]), markup=False)

    def on_prompt_bar_multi_line_paste(self, message: PromptBar.MultiLinePaste) -> None:
        """A multi-line paste into the prompt opens the composer with all of it; a draft kept
        from an earlier composer stays in front of it, so nothing is dropped."""
        message.stop()
        kept = self.chat.draft()
        self._open_composer(f"{kept}\n{message.text}" if kept else message.text)

    def action_compose(self) -> None:
        self._open_composer(self.chat.draft() or self.chat.prompt_bar.text)

    def _open_composer(self, draft: str) -> None:
        from tui.screens.composer_screen import ComposerScreen

        prompt = self.chat.prompt_bar.input

        def composed(result: Composed | None) -> None:
            if result is None:
                return
            compose_key = self.key_for("compose")
            if result.send:
                self.chat.keep_draft("")
                prompt.clear()
                if self.app.turns.send(self.app.mode, result.text) is None:  # not kept: it stays as the draft
                    self.chat.keep_draft(result.text)
            else:
                self.chat.keep_draft(result.text)
            self.chat.prompt_bar.show_draft_kept(bool(self.chat.draft()), compose_key)
            prompt.focus()

        self.app.push_screen(ComposerScreen(self.app.mode, draft), composed)

    _other_modes = False
    """The next send also recalls from the mode's readable other modes (one turn, F9)."""

    def action_other_modes(self) -> None:
        """Toggle "also recall from other modes" for the next turn only; the wall is the default."""
        modes = self.app.workspace.modes
        mode = self.app.mode
        titles = [modes[name].title for name in readable_modes(mode, modes)]
        if not titles:
            self.notify(f"{mode.title} reads no other modes (may_read = [] in its config).", markup=False)
            return
        self._other_modes = not self._other_modes
        self.chat.show_other_modes(titles if self._other_modes else None)
        self.notify(f"The next {mode.entry_label.lower()} also recalls from {', '.join(titles)}."
                    if self._other_modes else f"Back to {mode.title}'s own memories only.", markup=False)

    def action_retry(self) -> None:
        if self.app.turns.retry(self.app.mode.name) is None:
            self.notify(f"No failed {self.app.mode.title.lower()} turn to retry.", markup=False)

    def action_copy(self) -> None:
        copy_with_notice(self.app, self.chat.copy_text())

    def action_block_cursor(self) -> None:
        """The cursor goes over the selected reply (else the newest one) and takes the keys."""
        transcript = self.chat.transcript()
        view = transcript.selected or (transcript.views[-1] if transcript.views else None)
        if view is None or not view.reply.enter_cursor():
            self.notify("No reply to move through yet.", markup=False)

    def on_block_cursor_copy(self, message: BlockCursor.Copy) -> None:
        message.stop()
        copy_with_notice(self.app, message.text)

    def on_block_cursor_open(self, message: BlockCursor.Open) -> None:
        from tui.screens.code_screen import CodeScreen

        message.stop()
        self.app.push_screen(CodeScreen(message.text, message.language))

    def action_toggle_memory(self) -> None:
        self.toggle_class("-memory-hidden")

    def action_earlier_reply(self) -> None:
        self.chat.transcript().move(-1)

    def action_later_reply(self) -> None:
        self.chat.transcript().move(+1)

    def action_show_sent(self) -> None:
        """The selected answer's request (the newest answer's if none is selected), read-only."""
        from tui.screens.sent_screen import SentScreen

        transcript = self.chat.transcript()
        selected = transcript.selected
        if selected is not None:
            turn = selected.turn
        else:
            turn = next((view.turn for view in reversed(transcript.views) if view.turn.sent is not None), None)
        if turn is None or turn.sent is None:
            self.notify("Nothing was sent to the model for this turn yet.", markup=False)
            return
        self.app.push_screen(SentScreen(turn))

    def action_focus_prompt(self) -> None:
        self.chat.prompt_bar.input.focus()

    # -- asking again: stop, regenerate, leave a memory out, edit and resend ---------------------------

    _editing: Turn | None = None
    """The turn whose text the prompt holds for an edit and resend (``action_edit_resend``)."""

    def action_escape(self) -> None:
        """Stop a streaming reply; else cancel an edit and resend; and go back to the prompt."""
        if self.app.turns.stop() is not None:
            return
        self._stop_editing()
        self.action_focus_prompt()

    def action_stop(self) -> None:
        if self.app.turns.stop() is None:
            self.notify("No reply is streaming.", markup=False)

    def _selected_turn(self) -> Turn | None:
        """The selected turn of this mode's transcript, else its newest."""
        transcript = self.chat.transcript()
        view = transcript.selected or (transcript.views[-1] if transcript.views else None)
        return view.turn if view is not None else None

    def action_regenerate(self) -> None:
        turn = self._selected_turn()
        refused = "No answer to ask again for yet." if turn is None else self.app.turns.regenerate(turn)
        if refused is not None:
            self.notify(refused, markup=False)

    def on_recalled_pane_exclude_toggled(self, message: RecalledPane.ExcludeToggled) -> None:
        message.stop()
        refused = self.app.turns.exclude(message.turn, message.memory.record.id)
        if refused is not None:
            self.notify(refused, markup=False)
        self.receipts.show(message.turn, self.app.mode.entry_label)

    def _edits_entry(self, turn: Turn) -> bool:
        """Sending an edited ``turn`` edits its entry (a mode that keeps entries: journal) rather than
        asking a new question (code)."""
        mode = self.app.workspace.modes.get(turn.mode)
        return mode is not None and mode.keep_unanswered and turn.record is not None

    def action_edit_resend(self) -> None:
        turn = self._selected_turn()
        if turn is None:
            self.notify("Nothing sent yet to edit.", markup=False)
            return
        prompt = self.chat.prompt_bar.input
        if "\n" in turn.text:  # a multi-line text goes to the composer's draft; sending it there is a new send
            self._stop_editing()
            self._open_composer(turn.text)
            return
        self._editing = turn
        prompt.value = turn.text
        prompt.cursor_position = len(prompt.value)
        if self._edits_entry(turn) and turn.record is not None:
            day = local_day(turn.record.created_at)
            note = f"editing entry of {day}: sending saves an edit of that entry and asks again (Esc cancels)"
        else:
            label = self.app.mode.entry_label.lower()
            does = "saves it as a new entry" if self.app.mode.keep_unanswered else "asks a new question"
            note = f"editing a sent {label}: sending {does} (Esc cancels)"
        self.chat.show_editing(note)
        prompt.focus()

    def _stop_editing(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.chat.show_editing(None)
