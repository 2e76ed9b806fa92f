"""The command palette names the key of each command that has one, and that key is the binding's:
a key rebound in ``BINDINGS`` is the key the palette says, never a copy typed into its text."""

from __future__ import annotations

from textual.binding import Binding

from tests.tui_support import SIZE, make_app, settle
from tui.screens.main_screen import MainScreen
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.transcript import Transcript

KEYED = {"Stop reply": "(Esc)", "Regenerate": "(ctrl+n)", "Edit and resend": "(ctrl+f)",
         "Question or entry": "(q on a turn; F7 in the prompt)", "Reply is wrong": "(w on a turn or a history row)",
         "Also recall from other modes": "(F9)", "On this day": "(F8)", "Calendar": "(F6)"}


async def palette_help(settings, clock) -> dict[str, str]:
    """Each palette command's title → its help text, on the main screen."""
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        return {command.title: command.help for command in app.get_system_commands(app.screen)}


def rebound(bindings: list, action: str, key: str) -> list:
    """``bindings`` with ``action`` bound to ``key`` instead."""
    made = Binding.make_bindings(bindings)
    return [Binding(key, b.action, b.description, b.show, tooltip=b.tooltip) if b.action == action else b
            for b in made]


async def test_the_palette_names_each_commands_key(settings, clock):
    helps = await palette_help(settings, clock)
    for title, keys in KEYED.items():
        assert helps[title].endswith(keys), (title, helps[title])


async def test_a_rebound_key_is_the_key_the_palette_names(settings, clock, monkeypatch):
    monkeypatch.setattr(MainScreen, "BINDINGS", rebound(MainScreen.BINDINGS, "regenerate", "ctrl+k"))
    monkeypatch.setattr(MainScreen, "BINDINGS", rebound(MainScreen.BINDINGS, "on_this_day", "f10"))
    monkeypatch.setattr(MainScreen, "BINDINGS", rebound(MainScreen.BINDINGS, "escape", "ctrl+c"))
    monkeypatch.setattr(Transcript, "BINDINGS", rebound(Transcript.BINDINGS, "flag('kind')", "k"))
    monkeypatch.setattr(PromptBar, "BINDINGS", rebound(PromptBar.BINDINGS, "flip_kind", "f12"))

    helps = await palette_help(settings, clock)

    assert helps["Regenerate"].endswith("(ctrl+k)")
    assert helps["On this day"].endswith("(F10)")
    assert helps["Stop reply"].endswith("(ctrl+c)")
    assert helps["Question or entry"].endswith("(k on a turn; F12 in the prompt)")
    assert "ctrl+n" not in helps["Regenerate"] and "F8" not in helps["On this day"]
