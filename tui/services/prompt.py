"""Builds what the model is sent: the mode's prompt, a delimited block of the memories the person
pinned (when there are any), then a delimited block of the recalled ones."""

from __future__ import annotations

from collections.abc import Sequence

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.text import local_day

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


def memory_block(mode: Mode, recalled: Sequence[RecalledMemory]) -> str:
    lines = [MEMORY_BLOCK_START]
    if not recalled:
        lines.append(f"No earlier {mode.title.lower()} entries are relevant to this one.")
    else:
        lines.append(
            f"Earlier {mode.title.lower()} entries recalled for this turn, most relevant first. "
            "Use them when they help; do not invent others."
        )
        for number, memory in enumerate(recalled, start=1):
            heading = f"[{number}] {local_day(memory.record.created_at)} (relevance {memory.score:.2f})"
            lines += _memory_lines(mode, memory, heading)
    lines.append(MEMORY_BLOCK_END)
    return "\n".join(lines)


def system_prompt(mode: Mode, recalled: Sequence[RecalledMemory]) -> str:
    """The mode's prompt, its pinned memories (only when it has some), then the recalled ones."""
    pinned = [memory for memory in recalled if memory.pinned]
    blocks = [mode.system_prompt.strip()]
    if pinned:
        blocks.append(pinned_block(mode, pinned))
    blocks.append(memory_block(mode, [memory for memory in recalled if not memory.pinned]))
    return "\n\n".join(blocks)


def chat_messages(
    mode: Mode,
    recalled: Sequence[RecalledMemory],
    text: str,
    context: Sequence[tuple[str, str]] = (),
) -> list[dict[str, str]]:
    """System prompt, this session's earlier turns of the mode (oldest first), then the new text."""
    messages = [{"role": "system", "content": system_prompt(mode, recalled)}]
    for asked, answered in context:
        messages.append({"role": "user", "content": asked})
        if answered:
            messages.append({"role": "assistant", "content": answered})
    messages.append({"role": "user", "content": text})
    return messages
