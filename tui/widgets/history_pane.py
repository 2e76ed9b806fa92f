"""The memory-history pane: a mode's entries newest first, paged in as the cursor nears the end,
with a filter (words, "phrases", #tags, on:/since:/until: days, mode: — exact matches, else the closest
by meaning). It reads through the ``HistorySource`` the screen gives it; every call runs
in a thread worker whose result comes back as a message, dropped if the view changed meanwhile (a
newer ``_view``). Opening an entry is the screen's job: the pane posts ``OpenEntry``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from tui.domain import entry_kind, flags
from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode
from tui.domain.pins import PinState
from tui.domain.records import Change, MemoryRecord, Page
from tui.domain.search import SYNTAX_HELP, SearchQuery, SearchQueryError, SearchResult, parse_query
from tui.runtime.workers import ReportsWorkerFailures
from tui.widgets.history_messages import EntryChanged, FlagsChanged, PinChanged, changed_by_undo
from tui.widgets.history_table import HistoryTable
from tui.widgets.history_text import undo_notice
from tui.widgets.paste_safe_input import PasteSafeInput
from tui.widgets.typing_goes_to_prompt import TypingGoesToPrompt

PAGE_SIZE = 100
RECALL_SIZE = 50
FILTER_DELAY = 0.4
"""Seconds of typing pause before the filter runs on its own (Enter runs it at once)."""


def _entries(count: int) -> str:
    return f"{count:,} entry" if count == 1 else f"{count:,} entries"


class HistorySource(Protocol):
    """What the pane reads (and undoes); blocking, so only called from its workers.
    The app's is ``tui.services.workspace.WorkspaceHistory``."""

    @property
    def ready(self) -> bool: ...

    def page(self, mode_name: str, offset: int, limit: int) -> Page: ...

    def count(self, mode_name: str) -> int: ...

    def search(self, query: SearchQuery, mode: Mode, offset: int, limit: int, k: int) -> SearchResult: ...

    def undo(self, mode_name: str) -> Change | None: ...

    def pinned_ids(self, mode_name: str) -> set[str]: ...

    def toggle_pin(self, memory_id: str) -> PinState:
        """Pin the entry in its mode, or unpin it if it is pinned."""
        ...

    def flip(self, memory_id: str, flag: str) -> flags.FlagState:
        """Flip the entry's ``kind`` (question ↔ entry) or its reply's ``reply_wrong`` mark."""
        ...


class HistoryPane(TypingGoesToPrompt, ReportsWorkerFailures, Vertical):
    """Browse, filter and open the stored entries of one mode."""

    EntryChanged = EntryChanged
    PinChanged = PinChanged
    FlagsChanged = FlagsChanged

    @dataclass
    class OpenEntry(Message):
        """The person chose an entry: the screen shows it in full."""

        memory_id: str

    @dataclass
    class PageLoaded(Message, bubble=False):
        view: int
        page: Page
        keep_id: str | None
        keep_row: int | None
        pinned: set[str]

    @dataclass
    class Counted(Message, bubble=False):
        view: int
        count: int

    @dataclass
    class Searched(Message, bubble=False):
        view: int
        result: SearchResult
        keep_id: str | None
        keep_row: int | None
        pinned: set[str]

    @dataclass
    class Undone(Message, bubble=False):
        change: Change | None

    @dataclass
    class Failed(Message, bubble=False):
        """A store call failed with ``error`` for view ``view``."""

        view: int
        error: MindpaneError

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("/", "focus_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("u", "undo", "Undo", tooltip="Undo the last change in this mode (edit, delete, reply, import, pin, "
                "question / entry, reply wrong)"),
        Binding("p", "pin", "Pin", tooltip="Pin the highlighted entry: it goes into every prompt of its mode, "
                "above the recalled memories (p again unpins)"),
        Binding("q", "flag('kind')", "Question / entry",
                tooltip="The highlighted entry is a question to the journal (? : kept, not recalled as a memory) "
                        "or an entry: q flips it"),
        Binding("w", "flag('reply_wrong')", "Reply wrong",
                tooltip="Mark the highlighted entry's reply wrong (✗): it is not put into a prompt again (w again "
                        "unmarks it)"),
    ]

    def __init__(self, source: HistorySource, **kwargs) -> None:
        super().__init__(**kwargs)
        self._source = source
        self._mode: Mode | None = None
        self._query = ""
        self._parsed: SearchQuery | None = None
        self._view = 0
        self._loading = False
        self._next_offset = 0
        self._total = 0
        self._filter_timer: Timer | None = None
        self._clear_offered = False
        """Whether the footer offers "Clear filter" (the filter box has text)."""

    def compose(self) -> ComposeResult:
        yield Static("History", classes="history-title", markup=False)
        box = PasteSafeInput(placeholder="filter: words, #tag, on:DATE…", compact=True, classes="history-filter")
        box.tooltip = f"Search: {SYNTAX_HELP}; no exact match → the closest by meaning"
        yield box
        yield HistoryTable(classes="history-table")
        yield Static("", classes="history-empty", markup=False)

    def on_mount(self) -> None:
        self.watch(self._table, "scroll_y", self._load_more_if_near_end, init=False)

    @property
    def _table(self) -> HistoryTable:
        return self.query_one(HistoryTable)

    @property
    def _filter(self) -> Input:
        return self.query_one(".history-filter", Input)

    # -- public API ------------------------------------------------------------------------------

    def show_mode(self, mode: Mode) -> None:
        """List ``mode``'s entries from the newest, and clear the filter."""
        self._mode = mode
        self._query = ""
        self._cancel_filter_timer()
        self._filter.value = ""
        self._start_list(keep_id=None, keep_row=0, rows=PAGE_SIZE)

    def filter_to(self, query: str) -> None:
        """Filter the history by ``query`` (the filter's syntax, e.g. ``on:2026-11-20``) at once, as
        if typed and Enter pressed; the keys go to the list."""
        self._cancel_filter_timer()
        self._filter.value = query
        self._run_filter(query.strip(), force=True)
        self._table.focus()

    def reload(self) -> None:
        """Load the current view again (an entry was added, edited or deleted); the cursor stays
        on the same entry, or near its old row if that entry is gone."""
        if self._mode is None:
            return
        table = self._table
        # Only the rows up to what is seen (cursor or scroll) and a page more: rebuilding all 2,000
        # rows someone paged through held the event loop ~80 ms after every stored turn. The rest
        # loads again, a page at a time, when scrolled to.
        seen = max(table.cursor_row, int(table.scroll_y) + table.size.height)
        rows = max(PAGE_SIZE, min(table.row_count, seen + PAGE_SIZE))
        if self._query:
            self._start_search(keep_id=table.memory_id, keep_row=table.cursor_row, rows=rows)
        else:
            self._start_list(keep_id=table.memory_id, keep_row=table.cursor_row, rows=rows)

    def entry_added(self, record: MemoryRecord) -> None:
        """A turn stored ``record``: its row is sorted in among those loaded (the cursor stays on its
        entry). Loading the list again after every stored turn held the event loop while the next
        turn was starting (a worker's query, then rebuilding a hundred rows and more); a filtered
        view, one still loading, or an entry already shown (a reply attached) still loads again."""
        if self._mode is None or record.mode != self._mode.name:
            return
        table = self._table
        if self._query or self._loading or table.scored or record.id in table.rows or not table.columns:
            self.reload()
            return
        if table.insert_record(record, all_loaded=self._next_offset >= self._total):
            self._next_offset += 1
        self._total += 1
        self._set_title(f"History · {_entries(self._total)}")
        self._show_empty(False)
        self._count(self._view, self._mode.name)

    @work(thread=True, exclusive=True, group="history-count", exit_on_error=False)
    def _count(self, view: int, mode_name: str) -> None:
        """How many entries the mode has: more or fewer than listed means something changed the mode
        without telling the pane (the store is this process's alone: another path in it), and the
        list loads again rather than showing a count and rows that are off."""
        try:
            self.post_message(self.Counted(view, self._source.count(mode_name)))
        except MindpaneError as error:
            self.post_message(self.Failed(view, error))

    def on_history_pane_counted(self, message: Counted) -> None:
        if message.view == self._view and not self._loading and message.count != self._total:
            self.reload()

    # -- list view -------------------------------------------------------------------------------

    def _new_view(self) -> int:
        self._view += 1
        self._loading = True
        return self._view

    def _start_list(self, keep_id: str | None, keep_row: int, rows: int) -> None:
        if self._mode is None:
            return
        if not self._source.ready:
            self._set_title("History · opening the memory store…")
            return
        self._fetch_page(self._new_view(), self._mode.name, 0, rows, keep_id, keep_row)

    def _load_more_if_near_end(self) -> None:
        table = self._table
        if self._loading or self._next_offset >= self._total or not table.near_end:
            return
        if self._query:
            if self._parsed is None or table.scored:
                return
            self._loading = True
            self._search(self._view, self._parsed, self._mode, self._next_offset, PAGE_SIZE, None, None)
            return
        self._loading = True
        self._fetch_page(self._view, self._mode.name, self._next_offset, PAGE_SIZE, None, None)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._load_more_if_near_end()

    @work(thread=True, exclusive=True, group="history-page", exit_on_error=False)
    def _fetch_page(self, view: int, mode_name: str, offset: int, limit: int,
                    keep_id: str | None, keep_row: int | None) -> None:
        try:
            page = self._source.page(mode_name, offset, limit)
            self.post_message(self.PageLoaded(view, page, keep_id, keep_row, self._source.pinned_ids(mode_name)))
        except MindpaneError as error:
            self.post_message(self.Failed(view, error))

    def _show_rows(self, records: list[MemoryRecord], offset: int, total: int, keep_id: str | None,
                   keep_row: int | None) -> None:
        """A page of rows: the first replaces the table (the cursor stays on ``keep_id`` or near
        ``keep_row``), later ones are appended; where the next page starts."""
        table = self._table
        if offset == 0:
            table.show_records(records)
            table.place_cursor(keep_id, keep_row or 0)
        else:
            table.append_records(records)
        self._total = total
        self._next_offset = offset + len(records) if records else total

    def on_history_pane_page_loaded(self, message: PageLoaded) -> None:
        if message.view != self._view:
            return
        page = message.page
        self._table.pinned = message.pinned
        self._show_rows(page.records, page.offset, page.total, message.keep_id, message.keep_row)
        self._loading = False
        self._set_title(f"History · {_entries(page.total)}")
        self._show_empty(page.total == 0)

    # -- filter view -----------------------------------------------------------------------------

    @on(Input.Changed, ".history-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        if bool(event.value) != self._clear_offered:  # "Clear filter" shows only while there is something
            self._clear_offered = bool(event.value)   # to clear; each refresh rebuilds the footer (~11 ms)
            self.refresh_bindings()
        self._cancel_filter_timer()
        query = event.value.strip()
        if query == self._query:
            return
        if not query:
            self._clear_query()
        else:
            self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._run_filter(query))

    @on(Input.Submitted, ".history-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._cancel_filter_timer()
        query = event.value.strip()
        if query:
            self._run_filter(query, force=True)
        else:
            self._clear_query()

    def _run_filter(self, query: str, force: bool = False) -> None:
        if self._mode is None or (query == self._query and not force):
            return
        self._query = query
        try:
            self._parsed = parse_query(query)
        except SearchQueryError as error:
            self._parsed = None
            self._view += 1  # a search still running for the previous text is not shown
            self._loading = False
            self._table.show_records([])
            self._set_title(f"History · {error}")
            self._show_empty(True, str(error))
            return
        self._start_search(keep_id=None, keep_row=0, rows=PAGE_SIZE)

    def _clear_query(self) -> None:
        if self._query:
            self._query = ""
            self._parsed = None
            self._start_list(keep_id=None, keep_row=0, rows=PAGE_SIZE)

    def _cancel_filter_timer(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None

    def _start_search(self, keep_id: str | None, keep_row: int, rows: int) -> None:
        if self._parsed is None:
            return
        if not self._source.ready:
            self._set_title("History · opening the memory store…")
            return
        self._set_title(f"History · {_entries(self._total)} · searching…")
        self._search(self._new_view(), self._parsed, self._mode, 0, rows, keep_id, keep_row)

    @work(thread=True, exclusive=True, group="history-recall", exit_on_error=False)
    def _search(self, view: int, query: SearchQuery, mode: Mode, offset: int, limit: int, keep_id: str | None,
                keep_row: int | None) -> None:
        try:
            result = self._source.search(query, mode, offset, limit, RECALL_SIZE)
            pinned = self._source.pinned_ids(result.query.mode or mode.name)
        except MindpaneError as error:
            self.post_message(self.Failed(view, error))
            return
        self.post_message(self.Searched(view, result, keep_id, keep_row, pinned))

    def on_history_pane_searched(self, message: Searched) -> None:
        if message.view != self._view:
            return
        table, result = self._table, message.result
        table.pinned = message.pinned
        self._loading = False
        if result.recalled:
            table.show_recalled(result.recalled)
            table.place_cursor(message.keep_id, message.keep_row or 0)
            self._total = self._next_offset = len(result.recalled)
            self._set_title(f"History · {result.title()} of {_entries(result.mode_total)}")
            self._show_empty(False)
            return
        self._show_rows(result.records, result.offset, result.total, message.keep_id, message.keep_row)
        self._set_title(f"History · {result.title()}" if result.total else "History · no match")
        self._show_empty(result.total == 0)

    # -- opening entries -------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _open_entry(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.OpenEntry(event.row_key.value))

    def on_history_pane_entry_changed(self, _message: EntryChanged) -> None:
        """Posted here by the entry screen; reload, then let it bubble to the screen and app."""
        self.reload()

    # -- actions ---------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self._filter.focus()

    def action_undo(self) -> None:
        if self._mode is not None and self._source.ready:
            self._undo(self._mode.name)

    @work(thread=True, exclusive=True, group="history-undo", exit_on_error=False)
    def _undo(self, mode_name: str) -> None:
        try:
            self.post_message(self.Undone(self._source.undo(mode_name)))
        except MindpaneError as error:
            self.post_message(self.Failed(self._view, error))

    def on_history_pane_undone(self, message: Undone) -> None:
        change = message.change
        if change is None:
            self.notify("Nothing to undo in this mode.", markup=False)
            return
        self.notify(undo_notice(change), markup=False)
        self.post_message(changed_by_undo(change))

    def action_pin(self) -> None:
        memory_id = self._table.memory_id
        if memory_id is not None and self._source.ready:
            self._toggle_pin(memory_id)

    @work(thread=True, group="history-pin", exit_on_error=False)
    def _toggle_pin(self, memory_id: str) -> None:
        try:
            self.post_message(self.PinToggled(self._source.toggle_pin(memory_id)))
        except MindpaneError as error:
            self.post_message(self.Failed(self._view, error))

    @dataclass
    class PinToggled(Message, bubble=False):
        state: PinState

    def on_history_pane_pin_toggled(self, message: PinToggled) -> None:
        self.notify(message.state.notice, markup=False)
        self.post_message(PinChanged(message.state.memory_id, message.state.pinned))

    def on_history_pane_pin_changed(self, message: PinChanged) -> None:
        """An entry was pinned or unpinned (here, in the receipts, in the entry screen, by an undo):
        mark its row, then let the message bubble to the screen."""
        self._table.mark_pinned(message.memory_id, message.pinned)

    def action_flag(self, flag: str) -> None:
        """Flip the highlighted entry's kind (question ↔ entry) or its reply's wrong mark."""
        table = self._table
        memory_id = table.memory_id
        if memory_id is None or self._mode is None or not self._source.ready:
            return
        if flag == entry_kind.KIND_KEY and not self._mode.mark_questions:
            self.notify(f"{self._mode.title} does not tell questions from entries (mark_questions is off in its "
                        "config).", markup=False)
            return
        if flag == flags.REPLY_WRONG_KEY and not table.flags_of(memory_id)[2]:
            self.notify("That entry has no reply to mark.", markup=False)
            return
        self._flip(memory_id, flag)

    @work(thread=True, group="history-flag", exit_on_error=False)
    def _flip(self, memory_id: str, flag: str) -> None:
        try:
            self.post_message(self.Flipped(self._source.flip(memory_id, flag)))
        except MindpaneError as error:
            self.post_message(self.Failed(self._view, error))

    @dataclass
    class Flipped(Message, bubble=False):
        state: flags.FlagState

    def on_history_pane_flipped(self, message: Flipped) -> None:
        self.notify(message.state.notice, markup=False)
        self.post_message(FlagsChanged(message.state.memory_id, message.state.flags))

    def on_history_pane_flags_changed(self, message: FlagsChanged) -> None:
        """An entry's flags changed (here, on a turn, by an undo): mark its row, then let the
        message bubble to the screen."""
        self._table.mark_flags(message.memory_id, message.flags)

    def action_clear_filter(self) -> None:
        self._filter.value = ""
        self._table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self._filter.value)
        return True

    # -- feedback --------------------------------------------------------------------------------

    def _set_title(self, title: str) -> None:
        self.query_one(".history-title", Static).update(title)

    def _show_empty(self, empty: bool, why: str = "") -> None:
        hint = why
        if empty and not why and self._mode is not None:
            hint = "No entry matches the filter." if self._query else f"No {self._mode.title} entries yet."
        self.query_one(".history-empty", Static).update(hint)
        self.set_class(empty, "-empty")

    def on_history_pane_failed(self, message: Failed) -> None:
        if message.view == self._view:
            self._loading = False
        self.notify(str(message.error), severity="error", markup=False)
