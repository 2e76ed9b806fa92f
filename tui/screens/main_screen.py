"""The main screen: status line, chat, and the memory column (receipts + history).

It routes rather than decides: app state (mode, store, Ollama) flows in through watchers, the turn
controller's ``TurnUpdate`` messages go to the chat, pane intents (send, retry, answer, open an
entry or a receipt) go to the controller or become the screen that shows them. Wide terminals
get a side column; narrow ones stack the memory panes under the chat, and F3 hides them.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode
from tui.messages import OllamaStatus, TurnFinished, TurnUpdate
from tui.screens.changes_screen import ChangesScreen
from tui.screens.composer_screen import Composed, ComposerScreen
from tui.screens.confirm_screen import ConfirmScreen
from tui.screens.entry_screen import EntryScreen
from tui.screens.receipt_screen import ReceiptScreen
from tui.services.workspace import WorkspaceHistory
from tui.widgets.chat_pane import ChatPane
from tui.widgets.history_pane import HistoryPane
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.recalled_pane import RecalledPane
from tui.widgets.status_bar import StatusBar
from tui.widgets.transcript import Transcript
from tui.workers import ReportsWorkerFailures

WIDE_FROM = 100
"""Columns from which the memory panes sit beside the chat instead of under it."""


class MainScreen(ReportsWorkerFailures, Screen):
    AUTO_FOCUS = "#prompt"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (WIDE_FROM, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+e", "compose", "Compose", tooltip="Write a longer, multi-line entry", priority=True),
        Binding("ctrl+r", "retry", "Retry", tooltip="Send the last failed turn again"),
        Binding("ctrl+y", "copy", "Copy", tooltip="Copy the reply's last code block (or the whole reply)"),
        Binding("f3,ctrl+g", "toggle_memory", "Panes", tooltip="Show or hide the receipts and history panes"),
        Binding("f4", "changes", "Changes", show=False,
                tooltip="The change log: every edit, delete, reply and import, with revert"),
        Binding("alt+up,ctrl+up", "earlier_reply", "Earlier reply", show=False),
        Binding("alt+down,ctrl+down", "later_reply", "Later reply", show=False),
        Binding("escape", "focus_prompt", "Back to the prompt", show=False),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            yield ChatPane(app.workspace.modes, app.mode, retry_key=self.key_for("retry"), id="chat")
            with Vertical(id="memory"):
                yield RecalledPane(id="receipts")
                yield HistoryPane(WorkspaceHistory(app.workspace), id="history")
        yield Footer()

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
        if self.app.workspace.ready:
            self.history.show_mode(mode)

    def _store_changed(self, state: str) -> None:
        self.query_one(StatusBar).show_store(state)
        self.query_one("#memory").loading = state == "loading"
        if state == "ready":
            self.history.show_mode(self.app.mode)

    def _ollama_changed(self, status: OllamaStatus | None) -> None:
        self.query_one(StatusBar).show_ollama(status, self.app.workspace.chat.host)

    # -- pane messages flowing out -----------------------------------------------------------------

    def on_transcript_selected(self, message: Transcript.Selected) -> None:
        message.stop()
        if message.transcript.mode.name == self.app.mode.name:
            turn = message.view.turn if message.view is not None else None
            self.receipts.show(turn, self.app.mode.entry_label)

    @on(TurnUpdate)
    async def _turn_update(self, message: TurnUpdate) -> None:
        """From the turn controller: the chat shows it; a stored entry reloads the history."""
        await self.chat.show_turn(message)
        if isinstance(message, TurnFinished) and message.stored is not None and message.turn.mode == self.app.mode.name:
            self.history.reload()

    def on_prompt_bar_sent(self, message: PromptBar.Sent) -> None:
        message.stop()
        if self.app.turns.send(self.app.mode, message.text) is None:  # not kept: back to the prompt
            self.chat.give_back(message.text)

    def on_history_pane_open_entry(self, message: HistoryPane.OpenEntry) -> None:
        message.stop()
        self.app.push_screen(EntryScreen(message.memory_id, report_to=self.history))

    def on_recalled_pane_opened(self, message: RecalledPane.Opened) -> None:
        message.stop()
        self.app.push_screen(ReceiptScreen(message.memory, self.app.mode))

    def on_history_pane_entry_changed(self, message: HistoryPane.EntryChanged) -> None:
        self.receipts.memory_changed(message.memory_id, message.deleted)

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
        self.app.push_screen(ChangesScreen(report_to=self.history))

    def forget_deleted(self) -> None:
        """Erase every deleted entry from the disk, after asking."""

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._forget_deleted()

        self.app.push_screen(ConfirmScreen("Forget every deleted entry? They are erased from the disk for good and "
                                           "can no longer be undone.", confirm_label="Forget"), confirmed)

    class Forgotten(Message, bubble=False):
        """The deleted entries were erased (``count``), or ``error`` says why not."""

        def __init__(self, count: int = 0, error: MindpaneError | None = None) -> None:
            super().__init__()
            self.count = count
            self.error = error

    @work(thread=True, exclusive=True, group="forget", exit_on_error=False)
    def _forget_deleted(self) -> None:
        try:
            self.post_message(self.Forgotten(self.app.workspace.store.forget_deleted()))
        except MindpaneError as error:
            self.post_message(self.Forgotten(error=error))

    def on_main_screen_forgotten(self, message: Forgotten) -> None:
        if message.error is not None:
            self.notify(str(message.error), severity="error", markup=False)
        else:
            self.notify(f"Forgot {message.count} deleted entr{'y' if message.count == 1 else 'ies'}: "
                        "erased from the disk.", markup=False)

    def on_prompt_bar_multi_line_paste(self, message: PromptBar.MultiLinePaste) -> None:
        """A multi-line paste into the prompt opens the composer with all of it; a draft kept
        from an earlier composer stays in front of it, so nothing is dropped."""
        message.stop()
        kept = self.chat.draft()
        self._open_composer(f"{kept}\n{message.text}" if kept else message.text)

    def action_compose(self) -> None:
        self._open_composer(self.chat.draft() or self.chat.prompt_bar.input.value)

    def _open_composer(self, draft: str) -> None:
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

    def action_retry(self) -> None:
        if self.app.turns.retry(self.app.mode.name) is None:
            self.notify(f"No failed {self.app.mode.title.lower()} turn to retry.", markup=False)

    def action_copy(self) -> None:
        text = self.chat.copy_text()
        if not text:
            self.notify("No reply to copy yet.", markup=False)
            return
        self.app.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        self.notify(f"Copied {lines} line{'s' if lines != 1 else ''} to the clipboard.", markup=False)

    def action_toggle_memory(self) -> None:
        self.toggle_class("-memory-hidden")

    def action_earlier_reply(self) -> None:
        self.chat.transcript().move(-1)

    def action_later_reply(self) -> None:
        self.chat.transcript().move(+1)

    def action_focus_prompt(self) -> None:
        self.chat.prompt_bar.input.focus()
