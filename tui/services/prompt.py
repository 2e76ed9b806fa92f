"""Builds what the model is sent: the mode's prompt plus a delimited block of recalled memories."""

from __future__ import annotations

from collections.abc import Sequence

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.text import local_day

MAX_RECALLED_REPLY_CHARS = 800
MEMORY_BLOCK_START = "<memories>"
MEMORY_BLOCK_END = "</memories>"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
            record = memory.record
            lines.append(f"[{number}] {local_day(record.created_at)} (relevance {memory.score:.2f})")
            lines.append(f"{mode.entry_label}: {record.text.strip()}")
            if record.reply:
                lines.append(f"{mode.reply_label}: {_clip(record.reply, MAX_RECALLED_REPLY_CHARS)}")
    lines.append(MEMORY_BLOCK_END)
    return "\n".join(lines)


def system_prompt(mode: Mode, recalled: Sequence[RecalledMemory]) -> str:
    return f"{mode.system_prompt.strip()}\n\n{memory_block(mode, recalled)}"


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
