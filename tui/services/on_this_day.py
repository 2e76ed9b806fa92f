"""On this day: a mode's entries from this local day a week, a month and years ago, and the few
older entries closest in meaning to what was written today — for rereading, not for a turn."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from tui.domain.modes import Mode
from tui.domain.on_this_day import RELATED_TITLE, Section, looking_back
from tui.domain.records import MemoryRecord

if TYPE_CHECKING:
    from tui.services.journal import Journal

PER_DAY = 3
RELATED = 3
RELATED_OLDER_THAN = timedelta(days=7)
TODAY_TEXTS = 3
"""Today's newest entries whose meaning finds the related ones (each one embedding)."""


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day).astimezone()


def _entries_of(store: Journal, mode: Mode, day: date, limit: int | None = None) -> list[MemoryRecord]:
    found = store.record.iter_entries(mode.name, _midnight(day), _midnight(day + timedelta(days=1)), batch=limit or 500)
    return list(islice(found, limit))


def on_this_day(store: Journal, mode: Mode, today: datetime) -> list[Section]:
    """The sections to show, nearest day first, then "Related to today"; empty when there is
    nothing (the panel then stays hidden). Blocking: call from a worker."""
    oldest = next(iter(store.record.iter_entries(mode.name, batch=1)), None)
    if oldest is None:
        return []
    day = today.astimezone().date()
    sections = [Section(title, entries) for title, past in looking_back(day, oldest.created_at.astimezone().date())
                if (entries := _entries_of(store, mode, past, PER_DAY))]
    shown = {entry.id for section in sections for entry in section.entries}
    related = _related(store, mode, _entries_of(store, mode, day), _midnight(day) - RELATED_OLDER_THAN, shown)
    if related:
        sections.append(Section(RELATED_TITLE, related, dated=True))
    return sections


def _related(store: Journal, mode: Mode, todays: list[MemoryRecord], before: datetime,
             shown: set[str]) -> list[MemoryRecord]:
    """Entries written before ``before`` (not in ``shown``) closest to today's, best first."""
    best: dict[str, tuple[float, MemoryRecord]] = {}
    for entry in todays[-TODAY_TEXTS:]:
        for memory in store.recall(entry.text, mode, k=RELATED + len(shown) + 10, min_score=mode.min_relevance):
            record = memory.record
            older, new = record.created_at < before and record.id not in shown, record.id not in best
            if older and (new or best[record.id][0] < memory.score):
                best[record.id] = (memory.score, record)
    ranked = sorted(best.values(), key=lambda pair: pair[0], reverse=True)
    return [record for _, record in ranked[:RELATED]]
