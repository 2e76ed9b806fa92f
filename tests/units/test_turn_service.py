"""A turn end to end against the stand-in Ollama: recall → prompt → stream → store, and failures."""

from __future__ import annotations

import json

import pytest

from tests.ollama_stub import unused_port_url
from tui.domain.errors import ContextFull, ModelNotFound, ModelStalled, OllamaUnreachable, ReplyInterrupted, StoreError
from tui.domain.modes import CODE, JOURNAL
from tui.services.engine import make_chat, make_turns
from tui.services.prompt import MEMORY_BLOCK_END, MEMORY_BLOCK_START
from tui.services.settings import Settings
from tui.services.token_estimate import estimate_messages
from tui.services.turn import Recalled, ReplyChunk, TurnDone, TurnFailed


def run_turn(turns, mode, text, **kwargs):
    return list(turns.run(mode, text, **kwargs))


@pytest.fixture
def turns(store, settings):
    return make_turns(store, make_chat(settings), settings)


def test_a_turn_streams_the_reply_and_stores_the_exchange(turns, store, ollama_stub):
    ollama_stub.script(chunks=["Sounds ", "like a ", "good day."])

    events = run_turn(turns, JOURNAL, "Spent the day at the lake.")

    assert isinstance(events[0], Recalled)
    assert [e.text for e in events if isinstance(e, ReplyChunk)] == ["Sounds ", "like a ", "good day."]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.reply == "Sounds like a good day."
    stored = store.record.get(done.record.id)
    assert (stored.text, stored.reply, stored.mode) == (
        "Spent the day at the lake.", "Sounds like a good day.", "journal")
    assert stored.metadata["model"] == "gemma3:4b-it-qat"


def test_the_next_turn_recalls_the_earlier_exchange_into_the_system_prompt(turns, ollama_stub, clock):
    ollama_stub.script("Lakes are restful.")
    run_turn(turns, JOURNAL, "Spent the day swimming at the lake with Ana.")
    clock.advance(days=2)
    ollama_stub.script("Tell me more.")

    events = run_turn(turns, JOURNAL, "Thinking about last weekend at the lake.")

    recalled = events[0].memories
    assert recalled[0].record.text == "Spent the day swimming at the lake with Ana."
    system = ollama_stub.chat_requests[-1]["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith(JOURNAL.system_prompt)
    block = system["content"].split(MEMORY_BLOCK_START, 1)[1].split(MEMORY_BLOCK_END, 1)[0]
    assert "2026-11-20" in block
    assert "Entry: Spent the day swimming at the lake with Ana." in block
    assert "Reflection (the assistant's words then, not the person's): Lakes are restful." in block
    assert ollama_stub.chat_requests[-1]["messages"][-1] == {
        "role": "user", "content": "Thinking about last weekend at the lake."}


def test_a_journal_entry_never_reaches_a_code_prompt(turns, ollama_stub):
    run_turn(turns, JOURNAL, "My python talk went badly and I feel embarrassed.")

    events = run_turn(turns, CODE, "How do I profile python code?")

    assert events[0].memories == []
    assert "embarrassed" not in ollama_stub.chat_requests[-1]["messages"][0]["content"]
    assert ollama_stub.chat_requests[-1]["messages"][0]["content"].startswith(CODE.system_prompt)


def test_session_context_is_sent_as_earlier_messages(turns, ollama_stub):
    run_turn(turns, CODE, "And with a default?", context=[("How do I read an env var?", "os.environ['X']")])

    messages = ollama_stub.chat_requests[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "How do I read an env var?"


def test_a_model_forced_by_settings_is_used_and_recorded(store, ollama_stub, settings):
    ollama_stub.models.add("qwen2.5-coder:7b")
    forced = Settings(data_dir=settings.data_dir, ollama_host=settings.ollama_host, model="qwen2.5-coder:7b")
    turns = make_turns(store, make_chat(forced), forced)

    done = run_turn(turns, CODE, "What is a walrus operator?")[-1]

    assert ollama_stub.chat_requests[-1]["model"] == "qwen2.5-coder:7b"
    assert done.record.metadata["model"] == "qwen2.5-coder:7b"


def unreachable_turns(store, settings):
    down = Settings(data_dir=settings.data_dir, ollama_host=unused_port_url(), connect_timeout=2.0)
    return make_turns(store, make_chat(down), down)


def test_ollama_down_keeps_the_journal_entry_and_says_how_to_fix_it(store, settings):
    failed = run_turn(unreachable_turns(store, settings), JOURNAL, "Nobody is listening today.")[-1]

    assert isinstance(failed, TurnFailed)
    assert isinstance(failed.error, OllamaUnreachable)
    assert "ollama serve" in failed.error.hint
    assert store.record.get(failed.record.id).text == "Nobody is listening today."
    assert store.record.get(failed.record.id).reply == ""
    assert failed.pending.entry_id == failed.record.id


def test_ollama_down_in_code_mode_keeps_the_question_for_a_retry_without_storing(store, settings):
    failed = run_turn(unreachable_turns(store, settings), CODE, "How do I flatten a list?")[-1]

    assert isinstance(failed.error, OllamaUnreachable)
    assert failed.record is None
    assert failed.pending.text == "How do I flatten a list?"
    assert store.record.count("code") == 0


def test_a_missing_model_says_which_model_to_pull(turns, ollama_stub, store):
    ollama_stub.models.clear()

    failed = run_turn(turns, JOURNAL, "Short entry.")[-1]

    assert isinstance(failed.error, ModelNotFound)
    assert "ollama pull gemma3:4b-it-qat" in failed.error.hint
    assert store.record.count("journal") == 1


def test_a_stalled_model_is_reported_and_nothing_typed_is_lost(turns, ollama_stub, store):
    ollama_stub.script("This will never finish", stall_after=0)

    failed = run_turn(turns, JOURNAL, "Waiting for an answer.")[-1]

    assert isinstance(failed.error, ModelStalled | ReplyInterrupted)
    assert store.record.get(failed.record.id).text == "Waiting for an answer."


def test_an_error_mid_stream_keeps_the_partial_reply_and_says_it_was_cut(turns, ollama_stub):
    ollama_stub.script(chunks=["Use ", "itertools", ".chain", " and more"], error_after=2, error="out of memory")

    events = run_turn(turns, CODE, "Flatten nested lists?")

    failed = events[-1]
    assert isinstance(failed.error, ReplyInterrupted)
    assert failed.partial == "Use itertools"
    assert "cut" in failed.error.message
    assert failed.pending.text == "Flatten nested lists?"


def test_a_retry_after_the_fix_answers_the_same_entry_without_a_duplicate(store, settings, ollama_stub):
    failed = run_turn(unreachable_turns(store, settings), JOURNAL, "Retry me please.")[-1]
    turns = make_turns(store, make_chat(settings), settings)
    ollama_stub.script("Here now.")

    done = list(turns.retry(failed.pending))[-1]

    assert isinstance(done, TurnDone)
    assert done.record.id == failed.record.id
    assert store.record.get(failed.record.id).reply == "Here now."
    assert store.record.count("journal") == 1
    assert "Retry me please." not in ollama_stub.chat_requests[-1]["messages"][0]["content"]


def test_a_journal_entry_is_saved_as_soon_as_it_is_sent_before_any_reply(turns, store, ollama_stub):
    """Quitting while the model is still thinking must not lose the entry."""
    events = turns.run(JOURNAL, "Saved before the model answers.")

    first = next(events)

    assert isinstance(first, Recalled)
    assert [r.text for r in store.record.page("journal").records] == ["Saved before the model answers."]
    assert store.record.page("journal").records[0].reply == ""
    done = list(events)[-1]
    assert store.record.get(done.record.id).reply == done.reply
    assert store.record.count("journal") == 1


def test_a_code_question_is_stored_only_with_its_answer(turns, store, ollama_stub):
    events = turns.run(CODE, "What does zip(strict=True) do?")
    next(events)
    assert store.record.count("code") == 0
    list(events)
    assert store.record.count("code") == 1


def test_a_store_failure_during_recall_keeps_the_text_for_a_retry(turns, store, monkeypatch):
    def broken(*args, **kwargs):
        raise StoreError("The memory store failed: disk I/O error", "see mindpane.log")

    monkeypatch.setattr(store, "recall", broken)

    events = run_turn(turns, JOURNAL, "Written while the disk is failing.")

    assert len(events) == 1 and isinstance(events[0], TurnFailed)
    assert events[0].pending.text == "Written while the disk is failing."


def test_a_mode_recalls_other_modes_only_when_its_recall_from_names_them(store, settings, ollama_stub):
    from dataclasses import replace

    store.add_entry(JOURNAL, "Felt anxious before the sprint review with the team.")
    standup = replace(JOURNAL, name="standup", title="Stand-up", recall_from=("journal",))
    walled = replace(standup, name="walled", title="Walled", recall_from=())
    modes = {"journal": JOURNAL, "code": CODE, "standup": standup, "walled": walled}
    turns = make_turns(store, make_chat(settings), settings, modes)

    across = run_turn(turns, standup, "How did the sprint review go?")[0]
    alone = run_turn(turns, walled, "How did the sprint review go?")[0]

    assert [(m.record.mode, m.reason) for m in across.memories] == [("journal", "from Journal")]
    assert alone.memories == []  # the wall holds without recall_from


# -- a prompt that fits ------------------------------------------------------------------------------

LONG_REFLECTION = ("It sounds like the move has taken a lot out of you, and small things carry more weight "
                   "when you are tired. What would make tomorrow a little lighter? ") * 6


def seed_long_exchanges(store, count: int = 6) -> None:
    for number in range(count):
        store.add_entry(JOURNAL, f"Moving day {number}: boxes, the kettle lost again, tired but hopeful.",
                        LONG_REFLECTION)


def earlier_turns(count: int = 5) -> list[tuple[str, str]]:
    return [(f"Short entry {number} about the move and the boxes.", LONG_REFLECTION) for number in range(count)]


def test_each_request_asks_for_the_context_it_was_fitted_to(turns, ollama_stub):
    recalled = run_turn(turns, JOURNAL, "A quiet evening.")[0]

    [request] = ollama_stub.chat_requests
    assert request["options"] == {"num_ctx": 8192}  # the model is made for 128k: mindpane asks for 8k
    assert recalled.options == {"stream": True, "options": {"num_ctx": 8192}}  # what "sent" shows
    run_turn(turns, JOURNAL, "Another quiet evening.")
    assert len(ollama_stub.show_requests) == 1  # asked once per model


def test_a_modelfile_num_ctx_or_the_modes_context_length_is_what_is_asked_for(store, settings, ollama_stub):
    from dataclasses import replace

    ollama_stub.show_parameters = "num_ctx 4096"
    run_turn(make_turns(store, make_chat(settings), settings), JOURNAL, "One.")
    roomy = replace(JOURNAL, context_length=16384)
    run_turn(make_turns(store, make_chat(settings), settings, {"journal": roomy, "code": CODE}), roomy, "Two.")

    assert [request["options"]["num_ctx"] for request in ollama_stub.chat_requests] == [4096, 16384]
    assert len(ollama_stub.show_requests) == 1  # the mode chose: Ollama is not asked


def test_a_model_that_reports_no_context_length_gets_a_safe_default_and_a_log_line(turns, ollama_stub, caplog):
    ollama_stub.model_info_null = True

    done = run_turn(turns, JOURNAL, "Nothing known about this model.")[-1]

    assert isinstance(done, TurnDone)
    assert ollama_stub.chat_requests[0]["options"] == {"num_ctx": 2048}
    assert "No context length known for gemma3:4b-it-qat" in caplog.text


def test_five_short_turns_with_long_memories_fit_a_2048_token_model(turns, store, ollama_stub):
    """Issue #17: the prompt grew past the model's 2,048 tokens and every reply was cut off."""
    ollama_stub.context_length = 2048
    seed_long_exchanges(store)

    recalled = run_turn(turns, JOURNAL, "Moving day again: the boxes are nearly gone.", context=earlier_turns())[0]

    request = ollama_stub.chat_requests[-1]
    assert request["options"] == {"num_ctx": 2048}
    assert estimate_messages(request["messages"]) <= 2048 - 512
    assert recalled.left_out or recalled.turns_left_out
    sent = request["messages"][0]["content"]
    assert all(memory.record.text in sent for memory in recalled.memories if memory.record.id not in recalled.left_out)
    assert not any(store.record.get(left).text in sent for left in recalled.left_out)


def test_a_reply_cut_off_by_a_full_context_is_retried_with_a_smaller_prompt(turns, store, ollama_stub):
    seed_long_exchanges(store)
    context = earlier_turns()
    ollama_stub.script(chunks=["You wrote about ", "the boxes and"], done_reason="length").script("Done now.")

    failed = run_turn(turns, JOURNAL, "Moving day again: the boxes are nearly gone.", context=context)[-1]
    assert isinstance(failed, TurnFailed) and isinstance(failed.error, ContextFull)
    assert failed.partial == "You wrote about the boxes and"
    assert failed.pending.room < estimate_messages(ollama_stub.chat_requests[0]["messages"]) // 2

    done = list(turns.retry(failed.pending, context))[-1]

    assert isinstance(done, TurnDone) and store.record.get(failed.record.id).reply == "Done now."
    first, second = (request["messages"] for request in ollama_stub.chat_requests)
    assert estimate_messages(second) < estimate_messages(first)
    assert len(json.dumps(second)) < len(json.dumps(first))
    assert second[-1]["content"] == first[-1]["content"]  # the entry itself is sent whole both times


def test_a_reply_marked_wrong_is_never_sent_again(turns, store, ollama_stub):
    store.add_entry(JOURNAL, "Went to the dentist about my tooth.", "You clearly never floss, do better.",
                    {"reply_wrong": True})

    recalled = run_turn(turns, JOURNAL, "My tooth still hurts after the dentist.")[0]

    assert [memory.record.text for memory in recalled.memories] == ["Went to the dentist about my tooth."]
    sent = ollama_stub.chat_requests[-1]["messages"][0]["content"]
    assert "Went to the dentist about my tooth." in sent and "floss" not in sent
