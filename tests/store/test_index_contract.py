"""One contract for every ``Index``: the Chroma index and the in-memory one behave alike as the
journal sees them (Harlequin's adapter-contract style). A journal is opened over a real record with
each index; the bundled embedder makes recall semantically real for both."""

from __future__ import annotations

import pytest

from tui.adapters.chroma_index import ChromaIndex
from tui.adapters.memory_index import MemoryIndex
from tui.domain.modes import builtin_modes
from tui.domain.records import ImportedEntry

MODES = builtin_modes()
JOURNAL, CODE = MODES["journal"], MODES["code"]
INDEXES = {"chroma": ChromaIndex.open, "memory": MemoryIndex.open}


@pytest.fixture(params=sorted(INDEXES))
def journal(request, settings, clock):
    from tui.services.engine import embedder_factory, open_journal

    opened = open_journal(settings.data_dir, embedder_factory(settings), clock, open_index=INDEXES[request.param])
    yield opened
    opened.close()


def texts(recalled) -> list[str]:
    return [memory.record.text for memory in recalled]


def test_an_added_entry_is_recalled_by_meaning_and_only_in_its_mode(journal):
    journal.add_entry(JOURNAL, "Planted tomatoes in the raised bed this morning.")
    journal.add_entry(CODE, "How do I sort a dict by value?", "sorted(d.items(), key=...)")

    assert texts(journal.recall("gardening vegetables", JOURNAL, k=3)) == [
        "Planted tomatoes in the raised bed this morning."]
    assert texts(journal.recall("gardening vegetables", CODE, k=3, min_score=0.5)) == []


def test_an_edited_entry_is_recalled_by_its_new_text_and_its_story_says_so(journal):
    entry = journal.add_entry(JOURNAL, "Ran five kilometres along the river.")
    journal.update_text(entry.id, "Baked sourdough bread with rye flour.")

    assert texts(journal.recall("baking bread", JOURNAL, k=1)) == ["Baked sourdough bread with rye flour."]
    story = journal.history(entry.id)
    assert [event.event for event in story] == ["ADD", "UPDATE"]
    assert story[-1].old_text == "Ran five kilometres along the river."
    assert story[-1].new_text == "Baked sourdough bread with rye flour."


def test_a_deleted_entry_leaves_recall_and_undo_brings_it_back(journal):
    entry = journal.add_entry(JOURNAL, "Called grandmother about her birthday.")
    journal.delete(entry.id)
    assert journal.recall("grandmother birthday", JOURNAL, k=3) == []
    assert journal.history(entry.id)[-1].event == "DELETE"

    journal.undo()
    assert texts(journal.recall("grandmother birthday", JOURNAL, k=3)) == ["Called grandmother about her birthday."]


def test_a_forgotten_entry_has_no_story_and_is_never_recalled(journal):
    kept = journal.add_entry(JOURNAL, "Repaired the bicycle's back wheel.")
    gone = journal.add_entry(JOURNAL, "Repaired the kitchen tap that dripped.")

    assert journal.forget([gone.id]).count == 1
    assert journal.history(gone.id) == []
    assert texts(journal.recall("repaired", JOURNAL, k=5)) == [kept.text]


def test_recall_prepared_before_any_entry_finds_the_entries_written_after(journal):
    journal.prepare("journal")
    journal.add_entry(JOURNAL, "Watched the meteor shower from the hill.")
    assert texts(journal.recall("meteor shower", JOURNAL, k=2)) == ["Watched the meteor shower from the hill."]


def test_an_import_is_recalled_and_a_sync_keeps_every_entry(journal, clock):
    entries = [ImportedEntry(f"Imported note {n}: the pears ripened on the tree.", clock()) for n in range(5)]
    assert journal.import_entries(JOURNAL, entries, batch=2) == 5

    assert len(journal.recall("ripe pears", JOURNAL, k=10)) == 5
    journal.index.sync("journal")
    assert len(journal.recall("ripe pears", JOURNAL, k=10)) == 5


def test_a_reply_and_a_flag_change_nothing_recall_finds(journal):
    entry = journal.add_entry(JOURNAL, "Wrote a letter to an old friend in Lisbon.")
    journal.attach_reply(entry.id, "That sounds lovely.")
    journal.set_flags(entry.id, kind="question")

    recalled = journal.recall("letter to a friend", JOURNAL, k=1)
    assert [(m.record.text, m.record.reply, m.record.metadata.get("kind")) for m in recalled] == [
        ("Wrote a letter to an old friend in Lisbon.", "That sounds lovely.", "question")]
