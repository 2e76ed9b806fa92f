"""Recall that honours a time cue: "last Tuesday" favours that day's entries, "the last time I saw
Sam" puts the latest relevant entry first.

Meaning and words alone know nothing of dates: a question about a day is worded like no entry of
that day, and the most relevant mention of a colour is rarely the latest. A window is a boost, not
a filter (``tui.recall.hybrid``): a day with no entries, or a window that misses (the entry was
written the day after, the question named the wrong week), still recalls the closest others.
Each memory inside the window says so in its ``reason``, which the receipts and the CLI show.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.recall.hybrid import Window
from tui.services.time_cues import TimeCue

if TYPE_CHECKING:
    from tui.services.journal import Journal

WIDER = 4
"""How many times ``k`` relevant entries a recency cue looks through for the latest one."""
RELEVANT_MARGIN = 0.15
"""A candidate within this much relevance of the best one is as relevant: the newest of them wins."""
MOST_RECENT = "most recent mention"


def window_of(cue: TimeCue | None, now: datetime | None) -> Window | None:
    """The window ``cue`` names, its slack stopping at the start of ``now``'s day."""
    if cue is None or not cue.windowed:
        return None
    today = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0) if now is not None else None
    return Window(cue.since, cue.until, today)


def recall_in_time(store: Journal, mode: Mode, text: str, k: int, cue: TimeCue,
                   now: datetime | None = None) -> list[RecalledMemory]:
    """``k`` memories of ``mode`` for ``text`` as ``cue`` asks: its window's first (each with the
    reason "from <window>"), and with a recency cue the latest relevant one first."""
    window = window_of(cue, now)
    found = store.recall(text, mode, k * WIDER if cue.recency else k, mode.min_relevance, near=window)
    if window is not None:
        found = [RecalledMemory(memory.record, memory.score, _why(window, cue, memory)) for memory in found]
    return (latest_first(found) if cue.recency else found)[:k]


def _why(window: Window, cue: TimeCue, memory: RecalledMemory) -> str:
    """"from last Tuesday (Nov 17)", "from last Tuesday (Nov 17), written just after" (inside the
    window's slack: an entry written the day after what it tells), or nothing (outside)."""
    moment = memory.record.created_at
    if window.holds(moment, slack=False):
        return cue.window
    return f"{cue.window}, written just after" if window.holds(moment) else memory.reason


def latest_first(candidates: list[RecalledMemory]) -> list[RecalledMemory]:
    """The newest of the candidates close to the best one (``RELEVANT_MARGIN``) first, marked
    "most recent mention"; the others keep their similarity order."""
    if not candidates:
        return []
    best = max(memory.score for memory in candidates)
    relevant = [memory for memory in candidates if memory.score >= best - RELEVANT_MARGIN]
    newest = max(relevant, key=lambda memory: memory.record.created_at)
    reason = MOST_RECENT if not newest.reason else f"{MOST_RECENT} {newest.reason}"
    rest = [memory for memory in candidates if memory is not newest]
    return [RecalledMemory(newest.record, newest.score, reason), *rest]
