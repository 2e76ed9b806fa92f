"""A prompt that fits, as a person sees it: receipts say which memories the model's context had no
room for, and a reply cut off by a full context is asked again (ctrl+r) with a smaller prompt."""

from __future__ import annotations

from textual.widgets import OptionList

from tests.tui_support import SIZE, make_app, receipts, send, settle, status_text
from tui.runtime.session import TurnState
from tui.services.token_estimate import estimate_messages

LONG_REFLECTION = ("It sounds like the move has taken a lot out of you, and small things carry more weight "
                   "when you are tired. What would make tomorrow a little lighter? ") * 6


def seed(app, count: int = 6) -> None:
    journal = app.workspace.modes["journal"]
    for number in range(count):
        app.workspace.journal.add_entry(journal, f"Moving day {number}: the boxes, the kettle lost again, tired. "
                                      + "Unpacked the books and the plates, then sat on the floor. " * 4,
                                      LONG_REFLECTION)


async def test_receipts_say_which_memories_the_models_context_had_no_room_for(settings, clock, ollama_stub):
    ollama_stub.context_length = 2048
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app)
        view = await send(pilot, "Moving day again: the boxes are nearly gone, the kettle found.")

        turn = view.turn
        assert turn.state is TurnState.DONE and turn.no_room
        pane = receipts(app)
        assert f"{len(turn.no_room)} left out for room" in pane.caption
        assert f"{len(turn.no_room)} left out for room" in status_text(view)
        lines = [str(option.prompt) for option in pane.query_one(OptionList).options]
        marked = [memory.record.id for memory, line in zip(pane.memories, lines, strict=True)
                  if "left out for room" in line]
        assert set(marked) == turn.no_room
        system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
        for memory in pane.memories:
            assert (memory.record.text.strip() in system) is (memory.record.id not in turn.no_room)


async def test_a_reply_cut_off_by_a_full_context_is_asked_again_with_a_smaller_prompt(settings, clock,
                                                                                    ollama_stub):
    ollama_stub.script(chunks=["You wrote about ", "the boxes and"], done_reason="length") \
        .script(text="A whole reflection.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed(app)
        view = await send(pilot, "Moving day again: the boxes are nearly gone, the kettle found.")
        assert view.turn.state is TurnState.FAILED
        assert "The reply was cut off: the model's context is full" in status_text(view)
        assert "shorter prompt" in status_text(view)

        await pilot.press("ctrl+r")
        await settle(pilot)

        assert view.turn.state is TurnState.DONE and view.reply.text == "A whole reflection."
        first, second = (request["messages"] for request in ollama_stub.chat_requests)
        assert estimate_messages(second) < estimate_messages(first)
        assert second[-1] == first[-1]


async def test_an_earlier_reply_marked_wrong_is_not_sent_as_context(settings, clock, ollama_stub):
    from tui.domain.records import REPLY_WRONG

    ollama_stub.script(text="You should really stop eating sugar.").script(text="A kinder reflection.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await send(pilot, "Had cake at the office party.")
        record = first.turn.record  # marked wrong, in the store and in the session, as the key will do
        first.turn.record = app.workspace.journal.attach_reply(record.id, record.reply, {REPLY_WRONG: True})

        await send(pilot, "Still thinking about the party.")

        contents = [message["content"] for message in ollama_stub.chat_requests[-1]["messages"]]
        assert "Had cake at the office party." in contents
        assert not any("stop eating sugar" in content for content in contents)
