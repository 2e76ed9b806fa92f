"""Exact nearest neighbours over one mode's vectors, in memory.

Chroma's HNSW index is approximate, and it can lose an entry for good: among hundreds of
near-identical entries ("day 12: notes about the garden"), a lone different one gets no inbound
links and is never returned, whatever ``ef_search``. People must be able to trust recall, and a
brute-force dot product is cheap at journal scale (0.2 ms for 5k vectors of 384 floats; 1.5 MiB
per thousand entries), so recall searches here and uses Chroma only as the source of truth.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence

# One BLAS thread: a search is one matrix-vector product (0.4 ms at 5k, 3.5 ms at 50k vectors), and
# a second BLAS thread fought the embedder's threads for the two cores, doubling recall (10 → 4 ms).
# Read by OpenBLAS when numpy loads, so it is set before the import (a no-op if numpy came first).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np


def vector_bytes(vectors: Sequence[Sequence[float]]) -> list[bytes]:
    """How the record keeps vectors: float32, native order (the same machine reads them back)."""
    return [row.tobytes() for row in np.asarray(vectors, dtype=np.float32)]


ROOM_FOR = 256
"""Rows kept free past the last one: a session's new entries go in without copying the table
(each copy of a 5k-row table held the GIL, and with it the event loop, for milliseconds)."""


class ExactVectors:
    """Thread-safe id → unit vector table with cosine top-k search.

    Rows live in a buffer with room to spare (:data:`ROOM_FOR`, then half as much again when
    full); pages not written yet cost no memory."""

    def __init__(self, dimension: int) -> None:
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._buffer = np.empty((0, dimension), dtype=np.float32)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)

    @property
    def _matrix(self) -> np.ndarray:
        return self._buffer[:len(self._ids)]

    def add(self, ids: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        if not len(ids):
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)  # one conversion, not one a row
        with self._lock:
            self._make_room(len(ids))
            start = len(self._ids)
            if self._rows.keys().isdisjoint(ids) and len(set(ids)) == len(ids):  # all new: one block copy
                self._buffer[start:start + len(ids)] = vectors
                self._rows.update(zip(ids, range(start, start + len(ids)), strict=True))
                self._ids.extend(ids)
                return
            for memory_id, vector in zip(ids, vectors, strict=True):
                row = self._rows.get(memory_id)
                if row is None:
                    row = self._rows[memory_id] = len(self._ids)
                    self._ids.append(memory_id)
                self._buffer[row] = vector

    def _make_room(self, more: int) -> None:
        needed = len(self._ids) + more
        if needed > len(self._buffer):
            grown = np.empty((max(needed + ROOM_FOR, len(self._buffer) * 3 // 2), self._buffer.shape[1]),
                             dtype=np.float32)
            grown[:len(self._ids)] = self._matrix
            self._buffer = grown

    def add_bytes(self, ids: Sequence[str], blobs: Sequence[bytes]) -> None:
        """Add vectors kept as ``vector_bytes`` (loading a mode's table from the record)."""
        if ids:
            self.add(ids, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1))

    def remove(self, memory_id: str) -> None:
        with self._lock:
            row = self._rows.pop(memory_id, None)
            if row is None:
                return
            last = len(self._ids) - 1
            if row != last:  # move the last row into the hole
                self._buffer[row] = self._buffer[last]
                self._ids[row] = self._ids[last]
                self._rows[self._ids[row]] = row
            self._ids.pop()

    def search(self, vector: Sequence[float], k: int,
               among: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` most similar ids, best first, with their cosine similarity; with ``among``,
        only those ids are scored (a date window: a few rows, not the whole table)."""
        with self._lock:
            if k <= 0 or not self._ids:
                return []
            query = np.asarray(vector, dtype=np.float32)
            if among is None:
                rows = None
                scores = self._matrix @ query
            else:
                rows = np.fromiter((row for row in map(self._rows.get, among) if row is not None), dtype=np.intp)
                if not len(rows):
                    return []
                scores = self._matrix[rows] @ query
            k = min(k, len(scores))
            top = np.argpartition(-scores, k - 1)[:k]
            best = top[np.argsort(-scores[top], kind="stable")]
            ids = best if rows is None else rows[best]
            return [(self._ids[row], float(score)) for row, score in zip(ids, scores[best], strict=True)]

    def similarities(self, vector: Sequence[float]) -> tuple[list[str], dict[str, int], np.ndarray]:
        """Every row's cosine similarity to ``vector``: the ids by row, the row of each id, the
        scores (a copy of the table's bookkeeping, so later writes do not move it)."""
        with self._lock:
            scores = self._matrix @ np.asarray(vector, dtype=np.float32) if self._ids else np.zeros(0, np.float32)
            return list(self._ids), dict(self._rows), scores
