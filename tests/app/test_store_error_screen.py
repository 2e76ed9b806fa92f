"""The screen shown when the memory store cannot be opened binds no bare letter: typing into it —
the person may not have noticed it replace the chat — neither quits nor retries."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.widgets import Static

from tests.screen_text import joined, read_through
from tests.tui_support import SIZE, make_app, settle
from tui.screens.store_error_screen import StoreErrorScreen


def failing_app(settings, clock, tmp_path: Path):
    """An app whose data dir sits under a regular file: opening the store always fails."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    return make_app(type(settings)(data_dir=blocker / "data", ollama_host=settings.ollama_host), clock)


def test_the_screen_binds_only_ctrl_and_function_keys():
    keys = [key.strip() for binding in Binding.make_bindings(StoreErrorScreen.BINDINGS)
            for key in binding.key.split(",")]
    assert keys and all(key.startswith("ctrl+") or (key[0] == "f" and key[1:].isdigit()) for key in keys), keys


async def test_typing_letters_neither_quits_nor_retries(settings, clock, tmp_path):
    app = failing_app(settings, clock, tmp_path)
    attempts: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoreErrorScreen)
        original_dismiss = screen.dismiss
        screen.dismiss = lambda result=None: attempts.append(result) or original_dismiss(result)

        await pilot.press(*"qrQR", "y", "n", "question_mark", "space", "enter")
        await settle(pilot)

        assert app.is_running and app.screen is screen
        assert attempts == []
        hint = " ".join(str(static.render()) for static in screen.query(Static))
        assert "ctrl+r to try again once it is fixed, or ctrl+q to quit." in hint
        assert "Press r" not in hint and "q (ctrl+q)" not in hint
        footer_keys = {binding.description for binding in Binding.make_bindings(StoreErrorScreen.BINDINGS)}
        assert footer_keys == {"Try again", "Diagnose", "Repair", "Quit"}


async def test_ctrl_r_tries_again_and_ctrl_q_quits(settings, clock, tmp_path):
    app = failing_app(settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen
        assert isinstance(first, StoreErrorScreen)

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, StoreErrorScreen) and app.screen is not first  # tried, failed again

        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_a_damaged_history_file_is_diagnosed_and_repaired_from_the_error_screen(settings, clock):
    from tui.domain.modes import JOURNAL
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    kept = store.add_entry(JOURNAL, "An entry that must survive the repair.", "It does.")
    store.close()
    (settings.data_dir / "history.db").write_bytes(b"this is not a database" * 100)

    app = make_app(settings, clock, chroma=True)  # a damaged history.db is a Chroma index file
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoreErrorScreen)
        assert f"{settings.data_dir / 'history.db'}" in str(screen.query_one(".store-error-message", Static).content)

        await pilot.press("ctrl+d")
        await settle(pilot)
        report = str(screen.query_one(".store-error-report", Static).content)
        assert f"✗ {settings.data_dir / 'history.db'} is damaged" in report

        await pilot.press("f7")
        await settle(pilot)
        assert "Repaired: press ctrl+r" in str(screen.query_one(".store-error-report", Static).content)
        assert list(settings.data_dir.glob("history.db.corrupt-*"))

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not isinstance(app.screen, StoreErrorScreen)
        record = app.workspace.journal.record.get(kept.id)
        assert (record.text, record.reply) == ("An entry that must survive the repair.", "It does.")


async def test_at_80x24_the_error_and_the_whole_diagnosis_can_be_read(settings, clock):
    """The message, the fix, the keys and every line the doctor reports fit the screen or scroll
    into it (the report was cut after its first line)."""
    from tui.domain.modes import JOURNAL
    from tui.services.engine import open_store

    store = open_store(settings, clock)
    store.add_entry(JOURNAL, "An entry.")
    store.close()
    (settings.data_dir / "history.db").write_bytes(b"this is not a database" * 100)

    app = make_app(settings, clock, chroma=True)  # a damaged history.db is a Chroma index file
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoreErrorScreen)
        await pilot.press("ctrl+d")
        await settle(pilot)
        dialog = screen.query_one(".store-error")
        assert screen.region.contains_region(dialog.region)
        drawn = "".join(joined(await read_through(pilot, dialog)).split())
        report = str(screen.query_one(".store-error-report", Static).content)
        assert f"✗ {settings.data_dir / 'history.db'} is damaged" in report
        for shown in (screen.error.message, screen.error.hint, "ctrl+q to quit", report):
            assert "".join(shown.split()) in drawn, shown
