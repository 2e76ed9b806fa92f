"""An unsent draft is never lost: the prompt's text and the composer's draft are kept on the disk
as they are typed (a private file in the data dir), ctrl+q keeps them, and the next start brings
them back and says so. Once the entry is sent and in the outbox, the draft is gone from the disk;
forgetting an entry erases it from the draft file too."""

from __future__ import annotations

import stat

from textual.widgets import Input, TextArea

from tests.tui_support import SIZE, make_app, notified, settle
from tui.adapters import eraser
from tui.adapters.draft_file import DRAFT_FILE, read_draft, write_draft
from tui.domain.drafts import Draft
from tui.screens.composer_screen import ComposerScreen


def prompt(app) -> Input:
    return app.query_one("#prompt", Input)


def draft_bytes(settings) -> bytes:
    path = settings.data_dir / DRAFT_FILE
    return path.read_bytes() if path.exists() else b""


async def until(pilot, condition, rounds: int = 300) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("it never happened")


async def test_the_prompts_text_is_on_the_disk_as_it_is_typed_in_a_private_file(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"half a thought")

        await until(pilot, lambda: read_draft(settings.data_dir).prompt == "half a thought")
        mode = stat.S_IMODE((settings.data_dir / DRAFT_FILE).stat().st_mode)
        assert mode == 0o600


async def test_ctrl_q_keeps_the_prompts_text_and_the_next_start_brings_it_back(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt(app).value = "A thought I had not sent yet."
        await pilot.press("ctrl+q")
    assert app.return_code == 0

    again = make_app(settings, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert prompt(again).value == "A thought I had not sent yet."
        assert any("draft" in notice.lower() for notice in notified(again))


async def test_a_composer_draft_kept_with_escape_comes_back_after_quitting(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        app.screen.query_one(TextArea).insert("Dear diary,\nthe second line.")
        await pilot.press("escape", "ctrl+q")

    again = make_app(settings, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert prompt(again).value == ""
        assert "draft kept" in str(prompt(again).border_subtitle)
        await pilot.press("ctrl+e")
        assert isinstance(again.screen, ComposerScreen)
        assert again.screen.query_one(TextArea).text == "Dear diary,\nthe second line."


async def test_text_typed_in_an_open_composer_is_kept_on_the_disk_too(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        app.screen.query_one(TextArea).insert("Still writing this,\nnot closed yet.")

        await until(pilot, lambda: read_draft(settings.data_dir).composer.get("journal")
                    == "Still writing this,\nnot closed yet.")


async def test_a_sent_entry_leaves_the_draft_file_and_does_not_come_back_as_a_draft(settings, clock, ollama_stub):
    ollama_stub.script(text="Noted.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"sent it")
        await until(pilot, lambda: read_draft(settings.data_dir).prompt == "sent it")
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: b"sent it" not in draft_bytes(settings))
        await pilot.press("ctrl+q")

    again = make_app(settings, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert prompt(again).value == ""
        assert [record.text for record in again.workspace.journal.record.page("journal").records] == ["sent it"]


async def test_an_entry_brought_back_with_up_is_not_a_draft(settings, clock):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(app.workspace.modes["journal"], "An old entry, stored already.")
        await pilot.press("up")
        await settle(pilot)
        assert prompt(app).value == "An old entry, stored already."
        await pilot.press("ctrl+q")

    assert b"An old entry" not in draft_bytes(settings)


def test_forgetting_an_entry_erases_its_text_from_the_draft_file(store, settings):
    from tui.domain.modes import JOURNAL

    secret = "zebradraft91 the words to forget"
    record = store.add_entry(JOURNAL, secret)
    write_draft(settings.data_dir, Draft(prompt=f"{secret} (edited)", composer={"code": "Another draft."}))

    store.forget([record.id])

    assert eraser.find_text(settings.data_dir, ["zebradraft91"]) == []
    assert read_draft(settings.data_dir) == Draft(composer={"code": "Another draft."})


async def test_a_damaged_draft_file_is_left_aside_and_the_app_starts_as_usual(settings, clock):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / DRAFT_FILE).write_bytes(b'{"version": 1, "prompt": "cut off')
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert prompt(app).value == ""
        await pilot.press(*"new text")
        await until(pilot, lambda: read_draft(settings.data_dir).prompt == "new text")
