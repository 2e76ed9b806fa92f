"""Recall's in-memory tables of each mode: exact vectors and words, loaded from the record.

The record keeps every entry's vector (under the embedder's name), so a mode's tables are built
from it alone on first use and then kept in step by the index that owns them. Recall scores all
of a mode's entries against a query here (``exact_vectors``, ``tui.recall.lexical``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from tui.adapters.exact_vectors import ExactVectors, vector_bytes
from tui.adapters.freed_memory import release_freed_memory
from tui.adapters.recent_vectors import RecentVectors
from tui.domain.records import MemoryRecord
from tui.ports import Embedder, Record
from tui.recall import hybrid
from tui.recall.lexical import Doc, LexicalIndex, LexicalScores
from tui.recall.words import query_terms

LOAD_BATCH = 5000

FindVectors = Callable[[str, Sequence[str]], dict[str, Sequence[float]]]
"""Where vectors the record lacks may still be found (mode, ids → the ones found), before embedding."""


def _docs(records: Sequence[MemoryRecord]) -> list[Doc]:
    """What the words table keeps of each record."""
    return [Doc(record.id, record.text, record.created_at) for record in records]


class RecallTables:
    """Each mode's vectors and words, loaded on first use; ``keep`` and ``forget`` keep them (and
    the record's vectors) in step with the entries."""

    def __init__(self, embedder: Embedder, record: Record, find_vectors: FindVectors | None = None) -> None:
        self.embedder = RecentVectors(embedder)  # a turn's recall and its store embed the entry once
        self._record = record
        self._find_vectors = find_vectors
        self._vectors: dict[str, ExactVectors] = {}
        self._words: dict[str, LexicalIndex] = {}
        self._lock = threading.Lock()

    def vectors_for(self, mode_name: str) -> ExactVectors:
        """The mode's exact vector table. Entries the record has no vector for (stored before it
        kept them) get theirs from ``find_vectors``, or are embedded again, and the record keeps
        them from then on."""
        with self._lock:
            if mode_name not in self._vectors:
                self._fill_missing(mode_name)
                table = ExactVectors(self.embedder.dimension)
                rows = self._record.vectors(self.embedder.name, mode_name)
                table.add_bytes([memory_id for memory_id, _ in rows], [data for _, data in rows])
                self._vectors[mode_name] = table
                del rows
                release_freed_memory()  # the rows read (and any filled in) were freed, not returned
            return self._vectors[mode_name]

    def words_for(self, mode_name: str) -> LexicalIndex:
        """The mode's words table (recall's BM25 side)."""
        with self._lock:
            if mode_name not in self._words:
                table = LexicalIndex()
                for batch in self._record.alive(mode_name, LOAD_BATCH):
                    table.add(_docs(batch))
                self._words[mode_name] = table
            return self._words[mode_name]

    def _fill_missing(self, mode_name: str) -> None:
        missing = self._record.without_vector(self.embedder.name, mode_name)
        for start in range(0, len(missing), LOAD_BATCH):
            chunk = missing[start:start + LOAD_BATCH]
            found = dict(self._find_vectors(mode_name, chunk)) if self._find_vectors else {}
            absent = self._record.fetch([memory_id for memory_id in chunk if memory_id not in found])
            if absent:
                ids = list(absent)
                found.update(zip(ids, self.embedder.embed([absent[i].text for i in ids]), strict=True))
            self._record.put_vectors(self.embedder.name, list(zip(found, vector_bytes(list(found.values())),
                                                                  strict=True)))

    def keep(self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]]) -> None:
        """Records of one mode, new or changed: the record keeps their vectors, the mode's loaded
        tables take them."""
        if not records:
            return
        mode_name, ids = records[0].mode, [record.id for record in records]
        self._record.put_vectors(self.embedder.name, list(zip(ids, vector_bytes(vectors), strict=True)))
        if mode_name in self._vectors:
            self._vectors[mode_name].add(ids, vectors)
        if mode_name in self._words:
            self._words[mode_name].add(_docs(records))

    def forget(self, record: MemoryRecord) -> None:
        """The tables let go of ``record`` (deleted or forgotten)."""
        for tables in (self._vectors, self._words):
            if record.mode in tables:
                tables[record.mode].remove(record.id)

    def drop(self, mode_name: str) -> None:
        """Load the mode again on next use (its index was rebuilt)."""
        self._vectors.pop(mode_name, None)
        self._words.pop(mode_name, None)

    def loaded(self, mode_name: str) -> ExactVectors | None:
        return self._vectors.get(mode_name)

    def candidates(self, query: str, mode_name: str) -> tuple[hybrid.DenseScores, LexicalScores]:
        """Every entry of the mode scored against ``query``, by meaning and by words."""
        ids, rows, similarities = self.vectors_for(mode_name).similarities(self.embedder.embed([query])[0])
        words = self.words_for(mode_name).scores(query_terms(query))
        return hybrid.DenseScores(ids, similarities, rows), words

    def prepare(self, mode_name: str) -> None:
        """Load the mode's vectors and words (about 2 s at 50k entries) before the first recall needs them."""
        self.vectors_for(mode_name)
        self.words_for(mode_name)
