"""Export and import from inside the app, in the background with progress.

Export writes everything as lossless JSON to the documents folder and says where; import asks
for a path, checks the whole file first (nothing is half-imported), then stores it in batches
with a progress bar. Both use the same services as ``mindpane export``/``mindpane import``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, ProgressBar, Static

from tui.domain.errors import MindpaneError
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.screen_access import TransferAccess
from tui.widgets.paste_safe_input import PasteSafeInput


def export_path(now: datetime) -> Path:
    """A new file in the person's documents folder (else home), named by the time; a name a file
    already has (an export the same second) gets ``-2``, ``-3``…"""
    from platformdirs import user_documents_path

    folder = user_documents_path()
    folder = folder if folder.is_dir() else Path.home()
    stem = f"mindpane-export-{now:%Y%m%d-%H%M%S}"
    path = folder / f"{stem}.json"
    number = 1
    while path.exists() or path.is_symlink():
        number += 1
        path = folder / f"{stem}-{number}.json"
    return path


class ImportScreen(ReportsWorkerFailures, ModalScreen[bool]):
    """``transfer`` imports the file; dismissed with True when something was imported (the history
    should reload)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    @dataclass
    class Progressed(Message):
        done: int
        total: int

    @dataclass
    class Finished(Message):
        line: str
        imported: int

    def __init__(self, transfer: TransferAccess) -> None:
        super().__init__(classes="dialog-screen")
        self.transfer = transfer
        self._imported = 0
        self._importing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog transfer"):
            yield Static("Import entries", classes="dialog-title", markup=False)
            yield PasteSafeInput(placeholder="path of a mindpane JSON export, a jrnl JSON export or a jrnl journal",
                                 classes="transfer-path")
            yield ProgressBar(total=1, show_eta=False, show_percentage=False, classes="transfer-progress")
            yield Static("Enter imports (the whole file is checked first: nothing is half-imported). "
                         "Original dates are kept; entries already here are skipped; u in the history undoes it.",
                         classes="dialog-hint transfer-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".transfer-path", Input).focus()

    @on(Input.Submitted, ".transfer-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        if self._importing or not event.value.strip():
            return
        self._importing = True
        self._status(f"Checking {path}…")
        self.query_one(ProgressBar).update(total=None)  # it runs: the bar moves (idle until now)
        self._import(path)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self, path: Path) -> None:
        from tui.services.import_entries import summary

        def progressed(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        try:
            report = self.transfer.import_file(path, progressed)
        except MindpaneError as error:
            self.post_message(WorkFailed(error))
            return
        except OSError as error:
            self.post_message(WorkFailed(MindpaneError(f"Cannot read {path}: {error.strerror or error}",
                                                       "check the path")))
            return
        self.post_message(self.Finished(summary(report, path), report.total))

    def on_import_screen_progressed(self, message: Progressed) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)
        self._status(f"Importing… {message.done:,} of {message.total:,}")

    def on_import_screen_finished(self, message: Finished) -> None:
        self._importing = False
        self._imported += message.imported
        bar = self.query_one(ProgressBar)
        bar.update(total=1, progress=1)
        self._status(message.line)

    def on_work_failed(self, message: WorkFailed) -> None:
        self._importing = False
        self.query_one(ProgressBar).update(total=1, progress=0)  # idle again: nothing runs
        self._status(str(message.error))

    def _status(self, text: str) -> None:
        self.query_one(".transfer-status", Static).update(text)

    def action_close(self) -> None:
        if self._importing:
            self.notify("Importing: this closes when it is done.", markup=False)
            return
        self.dismiss(self._imported > 0)


def write_export(transfer: TransferAccess, path: Path) -> int:
    """Blocking (a worker's job): every entry as lossless JSON, by ``export_to_file`` as
    ``mindpane export -o`` writes (owner-only, complete or absent, never over a file that is there).
    Returns how many entries were written."""
    from tui.services.export import export_to_file

    try:
        return export_to_file(path, transfer.export_json)
    except FileExistsError:
        raise MindpaneError(f"{path} appeared while exporting", "it is kept as it was; export again") from None
