"""Recall for a pasted traceback: earlier exchanges that hit the same exception in the same library
come first, then the same exception elsewhere, then the usual similarity order.

Only a mode with ``traceback_recall`` (the built-in code mode) does this, and only when the text
holds a traceback: any other text is recalled exactly as ``Journal.recall`` ranks it. Each
exchange stores its traceback's key (``metadata["traceback"] = "KeyError@pandas"``) when it is
stored; older entries are parsed on the fly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord, RecalledMemory
from tui.domain.tracebacks import TracebackInfo, parse_traceback, split_key
from tui.text import one_line

if TYPE_CHECKING:
    from tui.services.journal import Journal

METADATA_KEY = "traceback"
WIDER = 4
"""How many times ``k`` similar entries are looked through for the same exception."""
ANSWER_PREVIEW = 120


def traceback_metadata(mode: Mode, text: str) -> dict:
    """What to stamp on an exchange of ``mode`` about ``text``'s traceback (nothing if none)."""
    info = parse_traceback(text) if mode.traceback_recall else None
    return {METADATA_KEY: info.key} if info else {}


def recall(store: Journal, mode: Mode, text: str, k: int, min_score: float) -> list[RecalledMemory]:
    """``store.recall``, with earlier exchanges about the same exception first for a traceback."""
    info = parse_traceback(text) if mode.traceback_recall and k > 0 else None
    if info is None:
        return store.recall(text, mode, k, min_score)
    candidates = store.recall(text, mode, k * WIDER, 0.0)
    return rerank(info, candidates, k, min_score)


def rerank(info: TracebackInfo, candidates: list[RecalledMemory], k: int, min_score: float) -> list[RecalledMemory]:
    """Same exception and library first (kept even below ``min_score``: the match is the reason),
    then the same exception elsewhere, then the rest, each by similarity; ``k`` kept."""
    tiers: tuple[list[RecalledMemory], list[RecalledMemory], list[RecalledMemory]] = ([], [], [])
    for memory in candidates:  # best first already
        exception, library = _key_of(memory.record)
        if exception == info.exception and library == info.library:
            tiers[0].append(RecalledMemory(memory.record, memory.score, reason(memory.record, exception, library)))
        elif exception == info.exception and memory.score >= min_score:
            tiers[1].append(RecalledMemory(memory.record, memory.score, reason(memory.record, exception, None)))
        elif memory.score >= min_score:
            tiers[2].append(memory)
    return [*tiers[0], *tiers[1], *tiers[2]][:k]


def _key_of(record: MemoryRecord) -> tuple[str | None, str | None]:
    """The exception and library of an entry's traceback: its stored key, unless the text was edited
    since it was stored (or it predates the key): then parsed from the text."""
    stored = record.metadata.get(METADATA_KEY)
    if isinstance(stored, str) and stored and record.updated_at == record.created_at:
        return split_key(stored)
    info = parse_traceback(record.text)
    return (info.exception, info.library) if info else (None, None)


def reason(record: MemoryRecord, exception: str, library: str | None) -> str:
    """"same `KeyError` in pandas, Nov 3 — the answer then: …"."""
    day = record.created_at.astimezone()
    where = f" in {library}" if library else ""
    said = f" — the answer then: {one_line(record.reply, ANSWER_PREVIEW)}" if record.reply.strip() else ""
    return f"same `{exception}`{where}, {day:%b} {day.day}{said}"
