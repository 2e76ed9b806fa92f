"""Time-aware recall in a turn (issues #9, #17): a date in the text puts that window's entries
first (a boost, not a filter: the closest others follow), asking for the latest puts it first,
the prompt states today's date and the window searched, and every receipt says why it was
picked. Today is Friday 2026-11-20 (FIXED_NOW)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tests.tui_support import SIZE, make_app, receipts, send
from tui.cli import ask
from tui.domain.modes import JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.engine import make_chat, make_turns
from tui.services.prompt import MEMORY_BLOCK_END, MEMORY_BLOCK_START
from tui.services.turn import Recalled
from tui.services.workspace import Workspace

ENTRIES = [
    (datetime(2026, 3, 14, 18), "Spring cleaning: cleared out the garden shed."),
    (datetime(2026, 3, 21, 9), "First warm morning; drank coffee on the balcony."),
    (datetime(2026, 11, 1, 10), "My favourite colour is blue, like the sea."),
    (datetime(2026, 11, 10, 20), "Dinner with Ana at the Lebanese place; we laughed a lot."),
    (datetime(2026, 11, 12, 11), "Ana says purple is the colour of the year."),
    (datetime(2026, 11, 16, 8), "Monday: long meeting about the budget at work."),
    (datetime(2026, 11, 17, 7), "Swam in the cold lake before work."),
    (datetime(2026, 11, 17, 19), "Weeded the garden beds and planted garlic."),
    (datetime(2026, 11, 18, 21), "We decided the front door should be red."),
    (datetime(2026, 11, 19, 22), "Read a novel about a lighthouse keeper until late."),
]


@pytest.fixture
def dated(store):
    store.import_entries(JOURNAL, [ImportedEntry(text, when.replace(tzinfo=UTC)) for when, text in ENTRIES])
    return store


@pytest.fixture
def turns(dated, settings, clock):
    return make_turns(dated, make_chat(settings), settings, clock=clock)


def recall(turns, text: str) -> Recalled:
    return next(event for event in list(turns.run(JOURNAL, text)) if isinstance(event, Recalled))


def texts(recalled: Recalled) -> list[str]:
    return [memory.record.text for memory in recalled.memories]


def memory_block(ollama_stub) -> str:
    system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
    return system.split(MEMORY_BLOCK_START, 1)[1].split(MEMORY_BLOCK_END, 1)[0]


def test_yesterday_recalls_yesterdays_entry_and_says_why(turns, ollama_stub):
    recalled = recall(turns, "What did I write yesterday?")

    assert texts(recalled)[0] == "Read a novel about a lighthouse keeper until late."
    assert recalled.memories[0].reason == "from yesterday (Nov 19)"
    assert not any("yesterday" in memory.reason for memory in recalled.memories[1:])
    assert "from yesterday (Nov 19)" in memory_block(ollama_stub)


def test_last_tuesday_recalls_that_day_first_in_relevance_order(turns):
    recalled = recall(turns, "What did I write about the garden last Tuesday?")

    assert texts(recalled)[:2] == ["Weeded the garden beds and planted garlic.", "Swam in the cold lake before work."]
    assert [memory.reason for memory in recalled.memories[:2]] == ["from last Tuesday (Nov 17)"] * 2


def test_an_entry_written_the_day_after_the_window_counts_and_says_so(turns):
    """People write about a day after it: the window reaches a day past its end."""
    recalled = recall(turns, "What did I write about the door last Tuesday?")

    assert texts(recalled)[0] == "We decided the front door should be red."
    assert recalled.memories[0].reason == "from last Tuesday (Nov 17), written just after"


def test_an_absolute_date_recalls_that_day(turns):
    assert texts(recall(turns, "What did I do on November 10?"))[0] == (
        "Dinner with Ana at the Lebanese place; we laughed a lot.")


def test_a_month_recalls_that_month_most_similar_first(turns):
    recalled = recall(turns, "What did I do in the garden in March?")

    assert texts(recalled)[:2] == ["Spring cleaning: cleared out the garden shed.",
                                   "First warm morning; drank coffee on the balcony."]
    assert recalled.memories[0].reason == "from March"


def test_a_range_recalls_everything_since_that_day(turns):
    recalled = recall(turns, "What happened since Wednesday?")

    assert set(texts(recalled)[:2]) == {"We decided the front door should be red.",
                                        "Read a novel about a lighthouse keeper until late."}
    assert recalled.memories[0].reason == "since Wednesday (Nov 18)"


def test_the_last_color_is_the_latest_relevant_entry_not_the_most_similar(turns, dated):
    by_similarity = dated.recall("What is the last color we talked about?", JOURNAL, 5, JOURNAL.min_relevance)
    assert by_similarity[0].record.text != "We decided the front door should be red."

    recalled = recall(turns, "What is the last color we talked about?")

    assert recalled.memories[0].record.text == "We decided the front door should be red."
    assert recalled.memories[0].reason == "most recent mention"
    assert {"Ana says purple is the colour of the year.", "My favourite colour is blue, like the sea."} <= set(
        texts(recalled))


def test_a_day_without_entries_says_so_and_recalls_the_closest_others(turns, ollama_stub):
    """Never an empty prompt when entries exist: the window holds none, the closest others follow."""
    recalled = recall(turns, "What did I do on November 13?")

    assert recalled.memories and not any(memory.reason for memory in recalled.memories)
    assert recalled.window == "from November 13"
    assert recalled.nothing_found == "No entries from November 13."
    assert "No entries from November 13. The closest other journal entries" in memory_block(ollama_stub)


def test_the_prompt_states_todays_date(turns, ollama_stub):
    recall(turns, "A quiet day.")

    assert "Today is Friday, 20 November 2026." in ollama_stub.chat_requests[-1]["messages"][0]["content"]


def test_text_without_a_cue_is_recalled_by_similarity_alone(turns):
    recalled = recall(turns, "lighthouse keeper novel")

    assert texts(recalled)[0] == "Read a novel about a lighthouse keeper until late."
    assert recalled.memories[0].reason == "" and recalled.window == ""


async def test_receipts_say_when_a_day_has_no_entries(settings, clock, ollama_stub, dated):
    dated.close()
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What did I do on November 13?")
        assert receipts(app).caption.startswith("No entries from November 13 for")

        await send(pilot, "What did I write last Tuesday?")
        line = str(receipts(app).query_one("OptionList").get_option_at_index(0).prompt)
        assert "↳ from last Tuesday (Nov 17)" in line

        receipts(app).query_one("OptionList").focus()
        await pilot.press("enter")  # the receipt in full says why, too
        await pilot.pause()
        title = str(app.screen.query_one(".dialog-title").render())
        assert "· from last Tuesday (Nov 17) ·" in title


def test_the_cli_prints_why_and_when_a_day_is_empty(settings, ollama_stub, dated):
    hike = ImportedEntry("Hiked up the ridge in thick fog.", datetime(2025, 3, 3, 9, tzinfo=UTC))
    dated.import_entries(JOURNAL, [hike])
    dated.close()
    out, err = io.StringIO(), io.StringIO()

    assert ask(settings, "journal", "What did I do on 3 March 2025?", out, err) == 0
    assert "↳ from March 3, 2025" in out.getvalue()

    out = io.StringIO()
    assert ask(settings, "journal", "What did I do on 4 March 2025?", out, err) == 0
    assert "No entries from March 4, 2025." in out.getvalue()


def test_the_workspace_gives_the_turns_its_clock(settings, clock, dated):
    dated.close()
    workspace = Workspace(settings, clock=clock)
    workspace.open()
    try:
        assert workspace.turns.clock is clock
    finally:
        workspace.close()


def test_a_day_with_no_entries_is_said_even_when_pins_fill_the_prompt(turns, dated, ollama_stub):
    blue = next(record for record in dated.record.page("journal").records if "blue" in record.text)
    dated.pin(blue.id)

    recalled = recall(turns, "What did I write on November 3?")

    assert next((m.record.text, m.reason) for m in recalled.memories) == (blue.text, "pinned")
    assert recalled.nothing_found == "No entries from November 3."
    assert "No entries from November 3." in memory_block(ollama_stub)
    out = io.StringIO()
    from tui.cli import _print_recalled

    _print_recalled(recalled.memories, "Journal", out, recalled.nothing_found)
    assert out.getvalue().startswith("No entries from November 3.\nRecalled ")


def test_entries_written_today_are_not_taken_for_yesterdays(store, settings, clock, ollama_stub):
    """Found in tmux: "What did I do yesterday?" with only today's entries listed them all as "from
    yesterday, written just after", each scored 1.00. The slack stops at today, and a score says how
    well an entry matches, not that it lies in the window."""
    store.import_entries(JOURNAL, [ImportedEntry("Ran 6k by the river before work.", clock.now.replace(hour=7)),
                                   ImportedEntry("Cooked lentil soup.", clock.now.replace(hour=8))])
    turns = make_turns(store, make_chat(settings), settings, clock=clock)

    recalled = recall(turns, "What did I do yesterday?")

    assert recalled.nothing_found == "No entries from yesterday (Nov 19)."
    assert all(memory.reason == "" for memory in recalled.memories)


def test_a_score_says_how_well_an_entry_matches_not_that_it_is_in_the_window(turns):
    recalled = recall(turns, "What did I write last Tuesday?")

    assert recalled.memories[0].reason == "from last Tuesday (Nov 17)"
    assert all(memory.score < 1.0 for memory in recalled.memories)


def test_an_empty_window_still_gives_the_entries_around_it_even_below_the_floor(store, settings, clock, ollama_stub):
    """Found in tmux: "What did I do yesterday?" (no entry yesterday) recalled nothing at all, since
    today's entries share no word with it and are not close in meaning: the prompt was empty."""
    store.import_entries(JOURNAL, [ImportedEntry("Ran 6k by the river before work.", clock.now.replace(hour=7)),
                                   ImportedEntry("Cooked lentil soup.", clock.now.replace(hour=8))])
    turns = make_turns(store, make_chat(settings), settings, clock=clock)

    recalled = recall(turns, "What did I do yesterday?")

    assert recalled.nothing_found == "No entries from yesterday (Nov 19)."
    assert set(texts(recalled)) == {"Ran 6k by the river before work.", "Cooked lentil soup."}
