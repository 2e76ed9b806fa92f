"""Builds what the model is sent: the mode's prompt, a delimited block of the memories the person
pinned (when there are any), then a delimited block of the recalled ones.

A memory's reply is the model's own earlier words, not the person's: it goes in only with its entry,
clipped, and labelled as the assistant's; a reply the person marked wrong (metadata
``reply_wrong``) never goes in. What fits the model's context is ``prompt_budget``'s choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from tui.domain.flags import reply_wrong
from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.services.time_cues import TimeCue
from tui.text import in_window, local_day, nothing_from

MAX_RECALLED_REPLY_CHARS = 500
"""A recalled reply is clipped to this: two to four sentences of a reflection, the start of an
answer. The entry is what the person wrote; the reply only reminds the model what it said."""
MEMORY_BLOCK_START = "<memories>"
MEMORY_BLOCK_END = "</memories>"
PINNED_BLOCK_START = "<pinned>"
PINNED_BLOCK_END = "</pinned>"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sendable_reply(memory: RecalledMemory) -> str:
    """The reply that may go into a prompt with its entry: none if the person marked it wrong."""
    record = memory.record
    return "" if reply_wrong(record.metadata) else record.reply.strip()


def memory_lines(mode: Mode, memory: RecalledMemory, heading: str,
                 reply_chars: int = MAX_RECALLED_REPLY_CHARS) -> list[str]:
    """One memory in the prompt: its heading, the entry, and its reply (clipped to ``reply_chars``,
    0 for none) labelled as the assistant's earlier words."""
    lines = [heading, f"{mode.entry_label}: {memory.record.text.strip()}"]
    reply = sendable_reply(memory)
    if reply and reply_chars > 0:
        lines.append(f"{mode.reply_label} (the assistant's words then, not the person's): {_clip(reply, reply_chars)}")
    return lines


def pinned_heading(number: int, memory: RecalledMemory) -> str:
    return f"[P{number}] {local_day(memory.record.created_at)}"


def recalled_heading(number: int, memory: RecalledMemory) -> str:
    return f"[{number}] {local_day(memory.record.created_at)} (relevance {memory.score:.2f})"


def pinned_intro(mode: Mode) -> str:
    return (f"Notes the person pinned in {mode.title}: always true, to keep in mind in every answer, "
            "whatever this turn is about (oldest pin first).")


def pinned_block(mode: Mode, pinned: Sequence[RecalledMemory], reply_chars: Mapping[str, int] | None = None) -> str:
    """The memories the person pinned in this mode: always true, whatever this turn is about.
    ``reply_chars``: a shorter clip for some memories' replies (by id), to fit the context."""
    lines = [PINNED_BLOCK_START, pinned_intro(mode)]
    for number, memory in enumerate(pinned, start=1):
        lines += memory_lines(mode, memory, pinned_heading(number, memory), _reply_chars(memory, reply_chars))
    lines.append(PINNED_BLOCK_END)
    return "\n".join(lines)


def recalled_intro(mode: Mode, cue: TimeCue | None = None, recalled: Sequence[RecalledMemory] = ()) -> str:
    """What the memories block says first: the window searched (or that it held nothing, and these
    are the closest others) and the order."""
    window = cue.window if cue is not None else ""
    order = "the most recent relevant one first" if cue is not None and cue.recency else "most relevant first"
    empty = window and recalled and not any(in_window(memory, window) for memory in recalled)
    searched = f"{window} first, " if window and not empty else ""
    return ((f"{nothing_from(window)} The closest other " if empty else "Earlier ")
            + f"{mode.title.lower()} entries {searched}recalled for this turn, {order}. "
            "Use them when they help; do not invent others.")


def memory_block(mode: Mode, recalled: Sequence[RecalledMemory], cue: TimeCue | None = None,
                 reply_chars: Mapping[str, int] | None = None, left_out: int = 0) -> str:
    """The recalled entries, each with its date; with a time cue, the window that was searched
    (or that it holds no entry) and whether the latest comes first. ``left_out``: how many were
    recalled but did not fit (the model is told, rather than that nothing was relevant)."""
    window = cue.window if cue is not None else ""
    lines = [MEMORY_BLOCK_START]
    if not recalled and left_out:
        lines.append(f"{left_out} earlier {mode.title.lower()} "
                     f"{'entry was' if left_out == 1 else 'entries were'} recalled for this turn but left out: "
                     "the prompt had no room for them.")
    elif not recalled:
        lines.append(nothing_from(window) if window else
                     f"No earlier {mode.title.lower()} entries are relevant to this one.")
    else:
        lines.append(recalled_intro(mode, cue, recalled))
        for number, memory in enumerate(recalled, start=1):
            lines += memory_lines(mode, memory, recalled_heading(number, memory), _reply_chars(memory, reply_chars))
    lines.append(MEMORY_BLOCK_END)
    return "\n".join(lines)


def _reply_chars(memory: RecalledMemory, reply_chars: Mapping[str, int] | None) -> int:
    return (reply_chars or {}).get(memory.record.id, MAX_RECALLED_REPLY_CHARS)


def today_line(now: datetime) -> str:
    """"Today is Friday, 20 November 2026." in the person's time zone: without it the model
    cannot tell what "yesterday" or an entry's date means."""
    day = now.astimezone()
    return f"Today is {day:%A}, {day.day} {day:%B %Y}."


def system_prompt(mode: Mode, recalled: Sequence[RecalledMemory], now: datetime | None = None,
                  cue: TimeCue | None = None, reply_chars: Mapping[str, int] | None = None,
                  left_out: int = 0) -> str:
    """The mode's prompt, today's date, its pinned memories (only when it has some), then the
    recalled ones (``left_out``: how many recalled ones did not fit)."""
    pinned = [memory for memory in recalled if memory.pinned]
    blocks = [mode.system_prompt.strip()]
    if now is not None:
        blocks.append(today_line(now))
    if pinned:
        blocks.append(pinned_block(mode, pinned, reply_chars))
    blocks.append(memory_block(mode, [memory for memory in recalled if not memory.pinned], cue, reply_chars, left_out))
    return "\n\n".join(blocks)


def chat_messages(
    mode: Mode,
    recalled: Sequence[RecalledMemory],
    text: str,
    context: Sequence[tuple[str, str]] = (),
    *,
    now: datetime | None = None,
    cue: TimeCue | None = None,
    reply_chars: Mapping[str, int] | None = None,
    left_out: int = 0,
) -> list[dict[str, str]]:
    """System prompt (with today's date when ``now`` is given, and the window ``cue`` searched),
    this session's earlier turns of the mode (oldest first), then the new text. ``reply_chars``
    and ``left_out`` are how ``prompt_budget`` made it fit."""
    messages = [{"role": "system", "content": system_prompt(mode, recalled, now, cue, reply_chars, left_out)}]
    for asked, answered in context:
        messages.append({"role": "user", "content": asked})
        if answered:
            messages.append({"role": "assistant", "content": answered})
    messages.append({"role": "user", "content": text})
    return messages
