"""What a person sees of entry kinds and wrong replies: the prompt says a question to the journal is
one as it is typed (F7 flips it before sending), the sent turn and its history row say so, q flips
a turn or a row afterwards, w marks a reply wrong, and u in the history undoes either."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.tui_support import SIZE, make_app, notified, run_command, send, settle, status_text
from tui.domain.entry_kind import QUESTION
from tui.domain.flags import WRONG_GLYPH
from tui.widgets.history_table import HistoryTable
from tui.widgets.transcript import Transcript

SAM_ENTRY = "Sam and I walked by the river and talked about his new job in Porto."
SAM_QUESTION = "What did I write about Sam last week?"


def prompt(app) -> Input:
    return app.query_one("#prompt", Input)


def label(view) -> str:
    return str(view.query_one(".turn-label", Static).content)


def previews(app) -> list[str]:
    table = app.query_one(HistoryTable)
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


def stored(app, view):
    return app.workspace.journal.record.get(view.turn.record.id)


async def test_the_prompt_says_a_question_as_it_is_typed_and_f7_sends_it_as_an_entry(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert prompt(app).border_title == "Journal · entry"

        prompt(app).value = SAM_QUESTION
        await pilot.pause()
        assert prompt(app).border_title == "Journal · question to the journal"
        assert "f7" in str(prompt(app).border_subtitle).lower()

        await pilot.press("f7")
        assert prompt(app).border_title == "Journal · entry"
        ollama_stub.script("You wrote about the river.")
        view = await send(pilot, SAM_QUESTION)  # the same text: the choice holds until it is sent

        assert label(view) == "Entry" and "kind" not in stored(app, view).metadata
        assert prompt(app).border_title == "Journal · entry"
        ollama_stub.script("Last week you wrote about the river walk.")
        asked = await send(pilot, SAM_QUESTION)
        assert label(asked) == "Question to the journal"
        assert stored(app, asked).metadata["kind"] == QUESTION
        assert previews(app)[0].startswith("? ") and not previews(app)[1].startswith("?")


async def test_f7_on_an_entry_sends_it_as_a_question(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt(app).value = "Sam is moving to Porto"
        await pilot.pause()
        assert prompt(app).border_title == "Journal · entry"
        await pilot.press("f7")
        assert prompt(app).border_title == "Journal · question to the journal"
        await pilot.press("enter")
        await settle(pilot)

        view = app.query_one(Transcript).views[-1]
        assert label(view) == "Question to the journal" and stored(app, view).metadata["kind"] == QUESTION


async def test_q_on_a_turn_flips_its_kind_and_u_in_the_history_undoes_it(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("You wrote about the river.")
        view = await send(pilot, SAM_QUESTION)
        transcript = app.query_one(Transcript)
        transcript.focus()

        await pilot.press("q")
        await settle(pilot)

        assert label(view) == "Entry" and stored(app, view).metadata["kind"] == "entry"
        assert not previews(app)[0].startswith("?")
        assert any(notice.startswith("Marked as an entry") for notice in notified(app))
        app.query_one(HistoryTable).focus()
        await pilot.press("u")
        await settle(pilot)
        assert label(view) == "Question to the journal" and stored(app, view).metadata["kind"] == QUESTION
        assert previews(app)[0].startswith("? ")
        assert "Undone: marked as an entry." in notified(app)


async def test_q_on_a_history_row_flips_its_kind_and_the_turn_follows(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("How lovely.")
        view = await send(pilot, SAM_ENTRY)
        app.query_one(HistoryTable).focus()

        await pilot.press("q")
        await settle(pilot)

        assert stored(app, view).metadata["kind"] == QUESTION
        assert previews(app)[0].startswith("? ") and label(view) == "Question to the journal"
        assert any("not recalled" in notice for notice in notified(app))


async def test_w_marks_a_reply_wrong_on_a_turn_and_on_a_row_and_undo_brings_the_mark_back(settings, clock,
                                                                                        ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("Porto is in Spain.")
        view = await send(pilot, SAM_ENTRY)
        app.query_one(Transcript).focus()

        await pilot.press("w")
        await settle(pilot)

        assert stored(app, view).metadata["reply_wrong"] is True
        assert "marked wrong" in status_text(view)
        assert previews(app)[0].startswith(f"{WRONG_GLYPH} ")
        app.query_one(HistoryTable).focus()
        await pilot.press("w")
        await settle(pilot)
        assert "reply_wrong" not in stored(app, view).metadata
        assert "marked wrong" not in status_text(view) and not previews(app)[0].startswith(WRONG_GLYPH)

        await pilot.press("u")
        await settle(pilot)
        assert stored(app, view).metadata["reply_wrong"] is True and "marked wrong" in status_text(view)
        assert previews(app)[0].startswith(WRONG_GLYPH)


async def test_the_palette_marks_the_selected_reply_wrong(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("Porto is in Spain.")
        view = await send(pilot, SAM_ENTRY)

        await run_command(pilot, "Reply is wrong")

        assert stored(app, view).metadata["reply_wrong"] is True and "marked wrong" in status_text(view)


async def test_code_turns_have_no_kind_and_q_says_why(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        prompt(app).value = "What did I ask about pandas last week?"
        await pilot.pause()
        assert prompt(app).border_title == "Code · question"
        ollama_stub.script("You asked about read_csv.")
        view = await send(pilot, "What did I ask about pandas last week?")
        app.query_one("#transcript-code", Transcript).focus()

        await pilot.press("q")
        await settle(pilot)

        assert label(view) == "Question" and "kind" not in stored(app, view).metadata
        assert any("mark_questions" in notice for notice in notified(app))


async def test_help_lists_the_keys_that_flip_a_kind_and_mark_a_reply_wrong(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        rows = [row for _, section in app.screen.grouped_rows() for row in section]

        keys = {(where, does.split(":")[0].split(" (")[0]): key for where, key, does in rows}
        assert keys[("Prompt", "Send the text as a question to the journal")] == "f7"
        assert keys[("Transcript", "The selected turn is a question to the journal")] == "q"
        assert keys[("Transcript", "Mark the selected turn's reply wrong")] == "w"
        assert keys[("History", "The highlighted entry is a question to the journal")] == "q"
        assert keys[("History", "Mark the highlighted entry's reply wrong")] == "w"


async def test_an_opened_entry_says_it_is_a_question_and_its_reply_was_marked_wrong(settings, clock, ollama_stub):
    from tui.screens.entry_screen import EntryScreen

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("Last week you wrote about the river walk.")
        view = await send(pilot, SAM_QUESTION)
        app.workspace.journal.set_flags(view.turn.record.id, reply_wrong=True)
        app.query_one(HistoryTable).focus()

        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, EntryScreen)
        meta = str(app.screen.query_one(".entry-meta", Static).content)
        assert "question to the journal" in meta and "reply marked wrong" in meta
        assert "kind:" not in meta and "reply_wrong" not in meta


def test_the_change_log_says_what_a_flag_was_and_became():
    from datetime import UTC, datetime

    from tui.domain.records import Change, MemoryRecord
    from tui.screens.changes_screen import describe
    from tui.widgets.history_text import undo_notice

    moment = datetime(2026, 11, 20, tzinfo=UTC)

    def change(kind: str, before: dict, after: dict) -> Change:
        def record(metadata: dict) -> MemoryRecord:
            return MemoryRecord("e", SAM_QUESTION, "journal", moment, moment, metadata=metadata)

        return Change(1, moment, kind, "e", "journal", record(before), record(after))

    to_entry = change("kind", {"kind": "question"}, {"kind": "entry"})
    assert describe(to_entry) == "question to the journal → entry"
    assert undo_notice(to_entry) == "Undone: marked as an entry."
    assert describe(change("kind", {}, {"kind": "question"})) == "entry → question to the journal"
    marked = change("mark", {}, {"reply_wrong": True})
    assert describe(marked) == "reply not marked → reply marked wrong"
    assert undo_notice(marked) == "Undone: reply marked wrong."
    assert describe(change("mark", {"reply_wrong": True}, {})) == "reply marked wrong → reply not marked"


async def test_q_and_w_in_an_opened_entry_flip_its_kind_and_mark_its_reply(settings, clock, ollama_stub):
    from tui.screens.entry_screen import EntryScreen

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("Last week you wrote about the river walk.")
        view = await send(pilot, SAM_QUESTION)
        app.query_one(HistoryTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert str(app.screen.query_one(".entry-title", Static).content) == "Journal · Question to the journal"

        await pilot.press("q", "w")
        await settle(pilot)

        meta = str(app.screen.query_one(".entry-meta", Static).content)
        assert "question to the journal" not in meta and "reply marked wrong" in meta
        assert str(app.screen.query_one(".entry-title", Static).content) == "Journal · Entry"
        assert stored(app, view).metadata["kind"] == "entry" and stored(app, view).metadata["reply_wrong"] is True
        await pilot.press("escape")
        await settle(pilot)
        assert previews(app)[0].startswith(WRONG_GLYPH) and label(view) == "Entry"
        assert "marked wrong" in status_text(view)


async def test_a_reply_marked_wrong_does_not_go_back_to_the_model_as_this_sessions_context(settings, clock,
                                                                                        ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ollama_stub.script("Porto is in Spain.")
        await send(pilot, SAM_ENTRY)
        app.query_one(Transcript).focus()
        await pilot.press("w")
        await settle(pilot)
        ollama_stub.script("Noted.")
        prompt(app).focus()

        await send(pilot, "Booked a train to visit Sam next month.")

        context = ollama_stub.chat_requests[-1]["messages"][1:]  # the recalled memories are prompt.py's part
        assert {"role": "user", "content": SAM_ENTRY} in context
        assert not any("Porto is in Spain." in message["content"] for message in context)


async def test_f7_pressed_right_before_enter_applies_to_the_text_sent(settings, clock, ollama_stub):
    from textual import events

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt(app).value = SAM_QUESTION
        await pilot.pause()
        for key, character in [("f7", None), ("enter", "\r")]:
            prompt(app).post_message(events.Key(key, character))  # queued at once: a busy event loop
        await settle(pilot)

        view = app.query_one(Transcript).views[-1]
        assert label(view) == "Entry" and "kind" not in stored(app, view).metadata
        assert prompt(app).border_title == "Journal · entry" and prompt(app).border_subtitle == "ctrl+e: longer entry"


async def test_f7_in_an_empty_prompt_changes_nothing(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        assert prompt(app).border_title == "Journal · entry"
        prompt(app).value = "Spent the evening with Sam."
        await pilot.pause()
        assert prompt(app).border_title == "Journal · entry"


async def test_f7_right_after_typing_flips_what_was_typed(settings, clock, ollama_stub):
    from textual import events

    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = [(char, char) for char in "did I ever mention Sam"] + [("f7", None), ("enter", "\r")]
        for key, character in keys:
            prompt(app).post_message(events.Key("space" if key == " " else key, character))  # all at once
        await settle(pilot)

        view = app.query_one(Transcript).views[-1]
        assert view.turn.text == "did I ever mention Sam"
        assert label(view) == "Entry" and "kind" not in stored(app, view).metadata
