"""The rows of the history: one entry per row, keyed by memory id, rendered literally.

Only visible rows are drawn (DataTable), so a few hundred loaded rows cost nothing to scroll;
the pane decides when to load more.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.widgets import DataTable

from tui.domain.entry_kind import KIND_KEY, QUESTION, QUESTION_GLYPH, is_question
from tui.domain.flags import REPLY_WRONG_KEY, WRONG_GLYPH, reply_wrong
from tui.domain.pins import PIN_GLYPH
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.text import local_minute
from tui.widgets.history_text import preview

PREFETCH_ROWS = 20
"""Load the next page once the cursor is this close to the last loaded row."""
DATE_WIDTH = len("2026-01-31 23:59")
DAY_WIDTH = len("2026-01-31")
"""A narrow table's date column: the day, its time cut off (the date reads from the left)."""
SCORE_WIDTH = len("score")
MIN_PREVIEW_WIDTH = 12
USEFUL_PREVIEW_WIDTH = 24
"""Below this many characters of preview the date gives up its time: at 80×24 the history shares
its row with the receipts (and on-this-day), and a preview of 4-16 characters said nothing."""
HEADER_FROM_ROWS = 10
"""Shorter tables drop the header row: at 80×24 the history has room for a few rows only."""


def _cell(text: str) -> Text:
    """A literal cell: DataTable would read a plain ``str`` as markup."""
    return Text(text, no_wrap=True, overflow="ellipsis")


def _date_cell(created_at: datetime) -> Text:
    """A date cell that a narrow column cuts to the day (no ellipsis: "2026-01-31" is whole)."""
    return Text(local_minute(created_at), no_wrap=True, overflow="crop")


class _DateCell(Text):
    """A row's date that also knows the row's place in the newest-first list, so an entry stored
    now can be sorted in among the rows instead of the list being loaded again."""

    __slots__ = ("place",)

    def __init__(self, created_at: datetime, tiebreak: int) -> None:
        super().__init__(local_minute(created_at), no_wrap=True, overflow="crop")
        self.place = (created_at, tiebreak)
        """Sorts like the store's ``created_at DESC, rowid DESC``: among equal times, the entry
        stored last first (a positive tiebreak), then the loaded rows in the order they came."""


class HistoryTable(DataTable):
    """Entries newest first (date, preview), or recalled entries best first (date, score, preview);
    a preview starts with the pin glyph for a pinned entry, ``?`` for a question to the journal and
    ``✗`` for an entry whose reply was marked wrong."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", show=False,
                tooltip="Open the highlighted entry: its full text, reply and changes"),
        Binding("home", "scroll_top", "Newest", show=False),
        Binding("end", "scroll_bottom", "Oldest", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.scored = False
        self.pinned: set[str] = set()
        """Ids of the pinned entries among (and beyond) the rows."""
        self._previews: dict[str, str] = {}
        self._marks: dict[str, tuple[bool, bool]] = {}
        """Per row: a question to the journal, a reply marked wrong (their glyphs follow the pin's)."""
        self.replied: set[str] = set()
        """Ids of the rows' entries that have a reply."""
        self._added = 0
        """Rows added since the last reset: the tiebreak of each row's place."""
        self._last_sizes: tuple[Size, Size, Size, Size] | None = None

    def _preview(self, record: MemoryRecord) -> Text:
        self._previews[record.id] = preview(record.text)
        self._marks[record.id] = (is_question(record), reply_wrong(record.metadata))
        if record.reply:
            self.replied.add(record.id)
        else:
            self.replied.discard(record.id)
        return self._preview_cell(record.id)

    def _preview_cell(self, memory_id: str) -> Text:
        question, wrong = self._marks.get(memory_id, (False, False))
        glyphs = [glyph for glyph, shown in ((PIN_GLYPH, memory_id in self.pinned), (QUESTION_GLYPH, question),
                                             (WRONG_GLYPH, wrong)) if shown]
        return _cell(" ".join([*glyphs, self._previews[memory_id]]))

    def mark_flags(self, memory_id: str, flags: dict[str, object]) -> None:
        """Show an entry's flags as they are now (its kind, its reply marked wrong), if it has a row."""
        question, wrong = self._marks.get(memory_id, (False, False))
        if KIND_KEY in flags:
            question = flags[KIND_KEY] == QUESTION
        if REPLY_WRONG_KEY in flags:
            wrong = flags[REPLY_WRONG_KEY] is True
        self._marks[memory_id] = (question, wrong)
        if memory_id in self.rows:
            self.update_cell(memory_id, "preview", self._preview_cell(memory_id))

    def flags_of(self, memory_id: str) -> tuple[bool, bool, bool]:
        """Whether the row's entry is a question, its reply is marked wrong, and it has a reply."""
        question, wrong = self._marks.get(memory_id, (False, False))
        return question, wrong, memory_id in self.replied

    def mark_pinned(self, memory_id: str, pinned: bool) -> None:
        """Show or take away an entry's pin mark, if it has a row."""
        if pinned == (memory_id in self.pinned):
            return
        self.pinned ^= {memory_id}
        if memory_id in self.rows:
            self.update_cell(memory_id, "preview", self._preview_cell(memory_id))

    def show_records(self, records: Iterable[MemoryRecord]) -> None:
        """Replace the rows with a newest-first list."""
        self._reset(scored=False)
        self.append_records(records)

    def show_recalled(self, recalled: Iterable[RecalledMemory]) -> None:
        """Replace the rows with recalled entries, best first, each with its score."""
        self._reset(scored=True)
        for item in recalled:
            record = item.record
            if record.id not in self.rows:
                self.add_row(_date_cell(record.created_at), _cell(f"{item.score:.2f}"),
                             self._preview(record), key=record.id)

    def append_records(self, records: Iterable[MemoryRecord]) -> None:
        """Add rows at the end, skipping entries already shown (new entries shift store offsets)."""
        for record in records:
            if record.id not in self.rows:
                self._add_dated(record, stored_now=False)

    def insert_record(self, record: MemoryRecord, all_loaded: bool) -> bool:
        """Sort an entry stored just now in among the newest-first rows; the cursor stays on its
        entry. False (no row) if it belongs after the last loaded row while more are still to load:
        the page that loads them brings it."""
        place, oldest = (record.created_at, self._added + 1), self._oldest_place()
        if not all_loaded and oldest is not None and place < oldest:
            return False
        keep_id, keep_row = self.memory_id, self.cursor_row
        self._add_dated(record, stored_now=True)
        self.sort("date", key=lambda cell: cell.place, reverse=True)
        self.place_cursor(keep_id, keep_row)
        return True

    def _add_dated(self, record: MemoryRecord, stored_now: bool) -> None:
        self._added += 1
        date = _DateCell(record.created_at, self._added if stored_now else -self._added)
        self.add_row(date, self._preview(record), key=record.id)

    def _oldest_place(self) -> tuple[datetime, int] | None:
        """The place of the last row: a newest-first list keeps its oldest entry there."""
        return self.get_cell_at(Coordinate(self.row_count - 1, 0)).place if self.row_count else None

    @property
    def memory_id(self) -> str | None:
        """The id of the entry under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def place_cursor(self, memory_id: str | None, fallback_row: int) -> None:
        """Put the cursor back on an entry, or near where it was if the entry is gone."""
        if not self.row_count:
            return
        if memory_id is not None and memory_id in self.rows:
            row = self.get_row_index(memory_id)
        else:
            row = max(0, min(fallback_row, self.row_count - 1))
        self.move_cursor(row=row, animate=False)

    @property
    def near_end(self) -> bool:
        """The cursor or the scroll position is close to the last loaded row."""
        cursor_close = self.cursor_row >= self.row_count - PREFETCH_ROWS
        scroll_close = self.max_scroll_y > 0 and self.scroll_y >= self.max_scroll_y - self.size.height
        return cursor_close or scroll_close

    def on_resize(self) -> None:
        self._fit_preview()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Textual calls this for every widget each time anything on the screen is laid out; a
        scroll view whose own virtual size differs from the one the layout gives it (a table's
        always does) then redraws its scrollbar, which made every chat frame redraw the whole screen
        (the memory column included) and lay it all out twice. Same sizes as last time: nothing to do."""
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._last_sizes:
            return False
        self._last_sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)

    def _reset(self, scored: bool) -> None:
        self.clear(columns=scored != self.scored or not self.columns)
        self._previews.clear()
        self._marks.clear()
        self.replied.clear()
        self._added = 0
        if not self.columns:
            self.add_column("date", width=DATE_WIDTH, key="date")
            if scored:
                self.add_column("score", width=SCORE_WIDTH, key="score")
            self.add_column("preview", width=MIN_PREVIEW_WIDTH, key="preview")
        self.scored = scored
        self._fit_preview()

    def _fit_preview(self) -> None:
        """Give the preview the width that is left, so a long entry ends in an ellipsis on screen;
        in a narrow table the date shows only its day so the preview keeps a useful width, and a
        short one drops its header."""
        preview_column = self.columns.get("preview")
        if preview_column is None:
            return
        self.show_header = self.size.height >= HEADER_FROM_ROWS
        date_column = self.columns["date"]
        date_column.width = DATE_WIDTH
        if self._preview_room() < USEFUL_PREVIEW_WIDTH:
            date_column.width = DAY_WIDTH
        preview_column.width = max(MIN_PREVIEW_WIDTH, self._preview_room())
        self.refresh()

    def _preview_room(self) -> int:
        """The columns the preview has once the other columns (and every cell's padding) are drawn."""
        used = sum(column.get_render_width(self) for key, column in self.columns.items() if key != "preview")
        return self.size.width - self.styles.scrollbar_size_vertical - used - 2 * self.cell_padding
