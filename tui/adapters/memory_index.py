"""An index held in memory only: recall's tables over the record, and each entry's story.

Everything it needs is rebuilt from the record (which keeps every entry's vector, and a change log
each entry's story is told from), so nothing of it is written anywhere but the vectors the record
already keeps: no Chroma, no mem0, no history file.
The store's tests that do not test Chroma itself run on it (fast, and held to the same contract as
``ChromaIndex`` by ``tests/store/test_index_contract.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from tui.adapters.logged_stories import stories_from_log
from tui.adapters.recall_tables import RecallTables
from tui.domain.records import HistoryEvent, MemoryRecord
from tui.ports import Embedder, Record
from tui.recall import hybrid
from tui.recall.lexical import LexicalScores


class MemoryIndex:
    """The ``Index`` in memory."""

    def __init__(self, embedder: Embedder, record: Record) -> None:
        self._record = record
        self._tables = RecallTables(embedder, record)
        self._stories: dict[str, list[HistoryEvent]] = stories_from_log(record.changes)
        """Each entry's story: from the change log at open, then told as it goes (``_tell``)."""
        self._lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path, embedder: Embedder, record: Record, user_id: str,
             ollama_host: str = "", index_later: bool = False) -> MemoryIndex:
        """``ChromaIndex.open``'s arguments, so that either can open a journal."""
        return cls(embedder, record)

    @property
    def embedder_name(self) -> str:
        return self._tables.embedder.name

    def _tell(self, memory_id: str, event: str, old: str | None, new: str | None, at: datetime) -> None:
        with self._lock:
            self._stories.setdefault(memory_id, []).append(HistoryEvent(event, old, new, at))

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._tables.embedder.embed(texts)

    def add(self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]] | None = None,
            history_event: str | None = "ADD", history_at: datetime | None = None) -> None:
        if not records:
            return
        vectors = vectors if vectors is not None else self.embed([record.text for record in records])
        self._tables.keep(records, vectors)
        if history_event is not None:
            for record in records:
                self._tell(record.id, history_event, None, record.text, history_at or record.created_at)

    def update_text(self, record: MemoryRecord) -> None:
        old = next((event.new_text for event in reversed(self.history(record.id)) if event.new_text), None)
        self._tables.keep([record], self.embed([record.text]))
        self._tell(record.id, "UPDATE", old, record.text, record.updated_at)

    def update_metadata(self, record: MemoryRecord, removed: set[str] = frozenset()) -> None:
        """Nothing to keep: the record holds the reply and the metadata."""

    def remove(self, record: MemoryRecord) -> None:
        self._tables.forget(record)
        self._tell(record.id, "DELETE", record.text, None, record.updated_at)

    def remove_many(self, records: Sequence[MemoryRecord], at: datetime) -> None:
        for record in records:
            self._tables.forget(record)
            self._tell(record.id, "DELETE", record.text, None, at)

    def candidates(self, query: str, mode_name: str) -> tuple[hybrid.DenseScores, LexicalScores]:
        return self._tables.candidates(query, mode_name)

    def prepare(self, mode_name: str) -> None:
        self._tables.prepare(mode_name)

    def mark_stale(self, ids: Sequence[str]) -> None:
        """Nothing outlives the process: the next open rebuilds every table from the record."""

    def will_follow(self, ids: Sequence[str]) -> None:
        """Nothing outlives the process (``mark_stale``)."""

    def followed(self, ids: Sequence[str]) -> None:
        """Nothing was kept (``will_follow``)."""

    def after_failure(self, exc: BaseException) -> None:
        """Nothing to reopen."""

    def heal(self) -> None:
        """The tables load from the record on first use: always in step."""

    def sync(self, mode_name: str, stale: set[str] = frozenset(),
             progress: Callable[[int, int], None] | None = None) -> int:
        self._tables.drop(mode_name)
        count = self._record.count(mode_name)
        if progress:
            progress(count, count)
        return count

    def erase(self, records: Sequence[MemoryRecord]) -> None:
        for record in records:
            self._tables.forget(record)
            with self._lock:
                self._stories.pop(record.id, None)

    def history(self, memory_id: str) -> list[HistoryEvent]:
        """The entry's story (from the change log, then this session's events); an entry never
        changed starts with its ADD."""
        with self._lock:
            told = list(self._stories.get(memory_id, []))
        if told and told[0].event == "ADD":
            return told
        record = self._record.get(memory_id, include_deleted=True)
        start = [HistoryEvent("ADD", None, record.text, record.created_at)] if record is not None else []
        return start + told

    def close(self) -> None:
        """Nothing to close: the record is the journal's."""
