"""The change log: every edit, delete, reply attached, import, pin, question / entry flip and reply
marked wrong, newest first — when, what, old → new — and one key to revert the selected change
(the entry comes back exactly as it was). A row gives the start of both texts; under the list the
highlighted change shows both in full, wrapped (a long old text hid the new one).

Above the list, the conflicts sync found (two devices changed one entry before a sync): the first
one's two versions, and one key keeps either (``k`` this device's, ``o`` the other's); the other
version goes, as an ordinary change that syncs at the next round."""

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
from tui.services.screen_access import ChangesAccess, Conflict
from tui.text import for_display, local_minute
from tui.widgets.history_messages import EntryChanged, changed_by_undo
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


def conflict_text(conflicts: list[Conflict]) -> Text:
    """The first conflict's two versions (whole, literal) and the keys; how many more wait."""
    if not conflicts:
        return Text("")
    first = conflicts[0]
    current = first.current.text if first.current is not None else "(deleted here)"
    more = f" (1 of {len(conflicts)} conflicts)" if len(conflicts) > 1 else ""
    return Text.assemble(
        ("2 versions of an entry", "bold"), f", changed on two devices{more}:\n",
        ("k keeps this one: ", "bold"), for_display(current), "\n",
        ("o keeps the other: ", "bold"), for_display(first.copy.text))


class ChangesScreen(ReportsWorkerFailures, ModalScreen[None]):
    """``changes`` is what it may do with the journal (read the log, revert); ``report_to``
    receives what a revert changed (default: the app)."""

    HELP_TITLE = "Changes"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,u", "revert", "Revert change", tooltip="Undo the selected change: the entry is restored as it was"),
        Binding("k", "keep_current", "Keep this version",
                tooltip="A conflict: keep this device's version of the entry (the other one goes)"),
        Binding("o", "keep_other", "Keep the other",
                tooltip="A conflict: keep the other device's version of the entry (this one goes)"),
        Binding("escape", "close", "Close"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        """The change log, after ``reverted`` was reverted (None: just loaded)."""

        changes: list[Change]
        reverted: Change | None = None
        conflicts: list[Conflict] | None = None
        kept: str | None = None
        """The text a conflict was settled with (a notice says which version stayed)."""

    def __init__(self, changes: ChangesAccess, report_to: MessagePump | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.change_log = changes
        self.changes: list[Change] = []
        self.conflicts: list[Conflict] = []
        self._report_to = report_to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog changes"):
            yield Static("Changes", classes="dialog-title", markup=False)
            conflicts = Static("", classes="changes-conflicts", markup=False)
            conflicts.display = False  # shown when sync found conflicts
            yield conflicts
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
            self.post_message(self.Loaded(self.change_log.lines(CHANGES_SHOWN),
                                          conflicts=self.change_log.conflicts()))
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
        if message.conflicts is not None:
            self._show_conflicts(message.conflicts)
        if message.kept is not None:
            self.notify(f"Kept “{for_display(message.kept)[:60]}”; the other version is deleted (r reverts that).",
                        title="Conflict settled", markup=False)
        self._show(message.changes)
        reverted = message.reverted
        if reverted is not None:
            self.notify(undo_notice(reverted), markup=False)
            (self._report_to or self.app).post_message(changed_by_undo(reverted))

    # -- conflicts: two versions of one entry, one key keeps either ------------------------------

    def _show_conflicts(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        shown = self.query_one(".changes-conflicts", Static)
        shown.display = bool(conflicts)
        shown.update(conflict_text(conflicts))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("keep_current", "keep_other"):
            return bool(self.conflicts)
        return True

    def action_keep_current(self) -> None:
        if self.conflicts:
            self._resolve(self.conflicts[0].copy.id, keep_copy=False)

    def action_keep_other(self) -> None:
        if self.conflicts:
            self._resolve(self.conflicts[0].copy.id, keep_copy=True)

    @work(thread=True, exclusive=True, group="changes-write", exit_on_error=False)
    def _resolve(self, copy_id: str, keep_copy: bool) -> None:
        try:
            entry = self.change_log.resolve(copy_id, keep_copy)
            self.post_message(self.Loaded(self.change_log.lines(CHANGES_SHOWN), conflicts=self.change_log.conflicts(),
                                          kept=entry.text))
            (self._report_to or self.app).post_message(EntryChanged(entry.id))
        except MindpaneError as error:
            self.post_message(WorkFailed(error))

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(str(message.error), severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
