"""Hybrid ranking: meaning (cosine over the embedder's vectors) and words (BM25, with the sitting's
context) fused by a weighted sum of max-normalised scores, a soft boost for entries inside the
window a question names, and a prior against short chit-chat.

Why this and not one signal: on LoCoMo's long conversations cosine alone finds the answer among
the top 5 for 43 % of the questions, BM25 alone for 56 %, and each fails where the other holds (a
name and a rare word vs. a paraphrase). Reciprocal-rank fusion threw the scores away and lost to
BM25 alone; a weighted sum of normalised scores keeps how sure each side is. The weights below
were chosen on the bench's dev split and first-person sets together (README, "Recall").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tui.recall.lexical import LexicalScores


@dataclass(frozen=True)
class Weights:
    """The fusion's settings; the defaults are the measured ones."""

    words: float = 0.5
    meaning: float = 0.5
    context: float = 0.4
    """A sitting neighbour's BM25 counts this much towards an entry's."""
    sitting_gap_minutes: float = 30.0
    window: float = 1.0
    """Added to an entry inside the question's window (1 is a perfect match on both sides): its
    entries come first, in relevance order, and the closest others follow. 0.3 to 1.0 measured
    the same on the bench (within a question); 1.0 does what a person asking about a day expects."""
    window_slack_days: float = 1.0
    """The window reaches this far past its end: an entry is written after what it tells."""
    nearby_days: float = 7.0
    """An entry this close to the window passes the relevance floor: a window that holds nothing
    still gives the entries around it, never an empty prompt."""
    short_terms: int = 4
    """Entries with fewer search terms than this lose ``short_penalty`` (chit-chat lines)."""
    short_penalty: float = 0.1
    candidates: int = 100
    normalise: str = "ideal"
    """How words' scores are scaled: by the best of this question ("max"), or by what a full
    match would score ("ideal"), so one shared common word is not worth a full match."""
    """How many of each side's best, and of the window's, are fused."""


DEFAULT = Weights()


@dataclass(frozen=True)
class Window:
    """[since, until) of the question's window; either end may be open. Its slack (entries written
    just after it) stops at ``today``: what was written on the day of the question is about that day."""

    since: datetime | None
    until: datetime | None
    today: datetime | None = None

    def end(self, weights: Weights = DEFAULT, slack: bool = True) -> float | None:
        """Where the window ends, as a timestamp, with its slack or without."""
        if self.until is None:
            return None
        end = self.until.timestamp() + (weights.window_slack_days * 86400 if slack else 0.0)
        return min(end, max(self.today.timestamp(), self.until.timestamp())) if self.today is not None else end

    def holds(self, moment: datetime, weights: Weights = DEFAULT, slack: bool = True) -> bool:
        """``moment`` is inside the window, or (``slack``) within its slack after the end."""
        if self.since is not None and moment < self.since:
            return False
        end = self.end(weights, slack)
        return end is None or moment.timestamp() < end


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    """How well it matches, 0–1 (1: the best on both meaning and words); the window's boost orders
    but is not counted here (the reason says it)."""
    in_window: bool = False


@dataclass(frozen=True)
class DenseScores:
    """Cosine similarity of every vector row to the question, and which id each row holds."""

    ids: list[str]
    scores: np.ndarray
    rows: dict[str, int]


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Row numbers of the ``count`` highest scores (any order)."""
    count = min(count, len(scores))
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-scores, count - 1)[:count]


def rank(dense: DenseScores, words: LexicalScores, k: int, window: Window | None = None,
         weights: Weights = DEFAULT, allowed: set[str] | None = None, floor: float = 0.0) -> list[Ranked]:
    """The ``k`` best entries, best first. ``allowed`` limits them to those ids (None: all).
    ``floor``: an entry that shares no word with the question and is not within
    ``nearby_days`` of its window needs this much cosine similarity (the relevance floor: meaning
    alone below it is noise)."""
    if k <= 0 or not len(dense.ids):
        return []
    lexical = words.with_context(weights.context, weights.sitting_gap_minutes * 60)
    lexical_top = float(lexical.max()) if len(lexical) else 0.0
    if weights.normalise == "ideal" and lexical_top > 0:
        lexical_top = max(words.ideal, 1e-9)
    dense_top = float(dense.scores.max())
    in_window = _window_mask(words, window, weights)
    nearby = _window_mask(words, window, weights, widen=weights.nearby_days)

    chosen: dict[str, None] = {}
    for row in _top(dense.scores, weights.candidates):
        chosen[dense.ids[row]] = None
    if lexical_top > 0:
        for row in _top(lexical, weights.candidates):
            if lexical[row] > 0 and words.alive[row]:
                chosen[words.ids[row]] = None
    if nearby is not None and nearby.any():  # the window's entries, else the nearest ones around it
        inside = np.flatnonzero(in_window if in_window is not None and in_window.any() else nearby)
        dense_rows = [dense.rows.get(words.ids[row]) for row in inside]
        meaning = np.asarray([dense.scores[row] if row is not None else -1.0 for row in dense_rows])
        for place in _top(meaning + lexical[inside], weights.candidates):
            chosen[words.ids[inside[place]]] = None
    if allowed is not None:
        chosen = {memory_id: None for memory_id in chosen if memory_id in allowed}

    ranked: list[tuple[float, Ranked]] = []
    for memory_id in chosen:
        dense_row = dense.rows.get(memory_id)
        word_row = words.rows.get(memory_id)
        if dense_row is None:
            continue
        similarity = float(dense.scores[dense_row])
        meaning = max(0.0, similarity) / dense_top if dense_top > 0 else 0.0
        said = min(1.0, float(lexical[word_row]) / lexical_top) if word_row is not None and lexical_top > 0 else 0.0
        inside = bool(in_window is not None and word_row is not None and in_window[word_row])
        shares_a_word = word_row is not None and words.raw[word_row] > 0
        close_in_time = bool(nearby is not None and word_row is not None and nearby[word_row])
        if similarity < floor and not shares_a_word and not close_in_time:
            continue
        score = weights.meaning * meaning + weights.words * said
        if word_row is not None and words.length[word_row] < weights.short_terms:
            score -= weights.short_penalty
        shown = max(0.0, min(1.0, score))
        if inside:
            score += weights.window
        ranked.append((score, Ranked(memory_id, shown, inside)))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in ranked[:k]]


def _window_mask(words: LexicalScores, window: Window | None, weights: Weights,
                 widen: float = 0.0) -> np.ndarray | None:
    """Rows inside the window (with its slack), or within ``widen`` days of it on either side."""
    if window is None or (window.since is None and window.until is None):
        return None
    mask = words.alive.copy()
    if window.since is not None:
        mask &= words.at >= window.since.timestamp() - widen * 86400
    if widen:
        end = window.until.timestamp() + widen * 86400 if window.until is not None else None
    else:
        end = window.end(weights)
    if end is not None:
        mask &= words.at < end
    return mask

