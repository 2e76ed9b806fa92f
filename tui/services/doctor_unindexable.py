"""Doctor's line for entries the index cannot take: metadata an older mindpane let into ``entries.db``
that Chroma refuses (``tui.domain.index_metadata``). The store keeps such an entry out of Chroma so
that it still opens; the entry stays in the record and in recall. Doctor names each one (mode,
date, id and the key at fault — never its text) and says how to give it a copy in the index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from tui.domain.index_metadata import metadata_problem
from tui.services.doctor_checks import Check, Record, db_errors, read_only
from tui.text import local_minute

SHOWN = 5


@dataclass(frozen=True)
class Unindexable:
    id: str
    mode: str
    created_at: datetime
    problem: str


def find_unindexable(record: Record) -> list[Unindexable]:
    """The alive entries of a readable record whose metadata the index cannot take, oldest first;
    also counted per mode in ``record.skipped`` (their absence from Chroma is no mismatch)."""
    if not record.readable:
        return []
    found: list[Unindexable] = []
    try:
        with read_only(record.path, record.key) as db:
            rows = db.execute("SELECT id, mode, created_at, reply, metadata FROM entry WHERE deleted_at IS NULL "
                              "ORDER BY created_at, id")
            for memory_id, mode, created_at, reply, raw in rows:
                problem = _problem(raw, mode, reply)
                if problem is not None:
                    found.append(Unindexable(memory_id, mode, datetime.fromisoformat(created_at), problem))
    except (*db_errors(record.key), ValueError):
        return []  # the record's own check says what is wrong with the file
    for entry in found:
        if entry.id not in record.waiting_ids:
            record.skipped[entry.mode] = record.skipped.get(entry.mode, 0) + 1
    return found


def _problem(raw: str | None, mode: str, reply: str) -> str | None:
    try:
        metadata = json.loads(raw or "{}")
    except ValueError:
        return "its metadata is not JSON"
    if not isinstance(metadata, dict):
        return "its metadata is not an object"
    return metadata_problem({**metadata, "mode": mode, "reply": reply})


def check_unindexable(found: list[Unindexable]) -> Check | None:
    if not found:
        return None
    count = len(found)
    named = "; ".join(f"{entry.mode} {local_minute(entry.created_at)} (id {entry.id}): {entry.problem}"
                      for entry in found[:SHOWN])
    more = f"; and {count - SHOWN} more" if count > SHOWN else ""
    return Check(False, f"{count} {'entry' if count == 1 else 'entries'} the index cannot take, kept in entries.db "
                 f"and recalled as usual but with no copy in the index: {named}{more}",
                 "to give one its copy: `mindpane export` it, correct its metadata in the file, forget the entry "
                 "in mindpane, then `mindpane import` the corrected file")
