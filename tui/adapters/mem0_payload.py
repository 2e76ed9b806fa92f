"""How entries look inside Chroma as mem0 writes them, and how they become ``MemoryRecord``s.

mem0 keeps the text in a ``data`` key beside its own bookkeeping (hash, lemmas, ids); mindpane
adds ``mode``, ``reply`` and per-turn metadata such as ``model``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from tui.domain.index_metadata import metadata_problem
from tui.domain.records import MemoryRecord

_INTERNAL_KEYS = {"data", "hash", "text_lemmatized", "user_id", "agent_id", "run_id", "role", "actor_id"}
_RECORD_FIELDS = {"created_at", "updated_at", "reply"}
COLLECTION_PREFIX = "mindpane"


def collection_name(embedder_name: str, mode_name: str) -> str:
    """A valid Chroma name (3–512 of ``[A-Za-z0-9._-]``) that no other embedder or mode shares."""
    raw = f"{COLLECTION_PREFIX}-{embedder_name}-{mode_name}"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", raw).strip("._-")
    if safe != raw:
        safe = f"{safe[:48]}-{hashlib.sha1(raw.encode()).hexdigest()[:8]}"
    return safe


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def record_from_payload(memory_id: str, payload: dict) -> MemoryRecord:
    created = parse_time(payload.get("created_at"))
    return MemoryRecord(
        id=memory_id,
        text=str(payload.get("data", "")),
        mode=str(payload.get("mode", "")),
        created_at=created,
        updated_at=parse_time(payload.get("updated_at") or created),
        reply=str(payload.get("reply", "")),
        metadata={k: v for k, v in payload.items() if k not in _INTERNAL_KEYS | _RECORD_FIELDS},
    )


def entry_payload(text: str, created_at: str, user_id: str, lemmas: str, metadata: dict) -> dict:
    """The payload mem0's ``add(infer=False)`` would store for ``text`` (used for bulk imports)."""
    return {
        **metadata, "data": text, "hash": hashlib.md5(text.encode()).hexdigest(),
        "created_at": created_at, "updated_at": created_at, "user_id": user_id,
        "role": "user", "text_lemmatized": lemmas,
    }


def payload_problem(record: MemoryRecord) -> str | None:
    """Why Chroma cannot take ``record``'s payload (its metadata, ``tui.domain.index_metadata``), or None.
    The rest of the payload is text the record already holds as valid UTF-8."""
    return metadata_problem({**record.metadata, "mode": record.mode, "reply": record.reply})
