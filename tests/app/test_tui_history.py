"""The memory-history pane as a person uses it: browse a mode's entries newest first, page through
a thousand of them, filter semantically, open one, edit it, delete it, and always see text as typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static, TextArea

from tests.screen_text import drawn_lines, joined
from tests.tui_support import app_over_store, notified
from tests.tui_support import settle as settle_app
from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry
from tui.runtime.resources import stylesheet
from tui.screens.confirm_screen import ConfirmScreen
from tui.screens.edit_screen import EditScreen
from tui.screens.entry_screen import EntryScreen
from tui.services.screen_access import EntryAccess
from tui.services.workspace import Workspace, WorkspaceHistory
from tui.widgets.history_pane import HistoryPane
from tui.widgets.history_table import HistoryTable
from tui.widgets.on_this_day_panel import OnThisDayPanel

START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


class HistoryApp(App):
    """Just the pane, over a real workspace; opens an entry as the main screen does, and remembers
    every EntryChanged that reaches it."""

    CSS_PATH: ClassVar = [stylesheet("history.tcss")]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.changed: list[str] = []

    def compose(self) -> ComposeResult:
        yield HistoryPane(WorkspaceHistory(self.workspace), id="history")

    def on_history_pane_open_entry(self, message: HistoryPane.OpenEntry) -> None:
        entries = EntryAccess(self.workspace)
        self.push_screen(EntryScreen(message.memory_id, entries, report_to=self.query_one(HistoryPane)))

    def on_history_pane_entry_changed(self, message: HistoryPane.EntryChanged) -> None:
        self.changed.append(message.memory_id)


@pytest.fixture
def workspace(settings, clock) -> Iterator[Workspace]:
    opened = Workspace(settings, clock=clock)
    opened.open()
    yield opened
    opened.close()


def seed(workspace: Workspace, mode, texts: list[str], start: datetime = START) -> None:
    """Store ``texts`` one hour apart, the first one oldest."""
    entries = [ImportedEntry(text, start + timedelta(hours=i)) for i, text in enumerate(texts)]
    workspace.journal.import_entries(mode, entries)


def pane(app: App) -> HistoryPane:
    """The pane on the base screen, even while a dialog is open over it."""
    return app.screen_stack[0].query_one(HistoryPane)


def previews(app: App) -> list[str]:
    table = pane(app).query_one(HistoryTable)
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


def title(app: App) -> str:
    return str(pane(app).query_one(".history-title", Static).content)


async def settle(app: App, pilot) -> None:
    """Until no worker runs and what they posted is handled (a worker's message may start another)."""
    quiet = 0
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(worker.is_running for worker in app.workers) else 0
        if quiet == 2:
            return
    raise AssertionError("the app never settled")


async def open_history(app: App, pilot, mode=JOURNAL) -> None:
    app.query_one(HistoryPane).show_mode(mode)
    await settle(app, pilot)
    app.query_one(HistoryTable).focus()
    await pilot.pause()


async def open_newest_entry(app: App, pilot) -> str:
    """Open the history, then the newest entry's screen; returns that entry's id."""
    await open_history(app, pilot)
    memory_id = app.query_one(HistoryTable).memory_id
    await pilot.press("enter")
    await settle(app, pilot)
    return memory_id


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_history_lists_a_modes_entries_newest_first_and_never_another_modes(workspace):
    seed(workspace, JOURNAL, ["walked to the lake", "rain all day", "finished the novel"])
    seed(workspace, CODE, ["how do I reverse a list?", "what is a dataclass?"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot, JOURNAL)
        assert previews(app) == ["finished the novel", "rain all day", "walked to the lake"]
        assert title(app) == "History · 3 entries"

        await open_history(app, pilot, CODE)
        assert previews(app) == ["what is a dataclass?", "how do I reverse a list?"]
        assert title(app) == "History · 2 entries"


async def test_a_thousand_entries_open_on_one_page_and_page_in_down_to_the_oldest(workspace):
    seed(workspace, JOURNAL, [f"day {i:04d}: notes about the garden" for i in range(1000)])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        table = app.query_one(HistoryTable)
        assert title(app) == "History · 1,000 entries"
        assert table.row_count == 100  # one page, not the whole store
        assert previews(app)[0] == "day 0999: notes about the garden"

        for _ in range(15):
            await pilot.press("end")
            await settle(app, pilot)
            if table.row_count == 1000:
                break
        await pilot.press("end")
        assert table.row_count == 1000
        assert previews(app)[-1] == "day 0000: notes about the garden"
        assert len(set(previews(app))) == 1000  # no page shown twice


async def test_the_semantic_filter_finds_a_related_entry_and_clearing_it_restores_the_list(workspace):
    seed(workspace, JOURNAL, [
        "Paid the electricity bill and sorted the tax forms",
        "We adopted a small grey kitten today and named her Miso",
        "Replaced the flat tyre on my bicycle before work",
        "Planned the quarterly budget spreadsheet with the team",
    ])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"my new pet cat", "enter")
        await settle(app, pilot)
        table = app.query_one(HistoryTable)
        assert previews(app)[0] == "We adopted a small grey kitten today and named her Miso"
        score = float(str(table.get_row_at(0)[1]))
        assert 0 < score <= 1
        assert title(app) == "History · no exact match — 4 closest by meaning of 4 entries"

        await pilot.press("ctrl+u")  # empty the filter: back to the newest-first list
        await settle(app, pilot)
        assert previews(app)[0] == "Planned the quarterly budget spreadsheet with the team"
        assert len(previews(app)) == 4
        assert title(app) == "History · 4 entries"


async def test_opening_an_entry_shows_its_full_text_reply_and_add_history(workspace):
    long_text = "First line of a long entry.\n" + "It keeps going " * 30 + "\nLast line."
    record = workspace.journal.add_entry(JOURNAL, long_text, "That sounds like a full day.", {"model": "gemma3:4b"})
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_newest_entry(app, pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen) and screen.memory_id == record.id
        assert text_of(screen, ".entry-text") == long_text
        assert text_of(screen, ".entry-reply") == "That sounds like a full day."
        meta = text_of(screen, ".entry-meta")
        assert "Journal" in meta and "gemma3:4b" in meta and "2026-11-20 09:30" in meta
        changes = [str(s.content) for s in screen.query(".entry-change").results(Static)]
        assert len(changes) == 1 and changes[0].startswith("ADD · 2026-11-20 09:30")

        await pilot.press("escape")
        assert not isinstance(app.screen, EntryScreen)


async def test_editing_an_entry_updates_the_pane_its_history_and_recall(workspace):
    seed(workspace, JOURNAL, ["an older entry", "Went running in the park"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        memory_id = await open_newest_entry(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one(TextArea).text == "Went running in the park"
        await pilot.press(*" with my sister", "ctrl+s")
        await settle(app, pilot)

        screen = app.screen
        assert isinstance(screen, EntryScreen)
        assert text_of(screen, ".entry-text") == "Went running in the park with my sister"
        changes = [str(s.content) for s in screen.query(".entry-change").results(Static)]
        assert changes[-1].startswith("UPDATE")
        assert changes[-1].endswith("“Went running in the park” → “Went running in the park with my sister”")
        assert app.changed == [memory_id]

        await pilot.press("escape")
        await settle(app, pilot)
        assert previews(app) == ["Went running in the park with my sister", "an older entry"]
        assert app.query_one(HistoryTable).memory_id == memory_id

    recalled = workspace.journal.recall("running with my sister", JOURNAL, k=1)
    assert recalled[0].record.text == "Went running in the park with my sister"


async def test_saving_an_empty_entry_is_refused(workspace):
    app = HistoryApp(workspace)
    results: list[str | None] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(EditScreen("something"), results.append)
        await pilot.pause()
        app.screen.query_one(TextArea).text = "  \n "
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, EditScreen)
        assert any("can't be empty" in note for note in notified(app))
        await pilot.press("escape")
        await pilot.pause()
    assert results == [None]


async def test_delete_removes_the_entry_at_once_and_u_in_the_history_brings_it_back(workspace):
    seed(workspace, JOURNAL, ["keep this one", "delete this one"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        memory_id = await open_newest_entry(app, pilot)

        await pilot.press("d")
        await settle(app, pilot)
        assert not isinstance(app.screen, EntryScreen | ConfirmScreen)
        assert previews(app) == ["keep this one"]
        assert title(app) == "History · 1 entry"
        assert app.changed == [memory_id]
        assert any("brings it back" in note for note in notified(app))
        assert workspace.journal.record.get(memory_id) is None

        await pilot.press("u")
        await settle(app, pilot)
        assert previews(app) == ["delete this one", "keep this one"]

    restored = workspace.journal.record.get(memory_id)
    assert restored.text == "delete this one"
    assert [e.event for e in workspace.journal.history(memory_id)] == ["ADD", "DELETE", "ADD"]


async def test_forget_asks_first_and_then_erases_the_entry_for_good(workspace):
    seed(workspace, JOURNAL, ["keep this one", "forget this one"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        memory_id = await open_newest_entry(app, pilot)

        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, EntryScreen)
        assert workspace.journal.record.get(memory_id) is not None

        await pilot.press("f", "y")
        await settle(app, pilot)
        assert not isinstance(app.screen, EntryScreen | ConfirmScreen)
        assert previews(app) == ["keep this one"]
        await pilot.press("u")  # undoes the import that seeded the entries; the forgotten one never returns
        await settle(app, pilot)
        assert "forget this one" not in previews(app)

    assert workspace.journal.record.get(memory_id) is None
    assert workspace.journal.history(memory_id) == []
    assert all(change.entry_id != memory_id for change in workspace.journal.record.change_lines())


async def test_enter_in_the_forget_dialog_keeps_the_entry(workspace):
    """Issue #18: the Forget button had the focus, so Enter erased for good. The safe choice has it."""
    seed(workspace, JOURNAL, ["keep this one", "forget this one"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        memory_id = await open_newest_entry(app, pilot)

        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Cancel" in str(app.screen.focused.label)
        await pilot.press("enter")
        await settle(app, pilot)

        assert isinstance(app.screen, EntryScreen)
    assert workspace.journal.record.get(memory_id) is not None


async def test_entries_are_shown_literally_never_as_markup_or_terminal_codes(workspace):
    text = "[bold]x[/bold] and \x1b[31mred\x1b[0m\x07 text"
    workspace.journal.add_entry(JOURNAL, text)
    app = HistoryApp(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(app, pilot)
        assert previews(app) == ["[bold]x[/bold] and red text"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert text_of(app.screen, ".entry-text") == "[bold]x[/bold] and red text"
        rendered = app.screen.query_one(".entry-text", Static).render()
        assert "[bold]x[/bold]" in str(rendered)


GARDEN_DAYS = [f"day {i:03d} in the garden" for i in range(150)]
"""More than a page (100 rows): 50 still to load when the history opens."""


@pytest.fixture
def page_loads(monkeypatch) -> list[int]:
    """The offset of every page the history reads from the store."""
    loads: list[int] = []
    stock_page = WorkspaceHistory.page

    def counting(self, mode_name: str, offset: int, limit: int):
        loads.append(offset)
        return stock_page(self, mode_name, offset, limit)

    monkeypatch.setattr(WorkspaceHistory, "page", counting)
    return loads


async def test_an_entry_a_turn_stores_joins_the_top_of_the_list_without_loading_it_again(workspace, clock, page_loads):
    seed(workspace, JOURNAL, GARDEN_DAYS)
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        table = app.query_one(HistoryTable)
        await pilot.press("down", "down", "down")
        assert table.memory_id is not None
        under_cursor = table.memory_id
        loads_before = len(page_loads)

        stored = workspace.journal.add_entry(JOURNAL, "planted the tulips", at=clock.advance(minutes=5))
        pane(app).entry_added(stored)
        await settle(app, pilot)

        assert len(page_loads) == loads_before  # the list was not read again
        assert previews(app)[:2] == ["planted the tulips", "day 149 in the garden"]
        assert table.memory_id == under_cursor  # the cursor stayed on its entry, now a row lower
        assert table.cursor_row == 4
        assert title(app) == "History · 151 entries"

        workspace.journal.add_entry(CODE, "what is a generator?")  # another mode's entry is not listed
        for _ in range(5):
            await pilot.press("end")
            await settle(app, pilot)
        assert table.row_count == 151
        assert len(set(previews(app))) == 151  # the next pages neither repeat a row nor skip one
        assert previews(app)[-1] == "day 000 in the garden"


async def test_an_entry_dated_before_the_loaded_rows_waits_for_the_page_it_belongs_to(workspace, page_loads):
    seed(workspace, JOURNAL, GARDEN_DAYS)
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        # a turn kept in the outbox since before the oldest loaded row, answered only now
        stored = workspace.journal.add_entry(JOURNAL, "an old note, answered late", at=START + timedelta(minutes=30))
        pane(app).entry_added(stored)
        await settle(app, pilot)
        assert "an old note, answered late" not in previews(app)
        assert title(app) == "History · 151 entries"

        for _ in range(5):
            await pilot.press("end")
            await settle(app, pilot)
        assert previews(app)[-2:] == ["an old note, answered late", "day 000 in the garden"]
        assert len(set(previews(app))) == 151


async def test_a_filtered_history_runs_its_filter_again_for_a_new_entry(workspace, clock):
    seed(workspace, JOURNAL, ["walked to the lake", "rain all day"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        pane(app).filter_to("lake")
        await settle(app, pilot)
        assert previews(app) == ["walked to the lake"]

        stored = workspace.journal.add_entry(JOURNAL, "swam in the lake at dawn", at=clock.advance(minutes=1))
        pane(app).entry_added(stored)
        await settle(app, pilot)
        assert previews(app) == ["swam in the lake at dawn", "walked to the lake"]


async def test_entries_stored_without_telling_the_pane_appear_with_the_next_turns_entry(workspace, clock):
    seed(workspace, JOURNAL, ["walked to the lake", "rain all day"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        # an entry reaches the store by a path that does not tell the pane; then a turn stores one
        workspace.journal.add_entry(JOURNAL, "asked from the shell", at=clock.advance(minutes=1))
        stored = workspace.journal.add_entry(JOURNAL, "typed in the app", at=clock.advance(minutes=1))
        pane(app).entry_added(stored)
        await settle(app, pilot)
        assert previews(app) == ["typed in the app", "asked from the shell", "rain all day", "walked to the lake"]
        assert title(app) == "History · 4 entries"


class HistoryBesideChat(HistoryApp):
    """The pane beside a growing 'chat' (a Static that gets taller), as on the main screen."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll():
                yield Static("chat", id="chat")
            yield HistoryPane(WorkspaceHistory(self.workspace), id="history")


async def test_a_layout_elsewhere_on_the_screen_does_not_redraw_the_history(workspace):
    seed(workspace, JOURNAL, GARDEN_DAYS)
    app = HistoryBesideChat(workspace)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_history(app, pilot)
        table = app.query_one(HistoryTable)
        assert table.show_vertical_scrollbar
        redrawn: list[int] = []
        stock_refresh = type(table.vertical_scrollbar).refresh

        def counting(bar, *args, **kwargs):
            if bar is table.vertical_scrollbar:
                redrawn.append(1)
            return stock_refresh(bar, *args, **kwargs)

        type(table.vertical_scrollbar).refresh = counting
        try:
            for lines in range(1, 60, 10):  # each update lays the whole screen out again
                app.query_one("#chat", Static).update("\n".join(["chat"] * lines))
                await pilot.pause()
            assert redrawn == []  # (Textual redrew a table's scrollbar on every layout of the screen)

            pane(app).entry_added(workspace.journal.add_entry(JOURNAL, "planted the tulips"))
            await settle(app, pilot)
            assert redrawn  # a row more: its own scrollbar still changes
        finally:
            type(table.vertical_scrollbar).refresh = stock_refresh


async def test_typing_a_filter_offers_clear_filter_once_not_on_every_key(workspace, monkeypatch):
    seed(workspace, JOURNAL, ["walked to the lake", "rain all day"])
    app = HistoryApp(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(app, pilot)
        history = pane(app)
        refreshed: list[bool] = []
        stock_refresh = HistoryPane.refresh_bindings

        def counting(self) -> None:
            refreshed.append(bool(self.check_action("clear_filter", ())))
            stock_refresh(self)

        monkeypatch.setattr(HistoryPane, "refresh_bindings", counting)
        await pilot.press("slash", *"lake")
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await settle(app, pilot)
        assert refreshed == [True, False]  # offered with the first letter, taken away with the last
        assert not history.check_action("clear_filter", ())


RIVER = "Walked along the river this morning; the fog made everything quiet and I could think."


@pytest.mark.parametrize(("days_ago", "shown"), [(2, 24), (7, 16)], ids=["beside-receipts", "and-on-this-day"])
async def test_at_80x24_each_history_row_shows_a_useful_part_of_its_entry_and_its_day(settings, clock, ollama_stub,
                                                                                     days_ago, shown):
    """Beside the receipts a row shows ``shown`` characters of its entry; a week-old entry brings the
    on-this-day panel, a third pane in the row, and the date gives up its time so the preview keeps
    a useful width (it was 4-16 characters)."""
    written = clock() - timedelta(days=days_ago)
    app = app_over_store(settings, clock, lambda store: store.import_entries(JOURNAL, [ImportedEntry(RIVER, written)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_app(pilot)
        assert app.query_one(OnThisDayPanel).display == (days_ago == 7)
        drawn = joined(drawn_lines(pilot, app.query_one(HistoryTable).region))
        assert RIVER[:shown] in drawn
        assert written.strftime("%Y-%m-%d") in drawn
