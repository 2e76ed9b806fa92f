"""The change log: every edit, delete, reply attached, import, pin, question / entry flip and reply
marked wrong, newest first — when, what, old → new — and one key to revert the selected change
(the entry comes back exactly as it was). A row gives the start of both texts; under the list the
highlighted change shows both in full, wrapped (a long old text hid the new one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from tui.domain.errors import MindpaneError
from tui.domain.records import Change
from tui.runtime.messages import WorkFailed
from tui.runtime.workers import ReportsWorkerFailures
from tui.services.screen_access import ChangesAccess
from tui.text import for_display, local_minute
from tui.widgets.history_messages import changed_by_undo
from tui.widgets.history_text import (
    KIND_LABELS,
    describe_change,
    describe_import,
    flag_transition,
    undo_notice,
)

CHANGES_SHOWN = 500
SUMMARY_SIDE = 40
"""Characters of each side of a row's "old → new": the new text starts in the row however long the old."""
DIFFERENCE_CONTEXT = 12
"""Characters of what an edit kept that a row shows before the part it changed."""


def texts(change: Change) -> tuple[str | None, str | None]:
    """The text a change replaced and the text it left (a reply's, for a reply attached)."""
    before, after = change.before, change.after
    if change.kind == "reply":
        return (before.reply if before else None), (after.reply if after else None)
    return (before.text if before else None), (after.text if after else None)


def describe(change: Change, limit: int | None = None) -> str:
    """What a change did, readable at a glance (text made literal by ``history_text``); each side
    at most ``limit`` characters (default: ``history_text``'s); texts too long for that start a
    little before where an edit first differs (an edit that added an ending read "“The first…” →
    “The first…”")."""
    flagged = flag_transition(change)
    if flagged:
        return flagged
    if change.kind == "import" and change.batch is not None:
        return describe_import(change)
    old, new = texts(change)
    if limit and old and new and max(len(old), len(new)) > limit:
        old, new = from_difference(old, new)
    return describe_change(old, new, **({"limit": limit} if limit else {}))


def from_difference(old: str, new: str) -> tuple[str, str]:
    """Both texts on one line, from the word ``DIFFERENCE_CONTEXT`` characters before they first
    differ (with "…" for what they share before it)."""
    old, new = " ".join(for_display(old).split()), " ".join(for_display(new).split())
    same = next((at for at, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    if same <= DIFFERENCE_CONTEXT:
        return old, new
    start = old.rfind(" ", 0, same - DIFFERENCE_CONTEXT) + 1
    return f"…{old[start:]}", f"…{new[start:]}"


def detail(change: Change) -> Text:
    """The change in full: the text before it and after it, each whole and literal (a flag's change
    says what it became, over the entry's text)."""
    old, new = texts(change)
    flagged = flag_transition(change)
    parts = [(flagged, new or old)] if flagged else [(label, text) for label, text in (("Before", old), ("After", new))
                                                      if text is not None]
    return Text("\n\n").join(Text.assemble((label, "bold"), "\n", for_display(text or "") or "(empty)")
                              for label, text in parts)


class ChangesScreen(ReportsWorkerFailures, ModalScreen[None]):
    """``changes`` is what it may do with the journal (read the log, revert); ``report_to``
    receives what a revert changed (default: the app)."""

    HELP_TITLE = "Changes"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,u", "revert", "Revert change", tooltip="Undo the selected change: the entry is restored as it was"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        """The change log, after ``reverted`` was reverted (None: just loaded)."""

        changes: list[Change]
        reverted: Change | None = None

    def __init__(self, changes: ChangesAccess, report_to: MessagePump | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.change_log = changes
        self.changes: list[Change] = []
        self._report_to = report_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog changes"):
            yield Static("Changes", classes="dialog-title", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True, classes="changes-table")
            with VerticalScroll(classes="changes-detail"):
                yield Static("", classes="changes-detail-text", markup=False)
            yield Static("Loading…", classes="dialog-hint changes-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Mode", "What", "Old → new")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def _load(self) -> None:
        try:
            self.post_message(self.Loaded(self.change_log.lines(CHANGES_SHOWN)))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def _show(self, changes: list[Change]) -> None:
        self.changes = changes
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for change in changes:
            what = KIND_LABELS.get(change.kind, change.kind) + (" · undone" if change.undone else "")
            table.add_row(Text(local_minute(change.at)), Text(change.mode), Text(what),
                          Text(describe(change, SUMMARY_SIDE), no_wrap=True, overflow="ellipsis"), key=str(change.seq))
        if changes:
            table.move_cursor(row=min(row, len(changes) - 1))
        hint = "r reverts the selected change · tab, ↑ ↓ scroll its full text" if changes else "No changes yet."
        self.query_one(".changes-hint", Static).update(hint)
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        change = self.selected
        self.query_one(".changes-detail-text", Static).update(detail(change) if change else "")
        self.query_one(".changes-detail").scroll_home(animate=False)

    @property
    def selected(self) -> Change | None:
        table = self.query_one(DataTable)
        if not self.changes or table.cursor_row >= len(self.changes):
            return None
        return self.changes[table.cursor_row]

    def action_revert(self) -> None:
        change = self.selected
        if change is None:
            return
        if change.undone:
            self.notify("That change is already undone.", markup=False)
            return
        self._revert(change.seq)

    @work(thread=True, exclusive=True, group="changes-write", exit_on_error=False)
    def _revert(self, seq: int) -> None:
        try:
            reverted = self.change_log.undo(seq)
            self.post_message(self.Loaded(self.change_log.lines(CHANGES_SHOWN), reverted))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_changes_screen_loaded(self, message: Loaded) -> None:
        self._show(message.changes)
        reverted = message.reverted
        if reverted is not None:
            self.notify(undo_notice(reverted), markup=False)
            (self._report_to or self.app).post_message(changed_by_undo(reverted))

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
