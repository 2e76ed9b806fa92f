"""Makes text from people, the store or the model safe to show literally in the terminal.

Textual keeps ESC in widget content, so a pasted ANSI sequence would reach the terminal; other
control characters garble the layout. Newlines and tabs are the only controls kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.domain.records import RecalledMemory

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]             # CSI: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC: titles, clipboard, hyperlinks
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?      # DCS / SOS / PM / APC strings
    | \x1b[ -/]*[0-~]                    # two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]              # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_display(text: str) -> str:
    """``text`` without escape sequences or control characters (newline and tab kept)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def nothing_from(window: str) -> str:
    """What to say when a searched window holds no entry: "No entries from November 13."."""
    return f"No entries {window}."


def in_window(memory: RecalledMemory, window: str) -> bool:
    """``memory`` was recalled from the window a turn asked about (its reason names it)."""
    return bool(window) and window in memory.reason


def nothing_found(window: str, memories: Iterable[RecalledMemory]) -> str:
    """"No entries from November 13." when a window was searched and none of ``memories`` is from
    it (they are the closest others, if any); empty otherwise."""
    return nothing_from(window) if window and not any(in_window(memory, window) for memory in memories) else ""


def room_note(memories: int, turns: int = 0, text_clipped: bool = False, entry_label: str = "entry") -> str:
    """What a prompt left out to fit the model's context, for receipts and the shell: "2 left out
    for room", "3 earlier turns left out for room", "entry clipped to fit"; empty when nothing was."""
    earlier = f"{turns} earlier turn{'s' if turns != 1 else ''}"
    if memories and turns:
        left = f"{memories} left out for room (and {earlier})"
    else:
        left = f"{memories} left out for room" if memories else f"{earlier} left out for room" if turns else ""
    clipped = f"{entry_label.lower()} clipped to fit" if text_clipped else ""
    return " · ".join(part for part in (left, clipped) if part)


def local_day(moment: datetime) -> str:
    """The date of ``moment`` in the person's time zone, e.g. 2026-11-25."""
    return moment.astimezone().strftime("%Y-%m-%d")


def local_minute(moment: datetime) -> str:
    """Date and time to the minute in the person's time zone, for lists a person scans."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


TRANSCRIPT_LINES = 60
TRANSCRIPT_CHARS = 6000


def transcript_text(text: str) -> str:
    """What the transcript shows of a sent text: all of it, or — for a very long paste — its first
    ``TRANSCRIPT_LINES`` lines (at most ``TRANSCRIPT_CHARS`` characters) and how much more there is.
    Laying out and drawing 200 KB of wrapped text took seconds on every layout pass; the whole text
    is kept (and sent as far as the model's context takes it: the status line says when it was
    clipped), and the history opens it in full."""
    shown = for_display(text)
    head = "\n".join(shown[:TRANSCRIPT_CHARS].split("\n")[:TRANSCRIPT_LINES])
    if len(head) >= len(shown):
        return shown
    rest = shown[len(head):]
    more = f"{rest.count(chr(10)) + 1:,} more lines" if "\n" in rest else f"{len(rest):,} more characters"
    return f"{head.rstrip()}\n… ({more} — kept in full; Enter on it in the history shows it all)"


def one_line(text: str, limit: int) -> str:
    """A single-line preview of at most ``limit`` characters, for lists and captions."""
    line = " ".join(for_display(text).split())
    return line if len(line) <= limit else line[: max(limit - 1, 0)].rstrip() + "…"


def entry_preview(text: str, limit: int) -> str:
    """An entry's one-line preview for receipts, the history and the CLI: a pasted traceback reads
    as its exception line (``KeyError: 'date'``), then the words around it, never as
    "Traceback (most recent call last):"; other text as ``one_line``."""
    from tui.domain.tracebacks import traceback_span

    span = traceback_span(text)
    if span is None:
        return one_line(text, limit)
    start, end, exception = span
    around = " ".join((text[:start] + " " + text[end:]).split())
    return one_line(f"{exception} — {around}" if around else exception, limit)


class TextPieces:
    """A text that grows a piece at a time (a streaming reply: thousands of pieces). Joining on
    every piece is O(n²), so the pieces are joined when the text is read, and kept joined."""

    __slots__ = ("_parts",)

    def __init__(self, text: str = "") -> None:
        self._parts = [text] if text else []

    def add(self, piece: str) -> None:
        if piece:
            self._parts.append(piece)

    @property
    def text(self) -> str:
        parts = self._parts
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
        return parts[0] if parts else ""
