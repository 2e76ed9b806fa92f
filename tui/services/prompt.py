"""Builds what the model is sent: the mode's prompt plus a delimited block of recalled memories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.services.time_cues import TimeCue, nothing_from
from tui.text import local_day

MAX_RECALLED_REPLY_CHARS = 800
MEMORY_BLOCK_START = "<memories>"
MEMORY_BLOCK_END = "</memories>"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
        searched = f"{window}, " if window else ""
        lines.append(
            f"Earlier {mode.title.lower()} entries {searched}recalled for this turn, {order}. "
            "Use them when they help; do not invent others."
        )
        for number, memory in enumerate(recalled, start=1):
            record = memory.record
            lines.append(f"[{number}] {local_day(record.created_at)} (relevance {memory.score:.2f})")
            lines.append(f"{mode.entry_label}: {record.text.strip()}")
            if record.reply:
                lines.append(f"{mode.reply_label}: {_clip(record.reply, MAX_RECALLED_REPLY_CHARS)}")
    lines.append(MEMORY_BLOCK_END)
    return "\n".join(lines)


def today_line(now: datetime) -> str:
    """"Today is Friday, 20 November 2026." in the person's time zone: without it the model
    cannot tell what "yesterday" or an entry's date means."""
    day = now.astimezone()
    return f"Today is {day:%A}, {day.day} {day:%B %Y}."


def system_prompt(mode: Mode, recalled: Sequence[RecalledMemory], now: datetime | None = None,
                  cue: TimeCue | None = None) -> str:
    today = f"{today_line(now)}\n\n" if now is not None else ""
    return f"{mode.system_prompt.strip()}\n\n{today}{memory_block(mode, recalled, cue)}"


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
