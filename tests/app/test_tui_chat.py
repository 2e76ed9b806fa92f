"""The chat pane: a turn in each mode streams its reply and shows what it recalled; modes keep
their own transcripts, context and memories; user text is shown literally."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from tests.tui_support import SIZE, chat, make_app, receipt_texts, receipts, send, settle, status_text
from tui.screens.main_screen import MainScreen
from tui.widgets.recalled_pane import RecalledPane

REFLECTION = "It sounds like the river walk settled you. What did you notice?"
ANSWER = "Use a comprehension:\n\n```python\nsquares = [n * n for n in numbers]\n```\n\nClearer than map."


async def test_journal_turn_streams_the_reply_and_lists_its_receipts(settings, clock, ollama_stub):
    ollama_stub.script(chunks=["It sounds like ", "the river walk ", "settled you. ", "What did you notice?"])
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        journal = app.workspace.modes["journal"]
        app.workspace.journal.add_entry(journal, "Walked along the river at dawn; the fog made everything quiet.")
        clock.advance(days=1)
        app.workspace.journal.add_entry(journal, "Quarterly taxes are due next week.")

        view = await send(pilot, "Another foggy walk by the river this morning.")

        assert view.reply.text == REFLECTION
        assert "Reflection · gemma3:4b-it-qat · recalled 1" in status_text(view)
        assert receipt_texts(app) == ["Walked along the river at dawn; the fog made everything quiet."]
        line = str(receipts(app).query_one("OptionList").get_option_at_index(0).prompt)
        assert line.startswith("0.") and "  2026-11-20  Walked along the river" in line
        assert app.workspace.journal.record.count("journal") == 3


async def test_code_receipts_never_show_journal_entries(settings, clock, ollama_stub):
    ollama_stub.script(text=ANSWER)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modes = app.workspace.modes
        app.workspace.journal.add_entry(modes["journal"], "Squaring numbers in a Python list made me anxious today.")
        app.workspace.journal.add_entry(modes["code"], "How do I square numbers in a list?", "Use a comprehension.")
        await pilot.press("ctrl+t")
        assert app.mode.name == "code"

        view = await send(pilot, "How do I square every number in a Python list?")

        assert view.reply.text == ANSWER
        assert receipt_texts(app) == ["How do I square numbers in a list?"]
        system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
        assert system.startswith(modes["code"].system_prompt)
        assert "anxious" not in system


async def test_each_mode_keeps_its_transcript_and_context(settings, clock, ollama_stub):
    ollama_stub.script(text="First reflection.").script(text="Second reflection.").script(text="An answer.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Slept badly.")
        await send(pilot, "Coffee helped.")
        second = ollama_stub.chat_requests[-1]["messages"]
        assert [(m["role"], m["content"]) for m in second[1:]] == [
            ("user", "Slept badly."), ("assistant", "First reflection."), ("user", "Coffee helped.")]

        await pilot.press("ctrl+t")
        assert chat(app).transcript().views == []
        await send(pilot, "What is a walrus operator?")
        code_messages = ollama_stub.chat_requests[-1]["messages"]
        assert [m["role"] for m in code_messages] == ["system", "user"]

        await pilot.press("ctrl+t")
        assert [view.turn.text for view in chat(app).transcript().views] == ["Slept badly.", "Coffee helped."]


async def test_receipts_follow_the_selected_reply(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        journal = app.workspace.modes["journal"]
        app.workspace.journal.add_entry(journal, "My sister called about moving house.")
        app.workspace.journal.add_entry(journal, "The garden tomatoes are finally ripe.")
        await send(pilot, "Thinking about my sister moving house.")
        await send(pilot, "Picked ripe tomatoes from the garden.")
        assert receipt_texts(app)[0] == "The garden tomatoes are finally ripe."

        first, second = chat(app).transcript().views
        assert (first.styles.border_left[0], second.styles.border_left[0]) == ("blank", "outer")

        await pilot.press("alt+up")
        assert receipt_texts(app)[0] == "My sister called about moving house."
        assert "Thinking about my sister" in receipts(app).caption
        assert (first.styles.border_left[0], second.styles.border_left[0]) == ("outer", "blank")  # the mark moved

        await pilot.press("alt+down")
        await pilot.click(first)
        assert receipt_texts(app)[0] == "My sister called about moving house."


async def test_choosing_a_receipt_shows_the_memory_in_full(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        journal = app.workspace.modes["journal"]
        app.workspace.journal.add_entry(journal, "Long walk in the rain, thinking about work.", "Rain can help.")
        await send(pilot, "Another walk in the rain.")
        app.query_one(RecalledPane).query_one("OptionList").focus()
        await pilot.press("enter")
        texts = [str(static.content) for static in app.screen.query(Static)]
        assert "Long walk in the rain, thinking about work." in texts
        assert any(text.startswith("Recalled entry · relevance 0.") for text in texts)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_user_text_is_shown_literally(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "[bold]x[/bold] and \x1b[31mred\x1b[0m \x07done")
        shown = view.query_one(".turn-text", Static)
        assert str(shown.render()) == "[bold]x[/bold] and red done"
        stored = app.workspace.journal.record.page("journal").records[0].text
        assert stored == "[bold]x[/bold] and \x1b[31mred\x1b[0m \x07done"


async def test_a_very_long_paste_shows_its_head_is_kept_whole_and_sent_as_far_as_it_fits(settings, clock,
                                                                                        ollama_stub):
    long_text = "".join(f"Line {n} of a very long pasted log, kept whole.\n" for n in range(4000))  # ~190 KB
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, long_text)
        shown = str(view.query_one(".turn-text", Static).render())
        assert shown.startswith("Line 0 of a very long pasted log")
        assert "Line 59 of" in shown and "Line 60 of" not in shown
        assert shown.endswith("… (3,941 more lines — kept in full; Enter on it in the history shows it all)")
        assert app.workspace.journal.record.page("journal").records[0].text == long_text.strip()
        sent = ollama_stub.chat_requests[-1]["messages"][-1]["content"]
        assert sent.startswith("Line 0 of a very long pasted log") and len(sent) < len(long_text) // 10
        assert sent.endswith("[mindpane: the rest of this entry was not sent: it is longer than the model's context "
                             "of 8192 tokens.]")
        assert "entry clipped to fit" in status_text(view)


async def test_receipts_show_recalled_text_literally(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Thoughts about the [bold]move[/bold] to [red]Leeds[/red].")
        await send(pilot, "More thoughts about the move to Leeds.")

        options = receipts(app).query_one(OptionList)
        lines = ["".join(segment.text for segment in options.render_line(y)) for y in range(options.size.height)]
        assert any("Thoughts about the [bold]move[/" in line for line in lines), lines


async def test_copy_key_copies_the_last_code_block(settings, clock, ollama_stub):
    ollama_stub.script(text="Try:\n\n```python\nfirst = 1\n```\n\nor:\n\n```python\nsecond = 2\n```\n")
    ollama_stub.script(text="No code here, just words.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await send(pilot, "Show me two assignments.")
        await pilot.press("ctrl+y")
        assert app.clipboard == "second = 2"
        await send(pilot, "And in words?")
        await pilot.press("ctrl+y")
        assert app.clipboard == "No code here, just words."


async def test_composer_sends_a_multi_line_entry_and_keeps_a_cancelled_draft(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        app.screen.query_one("TextArea").text = "A draft\nover two lines"
        await pilot.press("escape")
        assert chat(app).transcript().views == []
        assert chat(app).draft() == "A draft\nover two lines"

        await pilot.press("ctrl+e")
        assert app.screen.query_one("TextArea").text == "A draft\nover two lines"
        await pilot.press("ctrl+s")
        await settle(pilot)
        view = chat(app).transcript().views[-1]
        assert view.turn.text == "A draft\nover two lines"
        assert str(view.query_one(".turn-text", Static).render()) == "A draft\nover two lines"
        assert chat(app).draft() == ""
