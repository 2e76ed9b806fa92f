"""What fits: the prompt cut to the model's context, leaving room for the answer.

Why: a prompt longer than the context is cut by Ollama, and one that nearly fills it leaves the
reply no room, so it is cut off; a retry then sent the same prompt again. Here the parts go in by
priority, each counted with ``token_estimate`` (which errs high):

1. the mode's prompt and the new text, always; a text longer than the whole context is clipped,
   and the model is told where (the entry itself is stored whole);
2. the pins, oldest first, then the recalled memories, best first: a memory that does not fit has
   its reply clipped (down to none), else it is left out whole and the next one is tried;
3. this session's earlier turns, newest first, each whole: the first that does not fit is left out
   with every older one (a conversation with a hole in it misleads more than a shorter one).

A quarter of the context is kept for the answer (``REPLY_SHARE``). After a reply cut off by a full
context, the retry's ``room`` for 2 and 3 is half of what they took (``FittedPrompt.spent``), so it
is smaller whatever the context's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.services.prompt import (
    MAX_RECALLED_REPLY_CHARS,
    PINNED_BLOCK_END,
    PINNED_BLOCK_START,
    chat_messages,
    memory_lines,
    pinned_heading,
    pinned_intro,
    recalled_heading,
    recalled_intro,
    sendable_reply,
)
from tui.services.time_cues import TimeCue
from tui.services.token_estimate import MESSAGE_OVERHEAD, estimate_messages, estimate_tokens, prefix_within

REPLY_SHARE = 4
"""The answer keeps ``context_length // REPLY_SHARE`` tokens: 512 of 2,048, 2,048 of 8,192 — a
journal reflection takes a few hundred, a code answer with its example rarely more."""
JOIN = 2
"""Tokens a line break between two separately counted parts may add (``token_estimate``)."""
MIN_REPLY_CHARS = 80
"""A recalled reply clipped shorter than this says nothing: it is left out instead."""
MIN_TEXT_CHARS = 200
"""The least of the new text sent, even when the mode's own prompt leaves no room for it."""


@dataclass(frozen=True)
class FittedPrompt:
    """The messages to send, and what was left out to make them fit."""

    messages: list[dict[str, str]]
    context_length: int
    tokens: int
    """The estimate of ``messages`` (at most ``context_length`` less the answer's share, unless
    the mode's prompt alone is longer)."""
    left_out: tuple[str, ...] = ()
    """Ids of the memories (pins or recalled) left out for room, in the order they were given."""
    turns_left_out: int = 0
    """How many of this session's earlier turns were not sent (the oldest ones)."""
    text_clipped: bool = False
    """The new text was longer than the context: only its beginning was sent."""
    spent: int = 0
    """Tokens the memories and earlier turns took (a retry after a cut-off reply gets half)."""


def reply_reserve(context_length: int) -> int:
    """Tokens kept for the answer."""
    return context_length // REPLY_SHARE


def clip_notice(mode: Mode, context_length: int) -> str:
    """What the model reads where a too-long text was clipped."""
    label = mode.entry_label.lower()
    return (f"\n\n[mindpane: the rest of this {label} was not sent: it is longer than the model's context "
            f"of {context_length} tokens.]")


def fit_prompt(mode: Mode, memories: Sequence[RecalledMemory], text: str,
               context: Sequence[tuple[str, str]] = (), *, context_length: int, now: datetime | None = None,
               cue: TimeCue | None = None, room: int | None = None) -> FittedPrompt:
    """The prompt for ``text`` with as many of ``memories`` (pins first, then by rank) and of the
    earlier turns ``context`` (oldest first) as fit ``context_length`` (see the module); ``room``
    caps the tokens memories and earlier turns may take."""
    limit = context_length - reply_reserve(context_length)
    recalled_count = sum(1 for memory in memories if not memory.pinned)
    # The mode's prompt with no memory; its line saying all were left out is the longest it can have.
    bare = estimate_messages(chat_messages(mode, [], "", now=now, cue=cue, left_out=recalled_count))
    sent, clipped = _fit_text(mode, text, limit - bare, context_length)
    fixed = bare + estimate_tokens(sent)
    room = min(max(0, limit - fixed), room if room is not None else limit)

    kept, reply_chars, used = _fit_memories(mode, memories, room, cue)
    turns = _fit_turns(context, room - used)

    def build() -> list[dict[str, str]]:
        sent_ids = {memory.record.id for memory in kept}
        left = sum(1 for memory in memories if not memory.pinned and memory.record.id not in sent_ids)
        return chat_messages(mode, kept, sent, turns, now=now, cue=cue, reply_chars=reply_chars, left_out=left)

    messages = build()
    tokens = estimate_messages(messages)
    while tokens > limit and (turns or kept):  # the counts above err high: this is a safety net
        if turns:
            turns = turns[1:]
        else:
            kept = kept[:-1]
        messages = build()
        tokens = estimate_messages(messages)
    sent_ids = {memory.record.id for memory in kept}
    return FittedPrompt(messages, context_length, tokens,
                        left_out=tuple(memory.record.id for memory in memories if memory.record.id not in sent_ids),
                        turns_left_out=len(context) - len(turns), text_clipped=clipped, spent=max(0, tokens - fixed))


def _fit_text(mode: Mode, text: str, room: int, context_length: int) -> tuple[str, bool]:
    """``text`` whole if it fits ``room`` tokens, else its beginning and a notice (never less than
    ``MIN_TEXT_CHARS``)."""
    if estimate_tokens(text) <= room:
        return text, False
    notice = clip_notice(mode, context_length)
    keep = max(prefix_within(text, room - estimate_tokens(notice) - JOIN), MIN_TEXT_CHARS)
    return text[:keep].rstrip() + notice, True


def _fit_memories(mode: Mode, memories: Sequence[RecalledMemory], room: int,
                  cue: TimeCue | None) -> tuple[list[RecalledMemory], dict[str, int], int]:
    """The memories that fit ``room`` tokens, in order; the shorter reply clip of those that needed
    one (by id); the tokens they take."""
    kept: list[RecalledMemory] = []
    reply_chars: dict[str, int] = {}
    used = pins = recalled = 0
    pinned_head = estimate_tokens("\n".join((PINNED_BLOCK_START, pinned_intro(mode), PINNED_BLOCK_END))) + 2 * JOIN
    recalled_head = estimate_tokens(recalled_intro(mode, cue)) + JOIN
    for memory in memories:
        if memory.pinned:
            head, heading = (0 if pins else pinned_head), pinned_heading(pins + 1, memory)
        else:
            head, heading = (0 if recalled else recalled_head), recalled_heading(recalled + 1, memory)
        fitted = _fit_memory(mode, memory, heading, room - used - head)
        if fitted is None:
            continue
        chars, cost = fitted
        kept.append(memory)
        if chars != MAX_RECALLED_REPLY_CHARS:
            reply_chars[memory.record.id] = chars
        used += head + cost
        pins, recalled = pins + memory.pinned, recalled + (not memory.pinned)
    return kept, reply_chars, used


def _fit_memory(mode: Mode, memory: RecalledMemory, heading: str, room: int) -> tuple[int, int] | None:
    """How many characters of the memory's reply fit ``room`` with its entry (0: none), and the
    tokens it then takes; None if the entry does not fit even without its reply."""

    def cost(chars: int) -> int:
        return estimate_tokens("\n".join(memory_lines(mode, memory, heading, chars))) + JOIN

    if cost(MAX_RECALLED_REPLY_CHARS) <= room:
        return MAX_RECALLED_REPLY_CHARS, cost(MAX_RECALLED_REPLY_CHARS)
    reply = sendable_reply(memory)
    chars = min(prefix_within(reply, room - cost(0) - estimate_tokens(mode.reply_label) - 12), len(reply))
    while chars >= MIN_REPLY_CHARS and cost(chars) > room:  # the label's cost above is a guess: check
        chars = chars * 9 // 10
    if chars >= MIN_REPLY_CHARS:
        return chars, cost(chars)
    return (0, cost(0)) if cost(0) <= room else None


def _fit_turns(context: Sequence[tuple[str, str]], room: int) -> list[tuple[str, str]]:
    """The newest earlier turns that fit ``room`` tokens whole, oldest first."""
    kept: list[tuple[str, str]] = []
    for asked, answered in reversed(context):
        cost = MESSAGE_OVERHEAD + estimate_tokens(asked) + (MESSAGE_OVERHEAD + estimate_tokens(answered)
                                                             if answered else 0)
        if cost > room:
            break
        room -= cost
        kept.insert(0, (asked, answered))
    return kept
