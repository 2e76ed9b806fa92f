"""The memory store over mem0 + Chroma: what is stored, the wall between modes, paging, edits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.domain.errors import MemoryNotFound, StoreError, StoreLocked
from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.engine import open_store


def test_an_exchange_is_stored_as_the_persons_text_with_the_reply_and_mode(store, clock):
    record = store.add_entry(JOURNAL, "Walked by the river after work.", "That sounds calming.", {"model": "m:1"})

    again = store.record.get(record.id)
    assert again.text == "Walked by the river after work."
    assert again.reply == "That sounds calming."
    assert again.mode == "journal"
    assert again.metadata["model"] == "m:1"
    assert again.created_at == clock.now
    assert [event.event for event in store.history(record.id)] == ["ADD"]


def test_recall_never_crosses_the_wall_between_modes(store):
    store.add_entry(JOURNAL, "I feel anxious about the python conference talk tomorrow.")
    store.add_entry(CODE, "How do I write a python context manager?", "Use contextlib.contextmanager.")

    journal = store.recall("python", JOURNAL, k=5)
    code = store.recall("python", CODE, k=5)

    assert [r.record.mode for r in journal] == ["journal"]
    assert [r.record.mode for r in code] == ["code"]


def test_recall_scores_are_similarities_between_zero_and_one(store):
    store.add_entry(JOURNAL, "Baked sourdough bread with my sister this morning.")
    store.add_entry(JOURNAL, "The quarterly tax return is due next week.")

    recalled = store.recall("Baked sourdough bread with my sister this morning.", JOURNAL, k=5)

    assert recalled[0].score == pytest.approx(1.0, abs=0.01)
    assert all(0.0 <= r.score <= 1.0 for r in recalled)
    assert recalled[1].score < 0.5


def test_recall_honours_k_and_the_minimum_relevance(store):
    for n in range(8):
        store.add_entry(CODE, f"Question {n} about python list comprehensions and generators")
    store.add_entry(CODE, "Best pizza dough hydration?")

    assert len(store.recall("list comprehension", CODE, k=3)) == 3
    relevant = store.recall("list comprehension", CODE, k=20, min_score=0.4)
    assert relevant and all("comprehensions" in r.record.text for r in relevant)


def test_history_pages_newest_first(store, clock):
    texts = []
    for n in range(12):
        clock.advance(hours=1)
        texts.append(f"journal entry {n}")
        store.add_entry(JOURNAL, texts[-1])
    store.add_entry(CODE, "a code question in between")

    first = store.record.page("journal", offset=0, limit=5)
    second = store.record.page("journal", offset=5, limit=5)
    last = store.record.page("journal", offset=10, limit=5)

    assert [r.text for r in first.records] == texts[::-1][:5]
    assert [r.text for r in second.records] == texts[::-1][5:10]
    assert [r.text for r in last.records] == texts[::-1][10:]
    assert first.total == 12 and first.has_more and not last.has_more
    assert store.record.count("code") == 1


def test_bulk_import_pages_and_recalls_like_added_entries(store, clock):
    base = clock.now - timedelta(days=1000)
    entries = [ImportedEntry(f"day {n}: notes about topic {n % 7}", base + timedelta(days=n)) for n in range(1000)]

    assert store.import_entries(JOURNAL, entries) == 1000

    page = store.record.page("journal", offset=0, limit=100)
    assert page.total == 1000
    assert page.records[0].text.startswith("day 999:")
    assert store.record.page("journal", offset=999, limit=100).records[0].text.startswith("day 0:")
    assert [e.event for e in store.history(page.records[0].id)] == ["ADD"]
    assert store.recall("notes about topic 3", JOURNAL, k=1)[0].record.text.endswith("topic 3")


def test_editing_an_entry_changes_recall_and_is_kept_in_its_history(store):
    record = store.add_entry(JOURNAL, "Planted tomatoes in the garden.")

    store.update_text(record.id, "Adopted a grey kitten named Pixel.")

    assert store.record.get(record.id).text == "Adopted a grey kitten named Pixel."
    assert store.recall("my new cat", JOURNAL, k=1)[0].record.id == record.id
    update = store.history(record.id)[-1]
    assert (update.event, update.old_text, update.new_text) == (
        "UPDATE", "Planted tomatoes in the garden.", "Adopted a grey kitten named Pixel.")


def test_deleting_an_entry_removes_it_from_recall_and_paging_but_not_its_history(store):
    keep = store.add_entry(JOURNAL, "Long run along the coast.")
    gone = store.add_entry(JOURNAL, "Long swim in the lake.")

    store.delete(gone.id)

    assert store.record.get(gone.id) is None
    assert [r.id for r in store.record.page("journal").records] == [keep.id]
    assert all(r.record.id != gone.id for r in store.recall("swim", JOURNAL, k=5))
    assert [e.event for e in store.history(gone.id)] == ["ADD", "DELETE"]


def test_missing_ids_raise_a_clear_error(store):
    with pytest.raises(MemoryNotFound):
        store.update_text("no-such-id", "x")
    with pytest.raises(MemoryNotFound):
        store.delete("no-such-id")


def test_a_reply_attached_later_keeps_the_entry_and_its_history_clean(store):
    record = store.add_entry(JOURNAL, "Could not sleep again.")

    store.attach_reply(record.id, "That sounds exhausting.", {"model": "m:2"})

    again = store.record.get(record.id)
    assert (again.text, again.reply, again.mode, again.metadata["model"]) == (
        "Could not sleep again.", "That sounds exhausting.", "journal", "m:2")
    assert [e.event for e in store.history(record.id)] == ["ADD"]


def test_entries_survive_reopening_and_a_lost_date_index_is_rebuilt(settings, clock):
    first = open_store(settings, clock)
    first.add_entry(JOURNAL, "First entry ever.")
    clock.advance(minutes=5)
    first.add_entry(JOURNAL, "Second entry.")
    first.close()
    (settings.data_dir / "entries.db").unlink()

    reopened = open_store(settings, clock)
    try:
        assert [r.text for r in reopened.record.page("journal").records] == ["Second entry.", "First entry ever."]
    finally:
        reopened.close()


def test_a_second_mindpane_on_the_same_data_dir_is_refused(store, settings):
    with pytest.raises(StoreLocked) as caught:
        open_store(settings)
    assert "Another mindpane" in caught.value.message
    assert "--data-dir" in caught.value.hint


def test_a_data_dir_that_cannot_be_written_gives_a_clear_error(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    bad = type(settings)(data_dir=blocker / "data", ollama_host=settings.ollama_host)

    with pytest.raises(StoreError) as caught:
        open_store(bad)
    assert "Cannot write to the data directory" in caught.value.message
    assert "--data-dir" in caught.value.hint


def test_the_store_writes_its_files_in_the_data_dir_and_nothing_in_home(store, data_dir, isolated_home):
    store.add_entry(JOURNAL, "hello")
    assert (data_dir / "chroma").is_dir()
    assert (data_dir / "history.db").is_file()
    assert not any(isolated_home.iterdir()), list(isolated_home.rglob("*"))


def test_an_ollama_embedder_indexes_every_entry_in_collections_of_its_own(settings, clock, ollama_stub):
    """MINDPANE_EMBEDDER=ollama:<model>: vectors come from Ollama's /api/embed, in collections of
    their own (dimensions differ). The entries are the record's, so switching embedders keeps
    every entry recallable: the new embedder's index is built from the record on open."""
    bundled = open_store(settings, clock)
    first = bundled.add_entry(JOURNAL, "Written with the bundled embedder.")
    bundled.close()
    ollama_stub.models.add("all-minilm:latest")
    via_ollama = type(settings)(data_dir=settings.data_dir, ollama_host=settings.ollama_host,
                                embedder="ollama:all-minilm")

    store = open_store(via_ollama, clock)
    try:
        assert store.record.count("journal") == 1
        record = store.add_entry(JOURNAL, "Written with an Ollama embedding model.")
        assert store.recall("Ollama embedding model", JOURNAL, k=3)[0].record.id == record.id
        assert first.id in {r.record.id for r in store.recall("bundled embedder", JOURNAL, k=3)}
    finally:
        store.close()
    assert any(request.path == "/api/embed" for request in ollama_stub.requests)
    reopened = open_store(settings, clock)
    try:
        assert [r.text for r in reopened.record.page("journal").records] == [
            "Written with an Ollama embedding model.", "Written with the bundled embedder."]
        assert reopened.recall("Ollama embedding model", JOURNAL, k=1)[0].record.id == record.id
    finally:
        reopened.close()


class BrokenCollection:
    """Stands in for a Chroma collection whose disk went away."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise OSError(5, "disk I/O error")
        return fail


def test_a_failing_disk_becomes_a_store_error_not_a_library_traceback(store, monkeypatch):
    store.add_entry(JOURNAL, "Before the disk failed.")
    monkeypatch.setattr(store.index, "_collection", lambda mode_name: BrokenCollection())

    with pytest.raises(StoreError) as caught:
        store.add_entry(JOURNAL, "After the disk failed.")
    assert "disk I/O error" in caught.value.message
    assert "mindpane doctor" in caught.value.hint
    assert store.record.page("journal").total == 2, "the record keeps what the index could not take"
    # recall reads the vectors the record keeps: it still finds both entries
    assert {m.record.text for m in store.recall("the disk failed", JOURNAL, k=3)} == {
        "Before the disk failed.", "After the disk failed."}


def test_recall_prepared_before_any_entry_still_finds_later_entries(store):
    """The app prepares a mode's recall as soon as the store opens; entries written, edited and
    deleted after that must be found (or not) exactly as without preparing."""
    store.prepare("code")
    kept = store.add_entry(CODE, "How do I memoise a function?", "functools.cache")
    gone = store.add_entry(CODE, "How do I parse JSON?", "json.loads")
    store.update_text(kept.id, "How do I cache the results of a pure function?")
    store.delete(gone.id)

    recalled = store.recall("caching function results", CODE, k=5)

    assert [r.record.id for r in recalled] == [kept.id]
    assert recalled[0].score > 0.5


def test_entries_stored_before_the_record_kept_vectors_get_theirs_from_chroma(settings, clock):
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    kept = store.add_entry(JOURNAL, "Planted garlic along the fence.")
    store._record._db.execute("DELETE FROM vector")  # as an entries.db from before schema 4 has it
    store.close()

    reopened = open_store(settings, clock)
    try:
        assert reopened.recall("garlic in the garden", JOURNAL, k=1)[0].record.id == kept.id
        assert [row[0] for row in reopened.record.vectors(reopened.index.embedder_name, "journal")] == [kept.id]
        reopened.forget([kept.id])
        assert reopened._record._db.execute("SELECT count(*) FROM vector").fetchone() == (0,)
    finally:
        reopened.close()


def test_an_import_whose_index_write_fails_stops_there_and_the_next_open_heals_what_it_stored(settings, clock,
                                                                                            monkeypatch):
    from tui.domain.records import ImportedEntry
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    calls = {"n": 0}
    index = store.index._index_in_chroma

    def second_fails(records, vectors, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(5, "disk I/O error")
        return index(records, vectors, *args, **kwargs)

    monkeypatch.setattr(store.index, "_index_in_chroma", second_fails)
    entries = [ImportedEntry(f"Imported note number {n} about the garden.", clock()) for n in range(6)]
    with pytest.raises(StoreError):
        store.import_entries(JOURNAL, entries, batch=2)
    assert store.record.count("journal") == 4, "batches 1 and 2 are in the record; batch 3 was never written"
    store.close()

    reopened = open_store(settings, clock)
    try:
        assert reopened.index._collection("journal").count() == 4  # the failed batch was indexed on open
        found = {m.record.text for m in reopened.recall("Imported note number 3 about the garden", JOURNAL, k=4)}
        assert "Imported note number 3 about the garden." in found
    finally:
        reopened.close()
