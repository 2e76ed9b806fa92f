"""Cross-mode recall on request: one turn may also recall from other modes (F9 or the palette);
the mode's ``may_read`` says which; without the toggle the wall between modes holds."""

from __future__ import annotations

from dataclasses import replace

from tests.tui_support import SIZE, make_app, notified, receipts, send, settle
from tui.domain.modes import CODE, JOURNAL, readable_modes
from tui.services.config import load_modes
from tui.services.engine import make_chat, make_turns

CODE_ENTRY = "How do I retry a flaky HTTP request with exponential backoff in httpx?"
JOURNAL_TEXT = "Today the flaky HTTP request retries with backoff finally worked."


def first_recalled(turns, mode, text, **kwargs):
    """The turn's ``Recalled`` event, after the whole turn ran (its entry is stored)."""
    events = list(turns.run(mode, text, **kwargs))
    return events[0]


def test_the_wall_holds_unless_the_turn_asks_for_other_modes(store, settings, ollama_stub):
    store.add_entry(CODE, CODE_ENTRY, "Use a loop with sleep(2 ** attempt).")
    turns = make_turns(store, make_chat(settings), settings)

    walled = first_recalled(turns, JOURNAL, JOURNAL_TEXT)
    across = first_recalled(turns, JOURNAL, JOURNAL_TEXT, other_modes=True)
    walled_again = first_recalled(turns, JOURNAL, JOURNAL_TEXT)

    assert walled.memories == []
    from_code = [(m.record.text, m.reason) for m in across.memories if m.record.mode == "code"]
    assert from_code == [(CODE_ENTRY, "from Code")]
    assert [m.record.mode for m in walled_again.memories] == ["journal", "journal"]  # its own entries only


def test_may_read_limits_which_modes_the_toggle_reads(store, settings, ollama_stub):
    store.add_entry(CODE, CODE_ENTRY)
    notes = replace(JOURNAL, name="notes", title="Notes", keep_unanswered=False)
    store.add_entry(notes, "Retry HTTP requests with backoff: note from the design meeting.")
    only_notes = replace(JOURNAL, may_read=("notes",))
    modes = {"journal": only_notes, "code": CODE, "notes": notes}
    turns = make_turns(store, make_chat(settings), settings, modes)

    across = first_recalled(turns, only_notes, JOURNAL_TEXT, other_modes=True)

    assert {m.record.mode for m in across.memories} == {"notes"}
    assert [m.reason for m in across.memories] == ["from Notes"]
    assert readable_modes(JOURNAL, modes) == ["code", "notes"]  # None: every other mode
    assert readable_modes(replace(JOURNAL, may_read=()), modes) == []


def test_may_read_comes_from_the_config_and_unknown_ids_are_reported(tmp_path):
    from tui.services.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[modes.journal]\nmay_read = ["code", "nowhere"]\n', encoding="utf-8")
    config = load_config(path)

    assert load_modes(config)["journal"].may_read == ("code",)
    assert load_modes(config)["code"].may_read is None
    assert any(problem.key == "modes.journal.may_read" and "nowhere" in problem.message
               for problem in config.problems)


async def test_f9_makes_the_next_turn_recall_from_other_modes_then_the_wall_is_back(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["code"], CODE_ENTRY, "Use a loop.")
        prompt = app.query_one("#prompt")

        await pilot.press("f9")
        assert "also recalls from Code (this turn)" in prompt.border_title
        await send(pilot, JOURNAL_TEXT)
        assert [(m.record.text, m.reason) for m in receipts(app).memories] == [(CODE_ENTRY, "from Code")]
        assert "also recalls" not in prompt.border_title  # one turn only

        await send(pilot, JOURNAL_TEXT + " Again.")
        assert [m.record.mode for m in receipts(app).memories] == ["journal"]  # the wall is back


async def test_f9_is_refused_when_the_mode_may_read_no_other_mode(settings, clock, ollama_stub, tmp_path):
    from tui.services.config import load_config

    path = tmp_path / "config.toml"
    path.write_text("[modes.journal]\nmay_read = []\n", encoding="utf-8")
    app = make_app(settings, clock, config=load_config(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await pilot.pause()
        assert "also recalls" not in app.query_one("#prompt").border_title
        assert any("reads no other modes" in note for note in notified(app))
