"""Recall that honours a time cue: "last Tuesday" recalls that day's entries (similarity ranks them
inside the window), "the last colour we talked about" puts the latest relevant entry first.

Similarity alone cannot answer either: a question about a day is worded like no entry of that
day, and the most similar mention of a colour is rarely the latest. Each memory picked for the
cue says so in its ``reason``, which the receipts and the CLI show.
"""

from __future__ import annotations

from tui.domain.modes import Mode
from tui.domain.records import RecalledMemory
from tui.services.ports import MemoryStore
from tui.services.time_cues import TimeCue

WIDER = 4
"""How many times ``k`` similar entries a recency cue looks through for the latest one."""
RELEVANT_MARGIN = 0.15
"""A candidate within this much similarity of the best one is as relevant: the newest of them wins."""
MOST_RECENT = "most recent mention"


def recall_in_time(store: MemoryStore, mode: Mode, text: str, k: int, cue: TimeCue) -> list[RecalledMemory]:
    """``k`` memories of ``mode`` for ``text`` as ``cue`` asks: inside its window (each with the
    reason "from <window>"), and with a recency cue the latest relevant one first."""
    if cue.windowed:
        found = store.recall(text, mode, k * WIDER if cue.recency else k, mode.min_relevance,
                             since=cue.since, until=cue.until)
        found = [RecalledMemory(memory.record, memory.score, cue.window) for memory in found]
    else:
        found = store.recall(text, mode, k * WIDER, mode.min_relevance)
    return (latest_first(found) if cue.recency else found)[:k]


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
