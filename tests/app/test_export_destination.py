"""Export from the palette says exactly where the file went: the documents folder when there is
one, else the home folder — and then that there was no documents folder, so the person is not left
looking for it where the palette said it would be."""

from __future__ import annotations

from tests.tui_support import SIZE, make_app, notified, run_command, settle
from tui.domain.modes import JOURNAL


async def export(settings, clock) -> list[str]:
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.workspace.journal.add_entry(JOURNAL, "Exported from the palette.")
        await run_command(pilot, "Export")
        await settle(pilot)
        return [note for note in notified(app) if "Exported" in note]


async def test_without_a_documents_folder_the_export_says_it_went_to_the_home_folder(settings, clock, isolated_home):
    (message,) = await export(settings, clock)
    (written,) = isolated_home.glob("mindpane-export-*.json")
    assert str(written) in message
    assert "no documents folder" in message and "home folder" in message


async def test_with_a_documents_folder_the_export_goes_there_and_says_so(settings, clock, isolated_home):
    (isolated_home / "Documents").mkdir()
    (message,) = await export(settings, clock)
    (written,) = (isolated_home / "Documents").glob("mindpane-export-*.json")
    assert str(written) in message
    assert "no documents folder" not in message
