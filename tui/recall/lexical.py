"""The words side of recall: BM25 over one mode's entries, in memory.

Meaning alone misses what a question names: "What did Caroline research?" is close in meaning to
every line that mentions Caroline, and a short chit-chat line ("Caroline: Cool!") often wins. BM25
ranks by the rare words a question shares with an entry. Its saturation ``k1`` and length
normalisation ``b`` are set for short, conversational entries (see README, "How recall finds things").

An entry is also found through the entries written in the same sitting: a journal's evening of
entries, or a chat's neighbouring turns, share a subject that each line names only in part. A
neighbour's score counts at a lower weight (``LexicalScores.with_context``).

Layout: the entries loaded together sit in one compressed table (term → rows and counts); entries
added later (a session's turns) go into a small table beside it that is folded in when it grows.
A removed entry's row is only marked dead, so rows never move under a search.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tui.recall.words import terms as entry_terms

K1 = 0.9
B = 0.2
UNKNOWN = 0.25
SMALL_CHUNK = 4096
FOLD_AT = 20_000
"""Postings added since the last fold beyond this many (or a quarter of the table) are folded in."""


@dataclass(frozen=True)
class Doc:
    """What the words side needs of an entry."""

    id: str
    text: str
    created_at: datetime


def _empty(dtype: type) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


class LexicalIndex:
    """Thread-safe BM25 over entries; rows are appended, never moved.

    Postings live in one table sorted by term id (``_starts`` cuts it per term) plus the chunks
    added since it was last folded, which a search scans whole (they are small)."""

    def __init__(self, k1: float = K1, b: float = B) -> None:
        self.k1, self.b = k1, b
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._vocabulary: dict[str, int] = {}
        self._length = _empty(np.float32)
        self._alive = _empty(bool)
        self._at = _empty(np.float64)
        self._starts = np.zeros(1, dtype=np.int64)
        self._table_rows = _empty(np.int64)
        self._table_counts = _empty(np.float32)
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._chunked = 0
        self._doc_freq = _empty(np.int64)
        self._terms_of: list[np.ndarray] = []
        self._order: np.ndarray | None = None

    def __len__(self) -> int:
        with self._lock:
            return int(self._alive.sum())

    def __contains__(self, memory_id: str) -> bool:
        with self._lock:
            return memory_id in self._rows

    def add(self, docs: Sequence[Doc]) -> None:
        """Index ``docs``; an id already indexed is indexed again with its new text."""
        if not docs:
            return
        counted = [Counter(entry_terms(doc.text)) for doc in docs]
        with self._lock:
            for doc in docs:
                self._forget_row(doc.id)
            start = len(self._ids)
            term_ids: list[int] = []
            rows: list[int] = []
            counts: list[int] = []
            lengths: list[int] = []
            vocabulary = self._vocabulary
            for offset, (doc, found) in enumerate(zip(docs, counted, strict=True)):
                row = start + offset
                self._ids.append(doc.id)
                self._rows[doc.id] = row
                ids = [vocabulary.setdefault(term, len(vocabulary)) for term in found]
                self._terms_of.append(np.asarray(ids, dtype=np.int64))
                term_ids.extend(ids)
                rows.extend([row] * len(ids))
                counts.extend(found.values())
                lengths.append(sum(found.values()))
            chunk = (np.asarray(term_ids, dtype=np.int64), np.asarray(rows, dtype=np.int64),
                     np.asarray(counts, dtype=np.float32))
            self._length = np.concatenate([self._length, np.asarray(lengths, dtype=np.float32)])
            self._alive = np.concatenate([self._alive, np.ones(len(docs), dtype=bool)])
            self._at = np.concatenate([self._at, np.asarray([doc.created_at.timestamp() for doc in docs])])
            if len(vocabulary) > len(self._doc_freq):
                grown = np.zeros(len(vocabulary) - len(self._doc_freq), dtype=np.int64)
                self._doc_freq = np.concatenate([self._doc_freq, grown])
            np.add.at(self._doc_freq, chunk[0], 1)
            if self._chunks and len(self._chunks[-1][0]) < SMALL_CHUNK:  # a session's turns: one chunk, not one each
                last = self._chunks.pop()
                chunk = tuple(np.concatenate([old, new]) for old, new in zip(last, chunk, strict=True))
            self._chunks.append(chunk)
            self._chunked += len(term_ids)
            self._order = None
            if self._chunked > max(FOLD_AT, len(self._table_rows) // 4):
                self._fold()

    def remove(self, memory_id: str) -> None:
        with self._lock:
            self._forget_row(memory_id)

    def _forget_row(self, memory_id: str) -> None:
        row = self._rows.pop(memory_id, None)
        if row is None:
            return
        self._alive[row] = False
        np.subtract.at(self._doc_freq, self._terms_of[row], 1)
        self._terms_of[row] = _empty(np.int64)

    def _fold(self) -> None:
        """The chunks into the sorted table, dead rows left out."""
        spans = np.diff(self._starts)
        terms = np.concatenate([np.repeat(np.arange(len(spans), dtype=np.int64), spans),
                                *(chunk[0] for chunk in self._chunks)])
        rows = np.concatenate([self._table_rows, *(chunk[1] for chunk in self._chunks)])
        counts = np.concatenate([self._table_counts, *(chunk[2] for chunk in self._chunks)])
        keep = self._alive[rows]
        terms, rows, counts = terms[keep], rows[keep], counts[keep]
        order = np.argsort(terms, kind="stable")
        self._table_rows, self._table_counts = rows[order], counts[order]
        self._starts = np.searchsorted(terms[order], np.arange(len(self._vocabulary) + 1), side="left")
        self._chunks, self._chunked = [], 0

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        rows = [self._table_rows[self._starts[term]:self._starts[term + 1]]] if term + 1 < len(self._starts) else []
        counts = [self._table_counts[self._starts[term]:self._starts[term + 1]]] if rows else []
        for chunk_terms, chunk_rows, chunk_counts in self._chunks:
            hit = chunk_terms == term
            rows.append(chunk_rows[hit])
            counts.append(chunk_counts[hit])
        if not rows:
            return _empty(np.int64), _empty(np.float32)
        return np.concatenate(rows), np.concatenate(counts)

    def scores(self, query: Sequence[str]) -> LexicalScores:
        """BM25 of every row for the query's terms (a repeated term counts once); 0 for no match."""
        with self._lock:
            scores = np.zeros(len(self._ids), dtype=np.float32)
            ideal = 0.0
            alive = len(self._rows)
            if alive:
                average = float(self._length[self._alive].mean()) or 1.0
                norm = self.k1 * (1.0 - self.b + self.b * self._length / average)
                for word in dict.fromkeys(query):
                    term = self._vocabulary.get(word)
                    frequency = int(self._doc_freq[term]) if term is not None else 0
                    idf = math.log(1.0 + (alive - frequency + 0.5) / (frequency + 0.5))
                    if frequency <= 0:  # a word no entry holds counts in the ideal as the rarest would
                        ideal += UNKNOWN * idf
                        continue
                    ideal += idf
                    rows, counts = self._postings(term)
                    living = self._alive[rows]
                    rows, counts = rows[living], counts[living]
                    scores[rows] += idf * counts * (self.k1 + 1.0) / (counts + norm[rows])
            if self._order is None:
                self._order = np.argsort(self._at, kind="stable")
            return LexicalScores(scores, self._ids, self._rows, self._at, self._order, self._length, self._alive,
                                 ideal)


@dataclass(frozen=True)
class LexicalScores:
    """One query's BM25 per row, and what ranking needs beside it (dates, lengths, time order)."""

    raw: np.ndarray
    ids: list[str]
    rows: dict[str, int]
    at: np.ndarray
    order: np.ndarray
    length: np.ndarray
    alive: np.ndarray
    ideal: float = 0.0
    """What an entry of average length holding each query term once would score: the sum of
    the terms' idf (a score over it holds the question's words, repeated or in a short entry)."""

    def with_context(self, weight: float, gap_seconds: float, reach: int = 2) -> np.ndarray:
        """Each row's score plus ``weight`` × the scores of up to ``reach`` entries on each side
        written in the same sitting (no gap longer than ``gap_seconds`` between them)."""
        if weight <= 0 or len(self.raw) < 2:
            return self.raw
        ordered = self.raw[self.order]
        times = self.at[self.order]
        together = np.diff(times) <= gap_seconds  # entry i and i+1 in one sitting
        context = np.zeros_like(ordered)
        linked = np.ones(len(ordered) - 1, dtype=bool)
        for step in range(1, reach + 1):
            linked = linked[:-1] & together[step - 1:] if step > 1 else together.copy()
            if not len(linked):
                break
            context[step:] += np.where(linked, ordered[:-step], 0.0)
            context[:-step] += np.where(linked, ordered[step:], 0.0)
        result = np.empty_like(ordered)
        result[self.order] = ordered + weight * context
        return result
