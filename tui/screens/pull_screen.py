"""Pulling a model into Ollama: a progress bar over every layer, escape cancels (the connection
is closed, so Ollama stops downloading), a failure is shown with Ollama's reason."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from tui.domain.errors import MindpaneError
from tui.ports import ChatModel
from tui.runtime.detached import iterate_detached
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.models import PullState, PullTally, human_size, pull_until
from tui.text import one_line


class PullScreen(ReportsWorkerFailures, ModalScreen[bool]):
    """Dismisses with ``True`` once the model was pulled, ``False`` if cancelled or failed."""

    HELP_TITLE = "Model pull"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel / close"),
        Binding("enter", "close_when_done", "Close", show=False),
    ]

    @dataclass
    class Pulled(Message):
        """``model`` is in Ollama now: the status line should look again."""

        model: str

    @dataclass
    class Progressed(Message, bubble=False):
        """The pull so far, every layer added up."""

        state: PullState

    @dataclass
    class Done(Message, bubble=False):
        """The pull finished: the model is in Ollama (``state`` is the final tally)."""

        state: PullState

    def __init__(self, model: str, chat: ChatModel) -> None:
        super().__init__(classes="dialog-screen")
        self.model = model
        self._chat = chat
        self._stop = threading.Event()
        self._outcome: bool | None = None
        """None while pulling; True once pulled, False once failed."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pull-dialog"):
            yield Static(f"Pulling {self.model}", classes="dialog-title", markup=False)
            yield Static("Asking Ollama…", classes="pull-state", markup=False)
            yield ProgressBar(total=None, show_eta=False, classes="pull-bar")
            yield Static("", classes="pull-detail", markup=False)
            yield Static("escape cancels the download (pulling again resumes it)", classes="dialog-hint",
                         markup=False)
            yield Footer()

    def on_mount(self) -> None:
        self.run_pull()

    def on_unmount(self) -> None:
        self._stop.set()  # the app quit or the screen went away: stop reading, close the stream

    # -- the pull (thread worker; the stream is read, and closed, in a daemon thread) ---------------

    @work(thread=True, exclusive=True, group="pull", exit_on_error=False)
    def run_pull(self) -> None:
        stop = self._stop
        tally = PullTally()
        try:
            for progress in iterate_detached(lambda: pull_until(self._chat, self.model, stop.is_set),
                                             stop.is_set, name="mindpane-pull"):
                state = tally.add(progress)
                if not stop.is_set():
                    self.post_message(self.Progressed(state))
        except MindpaneError as error:
            if not stop.is_set():
                self.post_message(WorkFailed(error))
            return
        if not stop.is_set():
            self.post_message(self.Done(tally.state))

    def on_pull_screen_progressed(self, message: Progressed) -> None:
        self._show_progress(message.state)

    def on_pull_screen_done(self, message: Done) -> None:
        self._succeeded(message.state)

    def on_work_failed(self, message: WorkFailed) -> None:
        self._failed(message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected exception (a bug) in the pull: the dialog says so in place. Textual also
        runs ``ReportsWorkerFailures.on_worker_state_changed``, which hands it to the app to log and show."""
        if event.state is WorkerState.ERROR and event.worker.group == "pull" and not self._stop.is_set():
            self._failed(MindpaneError(f"Pulling {self.model} failed unexpectedly.",
                                       "See mindpane.log in the data directory."))

    def _show_progress(self, state: PullState) -> None:
        if not self.is_attached or self._outcome is not None:
            return
        self.query_one(".pull-state", Static).update(one_line(state.status, 80) or "…")
        if state.total:
            self.query_one(ProgressBar).update(total=state.total, progress=state.completed)
            self.query_one(".pull-detail", Static).update(
                f"{human_size(state.completed)} / {human_size(state.total)}")

    def _succeeded(self, state: PullState) -> None:
        if not self.is_attached:
            return
        self._outcome = True
        total = state.total or 1
        self.query_one(ProgressBar).update(total=total, progress=total)
        self.query_one(".pull-state", Static).update(f"✓ {self.model} is ready")
        self.query_one(".pull-detail", Static).update(human_size(state.total) if state.total else "")
        self.query_one(".dialog-hint", Static).update("enter or escape closes")
        self.add_class("-done")
        self.post_message(self.Pulled(self.model))

    def _failed(self, error: MindpaneError) -> None:
        if not self.is_attached:
            return
        self._outcome = False
        self.query_one(".pull-state", Static).update(error.message)
        self.query_one(".pull-detail", Static).update(error.hint)
        self.query_one(".dialog-hint", Static).update("escape closes; nothing was changed")
        self.add_class("-failed")

    # -- keys ------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self._stop.set()
        self.dismiss(bool(self._outcome))

    def action_close_when_done(self) -> None:
        if self._outcome is not None:
            self.action_close()
