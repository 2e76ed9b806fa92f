"""Clean memories (#17, point 3): a question to the journal is stored as a question and is not
recalled as something the person wrote; a reply the person marks wrong is flagged; both are flags
in the entry's metadata, set through the store with a change-log line that undo reverts, and they
survive an export and import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.adapters.record_db import RecordDB
from tui.domain.entry_kind import ENTRY, QUESTION
from tui.domain.errors import MemoryNotFound
from tui.domain.modes import JOURNAL
from tui.domain.records import ImportedEntry, MemoryRecord
from tui.services.config import load_config, load_modes

START = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
SAM_ENTRY = "Sam and I walked by the river and talked about his new job in Porto."
SAM_QUESTION = "What did I write about Sam last week?"


# -- the config file ------------------------------------------------------------------------------


def test_a_mode_says_in_the_config_file_whether_it_marks_and_recalls_questions(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[modes.journal]\nrecall_questions = true\n\n[modes.code]\nmark_questions = "yes"\n\n'
                    '[modes.standup]\nsystem_prompt = "Stand-up."\nmark_questions = true\n', encoding="utf-8")
    config = load_config(path, {})

    modes = load_modes(config)
    assert (modes["journal"].mark_questions, modes["journal"].recall_questions) == (True, True)
    assert (modes["code"].mark_questions, modes["code"].recall_questions) == (False, False)
    assert (modes["standup"].mark_questions, modes["standup"].recall_questions) == (True, False)
    [problem] = config.problems
    assert problem.key == "modes.code.mark_questions" and "true or false" in str(problem)


def test_a_modes_metadata_may_not_shadow_the_kind_or_the_wrong_mark(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[modes.journal]\nmetadata = { kind = "x", reply_wrong = true, team = "core" }\n',
                    encoding="utf-8")
    config = load_config(path, {})

    assert load_modes(config)["journal"].metadata == {"team": "core"}
    assert sorted(problem.key for problem in config.problems) == ["modes.journal.metadata.kind",
                                                                 "modes.journal.metadata.reply_wrong"]


def test_the_starter_file_writes_out_both_fields():
    from tui.services.config_starter import starter_text

    text = starter_text()
    assert "mark_questions = true" in text and "recall_questions = false" in text
    assert text.count("mark_questions") >= 3  # documented, journal, code


# -- the store: flags, their change-log lines and undo ------------------------------------------------


def seed(store, mode, texts: list[str], start: datetime = START) -> list[MemoryRecord]:
    """Store ``texts`` a day apart, oldest first; returns them in that order."""
    store.import_entries(mode, [ImportedEntry(text, start + timedelta(days=i)) for i, text in enumerate(texts)])
    by_text = {record.text: record for record in store.iter_entries(mode.name)}
    return [by_text[text] for text in texts]


def test_the_record_sets_a_flag_in_one_transaction_with_its_change_log_line(tmp_path):
    db = RecordDB(tmp_path / "entries.db")
    try:
        db.insert(MemoryRecord("q", SAM_QUESTION, "journal", START, START, metadata={"model": "m"}))

        after = db.set_flags("q", {"kind": QUESTION}, START + timedelta(hours=1))

        assert after.metadata == {"model": "m", "kind": QUESTION} and after.updated_at == START
        assert db.get("q") == after
        [change] = db.changes()
        assert (change.kind, change.before.metadata, change.after.metadata) == (
            "kind", {"model": "m"}, {"model": "m", "kind": QUESTION})

        db.set_flags("q", {"kind": QUESTION}, START)  # already so: nothing changes, nothing is logged
        assert len(db.changes()) == 1
        db.set_flags("q", {"reply_wrong": True}, START)
        assert db.changes()[0].kind == "mark" and db.get("q").metadata["reply_wrong"] is True
        db.set_flags("q", {"reply_wrong": None}, START)  # None takes the flag away
        assert "reply_wrong" not in db.get("q").metadata and db.changes()[0].kind == "mark"
        assert db.set_flags("missing", {"kind": QUESTION}, START) is None
        with pytest.raises(ValueError):
            db.set_flags("q", {"model": "other"}, START)  # only the flags a person sets
    finally:
        db.close()


def test_marking_an_entry_a_question_is_a_kind_change_that_undo_reverts(store):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])

    marked = store.set_flags(entry.id, kind=QUESTION)

    assert marked.metadata["kind"] == QUESTION and store.get(entry.id).metadata["kind"] == QUESTION
    assert store.changes()[0].kind == "kind"
    assert store.undo(mode_name="journal").kind == "kind"
    assert "kind" not in store.get(entry.id).metadata


def test_marking_a_reply_wrong_is_a_mark_change_that_undo_reverts(store):
    [entry] = seed(store, JOURNAL, [SAM_ENTRY])
    store.attach_reply(entry.id, "Porto is far; you sound sad about it.")

    store.set_flags(entry.id, reply_wrong=True)
    assert store.get(entry.id).metadata["reply_wrong"] is True and store.changes()[0].kind == "mark"
    store.set_flags(entry.id, reply_wrong=None)
    assert "reply_wrong" not in store.get(entry.id).metadata

    store.undo(mode_name="journal")  # the unmark
    assert store.get(entry.id).metadata["reply_wrong"] is True
    store.undo(mode_name="journal")  # the mark
    assert "reply_wrong" not in store.get(entry.id).metadata
    assert store.get(entry.id).reply == "Porto is far; you sound sad about it."


def test_undoing_a_flag_restores_only_the_flag_not_an_edit_made_since(store, clock):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])
    store.set_flags(entry.id, kind=QUESTION)
    flagged = store.changes()[0]
    clock.advance(minutes=5)
    store.update_text(entry.id, "What did I write about Sam and Porto last week?")

    store.undo(flagged.seq)

    now = store.get(entry.id)
    assert now.text == "What did I write about Sam and Porto last week?" and "kind" not in now.metadata


def test_the_index_keeps_the_flags_so_a_record_rebuilt_from_it_has_them(store):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])

    def indexed() -> dict:
        return store._collection("journal").get(ids=[entry.id])["metadatas"][0]

    store.set_flags(entry.id, kind=QUESTION)
    store.set_flags(entry.id, reply_wrong=True)
    assert (indexed()["kind"], indexed()["reply_wrong"]) == (QUESTION, True)
    store.set_flags(entry.id, reply_wrong=None)
    assert "reply_wrong" not in indexed()

    store.undo(mode_name="journal")
    assert indexed()["reply_wrong"] is True
    store.undo(mode_name="journal")
    store.undo(mode_name="journal")
    assert "kind" not in indexed() and "reply_wrong" not in indexed()


def test_one_change_sets_one_flag(store):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])
    with pytest.raises(ValueError):
        store.set_flags(entry.id, kind=QUESTION, reply_wrong=True)


def test_flagging_an_entry_that_is_gone_says_so(store):
    with pytest.raises(MemoryNotFound):
        store.set_flags("no-such-entry", kind=QUESTION)


def test_flipping_back_to_an_entry_is_written_down(store):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])
    store.set_flags(entry.id, kind=QUESTION)
    store.set_flags(entry.id, kind=ENTRY)
    assert store.get(entry.id).metadata["kind"] == ENTRY
    assert [change.kind for change in store.changes()[:2]] == ["kind", "kind"]
