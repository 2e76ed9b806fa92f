"""A whole full-screen session under the audit hook of audit_hook.py, in a process of its own:

    python tests/audited_tui.py REPORT_JSON ALLOWED_ROOT[:ALLOWED_ROOT…] -- ENTRY ENTRY EDIT

The app is the real one (settings from the environment, as ``mindpane`` resolves them; the data dir
and Ollama come from MINDPANE_DATA_DIR and OLLAMA_HOST) driven headless by Pilot: it waits for the
store, sends each ENTRY as a journal turn, opens the newest entry from the history pane, appends
EDIT to it in the editor, saves, goes back and quits with ctrl+q. What the session saw is printed
as one JSON line on stdout; what the process did is in REPORT_JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys

from audit_hook import Audit, parse_argv  # this script's directory is on sys.path

SIZE = (120, 40)


async def session(entries: list[str], edit: str) -> dict:
    from textual.widgets import Static, TextArea
    from tui_support import chat, send, settle

    from tui.app import MindpaneApp
    from tui.screens.edit_screen import EditScreen
    from tui.screens.entry_screen import EntryScreen
    from tui.screens.main_screen import MainScreen
    from tui.services.settings import resolve_settings
    from tui.widgets.history_table import HistoryTable

    seen: dict = {"replies": [], "screens": []}
    app = MindpaneApp(resolve_settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen["store_state"] = app.store_state
        for text in entries:
            view = await send(pilot, text)
            seen["replies"].append(view.reply.text)
        app.query_one(HistoryTable).focus()
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        seen["screens"].append(type(app.screen).__name__)
        if isinstance(app.screen, EntryScreen):
            seen["opened"] = str(app.screen.query_one(".entry-text", Static).content)
            await pilot.press("e")
            await pilot.pause()
            seen["screens"].append(type(app.screen).__name__)
            if isinstance(app.screen, EditScreen):
                editor = app.screen.query_one(TextArea)
                editor.move_cursor(editor.document.end)
                await pilot.press(*edit, "ctrl+s")
                await settle(pilot)
                seen["screens"].append(type(app.screen).__name__)
            await pilot.press("escape")
            await settle(pilot)
        seen["screens"].append(type(app.screen).__name__)
        seen["transcript"] = [v.turn.text for v in chat(app).transcript().views] \
            if isinstance(app.screen, MainScreen) else []
        await pilot.press("ctrl+q")
        await pilot.pause()
    seen["return_code"] = app.return_code
    return seen


def main() -> int:
    report, roots, args = parse_argv(sys.argv)
    *entries, edit = args
    audit = Audit(roots).install()  # before the first import of the app or its libraries
    try:
        seen = asyncio.run(session(entries, edit))
    finally:
        audit.dump(report)
    print(json.dumps(seen))
    return 0 if seen.get("return_code") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
