"""A turn embeds its entry once: recall and store share the vector (remembered by digest only)."""

from __future__ import annotations

from tui.adapters.bundled_embedder import BundledEmbedder
from tui.adapters.recent_vectors import REMEMBERED, RecentVectors
from tui.domain.modes import JOURNAL
from tui.services.engine import open_journal


class Counting:
    name = "counting"
    dimension = 2

    def __init__(self, inner=None) -> None:
        self.inner = inner
        self.texts: list[str] = []
        if inner is not None:
            self.name, self.dimension = inner.name, inner.dimension

    def embed(self, texts):
        self.texts.extend(texts)
        if self.inner is not None:
            return self.inner.embed(texts)
        return [[float(len(text)), 1.0] for text in texts]


def test_a_text_embedded_alone_is_embedded_once_and_in_order_with_others():
    counting = Counting()
    recent = RecentVectors(counting)

    first = recent.embed(["Rain again."])
    again = recent.embed(["A walk.", "Rain again.", "A walk."])

    assert first == [[11.0, 1.0]]
    assert again == [[7.0, 1.0], [11.0, 1.0], [7.0, 1.0]]
    assert counting.texts == ["Rain again.", "A walk."]


def test_big_batches_are_not_remembered_and_old_texts_are_forgotten():
    counting = Counting()
    recent = RecentVectors(counting)
    recent.embed(["one", "two", "three"])
    recent.embed(["one"])
    assert counting.texts.count("one") == 2  # the batch of three was not remembered

    for n in range(REMEMBERED):
        recent.embed([f"text {n}"])
    recent.embed(["one"])
    assert counting.texts.count("one") == 3  # pushed out by newer texts


def test_no_text_is_kept_only_its_digest():
    recent = RecentVectors(Counting())
    recent.embed(["A private line about Sam."])
    assert all(isinstance(key, bytes) and b"Sam" not in key for key in recent._vectors)


def test_a_turn_recalls_and_stores_its_entry_with_one_embedding(data_dir, keep_umask):
    counting = Counting(BundledEmbedder())
    store = open_journal(data_dir, lambda: counting)
    try:
        store.add_entry(JOURNAL, "Watered the tomatoes before work.")
        counting.texts.clear()
        entry = "The tomatoes are finally turning red."

        store.recall(entry, JOURNAL, k=3)
        store.add_entry(JOURNAL, entry)

        assert counting.texts == [entry]
        recalled = {m.record.text for m in store.recall("tomato plants", JOURNAL, k=2)}
        assert recalled == {entry, "Watered the tomatoes before work."}  # the shared vector was stored
    finally:
        store.close()
