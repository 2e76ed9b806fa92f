"""The exact vector table behind recall: top-k, replacement and removal stay consistent."""

from __future__ import annotations

import numpy as np
import pytest

from tui.adapters.exact_vectors import ExactVectors


def unit(*values: float) -> list[float]:
    vector = np.asarray(values, dtype=np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def test_search_returns_the_closest_ids_best_first():
    table = ExactVectors(2)
    table.add(["east", "north", "north-east"], [unit(1, 0), unit(0, 1), unit(1, 1)])

    found = table.search(unit(1, 0.1), k=2)

    assert [memory_id for memory_id, _ in found] == ["east", "north-east"]
    assert found[0][1] > found[1][1]


def test_adding_an_existing_id_replaces_its_vector():
    table = ExactVectors(2)
    table.add(["a", "b"], [unit(1, 0), unit(0, 1)])
    table.add(["a"], [unit(0, 1)])

    assert len(table) == 2
    assert table.search(unit(0, 1), k=2)[0][1] > 0.99
    assert {memory_id for memory_id, score in table.search(unit(1, 0), k=2) if score > 0.5} == set()


def test_removal_keeps_every_other_id_findable():
    table = ExactVectors(2)
    angles = np.linspace(0, np.pi / 2, 10)
    ids = [f"m{n}" for n in range(10)]
    table.add(ids, [unit(np.cos(a), np.sin(a)) for a in angles])

    table.remove("m3")
    table.remove("m0")
    table.remove("missing")

    assert len(table) == 8
    for memory_id, angle in zip(ids, angles, strict=True):
        if memory_id in ("m0", "m3"):
            continue
        assert table.search(unit(np.cos(angle), np.sin(angle)), k=1)[0][0] == memory_id


def test_k_larger_than_the_table_and_an_empty_table():
    table = ExactVectors(2)
    assert table.search(unit(1, 0), k=5) == []
    table.add(["only"], [unit(1, 0)])
    assert [memory_id for memory_id, _ in table.search(unit(0, 1), k=5)] == ["only"]


def test_search_among_some_ids_scores_only_those():
    table = ExactVectors(2)
    table.add(["east", "north", "north-east", "west"], [unit(1, 0), unit(0, 1), unit(1, 1), unit(-1, 0)])

    found = table.search(unit(1, 0), k=5, among=["west", "north", "gone"])

    assert [memory_id for memory_id, _ in found] == ["north", "west"]
    assert table.search(unit(1, 0), k=5, among=[]) == []


def test_entries_added_one_by_one_to_a_large_table_do_not_copy_it_and_are_found():
    """Each copy of a 5k-row table held the GIL (and the event loop) for milliseconds, once per turn."""
    rng = np.random.default_rng(7)
    table = ExactVectors(8)
    loaded = rng.normal(size=(5000, 8)).astype(np.float32)
    table.add([f"old-{n}" for n in range(5000)], loaded / np.linalg.norm(loaded, axis=1, keepdims=True))
    buffer = table._buffer

    for n in range(100):
        vector = rng.normal(size=8).astype(np.float32)
        vector /= np.linalg.norm(vector)
        table.add([f"new-{n}"], [vector])
        assert table.search(vector, 1) == [(f"new-{n}", pytest.approx(1.0, abs=1e-5))]
    assert table._buffer is buffer
    table.remove("new-0")
    table.remove("old-0")
    assert len(table) == 5098
    assert "new-0" not in {memory_id for memory_id, _ in table.search(vector, 5098)}
