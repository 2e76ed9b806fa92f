"""The model picker: the models the Ollama host has (the mode's current one marked ✓); Enter picks
one for the mode. When the mode's model is not there, the first row offers to pull it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from tui.domain.errors import MindpaneError
from tui.domain.llm_models import ModelInfo, model_key
from tui.runtime.detached import call_detached
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.models import human_size
from tui.text import local_day, one_line

PULL_OPTION = "pull"
USE_PREFIX = "use:"


@dataclass(frozen=True)
class ModelChoice:
    """What the picker was closed with: use ``model`` for the mode, or pull it first."""

    model: str
    pull: bool = False


class ModelScreen(ReportsWorkerFailures, ModalScreen[ModelChoice | None]):
    """Dismisses with a ``ModelChoice`` (enter on a row) or ``None`` (escape)."""

    HELP_TITLE = "Model picker"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("r", "reload", "Ask Ollama again"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        """The Ollama host's models, as listed by the loading worker."""

        models: list[ModelInfo]

    def __init__(
        self,
        mode_title: str,
        current: str,
        load: Callable[[], list[ModelInfo]],
        used_by: Mapping[str, list[str]] | None = None,
        forced: str | None = None,
    ) -> None:
        """``load`` lists the host's models (blocking: it runs in a thread); ``used_by`` maps a
        ``model_key`` to the modes that use it; ``forced`` is a model forced for every mode."""
        super().__init__(classes="dialog-screen")
        self._mode_title = mode_title
        self._current = current
        self._load = load
        self._used_by = dict(used_by or {})
        self._forced = forced

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog model-picker"):
            yield Static(f"Model for {self._mode_title}", classes="dialog-title", markup=False)
            yield Static("Asking Ollama for its models…", classes="model-state -loading", markup=False)
            yield OptionList(classes="model-list", markup=False)
            yield Static(self._hint(), classes="dialog-hint", markup=False)
            yield Footer()

    def _hint(self) -> str:
        hint = f"enter: {self._mode_title} uses the highlighted model from now on (saved to the config file)"
        if self._forced:
            hint += (f". Note: --model / MINDPANE_MODEL forces {self._forced} for every mode in this run; "
                     "the choice applies when it is not set")
        return hint

    def on_mount(self) -> None:
        self.load_models()

    # -- loading (thread worker: the listing may wait for a slow or absent Ollama) ------------------

    @work(thread=True, exclusive=True, group="models", exit_on_error=False)
    def load_models(self) -> None:
        worker = get_current_worker()
        try:
            models = call_detached(self._load, lambda: worker.is_cancelled, name="mindpane-models")
        except MindpaneError as error:
            if not worker.is_cancelled:
                self.post_message(WorkFailed(error))
            return
        if models is not None and not worker.is_cancelled:
            self.post_message(self.Loaded(models))

    def on_model_screen_loaded(self, message: Loaded) -> None:
        self._show_models(message.models)

    def on_work_failed(self, message: WorkFailed) -> None:
        self._show_error(message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected exception (a bug) in the listing: the picker says so in place. Textual also
        runs ``ReportsWorkerFailures.on_worker_state_changed``, which hands it to the app to log and show."""
        if event.state is WorkerState.ERROR and event.worker.group == "models" and not event.worker.is_cancelled:
            self._show_error(MindpaneError("Listing the models failed unexpectedly.",
                                           "See mindpane.log in the data directory."))

    def _state(self, text: str, kind: str) -> None:
        state = self.query_one(".model-state", Static)
        state.update(text)
        for name in ("-loading", "-error", "-ready"):
            state.set_class(name == kind, name)

    def _show_error(self, error: MindpaneError) -> None:
        if not self.is_attached:
            return
        self.query_one(OptionList).clear_options()
        self._state(f"{error.message}\n{error.hint}".strip() + "\n(r asks again)", "-error")

    def _show_models(self, models: list[ModelInfo]) -> None:
        if not self.is_attached:
            return
        listing = self.query_one(OptionList)
        listing.clear_options()
        left_out = [m.name for m in models if m.embedding_only]  # Ollama lists them too; they cannot chat
        models = [m for m in models if not m.embedding_only]
        current = model_key(self._current)
        have_current = any(model_key(m.name) == current for m in models)
        embedding_current = any(model_key(name) == current for name in left_out)
        options: list[Option] = []
        if not have_current and not embedding_current:
            options.append(Option(
                Text(f"↓ Pull {self._current} — {self._mode_title} uses it, Ollama does not have it yet"),
                id=PULL_OPTION))
        width = max((len(m.name) for m in models), default=0)
        for model in models:
            key = model_key(model.name)
            mark = "✓" if key == current else " "
            day = local_day(model.modified) if model.modified else "?"
            row = f"{mark} {model.name:<{width}}  {human_size(model.size):>8}  {day}"
            modes = ", ".join(self._used_by.get(key, []))
            options.append(Option(Text(f"{row}  {modes}" if modes else row), id=USE_PREFIX + model.name))
        listing.add_options(options)
        if options:
            listing.highlighted = next(
                (i for i, m in enumerate(models, start=len(options) - len(models))
                 if model_key(m.name) == current), 0)
            listing.focus()
        count = f"{len(models)} model{'s' if len(models) != 1 else ''} in Ollama"
        if not models:
            count = "Ollama has no chat models yet"
        elif embedding_current:
            count += f"; {one_line(self._current, 60)} is an embedding model, it cannot chat: pick one of these"
        elif not have_current:
            count += f"; {one_line(self._current, 60)} is not one of them"
        if left_out:
            count += (f"; {len(left_out)} embedding model{'s' if len(left_out) != 1 else ''} "
                      f"({one_line(', '.join(left_out), 80)}) {'are' if len(left_out) != 1 else 'is'} left out: "
                      f"{'they' if len(left_out) != 1 else 'it'} cannot chat")
        self._state(count, "-ready")

    # -- choosing --------------------------------------------------------------------------------

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id == PULL_OPTION:
            self.dismiss(ModelChoice(self._current, pull=True))
        elif option_id.startswith(USE_PREFIX):
            self.dismiss(ModelChoice(option_id.removeprefix(USE_PREFIX)))

    def action_reload(self) -> None:
        self.query_one(OptionList).clear_options()
        self._state("Asking Ollama for its models…", "-loading")
        self.load_models()

    def action_close(self) -> None:
        self.dismiss(None)
