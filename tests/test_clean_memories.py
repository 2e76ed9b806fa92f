"""Clean memories (#17, point 3): a question to the journal is stored as a question and is not
recalled as something the person wrote; a reply the person marks wrong is flagged; both are flags
in the entry's metadata, set through the store with a change-log line that undo reverts, and they
survive an export and import."""

from __future__ import annotations

from datetime import UTC, datetime

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
