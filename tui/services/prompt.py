"""Builds what the model is sent: the mode's prompt, a delimited block of the memories the person
pinned (when there are any), then a delimited block of the recalled ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.services.time_cues import TimeCue
from tui.text import in_window, local_day, nothing_from

MAX_RECALLED_REPLY_CHARS = 800
MEMORY_BLOCK_START = "<memories>"
MEMORY_BLOCK_END = "</memories>"
PINNED_BLOCK_START = "<pinned>"
PINNED_BLOCK_END = "</pinned>"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _memory_lines(mode: Mode, memory: RecalledMemory, heading: str) -> list[str]:
    record = memory.record
    lines = [heading, f"{mode.entry_label}: {record.text.strip()}"]
    if record.reply:
        lines.append(f"{mode.reply_label}: {_clip(record.reply, MAX_RECALLED_REPLY_CHARS)}")
    return lines


def pinned_block(mode: Mode, pinned: Sequence[RecalledMemory]) -> str:
    """The memories the person pinned in this mode: always true, whatever this turn is about."""
    lines = [PINNED_BLOCK_START,
             f"Notes the person pinned in {mode.title}: always true, to keep in mind in every answer, "
             "whatever this turn is about (oldest pin first)."]
    for number, memory in enumerate(pinned, start=1):
        lines += _memory_lines(mode, memory, f"[P{number}] {local_day(memory.record.created_at)}")
    lines.append(PINNED_BLOCK_END)
    return "\n".join(lines)


def memory_block(mode: Mode, recalled: Sequence[RecalledMemory], cue: TimeCue | None = None) -> str:
    """The recalled entries, each with its date; with a time cue, the window that was searched
    (or that it holds no entry) and whether the latest comes first."""
    window = cue.window if cue is not None else ""
    lines = [MEMORY_BLOCK_START]
    if not recalled:
        lines.append(nothing_from(window) if window else
                     f"No earlier {mode.title.lower()} entries are relevant to this one.")
    else:
        order = "the most recent relevant one first" if cue is not None and cue.recency else "most relevant first"
        empty = window and not any(in_window(memory, window) for memory in recalled)
        searched = f"{window} first, " if window and not empty else ""
        lines.append(
            (f"{nothing_from(window)} The closest other " if empty else "Earlier ")
            + f"{mode.title.lower()} entries {searched}recalled for this turn, {order}. "
            "Use them when they help; do not invent others."
        )
        for number, memory in enumerate(recalled, start=1):
            heading = f"[{number}] {local_day(memory.record.created_at)} (relevance {memory.score:.2f})"
            lines += _memory_lines(mode, memory, heading)
    lines.append(MEMORY_BLOCK_END)
    return "\n".join(lines)


def today_line(now: datetime) -> str:
    """"Today is Friday, 20 November 2026." in the person's time zone: without it the model
    cannot tell what "yesterday" or an entry's date means."""
    day = now.astimezone()
    return f"Today is {day:%A}, {day.day} {day:%B %Y}."


def system_prompt(mode: Mode, recalled: Sequence[RecalledMemory], now: datetime | None = None,
                  cue: TimeCue | None = None) -> str:
    """The mode's prompt, today's date, its pinned memories (only when it has some), then the
    recalled ones."""
    pinned = [memory for memory in recalled if memory.pinned]
    blocks = [mode.system_prompt.strip()]
    if now is not None:
        blocks.append(today_line(now))
    if pinned:
        blocks.append(pinned_block(mode, pinned))
    blocks.append(memory_block(mode, [memory for memory in recalled if not memory.pinned], cue))
    return "\n\n".join(blocks)


def chat_messages(
    mode: Mode,
    recalled: Sequence[RecalledMemory],
    text: str,
    context: Sequence[tuple[str, str]] = (),
    *,
    now: datetime | None = None,
    cue: TimeCue | None = None,
) -> list[dict[str, str]]:
    """System prompt (with today's date when ``now`` is given, and the window ``cue`` searched),
    this session's earlier turns of the mode (oldest first), then the new text."""
    messages = [{"role": "system", "content": system_prompt(mode, recalled, now, cue)}]
    for asked, answered in context:
        messages.append({"role": "user", "content": asked})
        if answered:
            messages.append({"role": "assistant", "content": answered})
    messages.append({"role": "user", "content": text})
    return messages
