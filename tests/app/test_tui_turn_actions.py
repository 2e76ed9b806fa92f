"""What a daily user does to a turn: stop a streaming reply (Esc), ask again (regenerate), leave a
recalled memory out of the answer (``x`` on a receipt), and edit a sent text and send it again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tests.tui_support import SIZE, chat, make_app, receipts, send, settle, status_colour, status_text
from tui.runtime.session import TurnState

RIVER = "Walked along the river at dawn; the fog made everything quiet."
HERON = "Saw a heron by the river in the fog, standing still for ages."


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Process the app's messages until ``condition()`` holds (the stalled turn's worker never ends
    by itself, so ``settle`` cannot wait for it)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        await pilot.pause()


def entries(app, mode: str) -> list:
    return list(app.workspace.journal.record.iter_entries(mode))


def system_prompt(request: dict) -> str:
    return request["messages"][0]["content"]


async def test_escape_stops_a_streaming_reply_keeps_it_and_hangs_up(settings, clock, ollama_stub):
    ollama_stub.script(chunks=["The fog ", "lifted slowly."], stall_after=1)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "A foggy walk this morning.", wait=False)
        await until(pilot, lambda: view.reply.text == "The fog ")

        await pilot.press("escape")

        assert view.turn.state is TurnState.STOPPED  # at once, before the stream has wound down
        assert "stopped" in status_text(view)
        assert await asyncio.to_thread(ollama_stub.chat_closed.wait, 5)  # Ollama saw the hang-up
        await settle(pilot)
        assert view.reply.text == "The fog "
        assert "stopped" in status_text(view) and "⚠" not in status_text(view)
        assert status_colour(view) == app.theme_variables["warning"]
        [entry] = entries(app, "journal")
        assert (entry.text, entry.reply, entry.metadata.get("stopped")) == ("A foggy walk this morning.",
                                                                           "The fog ", True)
        assert app.turns.unfinished == 0
        assert app.workspace.journal.record.pending() == []


async def test_a_stopped_code_question_is_stored_with_its_partial_answer(settings, clock, ollama_stub):
    ollama_stub.script(chunks=["Use a ", "comprehension."], stall_after=1)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        view = await send(pilot, "How do I square a list?", wait=False)
        await until(pilot, lambda: view.reply.text == "Use a ")

        await pilot.press("escape")
        assert await asyncio.to_thread(ollama_stub.chat_closed.wait, 5)
        await settle(pilot)

        [entry] = entries(app, "code")
        assert (entry.text, entry.reply, entry.metadata.get("stopped")) == ("How do I square a list?", "Use a ",
                                                                           True)
        assert app.workspace.journal.record.pending() == []


async def test_escape_without_a_streaming_reply_goes_back_to_the_prompt(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Slept well.")
        receipts(app).query_one(OptionList).focus()
        await pilot.press("escape")
        assert app.focused is app.query_one("#prompt", Input)
        assert view.turn.state is TurnState.DONE


async def test_regenerate_replaces_the_reply_with_the_same_memories(settings, clock, ollama_stub):
    ollama_stub.script(text="First reflection.").script(text="Second reflection.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], RIVER)
        view = await send(pilot, "Another foggy walk by the river this morning.")
        assert view.reply.text == "First reflection."

        await pilot.press("ctrl+n")
        await settle(pilot)

        assert view.reply.text == "Second reflection."
        assert len(chat(app).transcript().views) == 1
        store = app.workspace.journal
        assert store.record.get(view.turn.record.id).reply == "Second reflection."
        assert len(entries(app, "journal")) == 2
        [change] = [c for c in store.record.change_lines() if c.kind == "reply" and c.entry_id == view.turn.record.id
                    and c.before is not None and c.before.reply]
        assert (change.before.reply, change.after.reply) == ("First reflection.", "Second reflection.")
        first, second = ollama_stub.chat_requests
        assert RIVER in system_prompt(first)
        assert system_prompt(second) == system_prompt(first)


async def test_x_on_a_receipt_leaves_that_memory_out_and_asks_again(settings, clock, ollama_stub):
    ollama_stub.script(text="With both.").script(text="Without the heron.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        journal = app.workspace.modes["journal"]
        app.workspace.journal.add_entry(journal, RIVER)
        app.workspace.journal.add_entry(journal, HERON)
        view = await send(pilot, "Another foggy walk by the river, no heron today.")
        pane = receipts(app)
        texts = [memory.record.text for memory in pane.memories]
        assert sorted(texts) == sorted([RIVER, HERON])

        options = pane.query_one(OptionList)
        options.focus()
        options.highlighted = texts.index(HERON)
        await pilot.press("x")
        await settle(pilot)

        assert view.reply.text == "Without the heron."
        first, second = ollama_stub.chat_requests
        assert HERON in system_prompt(first) and RIVER in system_prompt(first)
        assert HERON not in system_prompt(second) and RIVER in system_prompt(second)
        assert [memory.record.text for memory in pane.memories] == texts  # still listed, marked
        line = str(options.get_option_at_index(texts.index(HERON)).prompt)
        assert "excluded" in line
        assert "excluded" not in str(options.get_option_at_index(texts.index(RIVER)).prompt)
        assert "1 left out" in pane.caption


async def test_a_memory_left_out_is_not_sent_as_an_earlier_turn_either(settings, clock, ollama_stub):
    """An entry written earlier in this session is both recalled and an earlier turn of the
    session: ``x`` on its receipt must take it out of the next request entirely."""
    ollama_stub.script(text="A reflection on the heron.").script(text="With the heron.") \
        .script(text="Without the heron.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, HERON)
        view = await send(pilot, "The fog by the river again, and the heron standing still.")
        pane = receipts(app)
        texts = [memory.record.text for memory in pane.memories]
        assert HERON in texts
        heard = ollama_stub.chat_requests[1]["messages"]
        assert HERON in system_prompt(ollama_stub.chat_requests[1])
        assert HERON in [message["content"] for message in heard[1:]]  # the earlier turn, as sent

        options = pane.query_one(OptionList)
        options.focus()
        options.highlighted = texts.index(HERON)
        await pilot.press("x")
        await settle(pilot)

        assert view.reply.text == "Without the heron."
        sent = ollama_stub.chat_requests[2]["messages"]
        assert not [message for message in sent if "heron by the river" in message["content"]]
        assert "A reflection on the heron." not in [message["content"] for message in sent]
        assert sent[-1]["content"] == "The fog by the river again, and the heron standing still."


async def test_edit_and_resend_a_journal_entry_edits_it_and_asks_again(settings, clock, ollama_stub):
    ollama_stub.script(text="First reflection.").script(text="A reflection on the edit.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Slept badly.")
        entry_id = view.turn.record.id

        await pilot.press("ctrl+f")
        prompt = app.query_one("#prompt", Input)
        assert prompt.value == "Slept badly."
        assert "editing entry of 2026-11-20: sending saves an edit of that entry and asks again" in str(
            prompt.border_title)
        prompt.value = "Slept badly, woke at four."
        await pilot.press("enter")
        await settle(pilot)

        assert len(chat(app).transcript().views) == 1
        assert view.turn.text == "Slept badly, woke at four."
        assert view.reply.text == "A reflection on the edit."
        [entry] = entries(app, "journal")
        assert (entry.id, entry.text, entry.reply) == (entry_id, "Slept badly, woke at four.",
                                                       "A reflection on the edit.")
        assert "UPDATE" in [event.event for event in app.workspace.journal.history(entry_id)]
        assert "editing" not in str(prompt.border_title)
        assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "Slept badly, woke at four."


async def test_edit_and_resend_a_code_question_asks_a_new_one(settings, clock, ollama_stub):
    ollama_stub.script(text="An answer.").script(text="Another answer.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await send(pilot, "What is a walrus operator?")

        await pilot.press("ctrl+f")
        prompt = app.query_one("#prompt", Input)
        assert prompt.value == "What is a walrus operator?"
        assert "sending asks a new question" in str(prompt.border_title)
        prompt.value = "What is a walrus operator in Python 3.12?"
        await pilot.press("enter")
        await settle(pilot)

        assert [view.turn.text for view in chat(app).transcript().views] == [
            "What is a walrus operator?", "What is a walrus operator in Python 3.12?"]
        assert sorted(entry.text for entry in entries(app, "code")) == [
            "What is a walrus operator in Python 3.12?", "What is a walrus operator?"]
        assert "sending asks" not in str(prompt.border_title)


async def test_a_reply_of_many_tiny_chunks_arrives_whole_in_far_fewer_messages(settings, clock, ollama_stub):
    chunks = [f"w{n % 10} " if n % 50 else "\n\n" for n in range(5000)]
    reply = "".join(chunks)
    ollama_stub.script(chunks=chunks)
    app = make_app(settings, clock)
    handled: list[object] = []
    progress = app.turns.progress

    def counting(message) -> None:
        handled.append(message.event)
        progress(message)

    app.turns.progress = counting
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Many tiny pieces, please.")
        await settle(pilot)

        assert view.turn.state is TurnState.DONE
        assert view.turn.reply == reply
        assert view.reply.text.strip() == reply.strip()
        [entry] = entries(app, "journal")
        assert entry.reply == reply
        streamed = [event for event in handled if type(event).__name__ == "ReplyChunk"]
        assert streamed and len(streamed) < len(chunks) // 10
        assert type(handled[-1]).__name__ == "TurnDone"  # the last chunk came before the end


async def test_quitting_while_a_reply_streams_exits_promptly_and_keeps_the_turn(settings, clock, ollama_stub):
    ollama_stub.script(chunks=[f"piece {n} " for n in range(400)], stall_after=200)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "A long answer, please.", wait=False)
        await until(pilot, lambda: "piece 10 " in view.reply.text)

        await pilot.press("ctrl+q")
        await pilot.press("ctrl+q")  # in the question: quit at once
        for _ in range(20):
            if not app.is_running:
                break
            await pilot.pause()
        assert not app.is_running
    ollama_stub.release_stalls()
