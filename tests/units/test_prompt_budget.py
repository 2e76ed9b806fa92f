"""A prompt that fits: the mode's prompt, the pins, the recalled memories by rank, this session's
earlier turns newest first and the new text, within the model's context less the answer's share.
What does not fit is left out whole (a memory's reply is clipped first); the new text always goes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tui.domain.modes import JOURNAL
from tui.domain.records import PINNED_REASON, MemoryRecord, RecalledMemory
from tui.services.prompt import MAX_RECALLED_REPLY_CHARS, MEMORY_BLOCK_END, MEMORY_BLOCK_START, chat_messages
from tui.services.prompt_budget import clip_notice, fit_prompt, reply_reserve
from tui.services.token_estimate import estimate_messages

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
REFLECTION = ("It sounds like the move has taken a lot out of you, and that small things, the kettle, the boxes, "
              "carry more weight when you are tired. It is good that the call with your mum helped. ") * 4


def memory(number: int, text: str = "", reply: str = REFLECTION, score: float = 0.9, pinned: bool = False,
           **metadata) -> RecalledMemory:
    at = NOW - timedelta(days=number)
    record = MemoryRecord(f"m{number}", text or f"Entry number {number}: a long day of unpacking boxes, again.",
                          "journal", at, at, reply, dict(metadata))
    return RecalledMemory(record, score - number / 100, PINNED_REASON if pinned else "")


def system(messages: list[dict[str, str]]) -> str:
    return messages[0]["content"]


def memory_block(messages: list[dict[str, str]]) -> str:
    return system(messages).split(MEMORY_BLOCK_START, 1)[1].split(MEMORY_BLOCK_END, 1)[0]


def limit(context_length: int) -> int:
    return context_length - reply_reserve(context_length)


def test_when_everything_fits_the_prompt_is_the_whole_prompt():
    memories = [memory(1), memory(2, pinned=True)]
    context = [("Yesterday I slept badly.", "That sounds hard.")]

    fitted = fit_prompt(JOURNAL, memories, "Today was better.", context, context_length=8192, now=NOW)

    assert fitted.messages == chat_messages(JOURNAL, memories, "Today was better.", context, now=NOW)
    assert (fitted.left_out, fitted.turns_left_out, fitted.text_clipped) == ((), 0, False)
    assert fitted.tokens == estimate_messages(fitted.messages) <= limit(8192)


def test_five_short_turns_and_long_memories_fit_a_2048_token_context():
    """The prompt of issue #17: recalled entries carrying whole replies, the session's earlier
    turns, a small model's context — it used to go over and every try was cut off."""
    memories = [memory(number) for number in range(1, 6)]
    context = [(f"Short journal entry number {n}, about the move.", REFLECTION) for n in range(5)]

    fitted = fit_prompt(JOURNAL, memories, "The sixth entry: a calmer day.", context, context_length=2048, now=NOW)

    assert fitted.tokens <= limit(2048)
    assert fitted.messages[-1] == {"role": "user", "content": "The sixth entry: a calmer day."}
    sent = [m.record.id for m in memories if m.record.text in system(fitted.messages)]
    assert sent and sent == [m.record.id for m in memories][:len(sent)]  # the best ones, in rank order
    assert list(fitted.left_out) == [m.record.id for m in memories][len(sent):]
    earlier = [message["content"] for message in fitted.messages[1:-1] if message["role"] == "user"]
    assert earlier == [asked for asked, _ in context][len(context) - len(earlier):]  # the newest, whole
    assert fitted.turns_left_out == len(context) - len(earlier)


def test_a_memory_reply_is_clipped_before_the_memory_is_left_out():
    long_reply = "A long reflection about unpacking and what home means. " * 40
    memories = [memory(1, reply=long_reply)]
    whole = fit_prompt(JOURNAL, memories, "Unpacked the kitchen.", context_length=8192, now=NOW)
    room = estimate_messages(whole.messages) - 60  # a little less than the memory with its usual clip

    fitted = fit_prompt(JOURNAL, memories, "Unpacked the kitchen.", context_length=room * 4 // 3 + 4, now=NOW)

    block = memory_block(fitted.messages)
    assert fitted.left_out == ()
    assert memories[0].record.text in block
    reply_line = next(line for line in block.splitlines() if line.startswith("Reflection"))
    assert reply_line.endswith("…") and len(reply_line) < len(next(
        line for line in memory_block(whole.messages).splitlines() if line.startswith("Reflection")))


def test_a_memory_that_does_not_fit_is_left_out_whole_and_a_smaller_one_still_goes_in():
    huge = memory(1, text="A very long entry. " * 400, reply="")
    small = memory(2, text="Bought a plant for the window.", reply="")

    fitted = fit_prompt(JOURNAL, [huge, small], "Watered the plant.", context_length=2048, now=NOW)

    assert fitted.left_out == ("m1",)
    block = memory_block(fitted.messages)
    assert "A very long entry." not in block
    assert "[1]" in block and "Bought a plant for the window." in block


def test_when_no_memory_fits_the_model_is_told_they_were_left_out_not_that_none_was_relevant():
    huge = memory(1, text="A very long entry. " * 400, reply="")

    fitted = fit_prompt(JOURNAL, [huge], "Watered the plant.", context_length=2048, now=NOW)

    assert "1 earlier journal entry was recalled for this turn but left out" in memory_block(fitted.messages)
    assert "are relevant" not in memory_block(fitted.messages)


def test_pins_go_in_before_recalled_memories():
    pin = memory(1, text="I am allergic to peanuts.", pinned=True, reply="")
    recalled = [memory(n, text=f"Entry {n}: " + "words of a long day " * 60, reply="") for n in range(2, 8)]

    fitted = fit_prompt(JOURNAL, [pin, *recalled], "Dinner plans.", context_length=2048, now=NOW)

    assert "I am allergic to peanuts." in system(fitted.messages)
    assert "m1" not in fitted.left_out and fitted.left_out


def test_earlier_turns_go_newest_first_and_stop_at_the_first_that_does_not_fit():
    context = [("The oldest turn.", "ok"), ("A huge turn. " * 600, "ok"), ("The newest turn.", "ok")]

    fitted = fit_prompt(JOURNAL, [], "Now.", context, context_length=2048, now=NOW)

    contents = [message["content"] for message in fitted.messages]
    assert "The newest turn." in contents
    assert "The oldest turn." not in contents and fitted.turns_left_out == 2


def test_a_text_longer_than_the_context_is_clipped_with_a_notice_and_still_sent():
    text = "I have so much to say today. " * 2000

    fitted = fit_prompt(JOURNAL, [memory(1)], text, context_length=2048, now=NOW)

    sent = fitted.messages[-1]["content"]
    assert fitted.text_clipped and fitted.tokens <= limit(2048)
    assert sent.startswith("I have so much to say today.") and sent.endswith(clip_notice(JOURNAL, 2048))
    assert "2048 tokens" in sent
    assert len(sent) < len(text)


def test_a_retry_after_a_cut_off_reply_gives_memories_and_turns_half_the_room_they_took():
    memories = [memory(number) for number in range(1, 6)]
    context = [(f"Entry {n}.", "A reply.") for n in range(4)]

    first = fit_prompt(JOURNAL, memories, "Again.", context, context_length=8192, now=NOW)
    second = fit_prompt(JOURNAL, memories, "Again.", context, context_length=8192, now=NOW, room=first.spent // 2)
    third = fit_prompt(JOURNAL, memories, "Again.", context, context_length=8192, now=NOW, room=second.spent // 2)

    assert first.left_out == () and first.spent > 0  # everything fitted the first time
    assert first.tokens > second.tokens > third.tokens
    assert second.spent <= first.spent // 2 and second.messages[-1] == first.messages[-1]


def test_a_reply_marked_wrong_never_goes_into_the_prompt():
    wrong = memory(1, text="Went to the dentist.", reply="You should floss more, you clearly never do.",
                   reply_wrong=True)
    pinned_wrong = replace(memory(2, text="I am vegetarian.", reply="Great, eat more fish!", reply_wrong=True),
                           reason=PINNED_REASON)

    fitted = fit_prompt(JOURNAL, [pinned_wrong, wrong], "Teeth hurt.", context_length=8192, now=NOW)

    prompt = system(fitted.messages)
    assert "Went to the dentist." in prompt and "I am vegetarian." in prompt
    assert "floss" not in prompt and "fish" not in prompt


def test_a_recalled_reply_is_clipped_and_labelled_as_the_assistants_words():
    fitted = fit_prompt(JOURNAL, [memory(1, reply="Word " * 400)], "Hello.", context_length=8192, now=NOW)

    [line] = [line for line in memory_block(fitted.messages).splitlines() if line.startswith("Reflection")]
    assert line.startswith("Reflection (the assistant's words then, not the person's): Word Word")
    assert len(line.split(": ", 1)[1]) <= MAX_RECALLED_REPLY_CHARS and line.endswith("…")
