"""Recall with the real bundled embedder ranks the memory that matters first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry

JOURNAL_CORPUS = [
    "Had a long argument with my brother about money; I felt unheard and tired afterwards.",
    "Went for a morning run by the river, the fog was lifting and I felt clear-headed.",
    "Started reading a novel about a lighthouse keeper; I love slow books like this.",
    "My manager praised the release today and I finally felt my work was seen.",
    "Could not sleep again, kept worrying about the move to the new flat next month.",
    "Cooked my grandmother's lentil soup and called mum, we laughed a lot.",
    "Dentist appointment, nothing wrong, but I was nervous the whole morning.",
    "Spent the afternoon painting with watercolours; the sky came out muddy.",
]

CODE_CORPUS = [
    "How do I read a large CSV file lazily without loading it all into memory?",
    "What is the difference between a dataclass and a NamedTuple?",
    "How can I run blocking I/O from asyncio without freezing the event loop?",
    "Why does my mutable default argument keep its value between calls?",
    "How do I write a pytest fixture that creates a temporary directory?",
    "Best way to parse ISO 8601 dates with time zones?",
]

QUERIES = [
    (JOURNAL, "I'm anxious about packing boxes and moving house", "move to the new flat"),
    (JOURNAL, "jogging along the water before work", "morning run by the river"),
    (JOURNAL, "family recipes and phone calls with my mother", "lentil soup"),
    (CODE, "stream rows from a huge csv file", "large CSV file lazily"),
    (CODE, "call a slow synchronous function inside async code", "blocking I/O from asyncio"),
    (CODE, "def f(items=[]) remembers old items", "mutable default argument"),
]


@pytest.fixture
def seeded(store, clock):
    start = clock.now - timedelta(days=90)
    for mode, corpus in ((JOURNAL, JOURNAL_CORPUS), (CODE, CODE_CORPUS)):
        store.import_entries(
            mode, [ImportedEntry(text, start + timedelta(days=n)) for n, text in enumerate(corpus)])
    return store


@pytest.mark.parametrize(("mode", "query", "expected"), QUERIES, ids=[q for _, q, _ in QUERIES])
def test_the_relevant_memory_is_recalled_first(seeded, mode, query, expected):
    recalled = seeded.recall(query, mode, k=mode.recall_size, min_score=mode.min_relevance)
    assert recalled, "nothing passed the mode's minimum relevance"
    assert expected in recalled[0].record.text
    assert [r.score for r in recalled] == sorted((r.score for r in recalled), reverse=True)


def test_an_unrelated_query_recalls_little_or_nothing(seeded):
    recalled = seeded.recall("quantum chromodynamics lattice gauge theory", JOURNAL,
                             k=JOURNAL.recall_size, min_score=JOURNAL.min_relevance)
    assert len(recalled) <= 1


def test_a_lone_entry_among_hundreds_of_near_identical_ones_is_still_recalled(store, clock):
    """Chroma's approximate HNSW index can lose an outlier among near-duplicates (found in the
    history pane's filter); recall must be exact."""
    start = clock.now - timedelta(days=400)
    entries = [ImportedEntry(f"day {n:04d}: notes about the garden", start + timedelta(days=n)) for n in range(300)]
    entries.insert(200, ImportedEntry("We adopted a small grey kitten today and named her Miso", start))
    store.import_entries(JOURNAL, entries)

    recalled = store.recall("pet cat", JOURNAL, k=5)

    assert recalled[0].record.text == "We adopted a small grey kitten today and named her Miso"
