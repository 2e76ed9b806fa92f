"""Clean memories (#17, point 3): a question to the journal is stored as a question and is not
recalled as something the person wrote; a reply the person marks wrong is flagged; both are flags
in the entry's metadata, set through the store with a change-log line that undo reverts, and they
survive an export and import."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tui.adapters.record_db import RecordDB
from tui.domain.entry_kind import ENTRY, QUESTION
from tui.domain.errors import MemoryNotFound
from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry, MemoryRecord
from tui.services.config import load_config, load_modes
from tui.services.engine import make_chat, make_turns
from tui.services.turn import Recalled, TurnDone

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
    by_text = {record.text: record for record in store.record.iter_entries(mode.name)}
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

    assert marked.metadata["kind"] == QUESTION and store.record.get(entry.id).metadata["kind"] == QUESTION
    assert store.record.change_lines()[0].kind == "kind"
    assert store.undo(mode_name="journal").kind == "kind"
    assert "kind" not in store.record.get(entry.id).metadata


def test_marking_a_reply_wrong_is_a_mark_change_that_undo_reverts(store):
    [entry] = seed(store, JOURNAL, [SAM_ENTRY])
    store.attach_reply(entry.id, "Porto is far; you sound sad about it.")

    store.set_flags(entry.id, reply_wrong=True)
    assert store.record.get(entry.id).metadata["reply_wrong"] is True and store.record.change_lines()[0].kind == "mark"
    store.set_flags(entry.id, reply_wrong=None)
    assert "reply_wrong" not in store.record.get(entry.id).metadata

    store.undo(mode_name="journal")  # the unmark
    assert store.record.get(entry.id).metadata["reply_wrong"] is True
    store.undo(mode_name="journal")  # the mark
    assert "reply_wrong" not in store.record.get(entry.id).metadata
    assert store.record.get(entry.id).reply == "Porto is far; you sound sad about it."


def test_undoing_a_flag_restores_only_the_flag_not_an_edit_made_since(store, clock):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])
    store.set_flags(entry.id, kind=QUESTION)
    flagged = store.record.change_lines()[0]
    clock.advance(minutes=5)
    store.update_text(entry.id, "What did I write about Sam and Porto last week?")

    store.undo(flagged.seq)

    now = store.record.get(entry.id)
    assert now.text == "What did I write about Sam and Porto last week?" and "kind" not in now.metadata


def test_the_index_keeps_the_flags_so_a_record_rebuilt_from_it_has_them(store):
    [entry] = seed(store, JOURNAL, [SAM_QUESTION])

    def indexed() -> dict:
        return store.index._collection("journal").get(ids=[entry.id])["metadatas"][0]

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
    assert store.record.get(entry.id).metadata["kind"] == ENTRY
    assert [change.kind for change in store.record.change_lines()[:2]] == ["kind", "kind"]


# -- the turn: a question is stored as one and is not recalled as a memory ---------------------------


@pytest.fixture
def turns(store, settings, clock):
    return make_turns(store, make_chat(settings), settings, clock=clock)


def run_turn(turns, mode, text, **kwargs) -> tuple[list, MemoryRecord]:
    """The turn's recalled memories and the entry it stored."""
    events = list(turns.run(mode, text, **kwargs))
    recalled = next(event for event in events if isinstance(event, Recalled))
    done = events[-1]
    assert isinstance(done, TurnDone), done
    return recalled.memories, done.record


def texts(memories) -> list[str]:
    return [memory.record.text for memory in memories]


def test_a_question_to_the_journal_is_stored_as_a_question_and_not_recalled_the_next_day(turns, store, clock,
                                                                                      ollama_stub):
    clock.now = datetime(2026, 11, 19, 18, 0, tzinfo=UTC)
    _, entry = run_turn(turns, JOURNAL, SAM_ENTRY)
    clock.advance(hours=2)
    _, question = run_turn(turns, JOURNAL, SAM_QUESTION)
    assert store.record.get(question.id).metadata["kind"] == QUESTION
    assert "kind" not in store.record.get(entry.id).metadata
    clock.now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

    memories, _ = run_turn(turns, JOURNAL, "What did I write yesterday?")

    assert texts(memories) == [SAM_ENTRY]
    assert SAM_QUESTION not in ollama_stub.chat_requests[-1]["messages"][0]["content"]


def sam_and_questions(store) -> None:
    """Sam's entry among others, and earlier questions about Sam (stored as questions)."""
    entries = seed(store, JOURNAL, [SAM_ENTRY, "Baked bread with too much salt.", "Rain all day, read a novel."])
    asked = seed(store, JOURNAL, ["What did I write about Sam?", "What did I write about Sam last week?",
                                  "Did I ever write about Sam and Porto?", "Remind me what I said about Sam."],
                 start=START + timedelta(days=5))
    for record in asked:
        store.set_flags(record.id, kind=QUESTION)
    assert len(entries) == 3


def test_what_did_i_write_about_sam_recalls_sams_entry_not_the_earlier_questions_about_sam(turns, store):
    sam_and_questions(store)

    memories, stored = run_turn(turns, replace(JOURNAL, recall_size=2), "What did I write about Sam?")

    assert texts(memories)[0] == SAM_ENTRY and len(memories) == 2
    assert not any("?" in text or text.startswith("Remind") for text in texts(memories))
    assert stored.metadata["kind"] == QUESTION


def test_a_mode_that_recalls_questions_brings_them_back(turns, store):
    sam_and_questions(store)

    memories, _ = run_turn(turns, replace(JOURNAL, recall_size=2, recall_questions=True),
                           "What did I write about Sam?")

    assert "What did I write about Sam?" in texts(memories)


def test_recall_asks_for_more_until_enough_entries_are_left_after_the_questions(turns, store):
    [entry] = seed(store, JOURNAL, [SAM_ENTRY])
    asked = seed(store, JOURNAL, [f"What did I write about Sam on day {n}?" for n in range(1, 25)],
                 start=START + timedelta(days=1))
    for record in asked:
        store.set_flags(record.id, kind=QUESTION)

    memories, _ = run_turn(turns, replace(JOURNAL, recall_size=1, min_relevance=0.0), "What did I write about Sam?")

    assert texts(memories) == [entry.text]


def test_the_person_decides_the_kind_a_turn_is_stored_with(turns, store):
    _, kept_as_entry = run_turn(turns, JOURNAL, SAM_QUESTION, kind=ENTRY)
    _, made_a_question = run_turn(turns, JOURNAL, "Sam is moving to Porto.", kind=QUESTION)

    assert "kind" not in store.record.get(kept_as_entry.id).metadata
    assert store.record.get(made_a_question.id).metadata["kind"] == QUESTION


def test_a_journal_question_kept_while_ollama_is_down_is_kept_as_a_question(store, settings, clock):
    from tests.ollama_stub import unused_port_url
    from tui.services.settings import Settings

    down = Settings(data_dir=settings.data_dir, ollama_host=unused_port_url(), connect_timeout=1.0)
    turns = make_turns(store, make_chat(down), down, clock=clock)

    events = list(turns.run(JOURNAL, SAM_QUESTION))

    assert store.record.get(events[-1].record.id).metadata["kind"] == QUESTION


def test_code_questions_are_stored_and_recalled_as_they_always_were(turns, store):
    _, first = run_turn(turns, CODE, "What did I ask about reading CSV files lazily last week?")
    assert "kind" not in store.record.get(first.id).metadata

    memories, _ = run_turn(turns, CODE, "What did I ask about CSV files?")

    assert texts(memories) == [first.text]


def test_a_journal_question_is_not_recalled_into_another_mode_that_reads_the_journal(turns, store):
    [question] = seed(store, JOURNAL, ["What did I write about python packaging?"])
    store.set_flags(question.id, kind=QUESTION)
    [entry] = seed(store, JOURNAL, ["Spent the evening fighting python packaging, gave up at midnight."])
    code = replace(CODE, recall_from=("journal",))

    memories, _ = run_turn(turns, code, "How do I package a python project?")

    assert entry.text in texts(memories) and question.text not in texts(memories)


# -- export and import -------------------------------------------------------------------------------


def test_the_kind_and_the_wrong_mark_survive_an_export_and_import_round_trip_byte_for_byte(settings, clock,
                                                                                        tmp_path):
    from tests.store.test_export_import import cli, other
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    try:
        entry, question = seed(store, JOURNAL, [SAM_ENTRY, SAM_QUESTION])
        store.attach_reply(entry.id, "Porto is far.")
        store.set_flags(entry.id, reply_wrong=True)
        store.set_flags(question.id, kind=QUESTION)
    finally:
        store.close()
    first = tmp_path / "first.json"
    assert cli(settings, "export", "-o", str(first))[0] == 0
    exported = {item["text"]: item for item in json.loads(first.read_text())["entries"]}
    assert exported[SAM_QUESTION]["metadata"]["kind"] == "question"
    assert exported[SAM_ENTRY]["metadata"]["reply_wrong"] is True
    target = other(settings, tmp_path)

    code, _out, err = cli(target, "import", str(first))

    assert (code, err) == (0, ""), err
    second = tmp_path / "second.json"
    assert cli(target, "export", "-o", str(second))[0] == 0
    assert second.read_bytes() == first.read_bytes()
    reopened = open_store(target, clock)
    try:
        assert reopened.record.get(question.id).metadata["kind"] == QUESTION
        assert reopened.record.get(entry.id).metadata["reply_wrong"] is True
    finally:
        reopened.close()


def test_imported_entries_without_a_kind_are_entries_whatever_they_say(settings, clock, tmp_path):
    from tests.store.test_export_import import cli
    from tui.services.engine import open_store

    ours = tmp_path / "ours.json"
    ours.write_text(json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "journal", "text": SAM_QUESTION, "created_at": "2026-11-19T09:30:00+00:00"}]}))
    jrnl = tmp_path / "jrnl.json"
    jrnl.write_text(json.dumps({"tags": {}, "entries": [
        {"title": "What did I write about Porto?", "body": "", "date": "2026-11-18", "time": "10:00",
         "tags": [], "starred": False}]}))

    assert cli(settings, "import", str(ours))[0] == 0
    assert cli(settings, "import", "--format", "jrnl", str(jrnl))[0] == 0

    store = open_store(settings, clock)
    try:
        assert [record.metadata.get("kind") for record in store.record.iter_entries("journal")] == [None, None]
    finally:
        store.close()


@pytest.mark.parametrize(("metadata", "why"), [
    ({"kind": "riddle"}, '"metadata.kind" must be "entry" or "question"'),
    ({"reply_wrong": "yes"}, '"metadata.reply_wrong" must be true or false'),
])
def test_an_import_with_a_kind_or_wrong_mark_it_cannot_read_names_the_entry(settings, tmp_path, metadata, why):
    from tests.store.test_export_import import cli

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"mindpane_export": 1, "entries": [
        {"mode": "journal", "text": "Hello", "created_at": "2026-11-20T09:30:00+00:00", "metadata": metadata}]}))

    code, _out, err = cli(settings, "import", str(path))

    assert code != 0 and why in err and "entry 1" in err


def test_the_markdown_export_says_which_turns_were_questions_and_which_replies_were_wrong(settings, clock):
    from tests.store.test_export_import import cli
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    try:
        entry, question = seed(store, JOURNAL, [SAM_ENTRY, SAM_QUESTION])
        store.attach_reply(entry.id, "Porto is far.")
        store.set_flags(entry.id, reply_wrong=True)
        store.set_flags(question.id, kind=QUESTION)
    finally:
        store.close()

    code, out, _ = cli(settings, "export", "--format", "md")

    assert code == 0
    assert "### 20:00 · Journal\n" in out and "### 20:00 · Journal · question to the journal\n" in out
    assert "> **Reflection** · marked wrong" in out


def test_a_question_left_in_the_outbox_by_a_crash_is_stored_as_a_question(store, clock):
    from tui.domain.modes import builtin_modes
    from tui.services.outbox import replay_pending

    store.record.put_pending("t1", "journal", SAM_QUESTION, clock())
    store.record.put_pending("t2", "journal", SAM_ENTRY, clock())

    replayed = replay_pending(store, builtin_modes())

    kinds = {pending.text: record.metadata.get("kind") for pending, record in replayed.stored}
    assert kinds == {SAM_QUESTION: QUESTION, SAM_ENTRY: None}


def test_questions_are_kept_and_found_by_search_though_recall_leaves_them_out(store):
    from tui.domain.search import parse_query

    _entry, question = seed(store, JOURNAL, [SAM_ENTRY, SAM_QUESTION])
    store.set_flags(question.id, kind=QUESTION)

    found, total = store.record.search(parse_query("Sam mode:journal"))

    assert total == 2 and question.id in {record.id for record in found}
    assert store.record.page("journal").total == 2


def test_a_new_reply_to_an_entry_whose_reply_was_marked_wrong_is_not_marked_wrong(turns, store, ollama_stub):
    from tui.domain.flags import reply_wrong

    ollama_stub.script("Porto is in Spain.")
    _, entry = run_turn(turns, JOURNAL, SAM_ENTRY)
    store.set_flags(entry.id, reply_wrong=True)
    ollama_stub.script("Porto is in Portugal; a new job there is a big move.")

    _, again = run_turn(turns, JOURNAL, SAM_ENTRY, entry_id=entry.id, given=[])  # regenerate

    assert again.reply.startswith("Porto is in Portugal") and not reply_wrong(store.record.get(entry.id).metadata)
    store.undo(mode_name="journal")  # the new reply goes, the wrong one comes back with its mark
    back = store.record.get(entry.id)
    assert back.reply == "Porto is in Spain." and reply_wrong(back.metadata)
