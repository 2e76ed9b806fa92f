"""The full-screen mindpane app: owns the workspace, the turn controller and the session-wide state
(mode, store, Ollama), and runs the slow start-up work — opening the store, checking the model —
in thread workers, so the first frame appears at once and typing works before the store is ready.
Every worker that fails unexpectedly ends here, in ``on_worker_state_changed``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from tui.domain.errors import ChatError, MindpaneError
from tui.domain.modes import Mode
from tui.runtime.collector import (
    COLLECT_AT_REST_AFTER,
    collect_at_rest,
    freeze_what_lives_on,
    freeze_what_started,
    thaw,
)
from tui.runtime.detached import call_detached
from tui.runtime.messages import (
    DraftChanged,
    OllamaChecked,
    OllamaStatus,
    StoreFailed,
    StoreOpened,
    TurnUpdate,
)
from tui.runtime.resources import stylesheet
from tui.runtime.terminal_input import safe_driver_class
from tui.runtime.turn_controller import TurnController
from tui.screens.locking_host import LockingHost
from tui.screens.main_screen import MainScreen
from tui.screens.sync_host import SyncHost
from tui.services import engine
from tui.services.config import ConfigProblem, LoadedConfig, update_config
from tui.services.settings import Settings
from tui.services.workspace import Workspace

if TYPE_CHECKING:
    from tui.screens.help_screen import KeySection

log = logging.getLogger(__name__)

OLLAMA_RECHECK_SECONDS = 10.0
QUIET_START_SECONDS = 1.5
"""The longest the Ollama check waits for the store to open before it starts (``_start_the_rest``)."""
LOCK_AFTER_TURN = 0.25
"""Seconds between a turn's end and a lock that waited for it: the panes take in the stored entry first."""
SAVING_WAIT_SECONDS = 20.0
"""How long quitting waits for a reply being saved before it quits anyway (the entry's text is on
the disk already; a save that slow is stuck)."""


class MindpaneApp(SyncHost, LockingHost, App):
    TITLE = "mindpane"
    CSS_PATH: ClassVar = [stylesheet(name) for name in ("app.tcss", "chat.tcss", "memory.tcss", "dialogs.tcss",
                                                        "history.tcss", "calendar.tcss", "unlock.tcss")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t,f2", "next_mode", "Mode", tooltip="Switch to the next mode"),
        Binding("f1,question_mark", "help", "Help", tooltip="List every key"),
        Binding("f5", "pick_model", "Model", show=False, tooltip="Choose the mode's Ollama model (or pull it)"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f12", "lock", "Lock", show=False, priority=True,
                tooltip="Lock the journal: the passphrase opens it again (a journal with a passphrase)"),
    ]

    mode: var[Mode] = var(None, init=False)  # set in __init__, before any watcher exists
    store_state: var[str] = var("loading")
    """loading → ready, or failed (the store error screen is up)."""
    ollama: var[OllamaStatus | None] = var(None)

    def __init__(
        self,
        settings: Settings,
        workspace: Workspace | None = None,
        clock: Callable[[], datetime] | None = None,
        config: LoadedConfig | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.workspace = workspace or Workspace(settings, clock=clock, config=config)
        self.turns = self.make_turns()
        self.config_problems: list[ConfigProblem] = list(self.workspace.config_problems)
        """What is wrong in the config file: said once, at start; the defaults stand in for it."""
        self._rest_timer: Timer | None = None
        """Runs :func:`collect_at_rest` once a turn has ended (see ``tui.runtime.collector``)."""
        self._remembered_theme: str | None = None
        """The theme the config file holds; None until the start theme is applied."""
        self._quit_when_saved = False
        """ctrl+q came while a reply was being saved: quit once it is."""
        self._rest_started = False
        self.set_reactive(MindpaneApp.mode, next(iter(self.workspace.modes.values())))

    def make_turns(self) -> TurnController:
        return TurnController(self, self.workspace, self._show_turn, retry_key=MainScreen.key_for("retry"),
                              check_ollama=self.check_ollama)

    def get_driver_class(self) -> type[Driver]:
        return safe_driver_class(super().get_driver_class())  # bad bytes and pastes with escapes: see module

    def get_default_screen(self) -> Screen:
        return self.first_screen()  # the unlock screen of a locked journal (``LockingHost``)

    def on_mount(self) -> None:
        chosen = self.settings.sources.get("theme") != "default"  # else Textual's (TEXTUAL_THEME) stands
        if chosen and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._remembered_theme = self.theme
        if self.config_problems or self.settings.problems:  # the environment's too (MINDPANE_STALL_TIMEOUT=inf)
            from tui.screens.config_problems_screen import problems_notice

            notice = problems_notice(self.config_problems, self.console, self.size) if self.config_problems else ""
            self.notify("\n".join(filter(None, [notice, *self.settings.problems])),
                        title="Config file" if self.config_problems else "Settings", severity="warning",
                        timeout=30, markup=False)
        # After the first frame: the workers import mem0, Chroma and the Ollama client, and an
        # import in a thread still holds the GIL the first render needs.
        self.call_after_refresh(self._start_background)
        self.start_auto_lock()

    def _start_background(self) -> None:
        freeze_what_started()  # the first frame is drawn (see tui.runtime.collector)
        if self.workspace.needs_passphrase or self.workspace.locked_journal:  # the unlock screen opens it
            self.unlock_if_keyed()
        else:
            self.open_store()
        self.set_timer(QUIET_START_SECONDS, self._start_the_rest)

    def _start_the_rest(self) -> None:
        """Once the store is open (or ``QUIET_START_SECONDS`` after the first frame): the Ollama
        check and the reply widget's imports. Started with the store, three threads importing at
        once starved the event loop: a send typed in the first second reached the disk after
        50-200 ms instead of 15-50."""
        if self._rest_started:
            return
        self._rest_started = True
        self.check_ollama(self.mode)
        self.set_interval(OLLAMA_RECHECK_SECONDS, self.recheck_ollama)
        self._warm_up_reply_widget()

    @work(thread=True, group="warm-up", exit_on_error=False, description="import the reply widget")
    def _warm_up_reply_widget(self) -> None:
        """After the first frame: import what the first reply shows (Markdown, highlighting), so
        the first turn does not import it on the event loop."""
        import tui.widgets.reply  # noqa: F401

    def on_unmount(self) -> None:
        self.stop_sync()  # a running sync stops at a safe point before the store closes
        self.workspace.lock()  # closes the store, writes the drafts and drops a locked journal's key
        thaw()

    # -- the theme: the one picked in the palette is remembered in the config file ---------------

    def watch_theme(self, theme: str) -> None:
        if self._remembered_theme is None or self.settings.config_path is None or theme == self._remembered_theme:
            return
        self._remembered_theme = theme
        self.remember_theme(theme)

    @work(thread=True, exclusive=True, group="theme", exit_on_error=False, description="remember the theme")
    def remember_theme(self, theme: str) -> None:
        """Write ``theme = ...`` into the config file, keeping the person's comments (a file write:
        never on the event loop). Two quick changes may write in either order: both write the latest."""
        try:
            update_config(self.settings.config_path, "theme", self._remembered_theme or theme)
        except MindpaneError as error:
            self.notify(f"{error.message}\n{error.hint}".strip(),
                        title="Theme not remembered", severity="warning", markup=False)

    # -- drafts: what is written and not sent is on the disk (the chat brings them back) --------

    def exit(self, *args, **kwargs) -> None:
        """Quitting keeps the drafts as they are on screen this moment (a change may still be on
        its way as a message); ``on_unmount`` writes them."""
        self.keep_screen_drafts()
        super().exit(*args, **kwargs)

    def keep_screen_drafts(self) -> None:
        """The drafts as they are on screen this moment go to the workspace's (quit, lock)."""
        from tui.screens.composer_screen import ComposerScreen

        main = self.main_screen()
        if main is not None and main.is_mounted:
            drafts, chat = self.workspace.drafts, main.chat
            drafts.set_prompt(chat.prompt_bar.draft)
            for name, text in chat.kept_drafts().items():
                drafts.set_composer(name, text)
            for screen in self.screen_stack:
                if isinstance(screen, ComposerScreen) and screen.is_mounted:
                    drafts.set_composer(screen.mode.name, screen.text)

    def on_draft_changed(self, message: DraftChanged) -> None:
        self.workspace.drafts.set_composer(message.mode, message.text)

    # -- the store -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def open_store(self) -> None:
        """Slow (imports mem0/Chroma, loads the embedder): never on the event loop."""
        try:
            self.workspace.open()
        except MindpaneError as error:
            self.post_message(StoreFailed(error))
        except Exception as exc:  # an adapter bug must still end in a readable screen
            log.exception("opening the store failed unexpectedly")
            self.post_message(StoreFailed(engine.explain_open_failure(exc, self.settings)))
        else:
            self.post_message(StoreOpened())
            notice = engine.privacy_notice()
            if notice:
                self.notify(notice, title="Made private", markup=False)  # notify posts a message: thread-safe

    def on_store_opened(self) -> None:
        self.store_state = "ready"
        freeze_what_lives_on()
        self.turns.store_ready()
        self.prepare_recall(self.mode)
        self._start_the_rest()
        self.journal_opened()
        self.start_sync()  # a journal joined to a hub: a first sync, then every sync_minutes

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def prepare_recall(self, mode: Mode) -> None:
        """Load the mode's memories for recall in the background: a large store's first turn
        would otherwise wait for it. A failure here shows up, with its message, at that turn."""
        try:
            self.workspace.journal.prepare(mode.name)
        except MindpaneError:
            log.warning("preparing recall for %s failed", mode.name, exc_info=True)

    def on_store_failed(self, message: StoreFailed) -> None:
        from tui.screens.store_error_screen import StoreErrorScreen

        self.store_state = "failed"
        self.push_screen(StoreErrorScreen(message.error), self._after_store_error)
        self._start_the_rest()
        self.lock_if_waiting()

    def _after_store_error(self, try_again: bool | None) -> None:
        if try_again:
            self.store_state = "loading"
            self.open_store()

    # -- Ollama ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="ollama", exit_on_error=False)
    def check_ollama(self, mode: Mode) -> None:
        """Is Ollama up and is the mode's model pulled? Reported in the status line."""
        worker = get_current_worker()
        model = self.workspace.model_for(mode)
        try:
            call_detached(lambda: self.workspace.check_model(mode), lambda: worker.is_cancelled,
                          name="mindpane-ollama-check")
        except ChatError as error:
            status = OllamaStatus(model, error)
        else:
            status = OllamaStatus(model)
        if not worker.is_cancelled:
            self.post_message(OllamaChecked(status))

    def recheck_ollama(self) -> None:
        """While Ollama is in trouble, look again now and then: starting it clears the warning."""
        if self.ollama is not None and not self.ollama.ok:
            self.check_ollama(self.mode)

    def on_ollama_checked(self, message: OllamaChecked) -> None:
        if message.status.model == self.workspace.model_for(self.mode):
            self.ollama = message.status

    # -- turns: the controller runs them, the main screen shows them ------------------------------

    def on_turn_update(self, message: TurnUpdate) -> None:
        """A turn's worker says what happened: the controller records it and shows it (``_show_turn``)."""
        self.turns.progress(message)

    def _show_turn(self, update: TurnUpdate) -> None:
        """The one relay to the main screen, which shows turns. When a turn ends, a quit that waited
        for its save goes on, and the collector runs once nothing else is running."""
        main = self.main_screen()
        if main is not None:
            main.post_message(update)
        if update.finished:
            self.sync_after_turn()
            if self._quit_when_saved and not self.turns.saving:
                self.exit()
            self.set_timer(LOCK_AFTER_TURN, self.lock_if_waiting)  # once the screens have shown its end
            if self._rest_timer is not None:
                self._rest_timer.stop()
            self._rest_timer = self.set_timer(COLLECT_AT_REST_AFTER, self._collect_if_at_rest)

    def _collect_if_at_rest(self) -> None:
        self._rest_timer = None
        if not self.turns.unfinished:  # else the turn still running schedules it when it ends
            collect_at_rest()

    # -- workers: the one place an unexpected failure is shown -------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker raised something no one translated (a bug): log it, say it, keep running.
        Screens and widgets forward theirs here (``tui.runtime.workers.ReportsWorkerFailures``)."""
        if event.state is not WorkerState.ERROR:
            return
        worker, error = event.worker, event.worker.error
        log.error("worker %r failed", worker.description or worker.name, exc_info=error)
        if self.turns.worker_failed(worker):
            return  # the turn shows the failure and the queue goes on
        self.notify(f"Something went wrong: {type(error).__name__}: {error}\nSee mindpane.log in the data directory.",
                    title="Error", severity="error", markup=False)

    # -- modes -----------------------------------------------------------------------------------

    def use_mode(self, name: str) -> None:
        mode = self.workspace.modes[name]
        if mode.name == self.mode.name:
            return
        self.mode = mode
        self.check_ollama(mode)
        if self.workspace.ready:
            self.prepare_recall(mode)

    def action_next_mode(self) -> None:
        names = list(self.workspace.modes)
        self.use_mode(names[(names.index(self.mode.name) + 1) % len(names)])

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode in self.workspace.modes.values():
            yield SystemCommand(f"Mode: {mode.title}",
                                f"Switch to {mode.title}: its prompt, its memories and its transcript",
                                partial(self.use_mode, mode.name))
        if isinstance(screen, MainScreen):
            from tui.screens.palette_commands import main_screen_commands

            yield from main_screen_commands(self, screen)
        if self.workspace.ready:
            yield SystemCommand("Export", "Write every entry as JSON to your documents folder, else your home "
                                "folder (lossless)",
                                self.export_all)
            yield SystemCommand("Import", "Bring in a mindpane JSON export, a jrnl JSON export or a jrnl journal",
                                self.import_file)
            yield SystemCommand("Sync now", "Pull your other devices' changes from the sync hub and push this one's",
                                self.sync_now)
        if self.workspace.locked_journal and not self.workspace.needs_passphrase:
            yield SystemCommand("Lock the journal", "Close it and forget its key: the passphrase opens it again (F12)",
                                self.lock_journal)
        yield SystemCommand("Keys", "List every key binding", self.action_help)
        if self.config_problems:
            yield SystemCommand("Config problems", "What is wrong in the config file, all of it",
                                self.show_config_problems)

    def show_config_problems(self) -> None:
        """The whole list; the notices go, or the one that points here would lie over it."""
        from tui.screens.config_problems_screen import ConfigProblemsScreen

        self.clear_notifications()
        self.push_screen(ConfigProblemsScreen(self.config_problems))

    # -- models: the picker and pulls --------------------------------------------------------------
    # Screens and services are imported here, not at the top, so this section stays self-contained.

    def action_pick_model(self) -> None:
        """Open the model picker for the current mode (the models are listed in a worker)."""
        from tui.screens.model_screen import ModelScreen
        from tui.screens.pull_screen import PullScreen
        from tui.services.models import models_in_use

        if isinstance(self.screen, ModelScreen | PullScreen):
            return
        mode = self.mode
        picker = ModelScreen(mode.title, self.workspace.model_for(mode), self.workspace.chat.list_models,
                             models_in_use(self.workspace.modes.values(), self.settings), forced=self.settings.model)
        self.push_screen(picker, partial(self._model_chosen, mode.name))

    def _model_chosen(self, mode_name: str, choice) -> None:
        if choice is None:
            return
        if choice.pull:
            self.action_pull_model(choice.model)
        else:
            self.use_model(mode_name, choice.model)

    def use_model(self, mode_name: str, model: str) -> None:
        """Mode ``mode_name`` uses ``model`` from its next turn on; saved to the config file."""
        from tui.services.models import set_mode_model

        mode = set_mode_model(self.workspace.modes, mode_name, model)
        if mode_name == self.mode.name:
            # The same mode with another model: no watcher needs to run (the transcript, history and
            # filter stay as they are); turns read the model from workspace.modes.
            self.set_reactive(MindpaneApp.mode, mode)
            self.ollama = None
            self.check_ollama(mode)
        in_use = self.workspace.model_for(mode)
        if in_use == model:
            self.notify(f"{mode.title} uses {model} from now on.", title="Model", markup=False)
        else:
            self.notify(f"Saved {model} for {mode.title}; this run uses {in_use} (forced by --model or "
                        "MINDPANE_MODEL).", title="Model", markup=False)
        self.save_model_choice(mode_name, model)

    @work(thread=True, group="config", exit_on_error=False)
    def save_model_choice(self, mode_name: str, model: str) -> None:
        from tui.services.models import save_mode_model

        try:
            save_mode_model(self.settings, mode_name, model)
        except MindpaneError as error:
            self.notify(f"{error.message}\n{error.hint}".strip(), title="Not saved",
                        severity="error", markup=False)

    def action_pull_model(self, model: str | None = None) -> None:
        """Pull ``model`` (default: the current mode's) into Ollama, with a progress bar."""
        from tui.screens.pull_screen import PullScreen

        if isinstance(self.screen, PullScreen):
            return
        self.push_screen(PullScreen(model or self.workspace.model_for(self.mode), self.workspace.chat))

    def on_pull_screen_pulled(self, message) -> None:
        """A model arrived in Ollama: the status line looks again (it may have said "not pulled")."""
        self.check_ollama(self.mode)

    # -- quitting --------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; with turns still unanswered, say that they are kept and ask first (ctrl+q again
        in the question, or while waiting, quits at once). A reply that has arrived and is being
        saved is waited for: "saving…", then quit."""
        from tui.screens.quit_screen import QuitScreen

        if self._quit_when_saved or isinstance(self.screen, QuitScreen):
            self.exit()
            return
        unanswered = self.turns.unanswered
        if not unanswered:
            self._quit_once_saved()
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self._quit_once_saved()

        self.push_screen(QuitScreen(unanswered, saving=self.turns.saving), answered)

    def _quit_once_saved(self) -> None:
        if not self.turns.saving:
            self.exit()
            return
        self._quit_when_saved = True
        self.notify("Saving the reply that just arrived… then mindpane quits (ctrl+q again quits now).",
                    title="Saving…", markup=False)
        self.set_timer(SAVING_WAIT_SECONDS, self.exit)

    # -- export and import ------------------------------------------------------------------------

    def export_all(self) -> None:
        from tui.screens.transfer_screen import export_path

        path = export_path(datetime.now())
        self.notify(f"Exporting to {path}…", markup=False)
        self._export(path)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, path) -> None:
        from tui.screens.transfer_screen import write_export
        from tui.services.screen_access import TransferAccess

        try:
            count = write_export(TransferAccess(self.workspace), path)
        except (MindpaneError, OSError) as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False)
            return
        self.notify(f"Exported {count:,} entr{'y' if count == 1 else 'ies'} to {path}{self._export_place(path)}",
                    title="Exported", markup=False)

    @staticmethod
    def _export_place(path) -> str:
        """Why an export is not where the palette said it would go: there is no documents folder."""
        from platformdirs import user_documents_path

        documents = user_documents_path()
        if path.parent == documents:
            return ""
        return f" (your home folder: there is no documents folder {documents})"

    def import_file(self) -> None:
        from tui.screens.transfer_screen import ImportScreen
        from tui.services.screen_access import TransferAccess

        def imported(changed: bool | None) -> None:
            main = self.main_screen()
            if changed and main is not None:
                main.history.reload()

        self.push_screen(ImportScreen(TransferAccess(self.workspace)), imported)

    # -- help ------------------------------------------------------------------------------------

    def key_sections(self) -> list[KeySection]:
        """Every class under ``tui.screens`` and ``tui.widgets`` that declares ``BINDINGS`` (see
        ``binding_sections``), after the keys that work anywhere: the main screen's panes first, each
        place under one title (the history's filter, list and undo keys together)."""
        import tui.screens
        import tui.widgets
        from tui.screens.calendar_screen import CalendarScreen
        from tui.screens.changes_screen import ChangesScreen
        from tui.screens.help_screen import binding_sections
        from tui.widgets.block_cursor import BlockCursor
        from tui.widgets.heatmap import Heatmap
        from tui.widgets.history_pane import HistoryPane
        from tui.widgets.history_table import HistoryTable
        from tui.widgets.on_this_day_panel import OnThisDayPanel
        from tui.widgets.prompt_bar import PromptBar
        from tui.widgets.recalled_pane import RecalledPane
        from tui.widgets.transcript import Transcript

        places = {MainScreen: "Main screen", PromptBar: "Prompt", Transcript: "Transcript",
                  BlockCursor: "Blocks of a reply (ctrl+o)", RecalledPane: "Receipts", HistoryPane: "History",
                  HistoryTable: "History", OnThisDayPanel: "On this day", CalendarScreen: "Calendar",
                  Heatmap: "Calendar", ChangesScreen: "Changes"}
        palette = Binding(self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette (modes, actions)")
        return [("Anywhere", [*self.BINDINGS, palette, *Screen.BINDINGS]),
                *binding_sections([tui.screens, tui.widgets], first=places)]

    def action_help(self) -> None:
        from tui.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_sections()))
