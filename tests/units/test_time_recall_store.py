"""Recall inside a date window: only the mode's alive entries written in [since, until) are
scored, best first, and a small window is given whole."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def window(day: int) -> dict[str, datetime]:
    return {"since": at(day, 0), "until": at(day + 1, 0)}


def seed(store) -> None:
    store.import_entries(JOURNAL, [
        ImportedEntry("Planted tulip bulbs in the garden.", at(10)),
        ImportedEntry("Swam in the cold lake with Ana.", at(17, 8)),
        ImportedEntry("Weeded the garden beds and raked leaves.", at(17, 19)),
        ImportedEntry("Painted the hallway a deep green.", at(19)),
    ])
    store.import_entries(CODE, [ImportedEntry("How do I garden-path parse in python?", at(17))])


def texts(recalled) -> list[str]:
    return [memory.record.text for memory in recalled]


def test_a_window_recalls_only_that_days_entries_most_similar_first(store):
    seed(store)

    recalled = store.recall("garden work", JOURNAL, 5, **window(17))

    assert texts(recalled) == ["Weeded the garden beds and raked leaves.", "Swam in the cold lake with Ana."]


def test_a_small_window_is_given_whole_even_below_the_minimum_relevance(store):
    seed(store)

    assert texts(store.recall("quarterly tax forms", JOURNAL, 5, 0.99, **window(19))) == [
        "Painted the hallway a deep green."]


def test_a_window_larger_than_k_keeps_the_minimum_relevance_and_k(store):
    seed(store)
    wide = {"since": at(1, 0), "until": at(30, 0)}

    best = texts(store.recall("garden", JOURNAL, 1, **wide))
    assert len(best) == 1 and "garden" in best[0]
    assert all("garden" in text for text in texts(store.recall("garden", JOURNAL, 3, 0.45, **wide)))


def test_an_empty_window_recalls_nothing_and_deleted_entries_stay_out(store):
    seed(store)
    assert store.recall("garden", JOURNAL, 5, **window(12)) == []

    painted = store.recall("hallway", JOURNAL, 5, **window(19))[0].record
    store.delete(painted.id)

    assert store.recall("hallway", JOURNAL, 5, **window(19)) == []


def test_an_open_window_counts_from_or_up_to_its_one_end(store):
    seed(store)

    assert set(texts(store.recall("anything", JOURNAL, 5, since=at(17, 12)))) == {
        "Weeded the garden beds and raked leaves.", "Painted the hallway a deep green."}
    assert texts(store.recall("anything", JOURNAL, 5, until=at(17, 0))) == ["Planted tulip bulbs in the garden."]
