"""What the main screen looks like in each mode, wide and at 80×24, after one turn.

Deterministic: fixed clock, fixed entries, scripted replies, the stand-in Ollama's status shows
only the model name, and the prompt's cursor does not blink. Refresh with
``pytest tests/app/test_tui_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from tests.tui_support import make_app, quiet_cursor, send, settle

REFLECTION = "It sounds like the river gave you room to think. What did you notice on the way?"
ANSWER = "Use a comprehension:\n\n```python\nsquares = [n * n for n in numbers]\n```\n\nIt reads better than `map`."


def seeded_turn(mode_name: str, clock):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot)
        store, modes = app.workspace.journal, app.workspace.modes
        store.add_entry(modes["journal"], "Walked along the river this morning; the fog made everything quiet.",
                        "A quiet start to the day.")
        clock.advance(days=1)
        store.add_entry(modes["journal"], "Long call with my sister about moving house.")
        store.add_entry(modes["code"], "How do I reverse a list in Python?", "Use reversed() or slicing.")
        clock.advance(days=1)
        if mode_name == "code":
            await pilot.press("ctrl+t")
            await send(pilot, "How do I square every number in a list?")
        else:
            await send(pilot, "Another walk by the river today, foggy again.")
        quiet_cursor(pilot)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("mode_name", ["journal", "code"])
def test_main_screen(snap_compare, settings, clock, ollama_stub, mode_name, size):
    ollama_stub.script(text=ANSWER if mode_name == "code" else REFLECTION)
    app = make_app(settings, clock)
    assert snap_compare(app, terminal_size=size, run_before=seeded_turn(mode_name, clock))


@pytest.mark.parametrize("size", [(80, 24), (150, 42)], ids=["80x24", "150x42"])
def test_help_screen(snap_compare, settings, clock, ollama_stub, size):
    """F1: keys grouped where they act, what each does wrapped, never cut."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        quiet_cursor(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(settings, clock), terminal_size=size, run_before=run_before)
